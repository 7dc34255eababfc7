using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Milvus.Akka.Common;

namespace Milvus.Akka.Cluster.Wire;

/// <summary>
/// Protobuf encodings of the shared vocabulary (schemas, columns, row batches) written with Google.Protobuf's
/// coded streams. Field numbers are the format: never reuse one. Fixed-width columns and vectors travel as one
/// little-endian byte block, so a batch of 128-d rows is copied once, not boxed per element.
/// </summary>
public static class WireCodec
{
    // Column fields.
    private const int ColumnType = 1;
    private const int ColumnValidity = 2;
    private const int ColumnElementType = 3;
    private const int ColumnDim = 4;
    private const int ColumnRaw = 10;
    private const int ColumnStrings = 11;
    private const int ColumnBlobs = 12;
    private const int ColumnArrayRows = 13;
    private const int ColumnCount = 14;

    public static ByteString ToBytes(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return UnsafeByteOperations.UnsafeWrap(buffer.ToArray());
    }

    public static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> write) =>
        WriteEncoded(output, field, ToBytes(write));

    /// <summary>Writes an already encoded message as a length-delimited field.</summary>
    public static void WriteEncoded(CodedOutputStream output, int field, ByteString message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(message);
    }

    public static void WriteString(CodedOutputStream output, int field, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    public static void WriteInt64(CodedOutputStream output, int field, long value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt64(value);
        }
    }

    public static void WriteUInt64(CodedOutputStream output, int field, ulong value)
    {
        if (value != 0)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteUInt64(value);
        }
    }

    public static void WriteBool(CodedOutputStream output, int field, bool value)
    {
        if (value)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteBool(true);
        }
    }

    /// <summary>Writes a string when it is not null, even when empty, so a reader can tell null from "".</summary>
    public static void WriteNullableString(CodedOutputStream output, int field, string? value)
    {
        if (value is not null)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    /// <summary>Writes an optional integer only when it has a value, so a reader can tell null from 0.</summary>
    public static void WriteNullableInt64(CodedOutputStream output, int field, long? value)
    {
        if (value is { } present)
        {
            output.WriteTag(field, WireFormat.WireType.Varint);
            output.WriteInt64(present);
        }
    }

    /// <summary>Writes an optional float only when it has a value, so a reader can tell null from 0.</summary>
    public static void WriteNullableFloat(CodedOutputStream output, int field, float? value)
    {
        if (value is { } present)
        {
            output.WriteTag(field, WireFormat.WireType.Fixed32);
            output.WriteFloat(present);
        }
    }

    public static void WriteStrings(CodedOutputStream output, int field, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteString(value);
        }
    }

    public static void WriteBytes(CodedOutputStream output, int field, ReadOnlySpan<byte> value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    }

    public static void WriteMap(CodedOutputStream output, int field, IEnumerable<KeyValuePair<string, string>> map)
    {
        foreach (var (key, value) in map)
        {
            WriteMessage(output, field, o =>
            {
                WriteString(o, 1, key);
                WriteString(o, 2, value);
            });
        }
    }

    public static KeyValuePair<string, string> ReadMapEntry(ByteString bytes)
    {
        string key = "", value = "";
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: key = input.ReadString(); break;
                case 2: value = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new(key, value);
    }

    /// <summary>Iterates the fields of a message; the caller must read or skip each one.</summary>
    public static IEnumerable<(int Field, CodedInputStream Input)> Fields(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            yield return (WireFormat.GetTagFieldNumber(tag), input);
        }
    }

    public static void WriteRawArray<T>(CodedOutputStream output, int field, T[] values) where T : unmanaged =>
        WriteBytes(output, field, MemoryMarshal.AsBytes(values.AsSpan()));

    public static void WriteRawSpan<T>(CodedOutputStream output, int field, ReadOnlySpan<T> values) where T : unmanaged =>
        WriteBytes(output, field, MemoryMarshal.AsBytes(values));

    public static T[] ReadRawArray<T>(ByteString bytes) where T : unmanaged => MemoryMarshal.Cast<byte, T>(bytes.Span).ToArray();

    /// <summary>Fixed-width values as one little-endian block, for a <c>bytes</c> field of a generated message.</summary>
    public static ByteString RawBytes<T>(ReadOnlySpan<T> values) where T : unmanaged => ByteString.CopyFrom(MemoryMarshal.AsBytes(values));

    public static ByteString EncodeColumn(Column column) => ToBytes(o => WriteColumn(o, column));

    private static void WriteColumn(CodedOutputStream o, Column column)
    {
        if (RawValues(column) is { } raw)
        {
            WriteFixedWidthColumn(o, column, raw);
            return;
        }

        WriteColumnHeader(o, column);
        switch (column)
        {
            case StringColumn c:
                foreach (var value in c.Values)
                {
                    o.WriteTag(ColumnStrings, WireFormat.WireType.LengthDelimited);
                    o.WriteString(value ?? "");
                }

                break;
            case BytesColumn c:
                if (c is VectorArrayColumn lists)
                {
                    WriteInt64(o, ColumnElementType, (long)lists.ElementType);
                    WriteInt64(o, ColumnDim, lists.Dim);
                }

                foreach (var value in c.Values)
                {
                    WriteBytes(o, ColumnBlobs, value ?? []);
                }

                break;
            case SparseVectorColumn c:
                foreach (var value in c.Values)
                {
                    WriteBytes(o, ColumnBlobs, value);
                }

                break;
            case ArrayColumn c:
                WriteInt64(o, ColumnElementType, (long)c.ElementType);
                foreach (var row in c.Values)
                {
                    WriteMessage(o, ColumnArrayRows, r => WriteArrayRow(r, c.ElementType, row));
                }

                break;
            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"column type {column.GetType().Name} cannot be encoded");
        }
    }

    private static void WriteArrayRow(CodedOutputStream o, DataType elementType, Array? row)
    {
        switch (row)
        {
            case null: break;
            case string[] strings:
                foreach (var value in strings)
                {
                    o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    o.WriteString(value ?? "");
                }

                break;
            case bool[] v: WriteRawArray(o, 2, v); break;
            case int[] v: WriteRawArray(o, 2, v); break;
            case long[] v: WriteRawArray(o, 2, v); break;
            case float[] v: WriteRawArray(o, 2, v); break;
            case double[] v: WriteRawArray(o, 2, v); break;
            default: throw new MilvusException(ErrorCode.ParameterInvalid, $"array row of {elementType} cannot be encoded");
        }
    }

    private static void WriteColumnHeader(CodedOutputStream o, Column column)
    {
        o.WriteTag(ColumnType, WireFormat.WireType.Varint);
        o.WriteInt32((int)column.Type);
        WriteInt64(o, ColumnCount, column.Count);
        if (column.Validity is { } validity)
        {
            WriteRawArray(o, ColumnValidity, validity);
        }
    }

    /// <summary>The value bytes of a fixed-width column (scalars and vectors, written as one raw block), else null.</summary>
    private static ByteString? RawValues(Column column) => column switch
    {
        ScalarColumn<bool> c => RawBytes(c.Values),
        ScalarColumn<int> c => RawBytes(c.Values),
        ScalarColumn<long> c => RawBytes(c.Values),
        ScalarColumn<float> c => RawBytes(c.Values),
        ScalarColumn<double> c => RawBytes(c.Values),
        VectorColumn<float> c => RawBytes(c.Values),
        VectorColumn<byte> c => UnsafeByteOperations.UnsafeWrap(c.Values),
        _ => null,
    };

    /// <summary>The bytes of an array without copying them (written once, straight into the output).</summary>
    private static ByteString RawBytes<T>(T[] values) where T : unmanaged =>
        UnsafeByteOperations.UnsafeWrap(new ByteView<T>(values).Memory);

    private static int VectorDim(Column column) => column switch
    {
        VectorColumn<float> c => c.Dim,
        VectorColumn<byte> c => c.Dim,
        _ => 0,
    };

    private static void WriteFixedWidthColumn(CodedOutputStream o, Column column, ByteString raw)
    {
        WriteColumnHeader(o, column);
        WriteInt64(o, ColumnDim, VectorDim(column));
        o.WriteTag(ColumnRaw, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(raw);
    }

    /// <summary>Exactly the bytes <see cref="WriteFixedWidthColumn"/> writes.</summary>
    private static int FixedWidthColumnSize(Column column, ByteString raw)
    {
        var size = CodedOutputStream.ComputeTagSize(ColumnType) + CodedOutputStream.ComputeInt32Size((int)column.Type);
        size += Int64FieldSize(ColumnCount, column.Count) + Int64FieldSize(ColumnDim, VectorDim(column));
        if (column.Validity is { } validity)
        {
            size += BytesFieldSize(ColumnValidity, validity.Length);
        }

        return size + BytesFieldSize(ColumnRaw, raw.Length);
    }

    /// <summary>The encoded size of what <see cref="WriteInt64"/> writes (nothing for 0).</summary>
    public static int Int64FieldSize(int field, long value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeInt64Size(value);

    /// <summary>The encoded size of what <see cref="WriteUInt64"/> writes (nothing for 0).</summary>
    public static int UInt64FieldSize(int field, ulong value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeUInt64Size(value);

    /// <summary>The encoded size of what <see cref="WriteString"/> writes (nothing for an empty string).</summary>
    public static int StringFieldSize(int field, string value) =>
        value.Length == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeStringSize(value);

    private static int BytesFieldSize(int field, int length) =>
        CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize(length) + length;

    public static Column DecodeColumn(ByteString bytes)
    {
        var type = DataType.None;
        var elementType = DataType.None;
        var dim = 0;
        var count = 0;
        bool[]? validity = null;
        ByteString raw = ByteString.Empty;
        var strings = new List<string>();
        var blobs = new List<byte[]>();
        var arrayRows = new List<ByteString>();
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case ColumnType: type = (DataType)input.ReadInt32(); break;
                case ColumnCount: count = (int)input.ReadInt64(); break;
                case ColumnValidity: validity = ReadRawArray<bool>(input.ReadBytes()); break;
                case ColumnElementType: elementType = (DataType)input.ReadInt64(); break;
                case ColumnDim: dim = (int)input.ReadInt64(); break;
                case ColumnRaw: raw = input.ReadBytes(); break;
                case ColumnStrings: strings.Add(input.ReadString()); break;
                case ColumnBlobs: blobs.Add(input.ReadBytes().ToByteArray()); break;
                case ColumnArrayRows: arrayRows.Add(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return type switch
        {
            DataType.Bool => new ScalarColumn<bool>(type, ReadRawArray<bool>(raw), validity),
            DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(type, ReadRawArray<int>(raw), validity),
            DataType.Int64 or DataType.Timestamptz => new ScalarColumn<long>(type, ReadRawArray<long>(raw), validity),
            DataType.Float => new ScalarColumn<float>(type, ReadRawArray<float>(raw), validity),
            DataType.Double => new ScalarColumn<double>(type, ReadRawArray<double>(raw), validity),
            DataType.FloatVector => new VectorColumn<float>(type, dim, ReadRawArray<float>(raw), validity),
            _ when type.IsPackedVector() => new VectorColumn<byte>(type, dim, raw.ToByteArray(), validity),
            DataType.SparseFloatVector => new SparseVectorColumn(PadToCount(blobs, count, []), validity),
            DataType.VarChar or DataType.String => new StringColumn(PadToCount(strings, count, ""), validity),
            DataType.Json => new JsonColumn(PadToCount(blobs, count, []), validity),
            DataType.Geometry => new GeometryColumn(PadToCount(blobs, count, []), validity),
            DataType.ArrayOfVector => new VectorArrayColumn(elementType, dim, PadToCount(blobs, count, []), validity),
            DataType.Array => new ArrayColumn(elementType, arrayRows.Select(r => ReadArrayRow(r, elementType)).ToArray(), validity),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"column type {type} cannot be decoded"),
        };
    }

    /// <summary>Empty strings and blobs are written too, so this only matters for a zero-row column.</summary>
    private static T[] PadToCount<T>(List<T> values, int count, T filler)
    {
        while (values.Count < count)
        {
            values.Add(filler);
        }

        return values.ToArray();
    }

    private static Array ReadArrayRow(ByteString bytes, DataType elementType)
    {
        var strings = new List<string>();
        var raw = ByteString.Empty;
        foreach (var (field, input) in Fields(bytes))
        {
            switch (field)
            {
                case 1: strings.Add(input.ReadString()); break;
                case 2: raw = input.ReadBytes(); break;
                default: input.SkipLastField(); break;
            }
        }

        return elementType switch
        {
            DataType.VarChar or DataType.String => strings.ToArray(),
            DataType.Bool => ReadRawArray<bool>(raw),
            DataType.Int8 or DataType.Int16 or DataType.Int32 => ReadRawArray<int>(raw),
            DataType.Int64 => ReadRawArray<long>(raw),
            DataType.Float => ReadRawArray<float>(raw),
            DataType.Double => ReadRawArray<double>(raw),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"array element type {elementType} cannot be decoded"),
        };
    }

    public static ByteString EncodeRowBatch(RowBatch batch)
    {
        var encoding = new RowBatchEncoding(batch);
        var bytes = GC.AllocateUninitializedArray<byte>(encoding.Size); // filled exactly (CheckNoSpaceLeft)
        var output = new CodedOutputStream(bytes);
        encoding.WriteFields(output);
        output.CheckNoSpaceLeft();
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    /// <summary>
    /// A row batch message laid out before it is written, so its exact size is known and it can be written straight
    /// into the enclosing message's buffer: fixed-width columns (vectors, numbers) are copied once, from their arrays
    /// to the output, with no intermediate buffers. Each column is an entry {1: field id, 2: column}.
    /// </summary>
    public sealed class RowBatchEncoding
    {
        private readonly List<(long FieldId, Column Column, ByteString Bytes, bool Raw, int ColumnSize, int EntrySize)> _entries = [];

        public RowBatchEncoding(RowBatch batch)
        {
            foreach (var (fieldId, column) in batch.Columns.OrderBy(c => c.Key))
            {
                var raw = RawValues(column);
                var bytes = raw ?? EncodeColumn(column);
                var columnSize = raw is null ? bytes.Length : FixedWidthColumnSize(column, raw);
                var entrySize = Int64FieldSize(1, fieldId) + BytesFieldSize(2, columnSize);
                _entries.Add((fieldId, column, bytes, raw is not null, columnSize, entrySize));
                Size += BytesFieldSize(1, entrySize);
            }
        }

        /// <summary>Bytes of the batch message (without a tag or length of its own).</summary>
        public int Size { get; }

        /// <summary>Writes the batch as a length-delimited field of the enclosing message.</summary>
        public void WriteTo(CodedOutputStream output, int field)
        {
            output.WriteTag(field, WireFormat.WireType.LengthDelimited);
            output.WriteLength(Size);
            WriteFields(output);
        }

        /// <summary>Bytes <see cref="WriteTo"/> writes.</summary>
        public int FieldSize(int field) => BytesFieldSize(field, Size);

        internal void WriteFields(CodedOutputStream output)
        {
            foreach (var (fieldId, column, bytes, raw, columnSize, entrySize) in _entries)
            {
                output.WriteTag(1, WireFormat.WireType.LengthDelimited);
                output.WriteLength(entrySize);
                WriteInt64(output, 1, fieldId);
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                if (raw)
                {
                    output.WriteLength(columnSize);
                    WriteFixedWidthColumn(output, column, bytes);
                }
                else
                {
                    output.WriteBytes(bytes);
                }
            }
        }
    }

    /// <summary>The bytes of an array of unmanaged values as memory, without copying (ByteString wraps memory only).</summary>
    private sealed class ByteView<T>(T[] values) : System.Buffers.MemoryManager<byte> where T : unmanaged
    {
        private GCHandle _pin;

        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(values.AsSpan());

        public override unsafe System.Buffers.MemoryHandle Pin(int elementIndex = 0)
        {
            if (!_pin.IsAllocated)
            {
                _pin = GCHandle.Alloc(values, GCHandleType.Pinned);
            }

            return new System.Buffers.MemoryHandle((byte*)_pin.AddrOfPinnedObject() + elementIndex, default, this);
        }

        public override void Unpin()
        {
            if (_pin.IsAllocated)
            {
                _pin.Free();
            }
        }

        protected override void Dispose(bool disposing) => Unpin();
    }

    public static RowBatch DecodeRowBatch(ByteString bytes)
    {
        var columns = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var (field, input) in Fields(bytes))
        {
            if (field != 1)
            {
                input.SkipLastField();
                continue;
            }

            long fieldId = 0;
            Column? column = null;
            foreach (var (inner, innerInput) in Fields(input.ReadBytes()))
            {
                switch (inner)
                {
                    case 1: fieldId = innerInput.ReadInt64(); break;
                    case 2: column = DecodeColumn(innerInput.ReadBytes()); break;
                    default: innerInput.SkipLastField(); break;
                }
            }

            columns[fieldId] = column ?? throw new InvalidDataException($"row batch field {fieldId} has no column");
        }

        return new RowBatch(columns.ToImmutable());
    }
}
