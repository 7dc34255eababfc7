using System.Runtime.InteropServices;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Spatial;
using Milvus.Akka.Grpc.Protocol.Schema;
using DataType = Milvus.Akka.Common.DataType;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using FieldSchema = Milvus.Akka.Common.FieldSchema;
using ProtoDataType = Milvus.Akka.Grpc.Protocol.Schema.DataType;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Column-major schema.FieldData to and from <see cref="Column"/>s. Nullable data may come compact (values for valid
/// rows only, as the Node SDK sends) or full length; both are expanded to full length with a validity mask.
/// </summary>
public static class FieldDataConverter
{
    /// <param name="timezone">The collection's time zone: Timestamptz strings without an offset are read in it.</param>
    public static Column FromFieldData(FieldData data, FieldSchema field, int rows, TimeZoneInfo timezone)
    {
        // The schema decides the type, but a type no Milvus version defines is a corrupt request, not data to take.
        if (!Enum.IsDefined(data.Type))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' is sent with unknown data type {(int)data.Type}");
        }

        var validity = data.ValidData.Count == 0 ? null : data.ValidData.ToArray();
        if (validity is not null && validity.Length != rows)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' has {validity.Length} valid_data flags for {rows} rows");
        }

        return field.DataType switch
        {
            DataType.ArrayOfVector => VectorArrays(data, field, rows, validity),
            _ when field.DataType.IsVector() => Vectors(data, field, rows, validity),
            _ when data.FieldCase != FieldData.FieldOneofCase.Scalars =>
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' of type {field.DataType} needs scalar data"),
            _ => Scalars(data.Scalars, field, rows, validity, timezone),
        };
    }

    /// <param name="timezone">The zone Timestamptz values are shown in (the request's, else the collection's).</param>
    public static FieldData ToFieldData(FieldSchema field, Column column, TimeZoneInfo timezone)
    {
        var data = new FieldData
        {
            FieldName = field.Name,
            FieldId = field.FieldId,
            Type = (ProtoDataType)field.DataType,
            IsDynamic = field.IsDynamic,
        };
        if (column.Validity is { } validity)
        {
            data.ValidData.Add(validity);
        }

        // Milvus answers a nullable vector field compact: vectors for the valid rows only, placed by valid_data.
        switch (column.Type.IsVector() ? column.WithoutNullRows() : column)
        {
            case ScalarColumn<long> { Type: DataType.Timestamptz } instants:
                // Milvus answers Timestamptz as ISO strings in string_data, keeping the Timestamptz type.
                data.Scalars = new ScalarField { StringData = new StringArray { Data = { instants.Values.Select(v => Timestamptz.Format(v, timezone)) } } };
                break;
            case VectorColumn<float> v:
                data.Vectors = new VectorField { Dim = v.Dim, FloatVector = new FloatArray { Data = { v.Values } } };
                break;
            case VectorArrayColumn arrays:
                var vectorArray = new VectorArray { Dim = arrays.Dim, ElementType = (ProtoDataType)arrays.ElementType };
                vectorArray.Data.Add(arrays.Values.Select(row => VectorsOf(arrays.ElementType, arrays.Dim, row)));
                data.Vectors = new VectorField { Dim = arrays.Dim, VectorArray = vectorArray };
                break;
            case VectorColumn<byte> b:
                data.Vectors = PackedVectorField(b);
                break;
            case SparseVectorColumn sparse:
                data.Vectors = new VectorField
                {
                    Dim = SparseVectors.Dim(sparse.Values),
                    SparseFloatVector = new SparseFloatArray { Dim = SparseVectors.Dim(sparse.Values), Contents = { sparse.Values.Select(ByteString.CopyFrom) } },
                };
                break;
            default:
                data.Scalars = ToScalarField(column);
                break;
        }

        return data;
    }

    /// <summary>
    /// An array-of-struct field as Milvus answers it: one FieldData named for the struct whose struct_arrays hold the
    /// sub-fields' columns under their names within the struct.
    /// </summary>
    public static FieldData StructToFieldData(StructFieldSchema structField, IEnumerable<(FieldSchema Field, Column Column)> subFields, TimeZoneInfo timezone)
    {
        var structArrays = new StructArrayField();
        foreach (var (field, column) in subFields)
        {
            var sub = ToFieldData(field, column, timezone);
            sub.FieldName = field.ShortName;
            structArrays.Fields.Add(sub);
        }

        return new FieldData { FieldName = structField.Name, FieldId = structField.FieldId, Type = ProtoDataType.ArrayOfStruct, StructArrays = structArrays };
    }

    /// <summary>One row of an ArrayOfVector field: its vectors packed as a vector field of the element type holds them.</summary>
    private static VectorField VectorsOf(DataType elementType, int dim, byte[] packed) => elementType == DataType.FloatVector
        ? new VectorField { Dim = dim, FloatVector = new FloatArray { Data = { MemoryMarshal.Cast<byte, float>(packed).ToArray() } } }
        : PackedVectorField(elementType, dim, ByteString.CopyFrom(packed));

    /// <summary>
    /// An ArrayOfVector sub-field's rows (vector_array: one VectorField of the element type per row, as many vectors
    /// as the row has struct elements), packed per row as <see cref="VectorArrayColumn"/> keeps them.
    /// </summary>
    private static VectorArrayColumn VectorArrays(FieldData data, FieldSchema field, int rows, bool[]? validity)
    {
        if (data.FieldCase != FieldData.FieldOneofCase.Vectors || data.Vectors.DataCase != VectorField.DataOneofCase.VectorArray)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' is an array of {field.ElementType} but its data is not a vector_array");
        }

        if (validity is not null && validity.Contains(false))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' is not nullable: a row without structs is an empty list");
        }

        var sent = data.Vectors.VectorArray;
        if (sent.Data.Count != rows)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' has {sent.Data.Count} rows of vectors, expected {rows}");
        }

        var width = field.ElementType.VectorRowBytes(field.Dim);
        var values = new byte[rows][];
        for (var row = 0; row < rows; row++)
        {
            var vectors = sent.Data[row];
            if (vectors.Dim != 0 && vectors.Dim != field.Dim)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"the dim ({vectors.Dim}) of row {row} of field '{field.Name}' doesn't match schema dim ({field.Dim})");
            }

            if (vectors.DataCase != CaseOf(field.ElementType))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"row {row} of field '{field.Name}' holds {vectors.DataCase} vectors, expected {field.ElementType}");
            }

            values[row] = field.ElementType == DataType.FloatVector
                ? MemoryMarshal.AsBytes(vectors.FloatVector.Data.ToArray().AsSpan()).ToArray()
                : PackedBytes(vectors).ToByteArray();
            if (values[row].Length % width != 0)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"row {row} of field '{field.Name}' has {values[row].Length} bytes of vectors, not a whole number of vectors of dim {field.Dim}");
            }
        }

        return new VectorArrayColumn(field.ElementType, field.Dim, values);
    }

    /// <summary>Where a VectorField holds vectors of <paramref name="type"/>.</summary>
    private static VectorField.DataOneofCase CaseOf(DataType type) => type switch
    {
        DataType.FloatVector => VectorField.DataOneofCase.FloatVector,
        DataType.BinaryVector => VectorField.DataOneofCase.BinaryVector,
        DataType.Float16Vector => VectorField.DataOneofCase.Float16Vector,
        DataType.BFloat16Vector => VectorField.DataOneofCase.Bfloat16Vector,
        DataType.Int8Vector => VectorField.DataOneofCase.Int8Vector,
        _ => VectorField.DataOneofCase.SparseFloatVector,
    };

    /// <summary>The bytes of a VectorField holding packed vectors (binary, Float16, BFloat16 or Int8).</summary>
    private static ByteString PackedBytes(VectorField vectors) => vectors.DataCase switch
    {
        VectorField.DataOneofCase.BinaryVector => vectors.BinaryVector,
        VectorField.DataOneofCase.Float16Vector => vectors.Float16Vector,
        VectorField.DataOneofCase.Bfloat16Vector => vectors.Bfloat16Vector,
        _ => vectors.Int8Vector,
    };

    private static VectorField PackedVectorField(VectorColumn<byte> column) =>
        PackedVectorField(column.Type, column.Dim, ByteString.CopyFrom(column.Values));

    private static VectorField PackedVectorField(DataType type, int dim, ByteString bytes)
    {
        var field = new VectorField { Dim = dim };
        switch (type)
        {
            case DataType.BinaryVector: field.BinaryVector = bytes; break;
            case DataType.Float16Vector: field.Float16Vector = bytes; break;
            case DataType.BFloat16Vector: field.Bfloat16Vector = bytes; break;
            default: field.Int8Vector = bytes; break;
        }

        return field;
    }

    /// <summary>
    /// A vector field's rows. With valid_data, vectors may come for the valid rows only (as Milvus and its SDKs send a
    /// nullable vector field) or for every row; a null row is stored as zeros either way.
    /// </summary>
    private static Column Vectors(FieldData data, FieldSchema field, int rows, bool[]? validity)
    {
        var vectors = data.Vectors;
        if (data.FieldCase != FieldData.FieldOneofCase.Vectors)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' is a {field.DataType} field but its data is not a vector");
        }

        var expected = CaseOf(field.DataType);
        if (vectors.DataCase != expected)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' expects {expected} data, got {vectors.DataCase}");
        }

        if (field.DataType == DataType.SparseFloatVector)
        {
            // The sparse dim on the wire is the client's guess (the Node SDK sends the longest row's length); rows are checked one by one.
            var sent = vectors.SparseFloatVector.Contents.Select(row => row.ToByteArray()).ToArray();
            PhysicalRows(field, sent.Length, 1, rows, validity, "rows");
            var sparse = sent.Length == rows ? sent : new byte[rows][];
            for (int row = 0, next = 0; row < rows; row++)
            {
                var valid = validity is null || validity[row];
                if (sent.Length != rows)
                {
                    sparse[row] = valid ? sent[next++] : [];
                }
                else if (!valid)
                {
                    sparse[row] = [];
                }
            }

            return new SparseVectorColumn(sparse, validity);
        }

        if (vectors.Dim != 0 && vectors.Dim != field.Dim)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"the dim ({vectors.Dim}) of field data doesn't match schema dim ({field.Dim}) of field '{field.Name}'");
        }

        if (field.DataType == DataType.FloatVector)
        {
            var values = vectors.FloatVector.Data;
            var sent = PhysicalRows(field, values.Count, field.Dim, rows, validity, "floats");
            if (sent == rows)
            {
                // One copy out of the parsed message into the array the growing segment keeps, without zeroing it first.
                var floats = GC.AllocateUninitializedArray<float>(values.Count);
                values.CopyTo(floats, 0);
                return new VectorColumn<float>(DataType.FloatVector, field.Dim, ZeroNullRows(floats, field.Dim, validity), validity);
            }

            return new VectorColumn<float>(DataType.FloatVector, field.Dim, Spread(values.ToArray(), field.Dim, rows, validity!), validity);
        }

        var packed = PackedBytes(vectors);
        var width = field.DataType.VectorRowWidth(field.Dim);
        var sentRows = PhysicalRows(field, packed.Length, width, rows, validity, "bytes");
        var bytes = sentRows == rows ? ZeroNullRows(packed.ToByteArray(), width, validity) : Spread(packed.ToByteArray(), width, rows, validity!);
        return new VectorColumn<byte>(field.DataType, field.Dim, bytes, validity);
    }

    /// <summary>How many rows' vectors were sent: every row's, or (with valid_data) the valid rows' only.</summary>
    private static int PhysicalRows(FieldSchema field, int length, int width, int rows, bool[]? validity, string unit)
    {
        if (length == rows * width)
        {
            return rows;
        }

        var valid = validity?.Count(v => v) ?? rows;
        if (validity is null || length != valid * width)
        {
            var expected = validity is null ? $"{rows * width}" : $"{valid * width} (the {valid} valid rows) or {rows * width}";
            throw new MilvusException(ErrorCode.ParameterInvalid, field.DataType == DataType.SparseFloatVector
                ? $"the data of sparse vector field '{field.Name}' has {length} rows, expected {expected}"
                : $"the data of vector field '{field.Name}' has {length} {unit}, expected {expected} for {rows} rows of dim {field.Dim}");
        }

        return valid;
    }

    private static T[] ZeroNullRows<T>(T[] values, int width, bool[]? validity) where T : unmanaged
    {
        for (var row = 0; validity is not null && row < validity.Length; row++)
        {
            if (!validity[row])
            {
                values.AsSpan(row * width, width).Clear();
            }
        }

        return values;
    }

    /// <summary>The valid rows' vectors placed at their rows, zeros at the null ones.</summary>
    private static T[] Spread<T>(T[] compact, int width, int rows, bool[] validity) where T : unmanaged
    {
        var result = new T[rows * width];
        for (int row = 0, next = 0; row < rows; row++)
        {
            if (validity[row])
            {
                compact.AsSpan(next++ * width, width).CopyTo(result.AsSpan(row * width, width));
            }
        }

        return result;
    }

    private static Column Scalars(ScalarField scalars, FieldSchema field, int rows, bool[]? validity, TimeZoneInfo timezone)
    {
        var type = field.DataType;
        return (type, scalars.DataCase) switch
        {
            (DataType.Bool, ScalarField.DataOneofCase.BoolData) =>
                new ScalarColumn<bool>(type, Expand(scalars.BoolData.Data.ToArray(), field, rows, validity), validity),
            (DataType.Int8 or DataType.Int16 or DataType.Int32, ScalarField.DataOneofCase.IntData) =>
                new ScalarColumn<int>(type, Expand(scalars.IntData.Data.ToArray(), field, rows, validity), validity),
            (DataType.Int64, ScalarField.DataOneofCase.LongData) =>
                new ScalarColumn<long>(type, Expand(scalars.LongData.Data.ToArray(), field, rows, validity), validity),
            (DataType.Float, ScalarField.DataOneofCase.FloatData) =>
                new ScalarColumn<float>(type, Expand(scalars.FloatData.Data.ToArray(), field, rows, validity), validity),
            (DataType.Double, ScalarField.DataOneofCase.DoubleData) =>
                new ScalarColumn<double>(type, Expand(scalars.DoubleData.Data.ToArray(), field, rows, validity), validity),
            (DataType.VarChar or DataType.String, ScalarField.DataOneofCase.StringData) =>
                new StringColumn(Expand(scalars.StringData.Data.ToArray(), field, rows, validity, ""), validity),
            (DataType.Json, ScalarField.DataOneofCase.JsonData) =>
                new JsonColumn(Expand(scalars.JsonData.Data.Select(b => b.ToByteArray()).ToArray(), field, rows, validity, []), validity),
            (DataType.Array, ScalarField.DataOneofCase.ArrayData) => Arrays(scalars.ArrayData, field, rows, validity),
            (DataType.Geometry, ScalarField.DataOneofCase.GeometryWktData) =>
                Geometries(scalars.GeometryWktData.Data, field, rows, validity, (wkt, what) => GeometryCodec.WktToWkb(wkt, what)),
            (DataType.Geometry, ScalarField.DataOneofCase.GeometryData) =>
                Geometries(scalars.GeometryData.Data, field, rows, validity, (wkb, what) => GeometryCodec.NormalizeWkb(wkb.Span, what)),
            // The Node SDK sends ISO strings in string_data; timestamptz_data carries UTC microseconds as stored.
            (DataType.Timestamptz, ScalarField.DataOneofCase.StringData) => new ScalarColumn<long>(type,
                Instants(Expand(scalars.StringData.Data.ToArray(), field, rows, validity, ""), validity, field, timezone), validity),
            (DataType.Timestamptz, ScalarField.DataOneofCase.TimestamptzData) =>
                new ScalarColumn<long>(type, Expand(scalars.TimestamptzData.Data.ToArray(), field, rows, validity), validity),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field '{field.Name}' of type {type} cannot take {(scalars.DataCase == ScalarField.DataOneofCase.None ? "empty" : scalars.DataCase.ToString())} data"),
        };
    }

    /// <summary>
    /// Geometry rows as sent (WKT strings or WKB bytes), converted to the stored WKB; a null row (flagged in valid_data)
    /// is not parsed, and a row that does not parse is refused with its position.
    /// </summary>
    private static GeometryColumn Geometries<T>(IList<T> sent, FieldSchema field, int rows, bool[]? validity, Func<T, string, byte[]> toWkb)
    {
        var values = Expand(sent.ToArray(), field, rows, validity);
        var wkb = new byte[rows][];
        for (var row = 0; row < rows; row++)
        {
            wkb[row] = validity is { } valid && !valid[row] ? [] : toWkb(values[row]!, $"row {row} of geometry field '{field.Name}'");
        }

        return new GeometryColumn(wkb, validity);
    }

    /// <summary>The instants of the valid rows' ISO strings (a null row's placeholder is not read).</summary>
    private static long[] Instants(string[] texts, bool[]? validity, FieldSchema field, TimeZoneInfo timezone)
    {
        var instants = new long[texts.Length];
        for (var i = 0; i < instants.Length; i++)
        {
            if (validity is not null && !validity[i])
            {
                continue;
            }

            try
            {
                instants[i] = Timestamptz.Parse(texts[i], timezone);
            }
            catch (MilvusException e)
            {
                throw new MilvusException(e.Code, $"row {i} of Timestamptz field '{field.Name}': {e.Message}");
            }
        }

        return instants;
    }

    private static ArrayColumn Arrays(ArrayArray arrays, FieldSchema field, int rows, bool[]? validity)
    {
        if (!Enum.IsDefined(arrays.ElementType))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"array field '{field.Name}' is sent with unknown element type {(int)arrays.ElementType}");
        }

        var empty = Array.CreateInstance(ArrayColumn.RowType(field.ElementType).GetElementType()!, 0);
        var values = arrays.Data.Select(row => ArrayRow(row, field)).ToArray();
        return new ArrayColumn(field.ElementType, Expand(values, field, rows, validity, empty), validity);
    }

    private static Array ArrayRow(ScalarField row, FieldSchema field) => (ArrayColumn.RowType(field.ElementType), row.DataCase) switch
    {
        (_, ScalarField.DataOneofCase.None) => Array.CreateInstance(ArrayColumn.RowType(field.ElementType).GetElementType()!, 0),
        (var t, ScalarField.DataOneofCase.BoolData) when t == typeof(bool[]) => row.BoolData.Data.ToArray(),
        (var t, ScalarField.DataOneofCase.IntData) when t == typeof(int[]) => row.IntData.Data.ToArray(),
        (var t, ScalarField.DataOneofCase.LongData) when t == typeof(long[]) => row.LongData.Data.ToArray(),
        (var t, ScalarField.DataOneofCase.FloatData) when t == typeof(float[]) => row.FloatData.Data.ToArray(),
        (var t, ScalarField.DataOneofCase.DoubleData) when t == typeof(double[]) => row.DoubleData.Data.ToArray(),
        (var t, ScalarField.DataOneofCase.StringData) when t == typeof(string[]) => row.StringData.Data.ToArray(),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid,
            $"array field '{field.Name}' holds {field.ElementType} elements, got {row.DataCase}"),
    };

    /// <summary>Values for every row: as sent when full length, else the compact valid-rows-only form spread out.</summary>
    private static T[] Expand<T>(T[] values, FieldSchema field, int rows, bool[]? validity, T fill = default!)
    {
        if (values.Length == rows)
        {
            return values;
        }

        var valid = validity?.Count(v => v) ?? rows;
        if (validity is null || values.Length != valid)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field '{field.Name}' has {values.Length} values for {rows} rows{(validity is null ? "" : $" ({valid} of them valid)")}");
        }

        var result = new T[rows];
        var next = 0;
        for (var row = 0; row < rows; row++)
        {
            result[row] = validity[row] ? values[next++] : fill;
        }

        return result;
    }

    private static ScalarField ToScalarField(Column column) => column switch
    {
        ScalarColumn<bool> c => new ScalarField { BoolData = new BoolArray { Data = { c.Values } } },
        ScalarColumn<int> c => new ScalarField { IntData = new IntArray { Data = { c.Values } } },
        ScalarColumn<long> c => new ScalarField { LongData = new LongArray { Data = { c.Values } } },
        ScalarColumn<float> c => new ScalarField { FloatData = new FloatArray { Data = { c.Values } } },
        ScalarColumn<double> c => new ScalarField { DoubleData = new DoubleArray { Data = { c.Values } } },
        StringColumn c => new ScalarField { StringData = new StringArray { Data = { c.Values.Select(v => v ?? "") } } },
        JsonColumn c => new ScalarField { JsonData = new JSONArray { Data = { c.Values.Select(v => ByteString.CopyFrom(v)) } } },
        // Milvus returns geometries as WKT, the form clients sent.
        GeometryColumn c => new ScalarField { GeometryWktData = new GeometryWktArray { Data = { c.Values.Select(GeometryCodec.WkbToWkt) } } },
        ArrayColumn c => new ScalarField
        {
            ArrayData = new ArrayArray { ElementType = (ProtoDataType)c.ElementType, Data = { c.Values.Select(ArrayRowField) } },
        },
        _ => throw new MilvusException(ErrorCode.ServiceInternal, $"no wire form for {column.GetType().Name}"),
    };

    private static ScalarField ArrayRowField(Array row) => row switch
    {
        bool[] v => new ScalarField { BoolData = new BoolArray { Data = { v } } },
        int[] v => new ScalarField { IntData = new IntArray { Data = { v } } },
        long[] v => new ScalarField { LongData = new LongArray { Data = { v } } },
        float[] v => new ScalarField { FloatData = new FloatArray { Data = { v } } },
        double[] v => new ScalarField { DoubleData = new DoubleArray { Data = { v } } },
        string[] v => new ScalarField { StringData = new StringArray { Data = { v } } },
        _ => throw new MilvusException(ErrorCode.ServiceInternal, $"no wire form for array rows of {row.GetType().Name}"),
    };

    /// <summary>Primary keys as schema.IDs: int_id for Int64 keys, str_id for VarChar.</summary>
    public static IDs ToIds(Column keys) => keys switch
    {
        ScalarColumn<long> longs => new IDs { IntId = new LongArray { Data = { longs.Values } } },
        StringColumn strings => new IDs { StrId = new StringArray { Data = { strings.Values } } },
        _ => throw new MilvusException(ErrorCode.ServiceInternal, $"primary keys cannot be {keys.GetType().Name}"),
    };

    /// <summary>
    /// The query vectors of a placeholder value for a field, each a range of <paramref name="group"/>: float32 row after
    /// row for the float-family types (Float16, BFloat16 and Int8 converted), or the rows as sent for BinaryVector and
    /// SparseFloatVector. Each vector is copied once, straight into the result.
    /// </summary>
    public static (float[] Floats, byte[][]? Raw) QueryVectors(ReadOnlySpan<byte> group, Range[] values, FieldSchema field)
    {
        if (field.DataType == DataType.SparseFloatVector)
        {
            var rows = Rows(group, values);
            for (var q = 0; q < rows.Length; q++)
            {
                SparseVectors.Validate(rows[q], $"query vector {q}");
            }

            return ([], rows);
        }

        var width = field.DataType.VectorRowBytes(field.Dim);
        for (var q = 0; q < values.Length; q++)
        {
            var length = values[q].GetOffsetAndLength(group.Length).Length;
            if (length != width)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"query vector {q} has {length} bytes, but {field.DataType} field '{field.Name}' has dim {field.Dim} ({width} bytes per vector)");
            }
        }

        if (field.DataType == DataType.BinaryVector)
        {
            return ([], Rows(group, values));
        }

        var floats = new float[values.Length * field.Dim];
        for (var q = 0; q < values.Length; q++)
        {
            var destination = floats.AsSpan(q * field.Dim, field.Dim);
            if (field.DataType == DataType.FloatVector)
            {
                MemoryMarshal.Cast<byte, float>(group[values[q]]).CopyTo(destination);
            }
            else
            {
                PackedVectors.ToSingle(field.DataType, group[values[q]], destination);
            }
        }

        return (floats, null);
    }

    private static byte[][] Rows(ReadOnlySpan<byte> group, Range[] values)
    {
        var rows = new byte[values.Length][];
        for (var q = 0; q < values.Length; q++)
        {
            rows[q] = group[values[q]].ToArray();
        }

        return rows;
    }
}
