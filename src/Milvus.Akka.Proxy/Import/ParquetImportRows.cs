using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Spatial;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace Milvus.Akka.Proxy.Import;

/// <summary>
/// The rows of a Milvus import Parquet file (what pymilvus's BulkWriter writes by default), as columns by field name,
/// one batch per row group, column by column. A column is named for its field: scalars as Parquet scalars, VarChar,
/// JSON, Geometry (WKT) and Timestamptz (ISO text) as strings, vectors and arrays as lists (Float16 and BFloat16
/// vectors as their bytes or as floats; a sparse vector as JSON text), the dynamic field as a <c>$meta</c> JSON string
/// column. A field without a column is left to the insert path (defaults, nulls, or an error naming it).
/// </summary>
public static class ParquetImportRows
{
    /// <exception cref="MilvusException">ParameterInvalid for a file that is not Parquet, a column no field has, or a value its field cannot take;
    /// OperationNotSupported for nested columns.</exception>
    public static async IAsyncEnumerable<IReadOnlyDictionary<string, Column>> ReadAsync(Stream file, CollectionSchema schema, TimeZoneInfo timezone)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(file);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the file is not Parquet: {e.Message}");
        }

        await using (reader)
        {
            var fields = Fields(reader.Schema, schema);
            var first = 0;
            for (var group = 0; group < reader.RowGroupCount; group++)
            {
                var rowGroup = reader.OpenRowGroupReader(group);
                var rows = checked((int)rowGroup.RowCount);
                var columns = new Dictionary<string, Column>();
                foreach (var (field, data) in fields)
                {
                    using var raw = await rowGroup.ReadRawColumnDataBaseAsync(data);
                    columns[field.Name] = new CellReader(field, data, raw, rows, first, timezone).Column();
                }

                first += rows;
                yield return columns;
            }
        }
    }

    /// <summary>Each column of the file with its field; columns of nested types, or named for no field, are refused.</summary>
    private static List<(FieldSchema Field, DataField Data)> Fields(ParquetSchema file, CollectionSchema schema)
    {
        var fields = new List<(FieldSchema, DataField)>();
        foreach (var column in file.Fields)
        {
            var field = schema.FindField(column.Name) ?? throw new MilvusException(ErrorCode.ParameterInvalid, schema.EnableDynamicField
                ? $"column '{column.Name}' is not a field of collection {schema.Name}; dynamic keys go in the {CollectionSchema.DynamicFieldName} column as JSON"
                : $"column '{column.Name}' is not a field of collection {schema.Name}");
            var data = column switch
            {
                DataField scalar => scalar,
                ListField { Item: DataField item } => item,
                _ => throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"column '{column.Name}' is a Parquet {column.SchemaType.ToString().ToLowerInvariant()} of nested values, which Milvus.Akka does not import"),
            };
            fields.Add((field, data));
        }

        return fields;
    }

    /// <summary>
    /// One column chunk as Parquet stores it — present values packed together, definition levels saying which rows
    /// (and list elements) have one, repetition levels where lists start — turned into the field's column.
    /// </summary>
    private sealed class CellReader(FieldSchema field, DataField data, RawColumnData raw, int rows, int first, TimeZoneInfo timezone)
    {
        private bool IsList => data.MaxRepetitionLevel > 0;

        public Column Column()
        {
            if (data.MaxRepetitionLevel > 1)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported, $"column '{field.Name}' holds lists of lists, which Milvus.Akka does not import");
            }

            var (validity, starts) = IsList ? ListLayout() : ScalarLayout();
            var nullable = validity.Contains(false) ? validity : null;
            switch (field.DataType)
            {
                case DataType.FloatVector:
                    return new VectorColumn<float>(field.DataType, field.Dim, Vectors(validity, starts, field.Dim, Floats()), nullable);
                case DataType.BinaryVector:
                    return new VectorColumn<byte>(field.DataType, field.Dim, Vectors(validity, starts, field.Dim / 8, Bytes()), nullable);
                case DataType.Int8Vector:
                    return new VectorColumn<byte>(field.DataType, field.Dim, Packed(validity, starts), nullable);
                case DataType.Float16Vector or DataType.BFloat16Vector:
                    return new VectorColumn<byte>(field.DataType, field.Dim,
                        data.ClrType == typeof(byte) ? Vectors(validity, starts, field.DataType.VectorRowWidth(field.Dim), Bytes()) : Packed(validity, starts),
                        nullable);
                case DataType.Array:
                    RequireList();
                    return new ArrayColumn(field.ElementType, ArrayRows(validity, starts), nullable);
            }

            RequireScalar();
            return field.DataType switch
            {
                DataType.Bool => new ScalarColumn<bool>(field.DataType, Spread(validity, Bools()), nullable),
                DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(field.DataType, Spread(validity, Ints()), nullable),
                DataType.Int64 => new ScalarColumn<long>(field.DataType, Spread(validity, Longs()), nullable),
                DataType.Float => new ScalarColumn<float>(field.DataType, Spread(validity, Floats()), nullable),
                DataType.Double => new ScalarColumn<double>(field.DataType, Spread(validity, Doubles()), nullable),
                DataType.VarChar or DataType.String => new StringColumn(Spread(validity, Strings(), ""), nullable),
                DataType.Json => new JsonColumn(Spread(validity, Strings().Select(Encoding.UTF8.GetBytes).ToArray(), []), nullable),
                DataType.Geometry => new GeometryColumn(Spread(validity, Converted(Strings(), (wkt, row) => GeometryCodec.WktToWkb(wkt, What(row))), []), nullable),
                DataType.Timestamptz => new ScalarColumn<long>(field.DataType, Spread(validity, Converted(Strings(), (text, _) => Timestamptz.Parse(text, timezone))), nullable),
                DataType.SparseFloatVector => new SparseVectorColumn(
                    Spread(validity, Converted(Strings(), (json, row) => JsonImportRows.SparseFromText(json, field, row)), []), nullable),
                _ => throw new MilvusException(ErrorCode.OperationNotSupported, $"importing field '{field.Name}' of type {field.DataType} is not supported by Milvus.Akka"),
            };
        }

        private string What(int row) => $"row {first + row}, field '{field.Name}'";

        private void RequireList()
        {
            if (!IsList)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"column '{field.Name}' holds single values, but {field.DataType} field '{field.Name}' takes lists");
            }
        }

        private void RequireScalar()
        {
            if (IsList)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"column '{field.Name}' holds lists, but {field.DataType} field '{field.Name}' takes single values{(field.DataType == DataType.SparseFloatVector ? " (a sparse vector as JSON text)" : "")}");
            }
        }

        /// <summary>Which rows have a value, and (always null here) where their elements start.</summary>
        private (bool[] Validity, int[]? Starts) ScalarLayout()
        {
            var validity = new bool[rows];
            if (data.MaxDefinitionLevel == 0)
            {
                Array.Fill(validity, true);
                return (validity, null);
            }

            var levels = raw.DefinitionLevels;
            for (var row = 0; row < rows; row++)
            {
                validity[row] = levels[row] == data.MaxDefinitionLevel;
            }

            return (validity, null);
        }

        /// <summary>
        /// Which rows have a list, and where each row's elements start among the present values (rows + 1 entries). A
        /// list may be null (a level below the empty list's), empty, or hold elements; an element itself may not be null.
        /// </summary>
        private (bool[] Validity, int[] Starts) ListLayout()
        {
            var definitions = raw.DefinitionLevels;
            var repetitions = raw.RepetitionLevels;
            var present = data.MaxDefinitionLevel;
            var empty = data.IsNullable ? present - 2 : present - 1;
            var validity = new bool[rows];
            var starts = new int[rows + 1];
            int row = -1, values = 0;
            for (var i = 0; i < definitions.Length; i++)
            {
                if (repetitions[i] == 0)
                {
                    row++;
                    starts[row] = values;
                    validity[row] = definitions[i] >= empty;
                }

                if (definitions[i] == present)
                {
                    values++;
                }
                else if (definitions[i] > empty)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: a list element is null");
                }
            }

            starts[rows] = values;
            return (validity, starts);
        }

        /// <summary>How many values the chunk holds (present rows, or present list elements).</summary>
        private int ValueCount()
        {
            if (data.MaxDefinitionLevel == 0)
            {
                return rows;
            }

            var count = 0;
            foreach (var level in raw.DefinitionLevels)
            {
                count += level == data.MaxDefinitionLevel ? 1 : 0;
            }

            return count;
        }

        private T[] Values<T>() where T : struct => ((RawColumnData<T>)raw).Values[..ValueCount()].ToArray();

        private bool[] Bools() => raw is RawColumnData<bool> ? Values<bool>() : throw WrongType("booleans");

        private long[] Longs() => raw switch
        {
            RawColumnData<long> => Values<long>(),
            RawColumnData<int> => [.. Values<int>().Select(v => (long)v)],
            RawColumnData<short> => [.. Values<short>().Select(v => (long)v)],
            RawColumnData<sbyte> => [.. Values<sbyte>().Select(v => (long)v)],
            RawColumnData<byte> => [.. Values<byte>().Select(v => (long)v)],
            RawColumnData<ushort> => [.. Values<ushort>().Select(v => (long)v)],
            RawColumnData<uint> => [.. Values<uint>().Select(v => (long)v)],
            _ => throw WrongType("integers"),
        };

        private int[] Ints() => [.. Longs().Select(v => v is >= int.MinValue and <= int.MaxValue
            ? (int)v
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}': {v} is not a 32-bit integer"))];

        private double[] Doubles() => raw switch
        {
            RawColumnData<double> => Values<double>(),
            RawColumnData<float> => [.. Values<float>().Select(v => (double)v)],
            _ => [.. Longs().Select(v => (double)v)],
        };

        private float[] Floats() => raw is RawColumnData<float> ? Values<float>() : [.. Doubles().Select(v => (float)v)];

        private byte[] Bytes() => [.. Longs().Select(v => v is >= 0 and <= 255
            ? (byte)v
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}': {v} is not a byte (0 to 255)"))];

        private string[] Strings() => raw is RawColumnData<ReadOnlyMemory<char>> ? [.. Values<ReadOnlyMemory<char>>().Select(v => v.ToString())] : throw WrongType("strings");

        private MilvusException WrongType(string expected) => new(ErrorCode.ParameterInvalid,
            $"column '{field.Name}' holds Parquet {data.ClrType.Name} values, but {field.DataType} field '{field.Name}' takes {expected}");

        /// <summary>Each present value converted; <paramref name="convert"/> gets the value's row in the chunk for errors.</summary>
        private TOut[] Converted<TOut>(string[] values, Func<string, int, TOut> convert)
        {
            var (validity, _) = ScalarLayout();
            var result = new TOut[values.Length];
            for (int row = 0, next = 0; row < rows; row++)
            {
                if (validity[row])
                {
                    result[next] = convert(values[next], row);
                    next++;
                }
            }

            return result;
        }

        /// <summary>The present values placed at their rows, <paramref name="fill"/> at the null ones.</summary>
        private T[] Spread<T>(bool[] validity, T[] values, T fill = default!)
        {
            if (values.Length == rows)
            {
                return values;
            }

            var result = new T[rows];
            for (int row = 0, next = 0; row < rows; row++)
            {
                result[row] = validity[row] ? values[next++] : fill;
            }

            return result;
        }

        /// <summary>Each row's list as a vector of <paramref name="width"/> elements; a null row stays zeros.</summary>
        private T[] Vectors<T>(bool[] validity, int[]? starts, int width, T[] values)
        {
            RequireList();
            var result = new T[rows * width];
            for (var row = 0; row < rows; row++)
            {
                if (!validity[row])
                {
                    continue;
                }

                var length = starts![row + 1] - starts[row];
                if (length != width)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid,
                        $"{What(row)}: the vector has {length} elements, but the field ({field.DataType}, dim {field.Dim}) takes {width}");
                }

                values.AsSpan(starts[row], width).CopyTo(result.AsSpan(row * width, width));
            }

            return result;
        }

        /// <summary>Int8, Float16 or BFloat16 vectors given as numbers, packed.</summary>
        private byte[] Packed(bool[] validity, int[]? starts)
        {
            var floats = Vectors(validity, starts, field.Dim, Floats());
            var width = field.DataType.VectorRowWidth(field.Dim);
            var packed = new byte[rows * width];
            for (var row = 0; row < rows; row++)
            {
                try
                {
                    PackedVectors.FromSingle(field.DataType, floats.AsSpan(row * field.Dim, field.Dim), packed.AsSpan(row * width, width));
                }
                catch (MilvusException e)
                {
                    throw new MilvusException(e.Code, $"{What(row)}: {e.Message}");
                }
            }

            return packed;
        }

        private Array[] ArrayRows(bool[] validity, int[]? starts)
        {
            Array values = field.ElementType switch
            {
                DataType.Bool => Bools(),
                DataType.Int8 or DataType.Int16 or DataType.Int32 => Ints(),
                DataType.Int64 => Longs(),
                DataType.Float => Floats(),
                DataType.Double => Doubles(),
                DataType.VarChar or DataType.String => Strings(),
                _ => throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"importing arrays of {field.ElementType} (field '{field.Name}') is not supported by Milvus.Akka"),
            };
            var elementType = values.GetType().GetElementType()!;
            var result = new Array[rows];
            for (var row = 0; row < rows; row++)
            {
                var length = validity[row] ? starts![row + 1] - starts[row] : 0;
                result[row] = Array.CreateInstance(elementType, length);
                if (length > 0)
                {
                    Array.Copy(values, starts![row], result[row], 0, length);
                }
            }

            return result;
        }
    }
}
