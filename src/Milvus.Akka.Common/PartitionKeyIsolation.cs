namespace Milvus.Akka.Common;

/// <summary>
/// Milvus's <c>partitionkey.isolation</c> collection property: every search must pin the partition key to one value
/// (<c>key == v</c>, alone or in an <c>and</c>), so a search only ever reads one tenant's rows.
/// </summary>
public static class PartitionKeyIsolation
{
    public const string Key = "partitionkey.isolation";

    /// <summary>Refuses what Milvus refuses at create and alter: a value that is not a boolean, or isolation without a partition key.</summary>
    public static void Check(IReadOnlyDictionary<string, string> properties, CollectionSchema schema)
    {
        if (IsOn(properties) && schema.PartitionKey is null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "partition key isolation mode is enabled but no partition key field is set");
        }
    }

    public static bool IsOn(IReadOnlyDictionary<string, string> properties) =>
        properties.TryGetValue(Key, out var value) && (bool.TryParse(value, out var on)
            ? on
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"failed to parse partition key isolation mode: {Key}={value}"));

    /// <summary>Checks a search's filter of an isolated collection: <paramref name="pinnedValues"/> are the key values it pins (null: none).</summary>
    public static void CheckSearch(IReadOnlyList<object>? pinnedValues)
    {
        if (pinnedValues is null or { Count: 0 })
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                "partition key not found in expr or the expr is invalid when validating partition key isolation");
        }

        if (pinnedValues.Count > 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "multiple partition key expr not allowed when validating partition key isolation");
        }
    }
}
