using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Arrays;
using Apache.Arrow.Types;
using Milvus.Akka.Common;
using Array = System.Array;
using Column = Milvus.Akka.Common.Column;

namespace Milvus.Akka.Storage.Segments;

/// <summary>What the codec needs to know about a field: its type, an array field's element type and a vector's dim.</summary>
internal readonly record struct ColumnType(DataType Type, DataType ElementType = DataType.None, int Dim = 0)
{
    public static ColumnType Of(FieldSchema field) => new(field.DataType, field.ElementType, field.Dim);
}

/// <summary>
/// Converts <see cref="Column"/>s to Arrow arrays and back. Fixed-width values and vectors are handed to Arrow as
/// views of the column's own arrays (no copy on write) and come back with one bulk copy per column; strings,
/// JSON and arrays are packed into one offsets buffer and one data buffer. Null rows read back as the empty value
/// of their type ("" / no bytes / empty array / default scalar).
/// </summary>
internal static class ArrowColumns
{
    public static IArrowType ArrowType(ColumnType type) => type.Type switch
    {
        DataType.Bool => BooleanType.Default,
        DataType.Int8 or DataType.Int16 or DataType.Int32 => Int32Type.Default,
        DataType.Int64 or DataType.Timestamptz => Int64Type.Default,
        DataType.Float => FloatType.Default,
        DataType.Double => DoubleType.Default,
        DataType.VarChar or DataType.String => StringType.Default,
        // An ArrayOfVector row is its vectors packed one after another (VectorArrayColumn); the schema gives their type and dim.
        DataType.Json or DataType.Geometry or DataType.SparseFloatVector or DataType.ArrayOfVector => BinaryType.Default,
        DataType.Array => new ListType(ArrowType(new ColumnType(type.ElementType))),
        DataType.FloatVector => new FixedSizeListType(FloatType.Default, type.Dim),
        _ when type.Type.IsPackedVector() => new FixedSizeBinaryType(type.Type.VectorRowWidth(type.Dim)),
        _ => throw new MilvusException(ErrorCode.OperationNotSupported, $"data type {type.Type} cannot be stored in a sealed segment yet"),
    };

    public static IArrowArray Encode(ColumnType type, Column column, string fieldName)
    {
        var length = column.Count;
        var (validity, nullCount) = Bitmap(column.Validity);
        switch (type.Type, column)
        {
            case (DataType.Bool, ScalarColumn<bool> c):
                return new BooleanArray(Bitmap(c.Values).Buffer, validity, length, nullCount, 0);
            case (DataType.Int8 or DataType.Int16 or DataType.Int32, ScalarColumn<int> c):
                return new Int32Array(View(c.Values), validity, length, nullCount, 0);
            case (DataType.Int64 or DataType.Timestamptz, ScalarColumn<long> c):
                return new Int64Array(View(c.Values), validity, length, nullCount, 0);
            case (DataType.Float, ScalarColumn<float> c):
                return new FloatArray(View(c.Values), validity, length, nullCount, 0);
            case (DataType.Double, ScalarColumn<double> c):
                return new DoubleArray(View(c.Values), validity, length, nullCount, 0);
            case (DataType.VarChar or DataType.String, StringColumn c):
            {
                var (offsets, data) = PackStrings(c.Values);
                return new StringArray(length, offsets, data, validity, nullCount, 0);
            }

            case (DataType.Json or DataType.Geometry, BytesColumn c) when c.Type == type.Type:
            {
                var (offsets, data) = PackBytes(c.Values);
                return new BinaryArray(BinaryType.Default, length, offsets, data, validity, nullCount, 0);
            }

            case (DataType.ArrayOfVector, VectorArrayColumn c) when c.ElementType == type.ElementType && c.Dim == type.Dim:
            {
                var (offsets, data) = PackBytes(c.Values);
                return new BinaryArray(BinaryType.Default, length, offsets, data, validity, nullCount, 0);
            }

            case (DataType.SparseFloatVector, SparseVectorColumn c):
            {
                var (offsets, data) = PackBytes(c.Values);
                return new BinaryArray(BinaryType.Default, length, offsets, data, validity, nullCount, 0);
            }

            case (DataType.Array, ArrayColumn c) when SameElementType(c.ElementType, type.ElementType):
            {
                var (offsets, total) = ListOffsets(c.Values);
                var values = EncodeElements(type.ElementType, c.Values, total);
                return new ListArray(ArrowType(type), length, offsets, values, validity, nullCount, 0);
            }

            case (DataType.FloatVector, VectorColumn<float> c) when c.Dim == type.Dim:
            {
                var values = new FloatArray(View(c.Values), ArrowBuffer.Empty, c.Values.Length, 0, 0);
                return new FixedSizeListArray(ArrowType(type), length, values, validity, nullCount, 0);
            }

            case (_, VectorColumn<byte> c) when type.Type.IsPackedVector() && c.Type == type.Type && c.Dim == type.Dim:
                return new FixedSizeBinaryArray(new ArrayData(ArrowType(type), length, nullCount, 0, [validity, View(c.Values)]));

            default:
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"field '{fieldName}' is {Describe(type)} but its column is a {Describe(column)}");
        }
    }

    /// <summary>Rebuilds a column; <paramref name="array"/> must have the type <see cref="ArrowType"/> gives for <paramref name="type"/>.</summary>
    public static Column Decode(ColumnType type, IArrowArray array)
    {
        var validity = Validity(array);
        switch (type.Type, array)
        {
            case (DataType.Bool, BooleanArray a):
            {
                var values = new bool[a.Length];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = a.GetValue(i) ?? false;
                }

                return new ScalarColumn<bool>(type.Type, values, validity);
            }

            case (DataType.Int8 or DataType.Int16 or DataType.Int32, Int32Array a):
                return new ScalarColumn<int>(type.Type, a.Values.ToArray(), validity);
            case (DataType.Int64 or DataType.Timestamptz, Int64Array a):
                return new ScalarColumn<long>(type.Type, a.Values.ToArray(), validity);
            case (DataType.Float, FloatArray a):
                return new ScalarColumn<float>(type.Type, a.Values.ToArray(), validity);
            case (DataType.Double, DoubleArray a):
                return new ScalarColumn<double>(type.Type, a.Values.ToArray(), validity);
            case (DataType.VarChar or DataType.String, StringArray a):
                return new StringColumn(DecodeStrings(a), validity);
            case (DataType.Json, BinaryArray a) when a is not StringArray:
                return new JsonColumn(DecodeBlobs(a), validity);
            case (DataType.Geometry, BinaryArray a) when a is not StringArray:
                return new GeometryColumn(DecodeBlobs(a), validity);
            case (DataType.ArrayOfVector, BinaryArray a) when a is not StringArray:
                return new VectorArrayColumn(type.ElementType, type.Dim, DecodeBlobs(a), validity);
            case (DataType.SparseFloatVector, BinaryArray a) when a is not StringArray:
                return new SparseVectorColumn(DecodeBlobs(a), validity);

            case (DataType.Array, ListArray a):
                return new ArrayColumn(type.ElementType, DecodeRows(type.ElementType, a), validity);
            case (DataType.FloatVector, FixedSizeListArray { Values: FloatArray values } a)
                when ((FixedSizeListType)a.Data.DataType).ListSize == type.Dim:
                return new VectorColumn<float>(type.Type, type.Dim, values.Values.Slice(a.Offset * type.Dim, a.Length * type.Dim).ToArray(), validity);
            case (_, FixedSizeBinaryArray a) when type.Type.IsPackedVector()
                && ((FixedSizeBinaryType)a.Data.DataType).ByteWidth == type.Type.VectorRowWidth(type.Dim):
            {
                var width = type.Type.VectorRowWidth(type.Dim);
                return new VectorColumn<byte>(type.Type, type.Dim, a.ValueBuffer.Span.Slice(a.Offset * width, a.Length * width).ToArray(), validity);
            }

            default:
                throw new InvalidDataException($"Arrow type {array.Data.DataType.Name} does not hold {Describe(type)}");
        }
    }

    private static byte[][] DecodeBlobs(BinaryArray array)
    {
        var values = new byte[array.Length][];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = array.GetBytes(i).ToArray();
        }

        return values;
    }

    public static UInt64Array EncodeTimestamps(ulong[] timestamps) => new(View(timestamps), ArrowBuffer.Empty, timestamps.Length, 0, 0);

    public static ulong[] DecodeTimestamps(IArrowArray array) => array is UInt64Array { NullCount: 0 } timestamps
        ? timestamps.Values.ToArray()
        : throw new InvalidDataException($"timestamps must be a uint64 column without nulls, not {array.Data.DataType.Name}");

    private static bool SameElementType(DataType a, DataType b) =>
        a == b || (a.IsInteger() && b.IsInteger() && a != DataType.Int64 && b != DataType.Int64) || (a.IsString() && b.IsString());

    private static IArrowArray EncodeElements(DataType elementType, Array[] rows, int total) => elementType switch
    {
        DataType.Bool => new BooleanArray(Bitmap(Flatten<bool>(rows, total)).Buffer, ArrowBuffer.Empty, total, 0, 0),
        DataType.Int8 or DataType.Int16 or DataType.Int32 => new Int32Array(View(Flatten<int>(rows, total)), ArrowBuffer.Empty, total, 0, 0),
        DataType.Int64 => new Int64Array(View(Flatten<long>(rows, total)), ArrowBuffer.Empty, total, 0, 0),
        DataType.Float => new FloatArray(View(Flatten<float>(rows, total)), ArrowBuffer.Empty, total, 0, 0),
        DataType.Double => new DoubleArray(View(Flatten<double>(rows, total)), ArrowBuffer.Empty, total, 0, 0),
        DataType.VarChar or DataType.String => EncodeStringElements(rows, total),
        _ => throw new MilvusException(ErrorCode.OperationNotSupported, $"array element type {elementType} is not supported"),
    };

    private static StringArray EncodeStringElements(Array[] rows, int total)
    {
        var (offsets, data) = PackStrings(Flatten<string>(rows, total));
        return new StringArray(total, offsets, data, ArrowBuffer.Empty, 0, 0);
    }

    private static Array[] DecodeRows(DataType elementType, ListArray list)
    {
        var offsets = list.ValueOffsets;
        var rows = new Array[list.Length];
        switch (list.Values)
        {
            case BooleanArray values:
                for (var i = 0; i < rows.Length; i++)
                {
                    var row = new bool[offsets[i + 1] - offsets[i]];
                    for (var j = 0; j < row.Length; j++)
                    {
                        row[j] = values.GetValue(offsets[i] + j) ?? false;
                    }

                    rows[i] = row;
                }

                break;
            case Int32Array values:
                SliceRows(values.Values, offsets, rows);
                break;
            case Int64Array values:
                SliceRows(values.Values, offsets, rows);
                break;
            case FloatArray values:
                SliceRows(values.Values, offsets, rows);
                break;
            case DoubleArray values:
                SliceRows(values.Values, offsets, rows);
                break;
            case StringArray values:
                for (var i = 0; i < rows.Length; i++)
                {
                    var row = new string[offsets[i + 1] - offsets[i]];
                    for (var j = 0; j < row.Length; j++)
                    {
                        row[j] = values.GetString(offsets[i] + j) ?? "";
                    }

                    rows[i] = row;
                }

                break;
            default:
                throw new InvalidDataException($"Arrow list of {list.Values.Data.DataType.Name} does not hold {elementType} elements");
        }

        return rows;
    }

    private static void SliceRows<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> offsets, Array[] rows) where T : unmanaged
    {
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = values[offsets[i]..offsets[i + 1]].ToArray();
        }
    }

    private static string[] DecodeStrings(StringArray array)
    {
        var values = new string[array.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = array.GetString(i) ?? "";
        }

        return values;
    }

    private static (ArrowBuffer Offsets, int Total) ListOffsets(Array?[] rows)
    {
        var offsets = new int[rows.Length + 1];
        long total = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            total += rows[i]?.Length ?? 0;
            offsets[i + 1] = CheckedLength(total);
        }

        return (View(offsets), (int)total);
    }

    private static T[] Flatten<T>(Array?[] rows, int total)
    {
        var flat = new T[total];
        var position = 0;
        foreach (var row in rows)
        {
            if (row is null)
            {
                continue;
            }

            ((T[])row).CopyTo(flat, position);
            position += row.Length;
        }

        return flat;
    }

    private static (ArrowBuffer Offsets, ArrowBuffer Data) PackStrings(string?[] values)
    {
        var offsets = new int[values.Length + 1];
        long total = 0;
        for (var i = 0; i < values.Length; i++)
        {
            total += values[i] is { } value ? Encoding.UTF8.GetByteCount(value) : 0;
            offsets[i + 1] = CheckedLength(total);
        }

        var data = new byte[total];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                Encoding.UTF8.GetBytes(value, data.AsSpan(offsets[i]));
            }
        }

        return (View(offsets), new ArrowBuffer(data));
    }

    private static (ArrowBuffer Offsets, ArrowBuffer Data) PackBytes(byte[]?[] values)
    {
        var offsets = new int[values.Length + 1];
        long total = 0;
        for (var i = 0; i < values.Length; i++)
        {
            total += values[i]?.Length ?? 0;
            offsets[i + 1] = CheckedLength(total);
        }

        var data = new byte[total];
        for (var i = 0; i < values.Length; i++)
        {
            values[i]?.CopyTo(data, offsets[i]);
        }

        return (View(offsets), new ArrowBuffer(data));
    }

    private static int CheckedLength(long total) => total <= int.MaxValue
        ? (int)total
        : throw new MilvusException(ErrorCode.ParameterTooLarge, "a variable-length column of a segment exceeds 2 GiB; seal smaller segments");

    /// <summary>An LSB-first bitmap (Arrow's validity and boolean layout) and the number of false entries.</summary>
    private static (ArrowBuffer Buffer, int FalseCount) Bitmap(bool[]? bits)
    {
        if (bits is null)
        {
            return (ArrowBuffer.Empty, 0);
        }

        var bytes = new byte[(bits.Length + 7) >> 3];
        var falseCount = 0;
        for (var i = 0; i < bits.Length; i++)
        {
            if (bits[i])
            {
                bytes[i >> 3] |= (byte)(1 << (i & 7));
            }
            else
            {
                falseCount++;
            }
        }

        return (new ArrowBuffer(bytes), falseCount);
    }

    private static bool[]? Validity(IArrowArray array)
    {
        if (array.NullCount == 0)
        {
            return null;
        }

        var validity = new bool[array.Length];
        for (var i = 0; i < validity.Length; i++)
        {
            validity[i] = array.IsValid(i);
        }

        return validity;
    }

    private static ArrowBuffer View<T>(T[] values) where T : unmanaged => new(new ByteView<T>(values).Memory);

    private static string Describe(ColumnType type) => type.Type switch
    {
        DataType.Array => $"Array<{type.ElementType}>",
        DataType.ArrayOfVector => $"Array<{type.ElementType}(dim={type.Dim})>",
        _ when type.Type.IsVector() && type.Type != DataType.SparseFloatVector => $"{type.Type}(dim={type.Dim})",
        _ => type.Type.ToString(),
    };

    private static string Describe(Column column) => column switch
    {
        ArrayColumn c => $"Array<{c.ElementType}> column",
        VectorArrayColumn c => $"Array<{c.ElementType}(dim={c.Dim})> column",
        VectorColumn<float> c => $"FloatVector(dim={c.Dim}) column",
        VectorColumn<byte> c => $"{c.Type}(dim={c.Dim}) column",
        _ => $"{column.GetType().Name.Split('`')[0]} of {column.Type}",
    };

    /// <summary>The bytes of an unmanaged array as a <see cref="Memory{T}"/>, so Arrow can write the array without a copy.</summary>
    private sealed class ByteView<T>(T[] array) : MemoryManager<byte> where T : unmanaged
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());

        // Each pin owns its GC handle; disposing the MemoryHandle frees it.
        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
