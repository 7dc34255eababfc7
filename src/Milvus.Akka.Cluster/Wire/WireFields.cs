using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using Google.Protobuf;

namespace Milvus.Akka.Cluster.Wire;

/// <summary>
/// The fields of one decoded protobuf message, by field number, for decoders of small cluster messages: reading by
/// number instead of a switch per message keeps each decoder one expression. Absent fields read as protobuf
/// defaults (0, false, "", empty); unknown fields are kept and ignored, so newer writers stay readable.
/// </summary>
public sealed class WireFields
{
    private readonly Dictionary<int, List<Value>> _fields = [];

    private WireFields()
    {
    }

    private readonly record struct Value(ulong Scalar, ByteString? Bytes);

    public static WireFields Parse(ByteString bytes)
    {
        var result = new WireFields();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var value = WireFormat.GetTagWireType(tag) switch
            {
                WireFormat.WireType.Varint => new Value(input.ReadUInt64(), null),
                WireFormat.WireType.Fixed32 => new Value(input.ReadFixed32(), null),
                WireFormat.WireType.Fixed64 => new Value(input.ReadFixed64(), null),
                WireFormat.WireType.LengthDelimited => new Value(0, input.ReadBytes()),
                _ => throw new SerializationException($"unsupported protobuf wire type in tag {tag}"),
            };
            var number = WireFormat.GetTagFieldNumber(tag);
            if (!result._fields.TryGetValue(number, out var values))
            {
                result._fields[number] = values = [];
            }

            values.Add(value);
        }

        return result;
    }

    public bool Has(int field) => _fields.ContainsKey(field);

    public long Int64(int field) => (long)Scalar(field);

    public ulong UInt64(int field) => Scalar(field);

    public int Int32(int field) => checked((int)Int64(field));

    public bool Bool(int field) => Scalar(field) != 0;

    public float Float(int field) => BitConverter.Int32BitsToSingle((int)(uint)Scalar(field));

    public long? NullableInt64(int field) => Has(field) ? Int64(field) : null;

    public float? NullableFloat(int field) => Has(field) ? Float(field) : null;

    public string String(int field) => Bytes(field).ToStringUtf8();

    public string? NullableString(int field) => Has(field) ? String(field) : null;

    /// <summary>The last occurrence of a length-delimited field (protobuf's last-one-wins), empty when absent.</summary>
    public ByteString Bytes(int field) => _fields.TryGetValue(field, out var values) ? values[^1].Bytes ?? ByteString.Empty : ByteString.Empty;

    /// <summary>A nested message that every valid writer emits; its absence means the bytes are not this message.</summary>
    public ByteString Required(int field, string what) =>
        Has(field) ? Bytes(field) : throw new SerializationException($"{what} (field {field}) is missing");

    public IEnumerable<ByteString> RepeatedBytes(int field) =>
        _fields.TryGetValue(field, out var values) ? values.Select(v => v.Bytes ?? ByteString.Empty) : [];

    public ImmutableArray<string> Strings(int field) => [.. RepeatedBytes(field).Select(b => b.ToStringUtf8())];

    public T[] RawArray<T>(int field) where T : unmanaged => WireCodec.ReadRawArray<T>(Bytes(field));

    public ImmutableArray<T> RawImmutableArray<T>(int field) where T : unmanaged =>
        ImmutableCollectionsMarshal.AsImmutableArray(RawArray<T>(field));

    public ImmutableSortedDictionary<string, string> SortedMap(int field) =>
        RepeatedBytes(field).Select(WireCodec.ReadMapEntry).ToImmutableSortedDictionary();

    public ImmutableDictionary<string, string> Map(int field) =>
        RepeatedBytes(field).Select(WireCodec.ReadMapEntry).ToImmutableDictionary();

    private ulong Scalar(int field) => _fields.TryGetValue(field, out var values) ? values[^1].Scalar : 0;
}
