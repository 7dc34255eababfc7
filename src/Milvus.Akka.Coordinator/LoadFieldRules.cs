using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Partial load (Milvus's load_fields and skip_load_dynamic_field): which fields a load holds, with Milvus's rules. The
/// list must name the primary key, at least one vector field and the partition key field (reads cannot route or
/// identify rows without them); the dynamic field comes along unless skipped. A loaded collection keeps its field list
/// until it is released.
/// </summary>
public static class LoadFieldRules
{
    /// <summary>The field ids to load, or null when that is every field (no list and the dynamic field not skipped).</summary>
    public static ImmutableSortedSet<long>? Resolve(CollectionSchema schema, IReadOnlyCollection<string> names, bool skipDynamicField)
    {
        if (names.Count == 0)
        {
            return skipDynamicField && schema.DynamicField is { } dynamicField
                ? [.. schema.Fields.Where(f => f.FieldId != dynamicField.FieldId).Select(f => f.FieldId)]
                : null;
        }

        // A struct is loaded whole: its name stands for all its sub-fields.
        var fields = names.SelectMany(name => schema.FindField(name) is { } field ? [field]
            : schema.FindStruct(name) is { } structField ? schema.SubFields(structField.FieldId)
            : throw new MilvusException(ErrorCode.FieldNotFound, $"field not found[field={name}]")).ToList();
        if (!skipDynamicField && schema.DynamicField is { } dynamic)
        {
            fields.Add(dynamic);
        }

        var list = $"[{string.Join(" ", names)}]";
        if (!fields.Any(f => f.IsPrimaryKey))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"load field list {list} does not contain primary key field {schema.PrimaryKey.Name}");
        }

        if (!fields.Any(f => f.DataType.IsVector()))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"load field list {list} does not contain vector field");
        }

        if (schema.PartitionKey is { } partitionKey && !fields.Contains(partitionKey))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"load field list {list} does not contain partition key field {partitionKey.Name}");
        }

        var ids = fields.Select(f => f.FieldId).ToImmutableSortedSet();
        return ids.Count == schema.Fields.Length ? null : ids;
    }

    /// <summary>A loaded collection is loaded again only with the fields it holds: changing them needs a release first.</summary>
    public static void RequireUnchanged(CollectionInfo collection, ImmutableSortedSet<long>? fields)
    {
        var same = collection.LoadedFields is null ? fields is null : fields is not null && collection.LoadedFields.SetEquals(fields);
        if (collection.Loaded && !same)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"can't change the load field list for loaded collection {collection.Name}: release it first");
        }
    }
}
