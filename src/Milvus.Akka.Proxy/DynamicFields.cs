using System.Text.Json;
using System.Text.Json.Nodes;
using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy;

/// <summary>Output of the dynamic field: Milvus returns only the dynamic keys a request names, unless it asks for all.</summary>
public static class DynamicFields
{
    /// <summary>
    /// The dynamic keys among requested output names (names that are neither schema fields, "*" nor $meta);
    /// null when every key is wanted ("*" or $meta requested).
    /// </summary>
    public static IReadOnlySet<string>? RequestedKeys(CollectionSchema schema, IEnumerable<string> outputNames)
    {
        var keys = new HashSet<string>();
        foreach (var raw in outputNames)
        {
            var name = raw.Trim();
            if (name is "*" or CollectionSchema.DynamicFieldName)
            {
                return null;
            }

            if (schema.FindField(name) is null)
            {
                keys.Add(name);
            }
        }

        return keys;
    }

    /// <summary>Each row's JSON object reduced to the given keys.</summary>
    public static JsonColumn Project(JsonColumn column, IReadOnlySet<string> keys)
    {
        var rows = new byte[column.Count][];
        for (var i = 0; i < rows.Length; i++)
        {
            if (column.IsNull(i) || JsonNode.Parse(column.Values[i], documentOptions: JsonLimits.DocumentOptions) is not JsonObject source)
            {
                rows[i] = column.Values[i];
                continue;
            }

            var projected = new JsonObject();
            foreach (var (key, value) in source)
            {
                if (keys.Contains(key))
                {
                    projected[key] = value?.DeepClone();
                }
            }

            rows[i] = JsonSerializer.SerializeToUtf8Bytes(projected);
        }

        return new JsonColumn(rows, column.Validity);
    }
}
