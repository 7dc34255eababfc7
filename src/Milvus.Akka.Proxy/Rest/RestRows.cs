using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf.Collections;
using Milvus.Akka.Grpc.Protocol.Schema;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>
/// Query and search results as Milvus's RESTful API writes them: one JSON object per row, keyed by field name, with the
/// dynamic field's keys merged into the row; int64 values as numbers or, for clients that cannot read them, strings;
/// BinaryVector, Float16Vector and BFloat16Vector values as base64 of their bytes, sparse vectors as index → value.
/// Written straight to the response: a query may answer hundreds of megabytes of vectors, which a JSON tree would hold
/// as one object per number.
/// </summary>
/// <param name="Hits">For search results: each row's key (written under the primary key's name unless a field holds it) and score.</param>
internal sealed record RestRows(RepeatedField<FieldData> Fields, int Count, bool Int64AsNumbers, RestRows.SearchHits? Hits = null)
{
    public sealed record SearchHits(IDs? Ids, RepeatedField<float> Scores, string KeyName);

    private const int FlushBytes = 1 << 20;

    /// <summary>The rows of a query's fields: as many as the longest field holds.</summary>
    public static RestRows Of(RepeatedField<FieldData> fields, bool int64AsNumbers) =>
        new(fields, fields.Count == 0 ? 0 : fields.Max(RowsOf), int64AsNumbers);

    /// <summary>Hands what is written to <paramref name="flushAsync"/> every megabyte or so, so a large answer is never held whole.</summary>
    public async Task WriteToAsync(Utf8JsonWriter writer, Func<ValueTask> flushAsync)
    {
        var fields = Fields.Select(f => new FieldRows(f, Count)).ToList();
        var keyField = Hits is null ? null : Fields.FirstOrDefault(f => f.FieldName == Hits.KeyName);
        writer.WriteStartArray();
        for (var i = 0; i < Count; i++)
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                field.Write(writer, i, this);
            }

            if (Hits is { } hits)
            {
                if (keyField is null)
                {
                    writer.WritePropertyName(hits.KeyName);
                    WriteKey(writer, hits.Ids, i);
                }

                writer.WriteNumber("distance", hits.Scores[i]);
            }

            writer.WriteEndObject();
            if (writer.BytesPending >= FlushBytes)
            {
                writer.Flush();
                await flushAsync();
            }
        }

        writer.WriteEndArray();
    }

    private void WriteKey(Utf8JsonWriter writer, IDs? ids, int i)
    {
        switch (ids?.IdFieldCase)
        {
            case IDs.IdFieldOneofCase.IntId when i < ids.IntId.Data.Count:
                WriteInt64(writer, ids.IntId.Data[i]);
                break;
            case IDs.IdFieldOneofCase.StrId when i < ids.StrId.Data.Count:
                writer.WriteStringValue(ids.StrId.Data[i]);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private void WriteInt64(Utf8JsonWriter writer, long value)
    {
        if (Int64AsNumbers)
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static int RowsOf(FieldData field) => field.ValidData.Count > 0 ? field.ValidData.Count : field.FieldCase switch
    {
        FieldData.FieldOneofCase.Scalars => ScalarCount(field.Scalars),
        FieldData.FieldOneofCase.Vectors => VectorCount(field.Vectors),
        FieldData.FieldOneofCase.StructArrays => field.StructArrays.Fields.Count == 0 ? 0 : field.StructArrays.Fields.Max(RowsOf),
        _ => 0,
    };

    /// <summary>One field's values by row: where each row's value is (values laid out one per row or compact), or null.</summary>
    private sealed class FieldRows
    {
        private readonly FieldData _field;
        private readonly int[] _index;

        public FieldRows(FieldData field, int rows)
        {
            _field = field;
            _index = new int[rows];
            var valid = field.ValidData;
            var compact = valid.Count == rows && RowsWithData(field) < rows;
            var next = 0;
            for (var i = 0; i < rows; i++)
            {
                var isValid = valid.Count != rows || valid[i];
                _index[i] = !isValid ? -1 : compact ? next : i;
                next += isValid ? 1 : 0;
            }
        }

        public void Write(Utf8JsonWriter writer, int row, RestRows rows)
        {
            var index = _index[row];
            if (_field.IsDynamic)
            {
                if (index >= 0 && _field.Scalars?.JsonData is { } json && index < json.Data.Count)
                {
                    WriteDynamicKeys(writer, json.Data[index].Span);
                }

                return;
            }

            writer.WritePropertyName(_field.FieldName);
            if (index < 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteValue(writer, _field, index, rows);
            }
        }

        /// <summary>The dynamic field's keys, as keys of the row itself.</summary>
        private static void WriteDynamicKeys(Utf8JsonWriter writer, ReadOnlySpan<byte> json)
        {
            var reader = new Utf8JsonReader(json);
            if (!JsonElement.TryParseValue(ref reader, out var element) || element is not { ValueKind: JsonValueKind.Object } keys)
            {
                return;
            }

            foreach (var key in keys.EnumerateObject())
            {
                key.WriteTo(writer);
            }
        }
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

    private static int VectorCount(VectorField vectors) => vectors.Dim == 0 && vectors.DataCase is not (VectorField.DataOneofCase.SparseFloatVector
        or VectorField.DataOneofCase.VectorArray)
        ? 0
        : vectors.DataCase switch
        {
            VectorField.DataOneofCase.FloatVector => (int)(vectors.FloatVector.Data.Count / vectors.Dim),
            VectorField.DataOneofCase.BinaryVector => (int)(vectors.BinaryVector.Length / (vectors.Dim / 8)),
            VectorField.DataOneofCase.Float16Vector => (int)(vectors.Float16Vector.Length / (vectors.Dim * 2)),
            VectorField.DataOneofCase.Bfloat16Vector => (int)(vectors.Bfloat16Vector.Length / (vectors.Dim * 2)),
            VectorField.DataOneofCase.Int8Vector => (int)(vectors.Int8Vector.Length / vectors.Dim),
            VectorField.DataOneofCase.SparseFloatVector => vectors.SparseFloatVector.Contents.Count,
            VectorField.DataOneofCase.VectorArray => vectors.VectorArray.Data.Count,
            _ => 0,
        };

    private static void WriteValue(Utf8JsonWriter writer, FieldData field, int i, RestRows rows)
    {
        switch (field.FieldCase)
        {
            case FieldData.FieldOneofCase.Scalars:
                WriteScalar(writer, field.Scalars, i, rows);
                break;
            case FieldData.FieldOneofCase.Vectors:
                WriteVector(writer, field.Vectors, i);
                break;
            case FieldData.FieldOneofCase.StructArrays:
                WriteStructs(writer, field.StructArrays, i, rows);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, ScalarField scalars, int i, RestRows rows)
    {
        switch (scalars.DataCase)
        {
            case ScalarField.DataOneofCase.BoolData:
                writer.WriteBooleanValue(scalars.BoolData.Data[i]);
                break;
            case ScalarField.DataOneofCase.IntData:
                writer.WriteNumberValue(scalars.IntData.Data[i]);
                break;
            case ScalarField.DataOneofCase.LongData:
                rows.WriteInt64(writer, scalars.LongData.Data[i]);
                break;
            case ScalarField.DataOneofCase.FloatData:
                writer.WriteNumberValue(scalars.FloatData.Data[i]);
                break;
            case ScalarField.DataOneofCase.DoubleData:
                writer.WriteNumberValue(scalars.DoubleData.Data[i]);
                break;
            case ScalarField.DataOneofCase.StringData:
                writer.WriteStringValue(scalars.StringData.Data[i]);
                break;
            case ScalarField.DataOneofCase.GeometryWktData:
                writer.WriteStringValue(scalars.GeometryWktData.Data[i]);
                break;
            case ScalarField.DataOneofCase.TimestamptzData:
                rows.WriteInt64(writer, scalars.TimestamptzData.Data[i]);
                break;
            case ScalarField.DataOneofCase.JsonData:
                writer.WriteRawValue(scalars.JsonData.Data[i].Span);
                break;
            case ScalarField.DataOneofCase.BytesData:
                writer.WriteBase64StringValue(scalars.BytesData.Data[i].Span);
                break;
            case ScalarField.DataOneofCase.GeometryData:
                writer.WriteBase64StringValue(scalars.GeometryData.Data[i].Span);
                break;
            case ScalarField.DataOneofCase.ArrayData:
                var array = scalars.ArrayData.Data[i];
                writer.WriteStartArray();
                for (var e = 0; e < ScalarCount(array); e++)
                {
                    WriteScalar(writer, array, e, rows);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteVector(Utf8JsonWriter writer, VectorField vectors, int i)
    {
        var dim = (int)vectors.Dim;
        switch (vectors.DataCase)
        {
            case VectorField.DataOneofCase.FloatVector:
                writer.WriteStartArray();
                for (var j = i * dim; j < (i + 1) * dim; j++)
                {
                    writer.WriteNumberValue(vectors.FloatVector.Data[j]);
                }

                writer.WriteEndArray();
                break;
            case VectorField.DataOneofCase.BinaryVector:
                writer.WriteBase64StringValue(vectors.BinaryVector.Span.Slice(i * dim / 8, dim / 8));
                break;
            case VectorField.DataOneofCase.Float16Vector:
                writer.WriteBase64StringValue(vectors.Float16Vector.Span.Slice(i * dim * 2, dim * 2));
                break;
            case VectorField.DataOneofCase.Bfloat16Vector:
                writer.WriteBase64StringValue(vectors.Bfloat16Vector.Span.Slice(i * dim * 2, dim * 2));
                break;
            case VectorField.DataOneofCase.Int8Vector:
                writer.WriteStartArray();
                foreach (var b in vectors.Int8Vector.Span.Slice(i * dim, dim))
                {
                    writer.WriteNumberValue((sbyte)b);
                }

                writer.WriteEndArray();
                break;
            case VectorField.DataOneofCase.SparseFloatVector:
                var row = vectors.SparseFloatVector.Contents[i].Span;
                writer.WriteStartObject();
                Span<char> index = stackalloc char[10];
                for (var offset = 0; offset + 8 <= row.Length; offset += 8)
                {
                    BinaryPrimitives.ReadUInt32LittleEndian(row[offset..]).TryFormat(index, out var written, provider: CultureInfo.InvariantCulture);
                    writer.WriteNumber(index[..written], BinaryPrimitives.ReadSingleLittleEndian(row[(offset + 4)..]));
                }

                writer.WriteEndObject();
                break;
            case VectorField.DataOneofCase.VectorArray:
                var element = vectors.VectorArray.Data[i];
                writer.WriteStartArray();
                for (var j = 0; j < VectorCount(element); j++)
                {
                    WriteVector(writer, element, j);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <summary>An array-of-struct value: one object per element, zipping the sub-fields' per-row arrays.</summary>
    private static void WriteStructs(Utf8JsonWriter writer, StructArrayField structs, int i, RestRows rows)
    {
        var length = structs.Fields.Count == 0 ? 0 : structs.Fields.Max(f => ElementCount(f, i));
        writer.WriteStartArray();
        for (var e = 0; e < length; e++)
        {
            writer.WriteStartObject();
            foreach (var sub in structs.Fields)
            {
                writer.WritePropertyName(sub.FieldName);
                if (e >= ElementCount(sub, i))
                {
                    writer.WriteNullValue();
                }
                else if (sub.FieldCase == FieldData.FieldOneofCase.Scalars)
                {
                    WriteScalar(writer, sub.Scalars.ArrayData.Data[i], e, rows);
                }
                else
                {
                    WriteVector(writer, sub.Vectors.VectorArray.Data[i], e);
                }
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>How many elements a struct sub-field holds in row <paramref name="i"/> (an array of scalars or of vectors).</summary>
    private static int ElementCount(FieldData sub, int i) => sub.FieldCase switch
    {
        FieldData.FieldOneofCase.Scalars when sub.Scalars.DataCase == ScalarField.DataOneofCase.ArrayData && i < sub.Scalars.ArrayData.Data.Count =>
            ScalarCount(sub.Scalars.ArrayData.Data[i]),
        FieldData.FieldOneofCase.Vectors when sub.Vectors.DataCase == VectorField.DataOneofCase.VectorArray && i < sub.Vectors.VectorArray.Data.Count =>
            VectorCount(sub.Vectors.VectorArray.Data[i]),
        _ => 0,
    };
}
