using Akka.Configuration;
using Milvus.Akka.Cluster;

namespace Milvus.Akka.Streaming;

/// <summary>Typed view of <c>milvus.streaming.seal</c>; see hocon/role.streaming.hocon.</summary>
public sealed record SealPolicy(int MaxRows, long MaxBytes, TimeSpan IdleTime, long IdleMinBytes, TimeSpan MaxLifetime)
{
    public static SealPolicy Default { get; } = new(1_000_000, 64L << 20, TimeSpan.FromMinutes(10), 16L << 20, TimeSpan.FromHours(1));

    public static SealPolicy From(Config? config) => config is null || config.IsEmpty
        ? Default
        : new SealPolicy(
            config.GetInt("max-rows", Default.MaxRows),
            config.GetByteSize("max-bytes") ?? Default.MaxBytes,
            config.GetTimeSpan("idle-time", Default.IdleTime),
            config.GetByteSize("idle-min-bytes") ?? Default.IdleMinBytes,
            config.GetTimeSpan("max-lifetime", Default.MaxLifetime));

    /// <summary>The reason to seal a growing segment now, or null to keep it open.</summary>
    public SealReason? Evaluate(int rows, long bytes, DateTimeOffset created, DateTimeOffset lastWrite, DateTimeOffset now)
    {
        if (rows == 0)
        {
            return null;
        }

        if (rows >= MaxRows || bytes >= MaxBytes)
        {
            return SealReason.Capacity;
        }

        if (now - lastWrite >= IdleTime && bytes >= IdleMinBytes)
        {
            return SealReason.Idle;
        }

        return now - created >= MaxLifetime ? SealReason.Lifetime : null;
    }
}

/// <summary>Typed view of <c>milvus.streaming</c> (hocon/role.streaming.hocon documents every key).</summary>
public sealed record StreamingSettings(SealPolicy Seal, TimeSpan SealCheckInterval, TimeSpan AskTimeout, TimeSpan FlushRetryMin,
    TimeSpan FlushRetryMax, int SegmentIdReserve, string JournalPluginId, string SnapshotPluginId, long DeleteFlushRows,
    TimeSpan CompactionDeleteHold)
{
    public static StreamingSettings Default { get; } = new(SealPolicy.Default, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30),
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 8, "", "", 100_000, TimeSpan.FromMinutes(20));

    /// <summary>How many recent writes' request ids a shard remembers (<c>milvus.streaming.applied-writes</c>).</summary>
    public AppliedWritesSettings AppliedWrites { get; init; } = AppliedWritesSettings.Default;

    /// <summary>
    /// How long a read waits for a query node when another replica could answer instead (<c>replica-attempt-timeout</c>);
    /// with no other replica it waits <see cref="AskTimeout"/>.
    /// </summary>
    public TimeSpan ReplicaAttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a shard waits for the coordinator before sending a read-only or repeatable request again
    /// (<c>coordinator-attempt-timeout</c>); it gives up after <see cref="AskTimeout"/>.
    /// </summary>
    public TimeSpan CoordinatorAttemptTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>When the node refuses writes to spare its memory (<c>milvus.quota.limit-writing.mem-protection</c>).</summary>
    public MemoryProtection MemoryProtection { get; init; } = MemoryProtection.Default;

    public static StreamingSettings From(Config config)
    {
        var c = config.GetConfig("milvus.streaming");
        return c is null || c.IsEmpty
            ? Default with { MemoryProtection = MemoryProtection.From(config) }
            : new StreamingSettings(
                SealPolicy.From(c.GetConfig("seal")),
                c.GetTimeSpan("seal-check-interval", Default.SealCheckInterval),
                c.GetTimeSpan("ask-timeout", Default.AskTimeout),
                c.GetTimeSpan("flush-retry-min", Default.FlushRetryMin),
                c.GetTimeSpan("flush-retry-max", Default.FlushRetryMax),
                c.GetInt("segment-id-reserve", Default.SegmentIdReserve),
                c.GetString("journal-plugin-id", ""),
                c.GetString("snapshot-plugin-id", ""),
                c.GetLong("delete-flush-rows", Default.DeleteFlushRows),
                c.GetTimeSpan("compaction-delete-hold", Default.CompactionDeleteHold))
            {
                AppliedWrites = new AppliedWritesSettings(
                    c.GetInt("applied-writes.max-entries", AppliedWritesSettings.Default.MaxEntries),
                    c.GetTimeSpan("applied-writes.max-age", AppliedWritesSettings.Default.MaxAge)),
                ReplicaAttemptTimeout = c.GetTimeSpan("replica-attempt-timeout", Default.ReplicaAttemptTimeout),
                CoordinatorAttemptTimeout = c.GetTimeSpan("coordinator-attempt-timeout", Default.CoordinatorAttemptTimeout),
                MemoryProtection = MemoryProtection.From(config),
            };
    }
}
