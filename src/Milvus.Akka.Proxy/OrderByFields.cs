using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Milvus's <c>order_by_fields</c> parameter of a search or query: comma-separated entries
/// <c>field[:asc|desc[:nulls_first|nulls_last]]</c> (the SDKs send <c>[{field, order}]</c> in this form). Nulls follow
/// PostgreSQL by default: last ascending, first descending. The fields are the schema's scalar fields of a sortable type;
/// a JSON path or a dynamic field's key is refused as not supported.
/// </summary>
public static class OrderByFields
{
    public const string Key = "order_by_fields";

    public static ImmutableArray<OrderKey> Parse(string? text, CollectionSchema schema)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var keys = ImmutableArray.CreateBuilder<OrderKey>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(':', StringSplitOptions.TrimEntries);
            var name = parts[0];
            if (name.Length == 0)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"empty field name in {Key} \"{text}\"");
            }

            if (parts.Length > 3)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"{Key} entry \"{entry}\" has more than field, direction and null placement (e.g. price:desc:nulls_last)");
            }

            var descending = parts.Length > 1 ? Direction(parts[1], name) : false;
            var nullsFirst = parts.Length > 2 ? NullsFirst(parts[2], name) : descending;
            keys.Add(new OrderKey(Field(name, schema).FieldId, descending, nullsFirst));
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

    private static FieldSchema Field(string name, CollectionSchema schema)
    {
        if (schema.FindField(name) is { } field)
        {
            return OrderKey.IsSortable(field.DataType)
                ? field
                : throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"{Key} field '{name}' has type {field.DataType}, which cannot be ordered by: use a Bool, Int8/16/32/64, Float, Double or VarChar field");
        }

        if (name.Contains('[') || schema.DynamicField is not null)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                $"{Key} by a JSON path or a dynamic field's key ('{name}') is not supported by Milvus.Akka; order by a scalar field of the schema");
        }

        throw new MilvusException(ErrorCode.ParameterInvalid, $"{Key} field '{name}' does not exist in collection schema");
    }
}
