using Milvus.Akka.Common;
using Milvus.Akka.Spatial;

namespace Milvus.Akka.Storage;

/// <summary>
/// The values of rows that have none for a nullable field or a field with a default: rows a client sent without it,
/// and rows written before AddCollectionField added it (segments stored, loaded or growing then). Such rows read the
/// field's default value, or null.
/// </summary>
public static class FieldFill
{
    /// <summary>A column of <paramref name="rows"/> rows that have no value for the field: its default, or null.</summary>
    public static Column Absent(FieldSchema field, int rows) => Defaults(field, NullColumn(field, rows));

    /// <summary>
    /// The rows with every field of <paramref name="schema"/>: fields the rows lack (added to the schema after they were
    /// written) filled by <see cref="Absent"/>. The same batch when nothing is missing.
    /// </summary>
    public static RowBatch Widen(RowBatch rows, CollectionSchema schema)
    {
        var columns = rows.Columns;
        foreach (var field in schema.Fields)
        {
            if (!columns.ContainsKey(field.FieldId))
            {
                columns = columns.Add(field.FieldId, Absent(field, rows.RowCount));
            }
        }

        return columns == rows.Columns ? rows : new RowBatch(columns);
    }

    private static Column NullColumn(FieldSchema field, int rows)
    {
        var validity = new bool[rows];
        return field.DataType switch
        {
            DataType.Bool => new ScalarColumn<bool>(field.DataType, new bool[rows], validity),
            DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(field.DataType, new int[rows], validity),
            DataType.Int64 or DataType.Timestamptz => new ScalarColumn<long>(field.DataType, new long[rows], validity),
            DataType.Float => new ScalarColumn<float>(field.DataType, new float[rows], validity),
            DataType.Double => new ScalarColumn<double>(field.DataType, new double[rows], validity),
            DataType.VarChar => new StringColumn(Enumerable.Repeat("", rows).ToArray(), validity),
            DataType.Json => new JsonColumn(Enumerable.Repeat(Array.Empty<byte>(), rows).ToArray(), validity),
            DataType.Geometry => new GeometryColumn(Enumerable.Repeat(Array.Empty<byte>(), rows).ToArray(), validity),
            DataType.Array => new ArrayColumn(field.ElementType, Enumerable.Repeat<Array>(Array.CreateInstance(ArrayColumn.RowType(field.ElementType).GetElementType()!, 0), rows).ToArray(), validity),
            DataType.FloatVector => new VectorColumn<float>(field.DataType, field.Dim, new float[rows * field.Dim], validity),
            _ when field.DataType.IsPackedVector() => new VectorColumn<byte>(field.DataType, field.Dim, new byte[rows * field.DataType.VectorRowWidth(field.Dim)], validity),
            DataType.SparseFloatVector => new SparseVectorColumn(Enumerable.Repeat(Array.Empty<byte>(), rows).ToArray(), validity),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' of type {field.DataType} cannot be null"),
        };
    }

    private static GeometryColumn FillGeometry(GeometryColumn column, bool[] validity, byte[] fill) =>
        new(column.Values.Select((v, i) => validity[i] ? v : fill).ToArray());

    /// <summary>Replaces null rows by the field's default value (a field with a default never stores null).</summary>
    public static Column Defaults(FieldSchema field, Column column)
    {
        if (field.DefaultValue is not { } value || column.Validity is not { } validity)
        {
            return column;
        }

        Column Fill<T>(T[] source, T fill) where T : unmanaged
        {
            var values = (T[])source.Clone();
            for (var i = 0; i < values.Length; i++)
            {
                if (!validity[i])
                {
                    values[i] = fill;
                }
            }

            return new ScalarColumn<T>(column.Type, values);
        }

        return column switch
        {
            ScalarColumn<bool> c => Fill(c.Values, Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture)),
            ScalarColumn<int> c => Fill(c.Values, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)),
            ScalarColumn<long> c => Fill(c.Values, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)),
            ScalarColumn<float> c => Fill(c.Values, Convert.ToSingle(value, System.Globalization.CultureInfo.InvariantCulture)),
            ScalarColumn<double> c => Fill(c.Values, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
            StringColumn c => new StringColumn(c.Values.Select((v, i) => validity[i] ? v : (string)value).ToArray()),
            GeometryColumn c => FillGeometry(c, validity, GeometryCodec.WktToWkb((string)value, $"the default value of field '{field.Name}'")),
            _ => column,
        };
    }
}
