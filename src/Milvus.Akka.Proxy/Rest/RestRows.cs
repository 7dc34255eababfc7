using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf.Collections;
using Milvus.Akka.Grpc.Protocol.Schema;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>
/// Query and search results as Milvus's RESTful API writes them: one JSON object per row, keyed by field name, with the
/// dynamic field's keys merged into the row; int64 values as numbers or, for clients that cannot read them, strings;
/// BinaryVector, Float16Vector and BFloat16Vector values as base64 of their bytes, sparse vectors as index → value.
/// </summary>
internal static class RestRows
{
    public static JsonArray Write(RepeatedField<FieldData> fields, RestCall call, int? rowCount = null)
    {
        var rows = rowCount ?? (fields.Count == 0 ? 0 : fields.Max(RowsOf));
        var result = new JsonArray();
        for (var i = 0; i < rows; i++)
        {
            result.Add(new JsonObject());
        }

        foreach (var field in fields)
        {
            var values = Values(field, rows, call);
            for (var i = 0; i < rows; i++)
            {
                var row = (JsonObject)result[i]!;
                if (field.IsDynamic)
                {
                    if (values[i] is JsonObject dynamicKeys)
                    {
                        foreach (var (key, value) in dynamicKeys.ToList())
                        {
                            dynamicKeys.Remove(key);
                            row[key] = value;
                        }
                    }
                }
                else
                {
                    row[field.FieldName] = values[i];
                }
            }
        }

        return result;
    }

    private static int RowsOf(FieldData field) => field.ValidData.Count > 0 ? field.ValidData.Count : field.FieldCase switch
    {
        FieldData.FieldOneofCase.Scalars => ScalarCount(field.Scalars),
        FieldData.FieldOneofCase.Vectors => VectorCount(field.Vectors),
        FieldData.FieldOneofCase.StructArrays => field.StructArrays.Fields.Count == 0 ? 0 : field.StructArrays.Fields.Max(RowsOf),
        _ => 0,
    };

    /// <summary>Each row's value of one field; nulls where valid_data says so (values laid out compact or one per row).</summary>
    private static JsonNode?[] Values(FieldData field, int rows, RestCall call)
    {
        var values = new JsonNode?[rows];
        var valid = field.ValidData;
        var compact = valid.Count == rows && RowsWithData(field) < rows;
        var next = 0;
        for (var i = 0; i < rows; i++)
        {
            var isValid = valid.Count != rows || valid[i];
            var index = compact ? next : i;
            if (isValid)
            {
                values[i] = Value(field, index, call);
                next++;
            }
        }

        return values;
    }

    private static int RowsWithData(FieldData field) => field.FieldCase switch
    {
        FieldData.FieldOneofCase.Scalars => ScalarCount(field.Scalars),
        FieldData.FieldOneofCase.Vectors => VectorCount(field.Vectors),
        _ => int.MaxValue,
    };

    private static int ScalarCount(ScalarField scalars) => scalars.DataCase switch
    {
        ScalarField.DataOneofCase.BoolData => scalars.BoolData.Data.Count,
        ScalarField.DataOneofCase.IntData => scalars.IntData.Data.Count,
        ScalarField.DataOneofCase.LongData => scalars.LongData.Data.Count,
        ScalarField.DataOneofCase.FloatData => scalars.FloatData.Data.Count,
        ScalarField.DataOneofCase.DoubleData => scalars.DoubleData.Data.Count,
        ScalarField.DataOneofCase.StringData => scalars.StringData.Data.Count,
        ScalarField.DataOneofCase.BytesData => scalars.BytesData.Data.Count,
        ScalarField.DataOneofCase.ArrayData => scalars.ArrayData.Data.Count,
        ScalarField.DataOneofCase.JsonData => scalars.JsonData.Data.Count,
        ScalarField.DataOneofCase.GeometryData => scalars.GeometryData.Data.Count,
        ScalarField.DataOneofCase.GeometryWktData => scalars.GeometryWktData.Data.Count,
        ScalarField.DataOneofCase.TimestamptzData => scalars.TimestamptzData.Data.Count,
        _ => 0,
    };

    private static int VectorCount(VectorField vectors) => vectors.DataCase switch
    {
        VectorField.DataOneofCase.FloatVector => vectors.Dim == 0 ? 0 : (int)(vectors.FloatVector.Data.Count / vectors.Dim),
        VectorField.DataOneofCase.BinaryVector => vectors.Dim == 0 ? 0 : (int)(vectors.BinaryVector.Length / (vectors.Dim / 8)),
        VectorField.DataOneofCase.Float16Vector => vectors.Dim == 0 ? 0 : (int)(vectors.Float16Vector.Length / (vectors.Dim * 2)),
        VectorField.DataOneofCase.Bfloat16Vector => vectors.Dim == 0 ? 0 : (int)(vectors.Bfloat16Vector.Length / (vectors.Dim * 2)),
        VectorField.DataOneofCase.Int8Vector => vectors.Dim == 0 ? 0 : (int)(vectors.Int8Vector.Length / vectors.Dim),
        VectorField.DataOneofCase.SparseFloatVector => vectors.SparseFloatVector.Contents.Count,
        VectorField.DataOneofCase.VectorArray => vectors.VectorArray.Data.Count,
        _ => 0,
    };

    private static JsonNode? Value(FieldData field, int i, RestCall call) => field.FieldCase switch
    {
        FieldData.FieldOneofCase.Scalars => Scalar(field.Scalars, i, call),
        FieldData.FieldOneofCase.Vectors => Vector(field.Vectors, i),
        FieldData.FieldOneofCase.StructArrays => Structs(field.StructArrays, i, call),
        _ => null,
    };

    private static JsonNode? Scalar(ScalarField scalars, int i, RestCall call) => scalars.DataCase switch
    {
        ScalarField.DataOneofCase.BoolData => scalars.BoolData.Data[i],
        ScalarField.DataOneofCase.IntData => scalars.IntData.Data[i],
        ScalarField.DataOneofCase.LongData => call.Int64(scalars.LongData.Data[i]),
        ScalarField.DataOneofCase.FloatData => scalars.FloatData.Data[i],
        ScalarField.DataOneofCase.DoubleData => scalars.DoubleData.Data[i],
        ScalarField.DataOneofCase.StringData => scalars.StringData.Data[i],
        ScalarField.DataOneofCase.GeometryWktData => scalars.GeometryWktData.Data[i],
        ScalarField.DataOneofCase.TimestamptzData => call.Int64(scalars.TimestamptzData.Data[i]),
        ScalarField.DataOneofCase.JsonData => JsonNode.Parse(scalars.JsonData.Data[i].Span),
        ScalarField.DataOneofCase.BytesData => Convert.ToBase64String(scalars.BytesData.Data[i].Span),
        ScalarField.DataOneofCase.GeometryData => Convert.ToBase64String(scalars.GeometryData.Data[i].Span),
        ScalarField.DataOneofCase.ArrayData => Elements(scalars.ArrayData.Data[i], call),
        _ => null,
    };

    private static JsonArray Elements(ScalarField array, RestCall call)
    {
        var elements = new JsonArray();
        for (var i = 0; i < ScalarCount(array); i++)
        {
            elements.Add(Scalar(array, i, call));
        }

        return elements;
    }

    private static JsonNode? Vector(VectorField vectors, int i)
    {
        var dim = (int)vectors.Dim;
        switch (vectors.DataCase)
        {
            case VectorField.DataOneofCase.FloatVector:
                var floats = new JsonArray();
                for (var j = i * dim; j < (i + 1) * dim; j++)
                {
                    floats.Add(vectors.FloatVector.Data[j]);
                }

                return floats;
            case VectorField.DataOneofCase.BinaryVector:
                return Convert.ToBase64String(vectors.BinaryVector.Span.Slice(i * dim / 8, dim / 8));
            case VectorField.DataOneofCase.Float16Vector:
                return Convert.ToBase64String(vectors.Float16Vector.Span.Slice(i * dim * 2, dim * 2));
            case VectorField.DataOneofCase.Bfloat16Vector:
                return Convert.ToBase64String(vectors.Bfloat16Vector.Span.Slice(i * dim * 2, dim * 2));
            case VectorField.DataOneofCase.Int8Vector:
                var int8 = new JsonArray();
                foreach (var b in vectors.Int8Vector.Span.Slice(i * dim, dim))
                {
                    int8.Add((sbyte)b);
                }

                return int8;
            case VectorField.DataOneofCase.SparseFloatVector:
                var sparse = new JsonObject();
                var row = vectors.SparseFloatVector.Contents[i].Span;
                for (var offset = 0; offset + 8 <= row.Length; offset += 8)
                {
                    sparse[BinaryPrimitives.ReadUInt32LittleEndian(row[offset..]).ToString(CultureInfo.InvariantCulture)] =
                        BinaryPrimitives.ReadSingleLittleEndian(row[(offset + 4)..]);
                }

                return sparse;
            case VectorField.DataOneofCase.VectorArray:
                var list = new JsonArray();
                var element = vectors.VectorArray.Data[i];
                for (var j = 0; j < VectorCount(element); j++)
                {
                    list.Add(Vector(element, j));
                }

                return list;
            default:
                return null;
        }
    }

    /// <summary>An array-of-struct value: one object per element, zipping the sub-fields' per-row arrays.</summary>
    private static JsonArray Structs(StructArrayField structs, int i, RestCall call)
    {
        var columns = structs.Fields.Select(f => (f.FieldName, Value: Value(f, i, call) as JsonArray)).ToList();
        var length = columns.Count == 0 ? 0 : columns.Max(c => c.Value?.Count ?? 0);
        var elements = new JsonArray();
        for (var e = 0; e < length; e++)
        {
            var element = new JsonObject();
            foreach (var (name, value) in columns)
            {
                element[name] = value is not null && e < value.Count ? value[e]?.DeepClone() : null;
            }

            elements.Add(element);
        }

        return elements;
    }
}
