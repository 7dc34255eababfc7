using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Spatial;
using ParquetSharp;
using Column = Milvus.Akka.Common.Column;
using Encoding = System.Text.Encoding;

namespace Milvus.Akka.Proxy.Import;

/// <summary>
/// The rows of a Milvus import Parquet file (what pymilvus's and the Node SDK's BulkWriter write), as columns by field
/// name, in batches within each row group, read with ParquetSharp (Apache Arrow's Parquet reader: data pages v1 and v2, every
/// codec). A column is named for its field: scalars as Parquet scalars, VarChar, JSON, Geometry (WKT) and Timestamptz
/// (ISO text) as strings, vectors and arrays as lists (Float16 and BFloat16 vectors as their bytes or as floats; a
/// sparse vector as JSON text), the dynamic field as a <c>$meta</c> JSON string column. A field without a column is left
/// to the insert path (defaults, nulls, or an error naming it).
/// </summary>
public static class ParquetImportRows
{
    /// <exception cref="MilvusException">ParameterInvalid for a file that is not Parquet, a column no field has, or a value its field cannot take;
    /// OperationNotSupported for nested columns.</exception>
    /// <param name="batchRows">Rows per batch at most: a row group (pyarrow writes up to a million rows in one) is read in batches.</param>
    public static IEnumerable<IReadOnlyDictionary<string, Column>> Read(byte[] file, CollectionSchema schema, TimeZoneInfo timezone, int batchRows)
    {
        ParquetFileReader reader;
        try
        {
            reader = new ParquetFileReader(new MemoryStream(file, writable: false));
        }
        catch (ParquetException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the file is not Parquet: {e.Message}");
        }

        using (reader)
        {
            var fields = Fields(reader.FileMetaData, schema);
            var first = 0;
            for (var group = 0; group < reader.FileMetaData.NumRowGroups; group++)
            {
                using var rowGroup = reader.RowGroup(group);
                var rows = rowGroup.MetaData.NumRows;
                var columns = Enumerable.Range(0, fields.Count).Select(rowGroup.Column).ToList();
                var values = columns.Select(c => c.LogicalReader()).ToList();
                try
                {
                    for (long read = 0; read < rows;)
                    {
                        var batch = (int)Math.Min(batchRows, rows - read);
                        var cells = new ReadAll(batch);
                        yield return Enumerable.Range(0, fields.Count).ToDictionary(i => fields[i].Name,
                            i => new CellReader(fields[i], values[i].Apply(cells), first, timezone).Column());
                        read += batch;
                        first += batch;
                    }
                }
                finally
                {
                    values.ForEach(v => v.Dispose());
                    columns.ForEach(c => c.Dispose());
                }
            }
        }
    }

    /// <summary>The field of each column of the file, in column order; nested columns, or columns named for no field, are refused.</summary>
    private static List<FieldSchema> Fields(FileMetaData file, CollectionSchema schema)
    {
        var fields = new List<FieldSchema>();
        for (var i = 0; i < file.NumColumns; i++)
        {
            var column = file.Schema.Column(i);
            var path = column.Path.ToDotVector();
            if (schema.FindStruct(path[0]) is { } structField)
            {
                fields.Add(StructSubField(schema, structField, path, column.MaxRepetitionLevel));
                continue;
            }

            var field = schema.FindField(path[0]) ?? throw new MilvusException(ErrorCode.ParameterInvalid, schema.EnableDynamicField
                ? $"column '{path[0]}' is not a field of collection {schema.Name}; dynamic keys go in the {CollectionSchema.DynamicFieldName} column as JSON"
                : $"column '{path[0]}' is not a field of collection {schema.Name}");
            if (column.MaxRepetitionLevel > 1 || (column.MaxRepetitionLevel == 0 && path.Length > 1))
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"column '{path[0]}' holds nested values ({string.Join('.', path)}), which Milvus.Akka does not import");
            }

            fields.Add(field);
        }

        return fields;
    }

    /// <summary>
    /// The sub-field a leaf column of an array-of-struct column holds: the struct's list of elements (path
    /// <c>struct.list.element.sub</c>, as BulkWriters write it), a scalar per element or (one more list) a vector.
    /// </summary>
    private static FieldSchema StructSubField(CollectionSchema schema, StructFieldSchema structField, string[] path, int repetition)
    {
        var subField = path.Length >= 4 ? schema.FindField(StructFieldSchema.SubFieldName(structField.Name, path[3])) : null;
        if (subField is null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"column '{string.Join('.', path)}' is not a field of struct field '{structField.Name}' (expected {structField.Name}.list.element.<field>)");
        }

        if (repetition != (subField.DataType == DataType.ArrayOfVector ? 2 : 1))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"column '{string.Join('.', path)}' does not hold a list of structs of {subField.ElementType} field '{subField.ShortName}'");
        }

        return subField;
    }

    /// <summary>The next <c>rows</c> values of a column as ParquetSharp's logical values: one per row, a list as an array, null where absent.</summary>
    private sealed class ReadAll(int rows) : ILogicalColumnReaderVisitor<Array>
    {
        public Array OnLogicalColumnReader<TValue>(LogicalColumnReader<TValue> reader) => reader.ReadAll(rows);
    }

    /// <summary>One column chunk's cells turned into the field's column.</summary>
    private sealed class CellReader(FieldSchema field, Array cells, int first, TimeZoneInfo timezone)
    {
        private int Rows => cells.Length;

        /// <summary>Lists come as arrays of their elements; a binary cell (byte[]) is a single value where the field takes one.</summary>
        private bool IsList => cells.GetType().GetElementType() is { IsArray: true } cell && cell != typeof(byte[]);

        public Column Column()
        {
            var validity = new bool[Rows];
            for (var row = 0; row < Rows; row++)
            {
                validity[row] = cells.GetValue(row) is not null;
            }

            var nullable = validity.Contains(false) ? validity : null;
            return field.DataType switch
            {
                DataType.FloatVector => new VectorColumn<float>(field.DataType, field.Dim, Vectors(field.Dim, Single), nullable),
                DataType.BinaryVector => new VectorColumn<byte>(field.DataType, field.Dim, Vectors(field.Dim / 8, Byte), nullable),
                DataType.Float16Vector or DataType.BFloat16Vector or DataType.Int8Vector =>
                    new VectorColumn<byte>(field.DataType, field.Dim, PackedVectors(), nullable),
                DataType.Array => new ArrayColumn(field.ElementType, Each(ArrayRow, ArrayEmpty()), nullable),
                DataType.ArrayOfVector => new VectorArrayColumn(field.ElementType, field.Dim, Each(VectorList, []), nullable),
                DataType.Bool => new ScalarColumn<bool>(field.DataType, Each(Scalar(Boolean)), nullable),
                DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(field.DataType, Each(Scalar(Int32)), nullable),
                DataType.Int64 => new ScalarColumn<long>(field.DataType, Each(Scalar(Int64)), nullable),
                DataType.Float => new ScalarColumn<float>(field.DataType, Each(Scalar(Single)), nullable),
                DataType.Double => new ScalarColumn<double>(field.DataType, Each(Scalar(Double)), nullable),
                DataType.VarChar or DataType.String => new StringColumn(Each(Scalar(Text), ""), nullable),
                DataType.Json => new JsonColumn(Each(Scalar((cell, row) => Encoding.UTF8.GetBytes(Text(cell, row))), []), nullable),
                DataType.Geometry => new GeometryColumn(Each(Scalar((cell, row) => GeometryCodec.WktToWkb(Text(cell, row), What(row))), []), nullable),
                DataType.Timestamptz => new ScalarColumn<long>(field.DataType, Each(Scalar((cell, row) => Timestamptz.Parse(Text(cell, row), timezone))), nullable),
                DataType.SparseFloatVector => new SparseVectorColumn(
                    Each(Scalar((cell, row) => JsonImportRows.SparseFromText(Text(cell, row), field, first + row)), []), nullable),
                _ => throw new MilvusException(ErrorCode.OperationNotSupported, $"importing field '{field.Name}' of type {field.DataType} is not supported by Milvus.Akka"),
            };
        }

        private string What(int row) => $"row {first + row}, field '{field.Name}'";

        /// <summary>Each present cell converted, <paramref name="fill"/> where the cell is null.</summary>
        private T[] Each<T>(Func<object, int, T> convert, T fill = default!)
        {
            var result = new T[Rows];
            for (var row = 0; row < Rows; row++)
            {
                result[row] = cells.GetValue(row) is { } cell ? convert(cell, row) : fill;
            }

            return result;
        }

        /// <summary>A converter of single values, refusing list cells.</summary>
        private Func<object, int, T> Scalar<T>(Func<object, int, T> convert)
        {
            if (IsList)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"column '{field.Name}' holds lists, but {field.DataType} field '{field.Name}' takes single values{(field.DataType == DataType.SparseFloatVector ? " (a sparse vector as JSON text)" : "")}");
            }

            return convert;
        }

        private MilvusException Wrong(object value, int row, string expected) =>
            new(ErrorCode.ParameterInvalid, $"{What(row)}: expected {expected}, got a Parquet {value.GetType().Name} ({value})");

        private bool Boolean(object value, int row) => value is bool b ? b : throw Wrong(value, row, "a boolean");

        private long Int64(object value, int row) => value switch
        {
            long v => v,
            int v => v,
            short v => v,
            sbyte v => v,
            byte v => v,
            ushort v => v,
            uint v => v,
            ulong v when v <= long.MaxValue => (long)v,
            _ => throw Wrong(value, row, "an integer"),
        };

        private int Int32(object value, int row) =>
            Int64(value, row) is var v and >= int.MinValue and <= int.MaxValue ? (int)v : throw Wrong(value, row, "a 32-bit integer");

        private double Double(object value, int row) => value switch
        {
            double v => v,
            float v => v,
            _ => Int64(value, row),
        };

        private float Single(object value, int row) => value is float v ? v : (float)Double(value, row);

        private byte Byte(object value, int row) =>
            Int64(value, row) is var v and >= 0 and <= 255 ? (byte)v : throw Wrong(value, row, "a byte (0 to 255)");

        private string Text(object value, int row) => value switch
        {
            string text => text,
            byte[] utf8 => Encoding.UTF8.GetString(utf8),
            _ => throw Wrong(value, row, "a string"),
        };

        /// <summary>
        /// Each row's list as a vector of <paramref name="width"/> elements; a null row stays zeros. Lists of the vector's
        /// own element type (nullable or not) are copied as they are; others convert element by element.
        /// </summary>
        private T[] Vectors<T>(int width, Func<object, int, T> element) where T : struct
        {
            var result = new T[Rows * width];
            for (var row = 0; row < Rows; row++)
            {
                if (cells.GetValue(row) is not { } cell)
                {
                    continue;
                }

                var list = List(cell, row);
                if (list.Length != width)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid,
                        $"{What(row)}: the vector has {list.Length} elements, but the field ({field.DataType}, dim {field.Dim}) takes {width}");
                }

                var vector = result.AsSpan(row * width, width);
                switch (list)
                {
                    case T[] same:
                        same.CopyTo(vector);
                        break;
                    case T?[] maybe:
                        for (var i = 0; i < width; i++)
                        {
                            vector[i] = maybe[i] ?? throw NullElement(row);
                        }

                        break;
                    default:
                        for (var i = 0; i < width; i++)
                        {
                            vector[i] = element(list.GetValue(i) ?? throw NullElement(row), row);
                        }

                        break;
                }
            }

            return result;
        }

        private MilvusException NullElement(int row) => new(ErrorCode.ParameterInvalid, $"{What(row)}: a vector element is null");

        /// <summary>A list cell: an array of its elements (a list of bytes comes as byte[], as a binary value does).</summary>
        private Array List(object cell, int row) => cell as Array
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: {field.DataType} field '{field.Name}' takes a list, got a Parquet {cell.GetType().Name}");

        /// <summary>Int8, Float16 or BFloat16 vectors: lists of numbers, packed; Float16 and BFloat16 may also come as their bytes.</summary>
        private byte[] PackedVectors()
        {
            var width = field.DataType.VectorRowWidth(field.Dim);
            var cellType = cells.GetType().GetElementType();
            if (field.DataType != DataType.Int8Vector && (cellType == typeof(byte[]) || cellType == typeof(byte?[])))
            {
                return Vectors(width, Byte);
            }

            var floats = Vectors(field.Dim, Single);
            var packed = new byte[Rows * width];
            for (var row = 0; row < Rows; row++)
            {
                try
                {
                    Index.PackedVectors.FromSingle(field.DataType, floats.AsSpan(row * field.Dim, field.Dim), packed.AsSpan(row * width, width));
                }
                catch (MilvusException e)
                {
                    throw new MilvusException(e.Code, $"{What(row)}: {e.Message}");
                }
            }

            return packed;
        }

        /// <summary>A struct vector sub-field's row: one vector per struct element, packed one after another.</summary>
        private byte[] VectorList(object cell, int row)
        {
            var vectors = new CellReader(field.ElementField, List(cell, row), first + row, timezone).Column();
            if (vectors.Validity is not null)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: a struct's vector is null");
            }

            return VectorArrayColumn.RowOf(vectors)
                ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: expected a list of {field.ElementType} vectors, got {vectors.Type} values");
        }

        private Array ArrayEmpty() => Array.CreateInstance(ArrayColumn.RowType(field.ElementType).GetElementType()!, 0);

        private Array ArrayRow(object cell, int row)
        {
            var list = List(cell, row);
            Func<object, int, object> element = field.ElementType switch
            {
                DataType.Bool => (v, r) => Boolean(v, r),
                DataType.Int8 or DataType.Int16 or DataType.Int32 => (v, r) => Int32(v, r),
                DataType.Int64 => (v, r) => Int64(v, r),
                DataType.Float => (v, r) => Single(v, r),
                DataType.Double => (v, r) => Double(v, r),
                DataType.VarChar or DataType.String => (v, r) => Text(v, r),
                _ => throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"importing arrays of {field.ElementType} (field '{field.Name}') is not supported by Milvus.Akka"),
            };
            var result = Array.CreateInstance(ArrayColumn.RowType(field.ElementType).GetElementType()!, list.Length);
            for (var i = 0; i < list.Length; i++)
            {
                result.SetValue(element(list.GetValue(i) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: an array element is null"), row), i);
            }

            return result;
        }
    }
}
