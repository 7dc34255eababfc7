using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// The one placeholder of a search's serialized common.PlaceholderGroup, read in place: each query is a range of the
/// request's bytes, so a query vector is copied once, into the array the search runs on. (The generated parser copied
/// every value into a ByteString of its own, and the values were packed into one buffer before becoming floats: two
/// more copies of each vector, a fifth of a 784-d search's allocation.)
/// </summary>
/// <param name="Placeholders">How many placeholders the group holds (a search sends one); the rest is the first one's.</param>
public sealed record QueryPlaceholder(int Placeholders, string Tag, PlaceholderType Type, Range[] Values)
{
    // Field numbers and wire types of common.proto's PlaceholderGroup and PlaceholderValue.
    private const uint GroupPlaceholders = 1 << 3 | WireLength;
    private const uint ValueTag = 1 << 3 | WireLength;
    private const uint ValueType = 2 << 3 | WireVarint;
    private const uint ValueValues = 3 << 3 | WireLength;
    private const int WireVarint = 0, WireFixed64 = 1, WireLength = 2, WireStartGroup = 3, WireEndGroup = 4, WireFixed32 = 5;
    private const int MaxGroupDepth = 100;

    // Protobuf refuses a string field that is not UTF-8.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads <paramref name="group"/> as protobuf does: unknown fields skipped, a singular field sent twice taking its last value.</summary>
    public static QueryPlaceholder Read(ReadOnlySpan<byte> group)
    {
        var placeholders = 0;
        (string Tag, PlaceholderType Type, Range[] Values)? first = null;
        var reader = new Reader(group, 0, group.Length);
        while (!reader.AtEnd)
        {
            var field = reader.Tag();
            if (field == GroupPlaceholders)
            {
                // Every placeholder is read, so a malformed second one is refused as protobuf's parser would.
                var value = ReadValue(group, reader.Bytes());
                placeholders++;
                first ??= value;
            }
            else
            {
                reader.Skip(field, 0);
            }
        }

        var (tag, type, values) = first ?? ("", PlaceholderType.None, []);
        return new QueryPlaceholder(placeholders, tag, type, values);
    }

    private static (string Tag, PlaceholderType Type, Range[] Values) ReadValue(ReadOnlySpan<byte> group, Range range)
    {
        var (offset, length) = range.GetOffsetAndLength(group.Length);
        var reader = new Reader(group, offset, offset + length);
        var tag = "";
        var type = PlaceholderType.None;
        var values = new List<Range>(1);
        while (!reader.AtEnd)
        {
            var field = reader.Tag();
            switch (field)
            {
                case ValueTag:
                    try
                    {
                        tag = StrictUtf8.GetString(group[reader.Bytes()]);
                    }
                    catch (DecoderFallbackException)
                    {
                        throw Invalid("its tag is not UTF-8");
                    }

                    break;
                case ValueType:
                    type = (PlaceholderType)(int)reader.Varint();
                    break;
                case ValueValues:
                    values.Add(reader.Bytes());
                    break;
                default:
                    reader.Skip(field, 0);
                    break;
            }
        }

        return (tag, type, [.. values]);
    }

    private static MilvusException Invalid(string why) =>
        new(ErrorCode.ParameterInvalid, $"placeholder_group is not a valid common.PlaceholderGroup: {why}");

    /// <summary>Reads the fields of one message, the bytes from <paramref name="start"/> to <paramref name="end"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes, int start, int end)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly int _end = end;
        private int _position = start;

        public readonly bool AtEnd => _position == _end;

        /// <summary>Tags and lengths are 32-bit varints: longer encodings keep their low 32 bits, as protobuf reads them.</summary>
        public uint Tag()
        {
            var tag = (uint)Varint();
            if (tag >> 3 == 0 || (tag & 7) > WireFixed32)
            {
                throw Invalid($"invalid tag {tag}");
            }

            return tag;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_position == _end)
                {
                    throw Invalid("it ends inside a varint");
                }

                var b = _bytes[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw Invalid("a varint is longer than 10 bytes");
        }

        /// <summary>A length-delimited field's payload, as a range of the whole span.</summary>
        public Range Bytes()
        {
            var length = (int)(uint)Varint();
            if (length < 0 || length > _end - _position)
            {
                throw Invalid($"a field of {length} bytes runs past its end");
            }

            var start = _position;
            _position += length;
            return start..(start + length);
        }

        public void Skip(uint tag, int depth)
        {
            switch ((int)(tag & 7))
            {
                case WireVarint:
                    Varint();
                    break;
                case WireFixed64:
                    Advance(8);
                    break;
                case WireLength:
                    Bytes();
                    break;
                case WireFixed32:
                    Advance(4);
                    break;
                case WireStartGroup:
                    if (depth == MaxGroupDepth)
                    {
                        throw Invalid("groups nest too deep");
                    }

                    for (var inner = Tag(); inner != (tag & ~7u | WireEndGroup); inner = Tag())
                    {
                        Skip(inner, depth + 1);
                    }

                    break;
                default:
                    throw Invalid("an end-group tag without its start");
            }
        }

        private void Advance(int count)
        {
            if (count > _end - _position)
            {
                throw Invalid("it ends inside a fixed-width field");
            }

            _position += count;
        }
    }
}
