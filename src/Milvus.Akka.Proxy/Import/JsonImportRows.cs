using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Spatial;

namespace Milvus.Akka.Proxy.Import;

/// <summary>
/// The rows of a Milvus import JSON file — <c>{"rows": [{...}, ...]}</c> or a bare array of row objects — as columns by
/// field name, batch by batch, in the form the insert path takes from the gRPC converter. A key missing from a row is a
/// null (the insert path fills defaults and refuses nulls where the field takes none); keys outside the schema go to the
/// dynamic field when the collection has one, merged with the row's own <c>$meta</c> object. Every error names the row.
/// </summary>
public static class JsonImportRows
{
    /// <exception cref="MilvusException">ParameterInvalid for text that is not such a file, or a value its field cannot take.</exception>
    public static IEnumerable<IReadOnlyDictionary<string, Column>> Read(ReadOnlyMemory<byte> json, CollectionSchema schema, TimeZoneInfo timezone,
        int batchRows)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = JsonLimits.DocumentOptions.MaxDepth });
        }
        catch (JsonException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the file is not valid JSON: {e.Message}");
        }

        using (document)
        {
            foreach (var batch in ReadRows(Rows(document.RootElement), schema, timezone, batchRows))
            {
                yield return batch;
            }
        }
    }

    /// <summary>Rows already parsed (a RESTful insert's <c>data</c>): a JSON array of row objects, read as a file's rows.</summary>
    public static IEnumerable<IReadOnlyDictionary<string, Column>> ReadRows(JsonElement rows, CollectionSchema schema, TimeZoneInfo timezone, int batchRows)
    {
        var batch = new List<JsonElement>(Math.Min(batchRows, rows.GetArrayLength()));
        var first = 0;
        foreach (var row in rows.EnumerateArray())
        {
            batch.Add(row);
            if (batch.Count == batchRows)
            {
                yield return Columns(batch, first, schema, timezone);
                first += batch.Count;
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            yield return Columns(batch, first, schema, timezone);
        }
    }

    /// <summary>
    /// One field's values, one per element of <paramref name="values"/> (a JSON array), converted as a file's values of
    /// that field are: the query vectors of a RESTful search. Errors name the element as a query.
    /// </summary>
    public static Column Values(JsonElement values, FieldSchema field, TimeZoneInfo timezone) =>
        FieldColumn(field, [.. values.EnumerateArray().Select(value => (JsonElement?)value)], 0, timezone, row => $"query {row}, field '{field.Name}'");

    /// <summary>A sparse vector written as JSON text (as Parquet files carry one), in either of the forms <see cref="Read"/> takes.</summary>
    /// <param name="row">The row's place in its file, for errors.</param>
    public static byte[] SparseFromText(string json, FieldSchema field, int row)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return new ValueReader(field, r => $"row {r}, field '{field.Name}'").Sparse(document.RootElement, row);
        }
        catch (JsonException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"row {row}, field '{field.Name}': the sparse vector is not valid JSON: {e.Message}");
        }
    }

    private static JsonElement Rows(JsonElement root) => root.ValueKind switch
    {
        JsonValueKind.Array => root,
        JsonValueKind.Object when root.TryGetProperty("rows", out var rows) && rows.ValueKind == JsonValueKind.Array => rows,
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, "the file must hold {\"rows\": [...]} or an array of row objects"),
    };

    private static Dictionary<string, Column> Columns(List<JsonElement> rows, int first, CollectionSchema schema, TimeZoneInfo timezone)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].ValueKind != JsonValueKind.Object)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"row {first + i} is a JSON {rows[i].ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
        }

        var columns = new Dictionary<string, Column>();
        foreach (var field in schema.Fields)
        {
            if (field.IsDynamic)
            {
                columns[field.Name] = DynamicColumn(rows, first, schema);
                continue;
            }

            var values = new JsonElement?[rows.Count];
            var present = false;
            for (var i = 0; i < rows.Count; i++)
            {
                if (rows[i].TryGetProperty(field.Name, out var value))
                {
                    values[i] = value;
                    present = true;
                }
            }

            if (present && field.StructFieldId == 0)
            {
                columns[field.Name] = FieldColumn(field, values, first, timezone);
            }
        }

        foreach (var structField in schema.StructFields)
        {
            var lists = rows.Select(row => row.TryGetProperty(structField.Name, out var value) ? value : (JsonElement?)null).ToArray();
            if (lists.Any(list => list is not null))
            {
                foreach (var subField in schema.SubFields(structField.FieldId))
                {
                    columns[subField.Name] = StructSubColumn(structField, subField, lists, first, timezone);
                }
            }
        }

        if (!schema.EnableDynamicField)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                foreach (var property in rows[i].EnumerateObject())
                {
                    if (schema.FindField(property.Name) is null && schema.FindStruct(property.Name) is null)
                    {
                        throw new MilvusException(ErrorCode.ParameterInvalid,
                            $"row {first + i}: field '{property.Name}' is not in the schema of collection {schema.Name}, which has no dynamic field");
                    }
                }
            }
        }

        return columns;
    }

    /// <summary>Each row's keys outside the schema, with those of its own $meta object, as one JSON object.</summary>
    private static JsonColumn DynamicColumn(List<JsonElement> rows, int first, CollectionSchema schema)
    {
        var values = new byte[rows.Count][];
        for (var i = 0; i < rows.Count; i++)
        {
            var dynamic = new JsonObject();
            foreach (var property in rows[i].EnumerateObject())
            {
                if (property.Name == CollectionSchema.DynamicFieldName)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new MilvusException(ErrorCode.ParameterInvalid, $"row {first + i}: {CollectionSchema.DynamicFieldName} must be a JSON object");
                    }

                    foreach (var key in property.Value.EnumerateObject())
                    {
                        dynamic[key.Name] = JsonNode.Parse(key.Value.GetRawText());
                    }
                }
                else if (schema.FindField(property.Name) is null && schema.FindStruct(property.Name) is null)
                {
                    dynamic[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                }
            }

            values[i] = JsonSerializer.SerializeToUtf8Bytes(dynamic);
        }

        return new JsonColumn(values);
    }

    /// <summary>
    /// One sub-field of an array-of-struct field, whose value in each row is a list of objects (one per struct): the
    /// sub-field's value of each struct, read as a value of the sub-field's element type, gathered per row.
    /// </summary>
    private static Column StructSubColumn(StructFieldSchema structField, FieldSchema subField, JsonElement?[] lists, int first, TimeZoneInfo timezone)
    {
        var element = subField.ElementField;
        var rows = new Array[lists.Length];
        for (var i = 0; i < lists.Length; i++)
        {
            if (lists[i] is not { ValueKind: JsonValueKind.Array } list)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"row {first + i}, field '{structField.Name}': expected a list of structs (JSON objects)");
            }

            var values = list.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Object && item.TryGetProperty(subField.ShortName, out var value)
                ? value
                : throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"row {first + i}, field '{structField.Name}': every struct needs its field '{subField.ShortName}'")).Select(v => (JsonElement?)v).ToArray();
            var row = first + i;
            rows[i] = FieldColumn(element, values, first, timezone, e => $"row {row}, field '{structField.Name}', struct {e}, field '{subField.ShortName}'") switch
            {
                ScalarColumn<bool> c => c.Values,
                ScalarColumn<int> c => c.Values,
                ScalarColumn<long> c => c.Values,
                ScalarColumn<float> c => c.Values,
                ScalarColumn<double> c => c.Values,
                StringColumn c => c.Values,
                var vectors => VectorArrayColumn.RowOf(vectors)
                    ?? throw new MilvusException(ErrorCode.OperationNotSupported, $"importing struct fields of type {vectors.Type} is not supported by Milvus.Akka"),
            };
        }

        return subField.DataType == DataType.ArrayOfVector
            ? new VectorArrayColumn(subField.ElementType, subField.Dim, [.. rows.Cast<byte[]>()])
            : new ArrayColumn(subField.ElementType, rows);
    }

    /// <param name="what">Names the value at a position in errors (default: the row and the field).</param>
    private static Column FieldColumn(FieldSchema field, JsonElement?[] values, int first, TimeZoneInfo timezone, Func<int, string>? what = null)
    {
        var validity = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            validity[i] = values[i] is { ValueKind: not JsonValueKind.Null };
        }

        var reader = new ValueReader(field, what ?? (row => $"row {first + row}, field '{field.Name}'"));
        var nullable = validity.Contains(false) ? validity : null;
        switch (field.DataType)
        {
            case DataType.Bool:
                return new ScalarColumn<bool>(field.DataType, Each(values, validity, reader.Bool), nullable);
            case DataType.Int8 or DataType.Int16 or DataType.Int32:
                return new ScalarColumn<int>(field.DataType, Each(values, validity, (v, row) => reader.Int32(v, row)), nullable);
            case DataType.Int64:
                return new ScalarColumn<long>(field.DataType, Each(values, validity, reader.Integer), nullable);
            case DataType.Float:
                return new ScalarColumn<float>(field.DataType, Each(values, validity, (v, row) => (float)reader.Number(v, row)), nullable);
            case DataType.Double:
                return new ScalarColumn<double>(field.DataType, Each(values, validity, reader.Number), nullable);
            case DataType.VarChar or DataType.String:
                return new StringColumn(Each(values, validity, reader.Text, ""), nullable);
            case DataType.Json:
                return new JsonColumn(Each(values, validity, reader.Json, []), nullable);
            case DataType.Geometry:
                return new GeometryColumn(Each(values, validity, (v, row) => GeometryCodec.WktToWkb(reader.Text(v, row), reader.What(row)), []), nullable);
            case DataType.Timestamptz:
                return new ScalarColumn<long>(field.DataType, Each(values, validity, (v, row) => Timestamptz.Parse(reader.Text(v, row), timezone)), nullable);
            case DataType.Array:
                var empty = Array.CreateInstance(ArrayColumn.RowType(field.ElementType).GetElementType()!, 0);
                return new ArrayColumn(field.ElementType, Each(values, validity, reader.Array, empty), nullable);
            case DataType.SparseFloatVector:
                return new SparseVectorColumn(Each(values, validity, reader.Sparse, []), nullable);
            case DataType.FloatVector:
                return new VectorColumn<float>(field.DataType, field.Dim, Vectors<float>(values, validity, field.Dim, reader.Floats), nullable);
            case DataType.BinaryVector:
                return new VectorColumn<byte>(field.DataType, field.Dim, Vectors<byte>(values, validity, field.Dim / 8, reader.Bits), nullable);
            case DataType.Float16Vector or DataType.BFloat16Vector or DataType.Int8Vector:
                return new VectorColumn<byte>(field.DataType, field.Dim,
                    Vectors<byte>(values, validity, field.DataType.VectorRowWidth(field.Dim), reader.Packed), nullable);
            default:
                throw new MilvusException(ErrorCode.OperationNotSupported, $"importing field '{field.Name}' of type {field.DataType} is not supported by Milvus.Akka");
        }
    }

    private static T[] Each<T>(JsonElement?[] values, bool[] validity, Func<JsonElement, int, T> read, T fill = default!)
    {
        var result = new T[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = validity[i] ? read(values[i]!.Value, i) : fill;
        }

        return result;
    }

    /// <summary>Vectors row after row, <paramref name="width"/> elements each; a null row stays zeros.</summary>
    private static T[] Vectors<T>(JsonElement?[] values, bool[] validity, int width, Action<JsonElement, int, Span<T>> read)
    {
        var result = new T[values.Length * width];
        for (var i = 0; i < values.Length; i++)
        {
            if (validity[i])
            {
                read(values[i]!.Value, i, result.AsSpan(i * width, width));
            }
        }

        return result;
    }

    /// <summary>Converts one field's JSON values, naming the row and field of a value it cannot take.</summary>
    private sealed class ValueReader(FieldSchema field, Func<int, string> what)
    {
        public string What(int row) => what(row);

        public bool Bool(JsonElement value, int row) => value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(value, row, "a boolean"),
        };

        /// <summary>A JSON integer, or a string holding one (int64 keys beyond 2^53 survive only as strings in JavaScript).</summary>
        public long Integer(JsonElement value, int row) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
            : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number) ? number
            : throw Wrong(value, row, "an integer");

        public int Int32(JsonElement value, int row) =>
            Integer(value, row) is var number and >= int.MinValue and <= int.MaxValue ? (int)number : throw Wrong(value, row, "a 32-bit integer");

        public double Number(JsonElement value, int row) =>
            value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Wrong(value, row, "a number");

        public string Text(JsonElement value, int row) =>
            value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Wrong(value, row, "a string");

        /// <summary>A JSON field's value: any JSON value as it is, or a string holding the JSON text (as Milvus also takes it).</summary>
        public byte[] Json(JsonElement value, int row) => value.ValueKind == JsonValueKind.String
            ? System.Text.Encoding.UTF8.GetBytes(value.GetString()!)
            : System.Text.Encoding.UTF8.GetBytes(value.GetRawText());

        public Array Array(JsonElement value, int row)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Wrong(value, row, $"an array of {field.ElementType}");
            }

            var elements = value.EnumerateArray().ToList();
            return field.ElementType switch
            {
                DataType.Bool => elements.Select(e => Bool(e, row)).ToArray(),
                DataType.Int8 or DataType.Int16 or DataType.Int32 => elements.Select(e => Int32(e, row)).ToArray(),
                DataType.Int64 => elements.Select(e => Integer(e, row)).ToArray(),
                DataType.Float => elements.Select(e => (float)Number(e, row)).ToArray(),
                DataType.Double => elements.Select(e => Number(e, row)).ToArray(),
                DataType.VarChar or DataType.String => elements.Select(e => Text(e, row)).ToArray(),
                _ => throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"importing arrays of {field.ElementType} (field '{field.Name}') is not supported by Milvus.Akka"),
            };
        }

        public void Floats(JsonElement value, int row, Span<float> vector)
        {
            VectorLength(value, row, vector.Length);
            var i = 0;
            foreach (var element in value.EnumerateArray())
            {
                vector[i++] = (float)Number(element, row);
            }
        }

        /// <summary>A BinaryVector row: dim/8 bytes, each a number in [0, 255] (Milvus's import form).</summary>
        public void Bits(JsonElement value, int row, Span<byte> vector)
        {
            VectorLength(value, row, vector.Length);
            var i = 0;
            foreach (var element in value.EnumerateArray())
            {
                vector[i++] = element.ValueKind == JsonValueKind.Number && element.TryGetByte(out var b) ? b : throw Wrong(element, row, "a byte (0 to 255)");
            }
        }

        /// <summary>A Float16, BFloat16 or Int8 vector row: dim numbers, packed.</summary>
        public void Packed(JsonElement value, int row, Span<byte> vector)
        {
            var dim = field.Dim;
            Span<float> buffer = dim <= 1024 ? stackalloc float[dim] : new float[dim];
            Floats(value, row, buffer);
            try
            {
                PackedVectors.FromSingle(field.DataType, buffer, vector);
            }
            catch (MilvusException e)
            {
                throw new MilvusException(e.Code, $"{What(row)}: {e.Message}");
            }
        }

        /// <summary>A sparse row: <c>{"indices": [...], "values": [...]}</c> or <c>{"index": value, ...}</c>, as Milvus imports it.</summary>
        public byte[] Sparse(JsonElement value, int row)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                throw Wrong(value, row, "a sparse vector object");
            }

            var pairs = new SortedDictionary<uint, float>();
            if (value.TryGetProperty("indices", out var indices) && value.TryGetProperty("values", out var weights))
            {
                if (indices.ValueKind != JsonValueKind.Array || weights.ValueKind != JsonValueKind.Array || indices.GetArrayLength() != weights.GetArrayLength())
                {
                    throw Wrong(value, row, "a sparse vector with as many indices as values");
                }

                foreach (var (index, weight) in indices.EnumerateArray().Zip(weights.EnumerateArray()))
                {
                    Add(pairs, index.ValueKind == JsonValueKind.Number && index.TryGetUInt32(out var i) ? i : throw Wrong(index, row, "a sparse index"),
                        (float)Number(weight, row), row);
                }
            }
            else
            {
                foreach (var property in value.EnumerateObject())
                {
                    Add(pairs, uint.TryParse(property.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var i)
                        ? i
                        : throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: sparse index '{property.Name}' is not a non-negative integer"),
                        (float)Number(property.Value, row), row);
                }
            }

            var sparse = SparseVectors.Row(pairs);
            SparseVectors.Validate(sparse, What(row));
            return sparse;
        }

        private void Add(SortedDictionary<uint, float> pairs, uint index, float weight, int row)
        {
            if (!pairs.TryAdd(index, weight))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{What(row)}: sparse index {index} appears twice");
            }
        }

        private void VectorLength(JsonElement value, int row, int expected)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw Wrong(value, row, $"an array of {expected} numbers");
            }

            var length = value.GetArrayLength();
            if (length != expected)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"{What(row)}: the vector has {length} elements, but the field ({field.DataType}, dim {field.Dim}) takes {expected}");
            }
        }

        private MilvusException Wrong(JsonElement value, int row, string expected)
        {
            var text = value.GetRawText();
            return new MilvusException(ErrorCode.ParameterInvalid,
                $"{What(row)}: expected {expected}, got {(text.Length > 100 ? text[..100] + "..." : text)}");
        }
    }
}
