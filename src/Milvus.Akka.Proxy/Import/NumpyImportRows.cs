using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Spatial;

namespace Milvus.Akka.Proxy.Import;

/// <summary>
/// The rows of a Milvus NumPy import: one <c>.npy</c> file per field, named for it (<c>id.npy</c>, <c>vector.npy</c>,
/// <c>$meta.npy</c>), all with the same number of rows, as pymilvus's BulkWriter writes them. Scalars are 1-D arrays
/// (bool, any integer width, float32/64), VarChar, JSON, Timestamptz (ISO text) and Geometry (WKT) fixed-width unicode
/// strings (<c>&lt;U</c>), float vectors 2-D float32/64 arrays of <c>dim</c> columns, binary vectors uint8 arrays of
/// <c>dim/8</c>, Float16/BFloat16 vectors uint8 arrays of <c>2·dim</c> (their bytes) or float arrays of <c>dim</c>,
/// Int8 vectors int8 arrays. A field without a file is left to the insert path (defaults, nulls, or an error naming it).
/// </summary>
public static partial class NumpyImportRows
{
    public const string Extension = ".npy";

    /// <exception cref="MilvusException">ParameterInvalid for a file that is not NumPy, names no field or does not fit its field;
    /// OperationNotSupported for fields NumPy files cannot carry (arrays, sparse vectors, structs).</exception>
    public static IEnumerable<IReadOnlyDictionary<string, Column>> Read(IReadOnlyList<(string Path, byte[] Bytes)> files, CollectionSchema schema,
        TimeZoneInfo timezone, int batchRows)
    {
        var columns = new Dictionary<string, Column>();
        var rows = -1;
        string? first = null;
        foreach (var (path, bytes) in files)
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var field = schema.FindField(name) is { StructFieldId: 0 } found
                ? found
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"file {path}: the collection {schema.Name} has no field '{name}' for it");
            var array = NpyArray.Parse(path, bytes);
            if (rows >= 0 && array.Rows != rows)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"file {path} holds {array.Rows} rows but {first} holds {rows}: every file needs one row per entity");
            }

            if (!columns.TryAdd(field.Name, ToColumn(field, array, timezone)))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"file {path}: field '{name}' has two files");
            }

            (rows, first) = (array.Rows, path);
        }

        for (var start = 0; start < rows; start += batchRows)
        {
            var batch = Enumerable.Range(start, Math.Min(batchRows, rows - start)).ToArray();
            yield return columns.ToDictionary(c => c.Key, c => c.Value.Gather(batch));
        }
    }

    private static Column ToColumn(FieldSchema field, NpyArray array, TimeZoneInfo timezone)
    {
        var n = array.Rows;
        switch (field.DataType)
        {
            case DataType.Bool:
                array.ExpectScalar(field, array.Kind == 'b');
                return new ScalarColumn<bool>(field.DataType, Each(n, i => array.Bytes(i)[0] != 0));
            case DataType.Int8 or DataType.Int16 or DataType.Int32:
                array.ExpectScalar(field, array.IsInteger);
                return new ScalarColumn<int>(field.DataType, Each(n, i => array.Integer(i) is var v && v is >= int.MinValue and <= int.MaxValue
                    ? (int)v
                    : throw new MilvusException(ErrorCode.ParameterInvalid, $"file {array.File}, row {i}: {v} does not fit field '{field.Name}' ({field.DataType})")));
            case DataType.Int64:
                array.ExpectScalar(field, array.IsInteger);
                return new ScalarColumn<long>(field.DataType, Each(n, array.Integer));
            case DataType.Float:
                array.ExpectScalar(field, array.Kind == 'f');
                return new ScalarColumn<float>(field.DataType, Each(n, i => (float)array.Real(i)));
            case DataType.Double:
                array.ExpectScalar(field, array.Kind == 'f');
                return new ScalarColumn<double>(field.DataType, Each(n, array.Real));
            case DataType.VarChar or DataType.String:
                array.ExpectScalar(field, array.Kind == 'U');
                return new StringColumn(Each(n, array.Text));
            case DataType.Json:
                array.ExpectScalar(field, array.Kind == 'U');
                return new JsonColumn(Each(n, i => Encoding.UTF8.GetBytes(array.Text(i))));
            case DataType.Timestamptz:
                array.ExpectScalar(field, array.Kind == 'U');
                return new ScalarColumn<long>(field.DataType, Each(n, i => Timestamptz.Parse(array.Text(i), timezone)));
            case DataType.Geometry:
                array.ExpectScalar(field, array.Kind == 'U');
                return new GeometryColumn(Each(n, i => GeometryCodec.WktToWkb(array.Text(i), $"file {array.File}, row {i}")));
            case DataType.FloatVector:
                array.ExpectVectors(field, field.Dim, array.Kind == 'f');
                return new VectorColumn<float>(field.DataType, field.Dim, array.Floats());
            case DataType.BinaryVector:
                array.ExpectVectors(field, field.Dim / 8, array is { Kind: 'u', ItemSize: 1 });
                return new VectorColumn<byte>(field.DataType, field.Dim, array.Data.ToArray());
            case DataType.Int8Vector:
                array.ExpectVectors(field, field.Dim, array is { Kind: 'i', ItemSize: 1 });
                return new VectorColumn<byte>(field.DataType, field.Dim, array.Data.ToArray());
            case DataType.Float16Vector or DataType.BFloat16Vector when array is { Kind: 'u', ItemSize: 1 }:
                array.ExpectVectors(field, field.DataType.VectorRowWidth(field.Dim), true);
                return new VectorColumn<byte>(field.DataType, field.Dim, array.Data.ToArray());
            case DataType.Float16Vector or DataType.BFloat16Vector:
                array.ExpectVectors(field, field.Dim, array.Kind == 'f');
                var packed = new byte[n * field.DataType.VectorRowWidth(field.Dim)];
                try
                {
                    PackedVectors.FromSingle(field.DataType, array.Floats(), packed);
                }
                catch (MilvusException e)
                {
                    throw new MilvusException(e.Code, $"file {array.File}: {e.Message}");
                }

                return new VectorColumn<byte>(field.DataType, field.Dim, packed);
            default:
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"file {array.File}: importing field '{field.Name}' of type {field.DataType} from NumPy files is not supported by Milvus.Akka: import JSON, Parquet or CSV files");
        }
    }

    private static T[] Each<T>(int rows, Func<int, T> read)
    {
        var values = new T[rows];
        for (var i = 0; i < rows; i++)
        {
            values[i] = read(i);
        }

        return values;
    }

    /// <summary>An array of a <c>.npy</c> file (format versions 1 to 3): its element kind and size, its shape and its C-ordered, little-endian data.</summary>
    private sealed partial record NpyArray(string File, char Kind, int ItemSize, int[] Shape, ReadOnlyMemory<byte> Data)
    {
        public int Rows => Shape.Length == 0 ? 1 : Shape[0];

        public bool IsInteger => Kind is 'i' or 'u';

        public static NpyArray Parse(string file, byte[] bytes)
        {
            if (bytes.Length < 10 || bytes[0] != 0x93 || !bytes.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
            {
                throw Bad(file, "it does not start with the NumPy magic string");
            }

            var (length, start) = bytes[6] == 1
                ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10)
                : bytes.Length >= 12 ? ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12) : (-1, 0);
            if (length < 0 || start + length > bytes.Length)
            {
                throw Bad(file, "its header is cut short");
            }

            var header = Encoding.UTF8.GetString(bytes, start, length);
            if (FortranOrder().Match(header) is { Success: true } fortran && fortran.Groups[1].Value == "True")
            {
                throw Bad(file, "it is in Fortran order: save a C-ordered array (np.ascontiguousarray)");
            }

            var descr = Descr().Match(header);
            var shape = ShapeOf().Match(header);
            if (!descr.Success || !shape.Success)
            {
                throw Bad(file, $"its header names no simple dtype and shape: {header.Trim()}");
            }

            var (order, kind, size) = (descr.Groups[1].Value, descr.Groups[2].Value[0],
                descr.Groups[3].Value.Length == 0 ? 0 : int.Parse(descr.Groups[3].Value, CultureInfo.InvariantCulture));
            if (kind == 'O')
            {
                throw Bad(file, "it holds Python objects (dtype object): save strings as a unicode array (dtype=str)");
            }

            if (order == ">" && (size > 1 || kind == 'U'))
            {
                throw Bad(file, "it is big-endian: save it little-endian (astype('<...'))");
            }

            var itemSize = kind == 'U' ? size * 4 : size;
            var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var dim) ? dim : -1).ToArray();
            if (dims.Any(d => d < 0))
            {
                throw Bad(file, $"its shape ({shape.Groups[1].Value}) is not a list of dimensions");
            }

            // In doubles, so that a hostile shape cannot overflow into a size that happens to fit (exact below 2^53 bytes).
            var expected = dims.Aggregate((double)itemSize, (a, d) => a * d);
            if (bytes.Length - start - length != expected)
            {
                throw Bad(file, $"its shape ({string.Join(", ", dims)}) of {descr.Groups[2].Value}{size} needs {expected} bytes of data, it holds {bytes.Length - start - length}");
            }

            return new NpyArray(file, kind, itemSize, dims, bytes.AsMemory(start + length));
        }

        public void ExpectScalar(FieldSchema field, bool typeFits)
        {
            if (!typeFits || Shape.Length != 1)
            {
                throw Mismatch(field, "a 1-D array");
            }
        }

        public void ExpectVectors(FieldSchema field, int width, bool typeFits)
        {
            if (!typeFits || Shape.Length != 2 || Shape[1] != width)
            {
                throw Mismatch(field, $"a 2-D array of {width} columns");
            }
        }

        public ReadOnlySpan<byte> Bytes(int row) => Data.Span.Slice(row * ItemSize, ItemSize);

        public long Integer(int row)
        {
            var bytes = Bytes(row);
            return (Kind, ItemSize) switch
            {
                ('i', 1) => (sbyte)bytes[0],
                ('u', 1) => bytes[0],
                ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(bytes),
                ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
                ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(bytes),
                ('u', 8) when BinaryPrimitives.ReadUInt64LittleEndian(bytes) is var u and <= long.MaxValue => (long)u,
                _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"file {File}, row {row}: the value does not fit a 64-bit integer"),
            };
        }

        public double Real(int row)
        {
            var bytes = Bytes(row);
            return ItemSize switch
            {
                2 => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes),
                4 => BinaryPrimitives.ReadSingleLittleEndian(bytes),
                8 => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
                _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"file {File}: float{ItemSize * 8} is not a float NumPy writes"),
            };
        }

        /// <summary>A fixed-width unicode element: UTF-32 code points, padded with zeros.</summary>
        public string Text(int row)
        {
            var bytes = Bytes(row);
            var length = bytes.Length;
            while (length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(bytes[(length - 4)..]) == 0)
            {
                length -= 4;
            }

            return Encoding.UTF32.GetString(bytes[..length]);
        }

        /// <summary>Every element as float32, row after row.</summary>
        public float[] Floats()
        {
            if (ItemSize == 4)
            {
                return MemoryMarshal.Cast<byte, float>(Data.Span).ToArray();
            }

            var values = new float[Data.Length / ItemSize];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)Real(i);
            }

            return values;
        }

        private MilvusException Mismatch(FieldSchema field, string shape) => new(ErrorCode.ParameterInvalid,
            $"file {File}: field '{field.Name}' ({field.DataType}{(field.DataType.IsVector() && field.DataType != DataType.SparseFloatVector ? $", dim {field.Dim}" : "")}) " +
            $"takes {shape} of {Takes(field.DataType)}, but the file holds {Kind}{(Kind == 'U' ? ItemSize / 4 : ItemSize)} of shape ({string.Join(", ", Shape)})");

        private static string Takes(DataType type) => type switch
        {
            DataType.Bool => "bool",
            DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 => "integers",
            DataType.Float or DataType.Double or DataType.FloatVector => "floats",
            DataType.BinaryVector => "uint8",
            DataType.Int8Vector => "int8",
            DataType.Float16Vector or DataType.BFloat16Vector => "floats (or uint8 of 2·dim columns)",
            _ => "unicode strings",
        };

        private static MilvusException Bad(string file, string why) => new(ErrorCode.ParameterInvalid, $"file {file} is not a NumPy array file NumPy import reads: {why}");

        [GeneratedRegex(@"'descr'\s*:\s*'([<>|=]?)([biufUO])(\d*)'")]
        private static partial Regex Descr();

        [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
        private static partial Regex FortranOrder();

        [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
        private static partial Regex ShapeOf();
    }
}
