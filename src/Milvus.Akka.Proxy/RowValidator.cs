using System.Collections.Immutable;
using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Spatial;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Checks client columns against the schema and completes them: nulls and defaults filled, Int8/Int16 ranges and
/// VarChar lengths checked, vector dims checked, the dynamic field defaulted to "{}". Every error names the field.
/// </summary>
public static class RowValidator
{
    private static readonly byte[] EmptyJsonObject = "{}"u8.ToArray();

    /// <summary>Returns the batch keyed by field id, without the auto-id primary key (the proxy allocates it).</summary>
    public static (ImmutableDictionary<long, Column> Columns, int RowCount) Validate(CollectionSchema schema, IReadOnlyDictionary<string, Column> columns)
    {
        foreach (var name in columns.Keys)
        {
            if (schema.FindField(name) is null)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, schema.EnableDynamicField
                    ? $"field '{name}' is not in the schema; dynamic keys must be sent inside the {CollectionSchema.DynamicFieldName} field"
                    : $"field '{name}' does not exist in collection {schema.Name}");
            }
        }

        var counts = columns.Values.Select(c => c.Count).Distinct().ToList();
        if (counts.Count > 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"the fields have different row counts: {string.Join(", ", columns.Select(c => $"{c.Key}={c.Value.Count}"))}");
        }

        var rowCount = counts.Count == 0 ? 0 : counts[0];
        if (rowCount == 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "insert has no rows");
        }

        foreach (var structField in schema.StructFields)
        {
            if (schema.SubFields(structField.FieldId).FirstOrDefault(f => !columns.ContainsKey(f.Name)) is { } missing)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, schema.SubFields(structField.FieldId).Any(f => columns.ContainsKey(f.Name))
                    ? $"the structs of field '{structField.Name}' lack their field '{missing.ShortName}'"
                    : $"field '{structField.Name}' is missing: an array-of-struct field is neither nullable nor has a default value");
            }
        }

        var result = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var field in schema.Fields)
        {
            columns.TryGetValue(field.Name, out var column);
            if (field.IsPrimaryKey && field.AutoId)
            {
                if (column is not null)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid,
                        $"the primary key field '{field.Name}' is auto_id: do not provide it, the server generates it");
                }

                continue;
            }

            result[field.FieldId] = column is null ? Absent(field, rowCount) : Check(field, column);
        }

        foreach (var structField in schema.StructFields)
        {
            CheckStructLengths(schema, structField, result, rowCount);
        }

        return (result.ToImmutable(), rowCount);
    }

    /// <summary>Struct i of a row is element i of every sub-field, so the sub-fields of a row hold as many elements each.</summary>
    private static void CheckStructLengths(CollectionSchema schema, StructFieldSchema structField, IDictionary<long, Column> columns, int rows)
    {
        var subFields = schema.SubFields(structField.FieldId).ToList();
        for (var row = 0; row < rows; row++)
        {
            var first = ElementCount(columns[subFields[0].FieldId], row);
            foreach (var field in subFields.Skip(1))
            {
                if (ElementCount(columns[field.FieldId], row) != first)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid,
                        $"row {row} of field '{structField.Name}': its fields '{subFields[0].ShortName}' and '{field.ShortName}' hold {first} and {ElementCount(columns[field.FieldId], row)} elements; every struct needs all its fields");
                }
            }
        }
    }

    private static int ElementCount(Column column, int row) => column switch
    {
        ArrayColumn array => array.Values[row].Length,
        VectorArrayColumn vectors => vectors.Length(row),
        _ => throw new MilvusException(ErrorCode.ServiceInternal, $"a struct field holds a {column.Type} column"),
    };

    private static Column Absent(FieldSchema field, int rows)
    {
        if (field.IsDynamic)
        {
            return new JsonColumn(Enumerable.Repeat(EmptyJsonObject, rows).ToArray());
        }

        if (field.DefaultValue is not null || field.Nullable)
        {
            return FieldFill.Absent(field, rows);
        }

        throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' is missing: it is neither nullable nor has a default value");
    }

    private static Column Check(FieldSchema field, Column column)
    {
        if (!Compatible(field, column))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"field '{field.Name}' expects {Describe(field)} data, got {column.Type} ({column.GetType().Name})");
        }

        if (column is JsonColumn sent && field.Nullable)
        {
            column = EmptyJsonAsNull(sent);
        }

        if (column.Validity is not null && column.Validity.Contains(false))
        {
            if (!field.Nullable && field.DefaultValue is null)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' is not nullable but the data contains null values");
            }

            column = FieldFill.Defaults(field, column);
        }

        switch (column)
        {
            case VectorColumn<float> v when v.Dim != field.Dim:
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"the dim ({v.Dim}) of field data doesn't match schema dim ({field.Dim}) of field '{field.Name}'");
            case VectorColumn<byte> b when b.Dim != field.Dim:
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"the dim ({b.Dim}) of {field.DataType} data doesn't match schema dim ({field.Dim}) of field '{field.Name}'");
            case SparseVectorColumn sparse:
                for (var i = 0; i < sparse.Count; i++)
                {
                    if (!sparse.IsNull(i))
                    {
                        SparseVectors.Validate(sparse.Values[i], $"row {i} of field '{field.Name}'");
                    }
                }

                break;
            case ScalarColumn<int> ints when field.DataType is DataType.Int8 or DataType.Int16:
                var (min, max) = field.DataType == DataType.Int8 ? (sbyte.MinValue, sbyte.MaxValue) : (short.MinValue, short.MaxValue);
                for (var i = 0; i < ints.Count; i++)
                {
                    if (!ints.IsNull(i) && (ints.Values[i] < min || ints.Values[i] > max))
                    {
                        throw new MilvusException(ErrorCode.ParameterInvalid, $"value {ints.Values[i]} of field '{field.Name}' is out of range for {field.DataType}");
                    }
                }

                break;
            case StringColumn strings:
                CheckLengths(field, strings.Values, field.MaxLength);
                break;
            case JsonColumn json:
                for (var i = 0; i < json.Count; i++)
                {
                    if (!json.IsNull(i) && JsonLimits.Problem(json.Values[i], requireObject: field.IsDynamic) is { } problem)
                    {
                        throw new MilvusException(ErrorCode.ParameterInvalid, field.IsDynamic
                            ? $"row {i} of the dynamic field {problem}"
                            : $"row {i} of JSON field '{field.Name}' {problem}");
                    }
                }

                break;
            case VectorArrayColumn vectors:
                for (var i = 0; i < vectors.Count; i++)
                {
                    if (vectors.Length(i) > field.MaxCapacity)
                    {
                        throw new MilvusException(ErrorCode.ParameterInvalid,
                            $"field '{field.Name}' has {vectors.Length(i)} vectors in row {i}, more than max_capacity {field.MaxCapacity}");
                    }
                }

                break;
            case ArrayColumn array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array.IsNull(i))
                    {
                        continue;
                    }

                    if (array.Values[i].Length > field.MaxCapacity)
                    {
                        throw new MilvusException(ErrorCode.ParameterInvalid,
                            $"array of field '{field.Name}' has {array.Values[i].Length} elements, more than max_capacity {field.MaxCapacity}");
                    }

                    if (array.Values[i] is string[] elements)
                    {
                        CheckLengths(field, elements, field.MaxLength);
                    }
                }

                break;
        }

        return column;
    }

    /// <summary>
    /// The Node SDK sends a null JSON value as zero bytes flagged valid; in a nullable field those rows are null
    /// (empty bytes are never a JSON document, so nothing valid is reinterpreted).
    /// </summary>
    private static JsonColumn EmptyJsonAsNull(JsonColumn column)
    {
        if (!column.Values.Any(v => v.Length == 0))
        {
            return column;
        }

        var validity = new bool[column.Count];
        for (var i = 0; i < validity.Length; i++)
        {
            validity[i] = !column.IsNull(i) && column.Values[i].Length > 0;
        }

        return new JsonColumn(column.Values, validity);
    }

    private static void CheckLengths(FieldSchema field, string[] values, int maxLength)
    {
        foreach (var value in values)
        {
            if (value is not null && Encoding.UTF8.GetByteCount(value) > maxLength)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"the length ({Encoding.UTF8.GetByteCount(value)}) of a value of field '{field.Name}' exceeds max_length ({maxLength})");
            }
        }
    }

    private static bool Compatible(FieldSchema field, Column column) => (field.DataType, column) switch
    {
        (DataType.Bool, ScalarColumn<bool>) => true,
        (DataType.Int8 or DataType.Int16 or DataType.Int32, ScalarColumn<int>) => true,
        (DataType.Int64 or DataType.Timestamptz, ScalarColumn<long>) => true,
        (DataType.Float, ScalarColumn<float>) => true,
        (DataType.Double, ScalarColumn<double>) => true,
        (DataType.VarChar, StringColumn) => true,
        (DataType.Json, JsonColumn) => true,
        (DataType.Geometry, GeometryColumn) => true,
        (DataType.Array, ArrayColumn a) => ArrayColumn.RowType(a.ElementType) == ArrayColumn.RowType(field.ElementType),
        (DataType.FloatVector, VectorColumn<float>) => true,
        (_, VectorColumn<byte> v) => field.DataType.IsPackedVector() && v.Type == field.DataType,
        (DataType.SparseFloatVector, SparseVectorColumn) => true,
        (DataType.ArrayOfVector, VectorArrayColumn v) => v.ElementType == field.ElementType && v.Dim == field.Dim,
        _ => false,
    };

    private static string Describe(FieldSchema field) =>
        field.DataType is DataType.Array or DataType.ArrayOfVector ? $"Array of {field.ElementType}" : field.DataType.ToString();
}
