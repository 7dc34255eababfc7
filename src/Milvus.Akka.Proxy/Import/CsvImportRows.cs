using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy.Import;

/// <summary>The <c>sep</c> and <c>nullkey</c> options of a CSV import, as Milvus takes them.</summary>
/// <param name="Separator">One character between the values of a line (default <c>,</c>).</param>
/// <param name="NullKey">The text that stands for null in a nullable field or one with a default value (default empty).</param>
public sealed record CsvOptions(char Separator, string NullKey)
{
    public static readonly CsvOptions Default = new(',', "");

    /// <exception cref="MilvusException">ParameterInvalid for a separator that is not one character or would make lines ambiguous.</exception>
    public static CsvOptions From(IReadOnlyDictionary<string, string> options)
    {
        var separator = Default.Separator;
        if (options.TryGetValue("sep", out var sep))
        {
            separator = sep is { Length: 1 } && sep[0] is not ('"' or '\r' or '\n' or '\uFFFD' or '\0')
                ? sep[0]
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid csv separator '{sep}': sep must be one character, not a quote or a line break");
        }

        return new CsvOptions(separator, options.GetValueOrDefault("nullkey", Default.NullKey));
    }
}

/// <summary>
/// The rows of a Milvus import CSV file as columns, batch by batch, read as Milvus reads one: a header line of column
/// names, then one line per row (RFC 4180 quoting, blank lines skipped). A scalar is its text; a JSON field, a vector,
/// an array and a struct list are JSON text (<c>"[0.1, 0.2]"</c>); the null key stands for null where a field takes
/// null or a default. Columns outside the schema go to the dynamic field as strings (beside the keys of a
/// <c>$meta</c> column's JSON object) or, without one, are skipped. Each line becomes a JSON row read by
/// <see cref="JsonImportRows"/>, so both formats check values alike; rows are counted from 0 after the header.
/// </summary>
public static class CsvImportRows
{
    /// <exception cref="MilvusException">ParameterInvalid for text that is not such a file, or a value its field cannot take.</exception>
    public static IEnumerable<IReadOnlyDictionary<string, Column>> Read(ReadOnlyMemory<byte> csv, CollectionSchema schema, TimeZoneInfo timezone,
        int batchRows, CsvOptions options)
    {
        // An iterator, so that the file is converted (and its errors thrown) as the caller reads, as the other readers do.
        foreach (var batch in JsonImportRows.Read(ToJsonRows(csv.Span, schema, options), schema, timezone, batchRows))
        {
            yield return batch;
        }
    }

    /// <summary>The file as a JSON array of row objects.</summary>
    private static byte[] ToJsonRows(ReadOnlySpan<byte> csv, CollectionSchema schema, CsvOptions options)
    {
        var text = Encoding.UTF8.GetString(csv.StartsWith(Encoding.UTF8.Preamble) ? csv[Encoding.UTF8.Preamble.Length..] : csv);
        var lines = new CsvLines(text, options.Separator);
        var header = lines.Next() ?? throw new MilvusException(ErrorCode.ParameterInvalid, "the csv file is empty: it needs a header line of field names");
        var columns = header.Select(name => HeaderColumn.Of(name, schema)).ToArray();
        var duplicate = header.GroupBy(name => name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"column '{duplicate.Key}' appears twice in the csv header");
        }

        // Found once for every row: the $meta column of a dynamic field (-1: none), null without a dynamic field.
        int? meta = schema.EnableDynamicField ? Array.FindIndex(columns, c => c.Name == CollectionSchema.DynamicFieldName) : null;

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(text.Length * 2L + 16, Array.MaxLength));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            var row = 0;
            for (var values = lines.Next(); values is not null; values = lines.Next(), row++)
            {
                if (values.Count != columns.Length)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid,
                        $"row {row} has {values.Count} values, but the header has {columns.Length} columns");
                }

                WriteRow(json, columns, values, row, meta, options.NullKey);
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <param name="meta">The <c>$meta</c> column (-1: none); null without a dynamic field.</param>
    private static void WriteRow(Utf8JsonWriter json, HeaderColumn[] columns, List<string> values, int row, int? meta, string nullKey)
    {
        json.WriteStartObject();
        for (var i = 0; i < columns.Length; i++)
        {
            if (columns[i] is { Field: { } field } column)
            {
                json.WritePropertyName(column.Name);
                WriteValue(json, field, values[i], row, nullKey);
            }
            else if (columns[i] is { IsStruct: true } structColumn)
            {
                json.WritePropertyName(structColumn.Name);
                WriteJsonText(json, values[i], row, structColumn.Name);
            }
        }

        if (meta is { } metaColumn)
        {
            WriteDynamic(json, columns, values, row, metaColumn);
        }

        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, FieldSchema field, string value, int row, string nullKey)
    {
        if (value == nullKey && (field.Nullable || field.DefaultValue is not null))
        {
            json.WriteNullValue();
            return;
        }

        switch (field.DataType)
        {
            case DataType.Bool:
                json.WriteBooleanValue(ParseBool(value) ?? throw Wrong(value, row, field.Name, "a boolean"));
                break;
            case DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64:
                json.WriteNumberValue(long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                    ? integer
                    : throw Wrong(value, row, field.Name, "an integer"));
                break;
            case DataType.Float or DataType.Double:
                json.WriteNumberValue(double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                    ? number
                    : throw Wrong(value, row, field.Name, "a finite number"));
                break;
            case DataType.VarChar or DataType.String or DataType.Timestamptz or DataType.Geometry:
                json.WriteStringValue(value);
                break;
            default:
                // JSON fields, vectors and arrays are written as JSON text.
                WriteJsonText(json, value, row, field.Name);
                break;
        }
    }

    /// <summary>The keys of the <c>$meta</c> column's object, then every column outside the schema as a string (as Milvus keeps them).</summary>
    private static void WriteDynamic(Utf8JsonWriter json, HeaderColumn[] columns, List<string> values, int row, int meta)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        json.WritePropertyName(CollectionSchema.DynamicFieldName);
        json.WriteStartObject();
        if (meta >= 0)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(values[meta], new JsonDocumentOptions { MaxDepth = JsonLimits.DocumentOptions.MaxDepth });
            }
            catch (JsonException)
            {
                throw Wrong(values[meta], row, CollectionSchema.DynamicFieldName, "a JSON object");
            }

            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Wrong(values[meta], row, CollectionSchema.DynamicFieldName, "a JSON object");
                }

                foreach (var property in document.RootElement.EnumerateObject())
                {
                    keys.Add(property.Name);
                    property.WriteTo(json);
                }
            }
        }

        for (var i = 0; i < columns.Length; i++)
        {
            if (columns[i].IsDynamicKey)
            {
                if (!keys.Add(columns[i].Name))
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid, $"row {row}: key '{columns[i].Name}' is both a column and a key of {CollectionSchema.DynamicFieldName}");
                }

                json.WriteString(columns[i].Name, values[i]);
            }
        }

        json.WriteEndObject();
    }

    private static void WriteJsonText(Utf8JsonWriter json, string value, int row, string field)
    {
        try
        {
            json.WriteRawValue(value);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw Wrong(value, row, field, "JSON text");
        }
    }

    /// <summary>Go's <c>strconv.ParseBool</c>, which Milvus's CSV reader uses.</summary>
    private static bool? ParseBool(string value) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => null,
    };

    private static MilvusException Wrong(string value, int row, string field, string expected) =>
        new(ErrorCode.ParameterInvalid, $"row {row}, field '{field}': expected {expected}, got '{(value.Length > 100 ? value[..100] + "..." : value)}'");

    /// <summary>What a header column is: a field (the dynamic field and an auto-id key included, for the insert path to judge), a struct list, a dynamic key, or nothing.</summary>
    private sealed record HeaderColumn(string Name, FieldSchema? Field, bool IsStruct, bool IsDynamicKey)
    {
        public static HeaderColumn Of(string name, CollectionSchema schema) =>
            schema.FindField(name) is { IsDynamic: false, StructFieldId: 0 } field ? new HeaderColumn(name, field, false, false)
            : schema.FindStruct(name) is not null ? new HeaderColumn(name, null, true, false)
            : new HeaderColumn(name, null, false, schema.EnableDynamicField && name != CollectionSchema.DynamicFieldName);
    }

    /// <summary>RFC 4180 lines: quoted values may hold the separator, doubled quotes and line breaks; a quote inside an unquoted value is an error.</summary>
    private sealed class CsvLines(string text, char separator)
    {
        private int _at;

        /// <summary>The next non-blank line's values; null at the end.</summary>
        public List<string>? Next()
        {
            while (_at < text.Length && text[_at] is '\n' or '\r')
            {
                _at++;
            }

            if (_at >= text.Length)
            {
                return null;
            }

            var values = new List<string>();
            var value = new StringBuilder();
            while (true)
            {
                value.Clear();
                if (_at < text.Length && text[_at] == '"')
                {
                    ReadQuoted(value);
                }
                else
                {
                    while (_at < text.Length && text[_at] != separator && text[_at] is not ('\n' or '\r'))
                    {
                        if (text[_at] == '"')
                        {
                            throw new MilvusException(ErrorCode.ParameterInvalid, $"the csv file has a bare \" in an unquoted value at character {_at}");
                        }

                        value.Append(text[_at++]);
                    }
                }

                values.Add(value.ToString());
                if (_at < text.Length && text[_at] == separator)
                {
                    _at++;
                    continue;
                }

                // A line ends at \n, \r\n or the end of the text.
                if (_at < text.Length && text[_at] == '\r')
                {
                    _at++;
                }

                if (_at < text.Length && text[_at] == '\n')
                {
                    _at++;
                }

                return values;
            }
        }

        private void ReadQuoted(StringBuilder value)
        {
            var start = _at++;
            while (true)
            {
                if (_at >= text.Length)
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid, $"the csv file ends inside the quoted value that starts at character {start}");
                }

                if (text[_at] != '"')
                {
                    value.Append(text[_at++]);
                    continue;
                }

                if (_at + 1 < text.Length && text[_at + 1] == '"')
                {
                    value.Append('"');
                    _at += 2;
                    continue;
                }

                _at++;
                if (_at < text.Length && text[_at] != separator && text[_at] is not ('\n' or '\r'))
                {
                    throw new MilvusException(ErrorCode.ParameterInvalid, $"the csv file has text after the closing quote of the value that starts at character {start}");
                }

                return;
            }
        }
    }
}
