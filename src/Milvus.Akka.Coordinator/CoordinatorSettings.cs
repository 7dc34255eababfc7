using Akka.Configuration;

namespace Milvus.Akka.Coordinator;

/// <summary>Typed view of <c>milvus.coordinator</c> (hocon/role.coordinator.hocon documents every key).</summary>
public sealed record CoordinatorSettings(
    TimeSpan TimestampWindow,
    int IdBlockSize,
    TimeSpan ShardKeepAliveInterval,
    int MinRowsToIndex,
    TimeSpan IndexTaskLease,
    int MaxDatabases,
    int MaxCollectionsPerDatabase,
    int MaxPartitions,
    int MaxShards,
    CompactionSettings Compaction,
    GarbageCollectionSettings Gc)
{
    /// <summary>Collections in the whole cluster (Milvus's quotaAndLimits.limits.maxCollectionNum).</summary>
    public int MaxCollections { get; init; } = 65_536;

    /// <summary>How long a new incarnation keeps the resource-group places of query nodes that have not registered again.</summary>
    public TimeSpan NodeRejoinGrace { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a finished import job is kept for GetImportState and ListImportTasks (Milvus's dataCoord.import.taskRetention).</summary>
    public TimeSpan ImportRetention { get; init; } = TimeSpan.FromHours(3);

    public static CoordinatorSettings Default { get; } = new(TimeSpan.FromSeconds(3), 10_000, TimeSpan.FromSeconds(5), 1024,
        TimeSpan.FromMinutes(5), 64, 65_536, 1024, 16, CompactionSettings.Default, GarbageCollectionSettings.Default);

    public static CoordinatorSettings From(Config config)
    {
        var c = config.GetConfig("milvus.coordinator");
        return c is null || c.IsEmpty
            ? Default
            : new CoordinatorSettings(
                c.GetTimeSpan("timestamp-window", Default.TimestampWindow),
                c.GetInt("id-block-size", Default.IdBlockSize),
                c.GetTimeSpan("shard-keep-alive-interval", Default.ShardKeepAliveInterval),
                c.GetInt("min-rows-to-index", Default.MinRowsToIndex),
                c.GetTimeSpan("index-task-lease", Default.IndexTaskLease),
                c.GetInt("max-databases", Default.MaxDatabases),
                c.GetInt("max-collections-per-database", Default.MaxCollectionsPerDatabase),
                c.GetInt("max-partitions", Default.MaxPartitions),
                c.GetInt("max-shards", Default.MaxShards),
                CompactionSettings.From(c.GetConfig("compaction")),
                GarbageCollectionSettings.From(c.GetConfig("gc")))
            {
                MaxCollections = c.GetInt("max-collections", 65_536),
                NodeRejoinGrace = c.GetTimeSpan("node-rejoin-grace", Default.NodeRejoinGrace),
                ImportRetention = c.GetTimeSpan("import-retention", Default.ImportRetention),
            };
    }
}

/// <summary>Typed view of <c>milvus.coordinator.compaction</c>.</summary>
public sealed record CompactionSettings(bool Auto, int SmallSegmentRows, int MaxMergedRows, TimeSpan TaskLease)
{
    public static CompactionSettings Default { get; } = new(true, 100_000, 1_000_000, TimeSpan.FromMinutes(10));

    public static CompactionSettings From(Config? c) => c is null || c.IsEmpty
        ? Default
        : new CompactionSettings(
            c.GetBoolean("auto", Default.Auto),
            c.GetInt("small-segment-rows", Default.SmallSegmentRows),
            c.GetInt("max-merged-rows", Default.MaxMergedRows),
            c.GetTimeSpan("task-lease", Default.TaskLease));
}

/// <summary>Typed view of <c>milvus.coordinator.gc</c> (hocon/role.coordinator.hocon documents every key).</summary>
public sealed record GarbageCollectionSettings(TimeSpan Interval, TimeSpan DropTolerance)
{
    /// <summary>Milvus's dataCoord.gc.interval (1h) and dataCoord.gc.dropTolerance (10800 s).</summary>
    public static GarbageCollectionSettings Default { get; } = new(TimeSpan.FromHours(1), TimeSpan.FromHours(3));

    public static GarbageCollectionSettings From(Config? c) => c is null || c.IsEmpty
        ? Default
        : new GarbageCollectionSettings(c.GetTimeSpan("interval", Default.Interval), c.GetTimeSpan("drop-tolerance", Default.DropTolerance));
}
