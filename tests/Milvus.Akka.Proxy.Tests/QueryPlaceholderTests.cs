using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Proxy.Grpc;
using DataType = Milvus.Akka.Common.DataType;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using FieldSchema = Milvus.Akka.Common.FieldSchema;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// The in-place reader of a search's placeholder group against protobuf's generated parser: the same placeholders from
/// every group it accepts, and the same groups refused (with ParameterInvalid, never another exception), including every
/// truncation and eight single-byte corruptions at every position of well-formed groups.
/// </summary>
public sealed class QueryPlaceholderTests
{
    [Fact]
    public void Reads_what_the_generated_parser_reads()
    {
        foreach (var group in Groups())
        {
            AssertSameAsParser(group);
        }
    }

    [Fact]
    public void Refuses_exactly_what_the_generated_parser_refuses_for_every_truncation_and_corrupted_byte()
    {
        var refused = 0;
        foreach (var group in Groups())
        {
            for (var length = 0; length < group.Length; length++)
            {
                refused += AssertSameAsParser(group[..length]) ? 0 : 1;
            }

            for (var position = 0; position < group.Length; position++)
            {
                foreach (var value in new byte[] { 0x00, 0x01, 0x07, 0x0C, 0x7F, 0x80, 0xFF, (byte)(group[position] ^ 0x80) })
                {
                    var corrupted = (byte[])group.Clone();
                    corrupted[position] = value;
                    refused += AssertSameAsParser(corrupted) ? 0 : 1;
                }
            }
        }

        Assert.True(refused > 100, $"only {refused} corrupted groups were refused: the corruptions do not exercise the checks");
    }

    [Fact]
    public void Copies_each_query_vector_once_into_floats_of_the_fields_type()
    {
        float[] first = [1.5f, -2, 3.25f, 0], second = [0.5f, 4, -1, 8];
        var group = Group(PlaceholderType.FloatVector, Bytes(first), Bytes(second));
        var placeholder = QueryPlaceholder.Read(group);

        var (floats, raw) = FieldDataConverter.QueryVectors(group, placeholder.Values, Field(DataType.FloatVector));

        Assert.Null(raw);
        Assert.Equal([.. first, .. second], floats);

        var halves = Group(PlaceholderType.Float16Vector, Bytes(first.Select(v => (Half)v).ToArray()), Bytes(second.Select(v => (Half)v).ToArray()));
        (floats, _) = FieldDataConverter.QueryVectors(halves, QueryPlaceholder.Read(halves).Values, Field(DataType.Float16Vector));
        Assert.Equal([.. first, .. second], floats);
    }

    [Fact]
    public void A_query_vector_of_the_wrong_width_is_refused_with_its_sizes()
    {
        var group = Group(PlaceholderType.FloatVector, Bytes(new float[] { 1, 2, 3, 4 }), Bytes(new float[] { 1, 2, 3 }));

        var error = Assert.Throws<MilvusException>(() => FieldDataConverter.QueryVectors(group, QueryPlaceholder.Read(group).Values, Field(DataType.FloatVector)));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("query vector 1 has 12 bytes", error.Message);
        Assert.Contains("16 bytes per vector", error.Message);
    }

    private static FieldSchema Field(DataType type) => new()
    {
        FieldId = 101,
        Name = "vec",
        DataType = type,
        TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, "4"),
    };

    private static byte[] Bytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static byte[] Group(PlaceholderType type, params byte[][] values) =>
        new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = type, Values = { values.Select(ByteString.CopyFrom) } } } }.ToByteArray();

    private static IEnumerable<byte[]> Groups()
    {
        yield return [];
        yield return Group(PlaceholderType.FloatVector, Bytes(new float[] { 1, 2, 3, 4 }), Bytes(new float[] { -1, 0.5f, 200, 1e-3f }));
        yield return Group(PlaceholderType.VarChar, "apple pie"u8.ToArray(), "ä ö ü"u8.ToArray(), []);
        yield return Group(PlaceholderType.BinaryVector);
        yield return new PlaceholderGroup
        {
            Placeholders =
            {
                new PlaceholderValue { Tag = "$0", Type = PlaceholderType.Int8Vector, Values = { ByteString.CopyFrom(1, 2, 3, 4) }, ElementLevel = true },
                new PlaceholderValue { Tag = "$1", Type = PlaceholderType.FloatVector },
            },
        }.ToByteArray();
        yield return WithUnknownFields();
    }

    /// <summary>
    /// A group whose value repeats its tag and type (the last counts) between fields of every wire type protobuf skips,
    /// a nested group among them, and an unknown field beside the placeholder.
    /// </summary>
    private static byte[] WithUnknownFields()
    {
        var value = new MemoryStream();
        var output = new CodedOutputStream(value);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString("$9");
        output.WriteTag(9, WireFormat.WireType.Fixed32);
        output.WriteFixed32(7);
        output.WriteTag(2, WireFormat.WireType.Varint);
        output.WriteEnum((int)PlaceholderType.BinaryVector);
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(9, 8, 7));
        output.WriteTag(10, WireFormat.WireType.Fixed64);
        output.WriteFixed64(1UL << 60);
        output.WriteTag(11, WireFormat.WireType.StartGroup);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteInt64(-5);
        output.WriteTag(12, WireFormat.WireType.StartGroup);
        output.WriteTag(12, WireFormat.WireType.EndGroup);
        output.WriteTag(11, WireFormat.WireType.EndGroup);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteString("$0");
        output.WriteTag(2, WireFormat.WireType.Varint);
        output.WriteEnum((int)PlaceholderType.FloatVector);
        output.WriteTag(13, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFromUtf8("skipped"));
        output.WriteTag(3, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(1, 2));
        output.Flush();

        var group = new MemoryStream();
        output = new CodedOutputStream(group);
        output.WriteTag(7, WireFormat.WireType.Varint);
        output.WriteUInt64(ulong.MaxValue);
        output.WriteTag(1, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value.ToArray()));
        output.Flush();
        return group.ToArray();
    }

    /// <returns>Whether the group was accepted.</returns>
    private static bool AssertSameAsParser(byte[] group)
    {
        PlaceholderGroup? expected;
        try
        {
            expected = PlaceholderGroup.Parser.ParseFrom(group);
        }
        catch (Exception)
        {
            expected = null;
        }

        QueryPlaceholder actual;
        try
        {
            actual = QueryPlaceholder.Read(group);
        }
        catch (MilvusException e) when (expected is null)
        {
            Assert.Equal(ErrorCode.ParameterInvalid, e.Code);
            Assert.StartsWith("placeholder_group is not a valid common.PlaceholderGroup", e.Message);
            return false;
        }

        Assert.True(expected is not null, $"accepted a group protobuf refuses: {Convert.ToHexString(group)}");
        Assert.Equal(expected.Placeholders.Count, actual.Placeholders);
        if (expected.Placeholders.Count > 0)
        {
            var first = expected.Placeholders[0];
            Assert.Equal(first.Tag, actual.Tag);
            Assert.Equal(first.Type, actual.Type);
            Assert.Equal(first.Values.Select(v => v.ToByteArray()), actual.Values.Select(r => group[r]));
        }

        return true;
    }
}
