using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Milvus's <c>order_by_fields</c> parameter of a search or query: comma-separated entries
/// <c>field[:asc|desc[:nulls_first|nulls_last]]</c> (the SDKs send <c>[{field, order}]</c> in this form). Nulls follow
/// PostgreSQL by default: last ascending, first descending. A query orders by the schema's scalar fields of a sortable
/// type; a search also by a path into a JSON field (<c>meta["price"]</c>) or by a dynamic field's key (<c>age</c>,
/// <c>user["score"]</c>), as Milvus.
/// </summary>
public static class OrderByFields
{
    public const string Key = "order_by_fields";

    public static ImmutableArray<OrderKey> Parse(string? text, CollectionSchema schema, bool allowJsonPaths = true) => Parse(text, name =>
    {
        var (field, path) = Field(name, schema);
        return !path.IsEmpty && !allowJsonPaths
            ? throw new MilvusException(ErrorCode.ParameterInvalid,
                $"{Key} field '{name}' is a JSON path or a dynamic field's key: a query is ordered by scalar fields of the schema only")
            : (field.FieldId, path);
    });

    /// <summary>Keys whose names <paramref name="resolve"/> turns into a column id and a JSON path (an aggregation's outputs, a schema's fields).</summary>
    public static ImmutableArray<OrderKey> Parse(string? text, Func<string, (long FieldId, ImmutableArray<object> Path)> resolve)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var keys = ImmutableArray.CreateBuilder<OrderKey>();
        foreach (var entry in SplitOutsideBrackets(text, ','))
        {
            if (entry.Length == 0)
            {
                continue;
            }

            var parts = SplitOutsideBrackets(entry, ':');
            var name = parts[0];
            if (name.Length == 0)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"empty field name in {Key} \"{text}\"");
            }

            if (parts.Count > 3)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"{Key} entry \"{entry}\" has more than field, direction and null placement (e.g. price:desc:nulls_last)");
            }

            var descending = parts.Count > 1 && Direction(parts[1], name);
            var nullsFirst = parts.Count > 2 ? NullsFirst(parts[2], name) : descending;
            var (fieldId, path) = resolve(name);
            keys.Add(new OrderKey(fieldId, descending, nullsFirst) { JsonPath = path });
        }

        return keys.ToImmutable();
    }

    private static bool Direction(string direction, string field) => direction.ToLowerInvariant() switch
    {
        "asc" or "ascending" or "" => false,
        "desc" or "descending" => true,
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid order direction '{direction}' for field '{field}': use asc or desc"),
    };

    private static bool NullsFirst(string placement, string field) => placement.ToLowerInvariant() switch
    {
        "nulls_first" => true,
        "nulls_last" => false,
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid null placement '{placement}' for field '{field}': use nulls_first or nulls_last"),
    };

    /// <summary>The field a spec orders by, and the path into it when it is a JSON field or the dynamic field.</summary>
    private static (FieldSchema Field, ImmutableArray<object> Path) Field(string spec, CollectionSchema schema)
    {
        var bracket = spec.IndexOf('[');
        var name = bracket < 0 ? spec : spec[..bracket].TrimEnd();
        var steps = bracket < 0 ? [] : PathSteps(spec, bracket);
        if (schema.FindField(name) is { } field)
        {
            if (field.DataType == DataType.Json && !steps.IsEmpty)
            {
                return (field, steps);
            }

            if (!steps.IsEmpty)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{Key} field '{spec}' has a path but '{name}' is a {field.DataType} field, not JSON");
            }

            return OrderKey.IsSortable(field.DataType)
                ? (field, [])
                : throw new MilvusException(ErrorCode.ParameterInvalid, field.DataType == DataType.Json
                    ? $"{Key} field '{name}' is a JSON field: order by a path into it, e.g. {name}[\"key\"]"
                    : $"{Key} field '{name}' has type {field.DataType}, which cannot be ordered by: use a Bool, Int8/16/32/64, Float, Double or VarChar field");
        }

        if (schema.DynamicField is { } dynamic)
        {
            // A name the schema lacks is a key of the dynamic field, as in filters.
            return (dynamic, steps.Insert(0, name));
        }

        throw new MilvusException(ErrorCode.ParameterInvalid, $"{Key} field '{name}' does not exist in collection schema");
    }

    /// <summary>The steps of <c>["key"][0]...</c> starting at <paramref name="at"/>: member names and array positions.</summary>
    private static ImmutableArray<object> PathSteps(string spec, int at)
    {
        var steps = ImmutableArray.CreateBuilder<object>();
        var i = at;
        while (i < spec.Length)
        {
            if (spec[i] != '[')
            {
                throw InvalidPath(spec);
            }

            i++;
            if (i < spec.Length && spec[i] == '"')
            {
                var member = new StringBuilder();
                for (i++; i < spec.Length && spec[i] != '"'; i++)
                {
                    member.Append(spec[i] == '\\' && i + 1 < spec.Length ? spec[++i] : spec[i]);
                }

                steps.Add(member.ToString());
                i++;
            }
            else
            {
                var start = i;
                while (i < spec.Length && char.IsAsciiDigit(spec[i]))
                {
                    i++;
                }

                steps.Add(long.TryParse(spec.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                    ? position
                    : throw InvalidPath(spec));
            }

            if (i >= spec.Length || spec[i] != ']')
            {
                throw InvalidPath(spec);
            }

            i++;
        }

        return steps.ToImmutable();
    }

    private static MilvusException InvalidPath(string spec) =>
        new(ErrorCode.ParameterInvalid, $"invalid JSON path in {Key} field '{spec}': use name[\"key\"] or name[0] steps");

    /// <summary>Splits on <paramref name="separator"/> outside brackets and quotes (a JSON key may hold either), trimming each part.</summary>
    private static List<string> SplitOutsideBrackets(string text, char separator)
    {
        var parts = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                i += c == '\\' ? 1 : 0;
                quoted = c != '"';
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '[' || c == ']')
            {
                depth += c == '[' ? 1 : -1;
            }
            else if (c == separator && depth == 0)
            {
                parts.Add(text[start..i].Trim());
                start = i + 1;
            }
        }

        parts.Add(text[start..].Trim());
        return parts;
    }
}
