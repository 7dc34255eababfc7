using System.Globalization;

namespace Milvus.Akka.Common;

/// <summary>
/// Milvus's collection time-to-live (the <c>collection.ttl.seconds</c> property, set at create or by AlterCollection):
/// a row inserted longer ago than the TTL before a read's timestamp is invisible to that read, and compaction drops it.
/// 0 or absent means rows never expire.
/// </summary>
public static class CollectionTtl
{
    public const string Key = "collection.ttl.seconds";

    /// <summary>Refuses a value Milvus refuses (not a non-negative integer number of seconds).</summary>
    public static void Check(IReadOnlyDictionary<string, string> properties) => Of(properties);

    /// <summary>The collection's TTL, or null when rows never expire.</summary>
    public static TimeSpan? Of(IReadOnlyDictionary<string, string> properties)
    {
        if (!properties.TryGetValue(Key, out var value))
        {
            return null;
        }

        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"collection TTL is not a valid positive integer: {Key}={value}");
        }

        return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>
    /// The oldest insert timestamp a read at <paramref name="readTimestamp"/> still sees (rows below it have expired);
    /// 0 when rows never expire. ulong.MaxValue (read the newest data) measures the TTL from <paramref name="now"/>.
    /// </summary>
    public static ulong ExpiredBefore(IReadOnlyDictionary<string, string> properties, ulong readTimestamp, DateTimeOffset now) =>
        Of(properties) is { } ttl
            ? HybridTimestamp.SubtractPhysical(readTimestamp == ulong.MaxValue ? HybridTimestamp.FromTime(now) : readTimestamp, ttl)
            : 0;
}
