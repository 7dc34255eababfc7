using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Milvus's checks of AlterIndex, AlterCollection and AlterCollectionField. Most alterable keys are load-time settings
/// (memory mapping, warm-up) that Milvus.Akka keeps and echoes but does not act on; the length and capacity limits of
/// fields take effect, since row validation reads them from the schema.
/// </summary>
public static class AlterableProperties
{
    private const string MmapEnabled = "mmap.enabled";
    private const string IndexOffsetCacheEnabled = "indexoffsetcache.enabled";
    private const string Warmup = "warmup";
    private const string DynamicFieldEnabled = "dynamicfield.enabled";

    /// <summary>Milvus's "configable index params": the only keys AlterIndex may set or delete.</summary>
    private static readonly ImmutableSortedSet<string> IndexKeys = [MmapEnabled, IndexOffsetCacheEnabled, Warmup];

    private static readonly ImmutableSortedSet<string> BooleanKeys = [MmapEnabled, IndexOffsetCacheEnabled];

    /// <summary>Field properties AlterCollectionField may set; of those, only the load-time ones may be deleted.</summary>
    private static readonly ImmutableSortedSet<string> FieldKeys = [FieldSchema.MaxLengthKey, FieldSchema.MaxCapacityKey, MmapEnabled, Warmup];

    private static readonly ImmutableSortedSet<string> DeletableFieldKeys = [MmapEnabled, Warmup];

    /// <summary>Splits CreateIndex parameters into the build parameters and the index properties among them.</summary>
    public static (ImmutableSortedDictionary<string, string> Build, ImmutableSortedDictionary<string, string> Properties) SplitIndexParams(
        ImmutableSortedDictionary<string, string> parameters)
    {
        var properties = parameters.Where(p => IndexKeys.Contains(p.Key)).ToImmutableSortedDictionary();
        foreach (var (key, value) in properties)
        {
            CheckValue(key, value);
        }

        return (parameters.RemoveRange(properties.Keys), properties);
    }

    /// <summary>Checks an AlterIndex request as Milvus does, before touching the index.</summary>
    public static void CheckIndexAlteration(ImmutableSortedDictionary<string, string> properties, ImmutableArray<string> deleteKeys)
    {
        if (properties.Count > 0 && deleteKeys.Length > 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "cannot provide both DeleteKeys and ExtraParams");
        }

        if (properties.Keys.Concat(deleteKeys).FirstOrDefault(k => !IndexKeys.Contains(k)) is { } key)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{key} is not a configable index property");
        }

        foreach (var (name, value) in properties)
        {
            CheckValue(name, value);
        }
    }

    /// <summary>
    /// Checks an AlterCollectionField request and normalizes it: pymilvus's "mmap_enabled" spelling becomes
    /// "mmap.enabled", as Milvus stores it. Throws ParameterInvalid or CollectionLoaded with Milvus's messages.
    /// </summary>
    public static (ImmutableSortedDictionary<string, string> Properties, ImmutableArray<string> DeleteKeys) CheckFieldAlteration(
        CollectionInfo collection, FieldSchema field, ImmutableSortedDictionary<string, string> properties, ImmutableArray<string> deleteKeys)
    {
        var normalized = properties.ToImmutableSortedDictionary(p => Normalize(p.Key), p => p.Value);
        foreach (var (key, value) in normalized)
        {
            if (!FieldKeys.Contains(key))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{key} does not allow update in collection field param");
            }

            switch (key)
            {
                case MmapEnabled or Warmup when collection.Loaded:
                    throw CollectionLoaded(collection, key == MmapEnabled
                        ? "can not alter collection field properties if collection loaded"
                        : "can not alter warmup if collection loaded");
                case MmapEnabled:
                    CheckValue(key, value);
                    break;
                case FieldSchema.MaxLengthKey:
                    CheckMaxLength(field, value);
                    break;
                case FieldSchema.MaxCapacityKey:
                    CheckMaxCapacity(field, value);
                    break;
            }
        }

        var deleted = deleteKeys.Select(Normalize).ToImmutableArray();
        foreach (var key in deleted)
        {
            if (!DeletableFieldKeys.Contains(key))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{key} is not allowed to drop in collection field param");
            }

            if (collection.Loaded)
            {
                throw CollectionLoaded(collection, "can not drop collection field properties if collection loaded");
            }
        }

        return (normalized, deleted);
    }

    /// <summary>
    /// Checks an AlterCollection request as Milvus does and returns the properties to keep: every property is kept except
    /// "dynamicfield.enabled", which Milvus applies to the schema rather than listing among the properties
    /// (<see cref="EnablesDynamicField"/>).
    /// </summary>
    public static ImmutableSortedDictionary<string, string> CheckCollectionAlteration(
        CollectionInfo collection, ImmutableSortedDictionary<string, string> properties, ImmutableArray<string> deleteKeys)
    {
        // How a loaded collection is held in memory cannot change under it.
        if (collection.Loaded && properties.Keys.Any(IsCollectionLoadSetting))
        {
            throw CollectionLoaded(collection, "can not alter mmap properties if collection loaded");
        }

        if (collection.Loaded && deleteKeys.Any(IsCollectionLoadSetting))
        {
            throw CollectionLoaded(collection, "can not delete mmap properties if collection loaded");
        }

        CollectionTtl.Check(properties);
        PartitionKeyIsolation.Check(properties, collection.Schema);
        if (collection.Loaded && (properties.ContainsKey(PartitionKeyIsolation.Key) || deleteKeys.Contains(PartitionKeyIsolation.Key)))
        {
            throw CollectionLoaded(collection, "can not alter partition key isolation mode if the collection already loaded");
        }

        return properties.Remove(DynamicFieldEnabled);
    }

    private static bool IsCollectionLoadSetting(string key) => key is MmapEnabled or "lazyload.enabled";

    /// <summary>
    /// Whether the request turns the collection's dynamic field on ("dynamicfield.enabled" true on a collection without
    /// one); turning it off is refused as Milvus does, and on again is nothing to do.
    /// </summary>
    public static bool EnablesDynamicField(CollectionInfo collection, ImmutableSortedDictionary<string, string> properties)
    {
        if (!properties.TryGetValue(DynamicFieldEnabled, out var value))
        {
            return false;
        }

        if (!ParseBool(DynamicFieldEnabled, value))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "dynamic schema cannot supported to be disabled");
        }

        return !collection.Schema.EnableDynamicField;
    }

    /// <summary>Milvus's wrapped CollectionLoaded error: "{reason}: collection already loaded[collection={name}]".</summary>
    public static MilvusException CollectionLoaded(CollectionInfo collection, string reason) =>
        new(ErrorCode.CollectionLoaded, $"{reason}: collection already loaded[collection={collection.Name}]");

    private static string Normalize(string key) => key == "mmap_enabled" ? MmapEnabled : key;

    private static void CheckValue(string key, string value)
    {
        if (BooleanKeys.Contains(key))
        {
            ParseBool(key, value);
        }
    }

    /// <summary>Milvus parses boolean properties with Go's strconv.ParseBool, which accepts exactly these spellings.</summary>
    private static bool ParseBool(string key, string value) => value switch
    {
        "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
        "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid {key} value: {value}, expected: true, false"),
    };

    private static void CheckMaxLength(FieldSchema field, string value)
    {
        if (field.DataType is not (DataType.VarChar or DataType.String)
            && !(field.DataType == DataType.Array && field.ElementType is (DataType.VarChar or DataType.String)))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{field.Name} can not modify the maxlength for non-string types");
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var length))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{FieldSchema.MaxLengthKey} should be an integer, but got {value}");
        }

        if (length <= 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{FieldSchema.MaxLengthKey} of field {field.Name} must be positive, got {value}");
        }

        if (length > SchemaValidator.MaxVarCharLength)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{value} exceeds the maximum allowed value {SchemaValidator.MaxVarCharLength}");
        }
    }

    private static void CheckMaxCapacity(FieldSchema field, string value)
    {
        if (field.DataType != DataType.Array)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{field.Name} can not modify the maxcapacity for non-array types");
        }

        if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var capacity))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the value for {FieldSchema.MaxCapacityKey} of field {field.Name} must be an integer");
        }

        if (capacity is <= 0 or > SchemaValidator.MaxArrayCapacity)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the maximum capacity specified for a Array should be in (0, {SchemaValidator.MaxArrayCapacity}]");
        }
    }
}
