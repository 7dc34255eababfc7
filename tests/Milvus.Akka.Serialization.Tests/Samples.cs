using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Query;
using Milvus.Akka.Security;
using Milvus.Akka.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>A named sample of every message that crosses ActorSystems or is journaled, with the edge cases of its fields.</summary>
public sealed record Sample(string Name, object Message);

public static class Samples
{
    private static readonly ImmutableSortedDictionary<string, string> Properties =
        ImmutableSortedDictionary.CreateRange([KeyValuePair.Create("collection.ttl.seconds", "60"), KeyValuePair.Create("mmap.enabled", "")]);

    public static readonly CollectionSchema Schema = new()
    {
        Name = "books",
        Description = "a schema with every kind of field",
        EnableDynamicField = true,
        Properties = Properties,
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true, AutoId = true },
            new FieldSchema
            {
                FieldId = 101, Name = "embedding", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, "4")]),
            },
            new FieldSchema
            {
                FieldId = 102, Name = "title", DataType = DataType.VarChar, Nullable = true, DefaultValue = "untitled", IsPartitionKey = true,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.MaxLengthKey, "64")]),
            },
            new FieldSchema { FieldId = 103, Name = "rating", DataType = DataType.Float, DefaultValue = 2.5f, Description = "stars" },
            new FieldSchema { FieldId = 104, Name = "tags", DataType = DataType.Array, ElementType = DataType.Int32 },
            new FieldSchema { FieldId = 105, Name = CollectionSchema.DynamicFieldName, DataType = DataType.Json, IsDynamic = true },
        ],
    };

    /// <summary>A text embedding function of <see cref="Schema"/>: its titles into its embeddings.</summary>
    public static readonly FunctionSchema Embedding = new()
    {
        Name = "embed_title", Id = 101, Description = "titles", Type = FunctionType.TextEmbedding, InputFieldNames = ["title"], OutputFieldNames = ["embedding"],
        Params = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create("model_name", "text-embedding-3-small"), KeyValuePair.Create("provider", "openai")]),
    };

    /// <summary>The schema with an array-of-struct field: a VarChar and a FloatVector per struct.</summary>
    public static readonly CollectionSchema StructSchema = Schema with
    {
        Fields =
        [
            .. Schema.Fields.Where(f => !f.IsDynamic),
            new FieldSchema
            {
                FieldId = 107, Name = "chapters[name]", DataType = DataType.Array, ElementType = DataType.VarChar, StructFieldId = 106,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.MaxLengthKey, "16"), KeyValuePair.Create(FieldSchema.MaxCapacityKey, "3")]),
            },
            new FieldSchema
            {
                FieldId = 108, Name = "chapters[emb]", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, StructFieldId = 106,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, "2"), KeyValuePair.Create(FieldSchema.MaxCapacityKey, "3")]),
            },
            .. Schema.Fields.Where(f => f.IsDynamic),
        ],
        StructFields =
        [
            new StructFieldSchema
            {
                FieldId = 106, Name = "chapters", Description = "parts of the book",
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.MaxCapacityKey, "3"), KeyValuePair.Create("mmap.enabled", "false")]),
            },
        ],
    };

    /// <summary>Rows of the struct's two sub-fields: 2, 0, 3 and 1 structs.</summary>
    public static RowBatch StructRows() => new(ImmutableDictionary<long, Column>.Empty
        .Add(100, Int64Keys(1, 2, 3, 4))
        .Add(107, new ArrayColumn(DataType.VarChar, [new[] { "intro", "end" }, Array.Empty<string>(), new[] { "a", "", "c" }, new[] { "α" }]))
        .Add(108, new VectorArrayColumn(DataType.FloatVector, 2,
        [
            [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(-1f), .. BitConverter.GetBytes(0.5f), .. BitConverter.GetBytes(2f)],
            [],
            [.. Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes((float)i))],
            [.. BitConverter.GetBytes(float.MaxValue), .. BitConverter.GetBytes(-0f)],
        ])));

    public static readonly SegmentInfo Segment = new(7001, 42, 43, "42_1", 1500, "files/42/43/7001/manifest",
        ImmutableDictionary<long, string>.Empty.Add(101, "index/42/7001/101"), 449_000_000_123);

    public const string ImportNode = "akka.tcp://milvus@127.0.0.1:2552#-6140823487221351842";

    /// <summary>An import job that failed, as the coordinator keeps it (also the golden file import-job.v1.bin).</summary>
    public static readonly ImportJob FinishedImportJob = new(9100, "analytics", 42, "docs", "p1", ["imports/a.json", "imports/b.json"], ImportNode,
        ImportJobState.Failed, 25_000, 10_000, "file imports/a.json: row 7, field 'vec': expected a number, got \"x\"",
        DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_123), DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_009_456));

    /// <summary>One still running: no finish time.</summary>
    public static readonly ImportJob RunningImportJob = new(9101, "default", 43, "events", "", ["e.json"], ImportNode,
        ImportJobState.Importing, 0, 0, "", DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_010_000), null);

    /// <summary>A restore job (RestoreSnapshot), an import over a snapshot's segments.</summary>
    public static readonly ImportJob RestoreJob = RunningImportJob with { JobId = 9102, Files = ["snapshots/42/9200/7001.manifest.json"], Snapshot = "nightly" };

    public static readonly SegmentInfo UnindexedSegment = new(7002, 42, 43, "42_1", 3, "files/42/43/7002/manifest",
        ImmutableDictionary<long, string>.Empty, 449_000_000_456);

    public static readonly IndexInfo Index = new(9, "embedding_idx", 101,
        ImmutableSortedDictionary.CreateRange([KeyValuePair.Create("index_type", "HNSW"), KeyValuePair.Create("M", "16")]), 449_000_000_001)
    {
        Properties = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create("mmap.enabled", "true"), KeyValuePair.Create("warmup", "sync")]),
    };

    public static readonly CollectionInfo Collection = new(42, "default", "books", Schema, 2, ConsistencyLevel.Session,
        [new PartitionInfo(43, "_default", 1), new PartitionInfo(44, "2024", 2)], [Index], ["novels", "library"], Properties, 449_000_000_000, true);

    /// <summary>A pinned snapshot of <see cref="Collection"/> with two segment copies.</summary>
    public static readonly CollectionSnapshot Snapshot = new(9200, "nightly", "before reindex", Collection, 449_000_002_000,
        [new SnapshotSegment(7001, 43, "snapshots/42/9200/7001.manifest.json", 1500), new SnapshotSegment(7002, 43, "snapshots/42/9200/7002.manifest.json", 3)],
        [new SnapshotPin(9201, DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_060_000))], DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000));

    /// <summary>
    /// The sample collection with a Geometry field and a Timestamptz field (a default instant, nullable) in a named time
    /// zone: the catalog golden file collection-geometry-timestamptz.v1.bin was written from it.
    /// </summary>
    public static readonly CollectionInfo GeometryTimestamptzCollection = Collection with
    {
        Schema = Schema with
        {
            Fields = Schema.Fields
                .Add(new FieldSchema { FieldId = 114, Name = "shape", DataType = DataType.Geometry, Nullable = true })
                .Add(new FieldSchema { FieldId = 126, Name = "at", DataType = DataType.Timestamptz, Nullable = true, DefaultValue = 1_746_115_199_000_001L }),
        },
        Properties = Properties.SetItem(Timestamptz.TimezoneKey, "Asia/Shanghai"),
    };

    /// <summary>The first format's rows with a Geometry and a Timestamptz column: the journal golden file RowsInserted-geometry-timestamptz.</summary>
    public static RowBatch GeometryTimestamptzRows() => new(FirstFormatRows().Columns.Add(114, GeometryRows()).Add(126, TimestamptzColumn()));

    private static readonly DatabaseInfo Database = new(3, "analytics", Properties, 449_000_000_777);

    /// <summary>
    /// Four rows of every column kind of the first stored format, with nulls marked in validity: the rows of the journal
    /// samples, whose golden files (Golden/journal) were written with exactly these columns and must never change.
    /// </summary>
    public static RowBatch FirstFormatRows() => new(ImmutableDictionary<long, Column>.Empty
        .Add(100, Int64Keys(1, -2, long.MaxValue, 0))
        .Add(101, new VectorColumn<float>(DataType.FloatVector, 2, [0.5f, -1f, float.Epsilon, 3f, float.MaxValue, -0f, 7f, 8f]))
        .Add(102, new StringColumn(["α", "", "longer title", ""], [true, true, true, false]))
        .Add(103, new ScalarColumn<float>(DataType.Float, [1.5f, float.NaN, -3f, 0f]))
        .Add(104, new ArrayColumn(DataType.Int32, [new[] { 1, 2 }, Array.Empty<int>(), new[] { -3 }, new[] { 4, 5, 6 }]))
        .Add(105, new JsonColumn([Encoding.UTF8.GetBytes("{\"a\":1}"), [], Encoding.UTF8.GetBytes("[]"), Encoding.UTF8.GetBytes("null")]))
        .Add(106, new ScalarColumn<int>(DataType.Int16, [short.MinValue, 0, 1, short.MaxValue], [true, false, true, true]))
        .Add(107, new ScalarColumn<double>(DataType.Double, [Math.PI, -0.0, double.MinValue, 1e-300]))
        .Add(108, new ScalarColumn<bool>(DataType.Bool, [true, false, false, true]))
        .Add(109, new VectorColumn<byte>(DataType.BinaryVector, 8, [0xFF, 0x00, 0xA5, 0x5A]))
        .Add(110, new ArrayColumn(DataType.VarChar, [new[] { "x", "" }, new[] { "y" }, Array.Empty<string>(), new[] { "z" }])));

    /// <summary>Four rows of every column kind, with nulls marked in validity (nullable vectors too).</summary>
    public static RowBatch Rows() => new(FirstFormatRows().Columns
        .Add(111, new VectorColumn<byte>(DataType.Float16Vector, 2, [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B, 0x00, 0x00, 0x00, 0x80, 0x55, 0x35, 0x00, 0x7C]))
        .Add(112, new VectorColumn<byte>(DataType.Int8Vector, 1, [0x80, 0x00, 0x7F, 0xFF], [true, false, true, true]))
        .Add(113, new SparseVectorColumn([[1, 0, 0, 0, 0, 0, 128, 63], [], [0xFE, 0xFF, 0xFF, 0xFF, 0, 0, 0, 64], [2, 0, 0, 0, 0, 0, 0, 0]], [true, false, true, true]))
        .Add(114, GeometryRows())
        .Add(126, TimestamptzColumn()));

    /// <summary>A Geometry column as the proxy stores it (2D little-endian WKB), with a null row.</summary>
    public static GeometryColumn GeometryRows() => new(
        [
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0x40],
            [],
            [1, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x24, 0x40, 0, 0, 0, 0, 0, 0, 0x24, 0x40],
            [1, 1, 0, 0, 0, 0x9A, 0x99, 0x99, 0x99, 0x99, 0xC9, 0x2A, 0x40, 0x71, 0x3D, 0x0A, 0xD7, 0xA3, 0x42, 0x4A, 0x40],
        ],
        [true, false, true, true]);

    /// <summary>Timestamptz instants (UTC microseconds) around the epoch and at the ends of the range, one null.</summary>
    private static ScalarColumn<long> TimestamptzColumn() =>
        new(DataType.Timestamptz, [1_746_115_199_000_001, -1, 0, 253_402_300_799_999_999], [true, true, false, true]);

    private static ScalarColumn<long> Int64Keys(params long[] keys) => new(DataType.Int64, keys);

    private static SearchPlan SearchPlan(string? filter = "rating > 2", float? radius = null, float? rangeFilter = null) =>
        new(42, 101, MetricType.Cosine, 10, 2, [0.1f, 0.2f, 0.3f, 0.4f, -0.1f, -0.2f, -0.3f, -0.4f], Bound(filter),
            ImmutableDictionary<string, string>.Empty.Add("ef", "64").Add("nprobe", "8"), [43, 44], 449_000_000_999, radius, rangeFilter);

    private static QueryPlan QueryPlan(string? filter = "id in [1, 2]", int? limit = 10, bool countOnly = false) =>
        new(42, Bound(filter), [100, 102, 103], [43], 449_000_000_999, limit, countOnly);

    /// <summary>Boost rankers of every kind: a weight for a filter's hits, a random score keyed by a field and one by the row.</summary>
    private static SearchBoost Boost() => new(
        [new BoostScorer(Bound("rating > 2"), 0.5f), new BoostScorer(null, 2f, new BoostRandom(126, 100)), new BoostScorer(Bound("id < 5"), 1.5f, new BoostRandom(-3, null))],
        BoostCombination.Sum, BoostCombination.Sum);

    private static FilterPlan? Bound(string? filter) => filter is null ? null : FilterPlan.Of(FilterExpression.Parse(filter, Schema));

    /// <summary>Every sample; <paramref name="node"/> stands for a query node's actor reference.</summary>
    public static IReadOnlyList<Sample> Create(IActorRef node) =>
    [
        // Cluster replies.
        new("MilvusFailure", new MilvusFailure(ErrorCode.CollectionNotFound, "collection not found[database=default][collection=x]")),
        new("MilvusFailure/success-code-empty-reason", new MilvusFailure(ErrorCode.Success, "")),
        new("Done", Done.Instance),

        // Coordinator: timestamps and ids.
        new("AllocateTimestamps", new AllocateTimestamps(3)),
        new("TimestampsAllocated", new TimestampsAllocated(ulong.MaxValue - 1, 3, 449_000_000_123)),
        new("AllocateIds", new AllocateIds(1000)),
        new("IdsAllocated", new IdsAllocated(-5, 1000)),

        // Coordinator: databases.
        new("CreateDatabase", new CreateDatabase("analytics", Properties)),
        new("DropDatabase", new DropDatabase("analytics")),
        new("AlterDatabase", new AlterDatabase("analytics", Properties, ["old.key", "other"])),
        new("ListDatabases", ListDatabases.Instance),
        new("DatabaseList", new DatabaseList([Database, new DatabaseInfo(0, "default", ImmutableSortedDictionary<string, string>.Empty, 1)])),
        new("DatabaseList/empty", new DatabaseList([])),

        // Coordinator: collections.
        new("CreateCollection", new CreateCollection("default", Schema, 2, ConsistencyLevel.Strong, 16, Properties)),
        new("CreateCollection/struct-fields", new CreateCollection("default", StructSchema, 2, ConsistencyLevel.Strong, 16, Properties)),
        new("DropCollection", new DropCollection("default", "books")),
        new("DropCollection of one id", new DropCollection("default", "books", OnlyId: 449_876_543_210)),
        new("TruncateCollection", new TruncateCollection("default", "books")),
        new("DescribeCollection", new DescribeCollection("", "novels")),
        new("DescribeCollectionById", new DescribeCollectionById(42)),
        new("CollectionDescribed", new CollectionDescribed(Collection, 449_000_000_123)),
        new("CollectionDescribed/truncated", new CollectionDescribed(Collection with { TruncatedBefore = 449_000_000_100 }, 449_000_000_123)),
        new("CatalogChanged", new CatalogChanged(449_000_000_124)),
        new("ListCollections", new ListCollections("default")),
        new("CollectionList", new CollectionList([Collection, Collection with { Id = 43, Name = "other", Aliases = [], Loaded = false }])),
        new("CollectionList/partly-loaded", new CollectionList([Collection with { LoadedPartitions = [44] }])),
        new("CollectionList/fields-loaded", new CollectionList([Collection with { Loaded = true, LoadedFields = [100, 101] }])),
        new("CollectionList/replicas", new CollectionList([Collection with { Replicas = [901, 902] }])),
        new("RenameCollection", new RenameCollection("default", "books", "archive", "old_books")),
        new("AlterCollection", new AlterCollection("default", "books", Properties, ["mmap.enabled"])),
        new("AlterCollectionField", new AlterCollectionField("default", "books", "title", Properties, [])),
        new("AlterCollectionField/delete", new AlterCollectionField("default", "books", "title", ImmutableSortedDictionary<string, string>.Empty, ["mmap.enabled"])),
        new("AddCollectionField", new AddCollectionField("default", "books", [new FieldSchema
        {
            FieldId = 0, Name = "shelf", DataType = DataType.VarChar, Nullable = true, DefaultValue = "unsorted",
            TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.MaxLengthKey, "16"),
        }])),
        new("AddCollectionField/several", new AddCollectionField("default", "books",
            [new FieldSchema { FieldId = 0, Name = "rank", DataType = DataType.Int64, Nullable = true, DefaultValue = 7L }, new FieldSchema { FieldId = 0, Name = "note", DataType = DataType.Json, Nullable = true }])),
        new("AddCollectionFunction", new AddCollectionFunction("default", "books", Embedding)),
        new("AlterCollectionFunction", new AlterCollectionFunction("default", "books", "embed_title", Embedding with { Description = "altered" })),
        new("DropCollectionFunction", new DropCollectionFunction("default", "books", "embed_title")),
        new("CollectionDescribed/added-field", new CollectionDescribed(Collection with
        {
            Schema = Collection.Schema with
            {
                Version = 1,
                Fields = Collection.Schema.Fields.Add(new FieldSchema { FieldId = 200, Name = "stock", DataType = DataType.Int32, Nullable = true }),
            },
        }, 449_000_000_125)),
        new("CreatePartition", new CreatePartition("default", "books", "2024")),
        new("DropPartition", new DropPartition("default", "books", "2024")),
        new("CreateAlias", new CreateAlias("default", "novels", "books")),
        new("DropAlias", new DropAlias("default", "novels")),
        new("AlterAlias", new AlterAlias("default", "novels", "other")),

        // Coordinator: indexes and load.
        new("CreateIndex", new CreateIndex("default", "books", "embedding", "embedding_idx", Index.Params)),
        new("DropIndex", new DropIndex("default", "books", "embedding", "")),
        new("AlterIndex", new AlterIndex("default", "books", "embedding_idx", Index.Properties, [])),
        new("AlterIndex/delete", new AlterIndex("default", "books", "embedding_idx", ImmutableSortedDictionary<string, string>.Empty, ["mmap.enabled", "warmup"])),
        new("GetIndexProgress", new GetIndexProgress(42)),
        new("IndexProgress", new IndexProgress(ImmutableDictionary<long, (long IndexedRows, long TotalRows)>.Empty.Add(9, (1000, 1503)).Add(10, (0, 0)))),
        new("LoadCollection", new LoadCollection("default", "books")),
        new("LoadCollection/partial", new LoadCollection("default", "books") { LoadFields = ["id", "vector"], SkipDynamicField = true }),
        new("ReleaseCollection", new ReleaseCollection("default", "books")),
        new("LoadPartitions", new LoadPartitions("default", "books", ["_default", "2024"])),
        new("LoadPartitions/partial", new LoadPartitions("default", "books", ["2024"]) { LoadFields = ["id", "vector"], SkipDynamicField = true }),
        new("LoadCollection/replicas", new LoadCollection("default", "books", 3)),
        new("LoadPartitions/replicas", new LoadPartitions("default", "books", ["2024"], 2)),
        new("ReleasePartitions", new ReleasePartitions("default", "books", ["2024"])),
        new("LoadCollection/resource-groups", new LoadCollection("default", "books", 2) { ResourceGroups = ["rg_a", "rg_b"] }),
        new("LoadPartitions/resource-groups", new LoadPartitions("default", "books", ["2024"]) { ResourceGroups = ["rg_a"] }),
        new("CreateResourceGroup", new CreateResourceGroup("rg_a", ResourceGroupCatalogFormatTests.Group.Config)),
        new("CreateResourceGroup/empty", new CreateResourceGroup("rg_b", new ResourceGroupConfig(0, 0))),
        new("DropResourceGroup", new DropResourceGroup("rg_a")),
        new("UpdateResourceGroups", new UpdateResourceGroups(ImmutableSortedDictionary<string, ResourceGroupConfig>.Empty
            .Add("rg_a", new ResourceGroupConfig(2, 3)).Add("rg_b", ResourceGroupCatalogFormatTests.Group.Config))),
        new("TransferNode", new TransferNode("__default_resource_group", "rg_a", 1)),
        new("TransferReplica", new TransferReplica("__default_resource_group", "rg_a", "default", "books", 1)),
        new("ListResourceGroups", ListResourceGroups.Instance),
        new("ResourceGroupList", new ResourceGroupList(["__default_resource_group", "rg_a"])),
        new("DescribeResourceGroup", new DescribeResourceGroup("rg_a")),
        new("ResourceGroupDescribed", new ResourceGroupDescribed("rg_a", 1, ResourceGroupCatalogFormatTests.Group.Config,
            [new ResourceGroupNode(-6129384756, "10.0.0.7:4053", "10.0.0.7")],
            ImmutableSortedDictionary<string, int>.Empty.Add("books", 2), ImmutableSortedDictionary<string, int>.Empty.Add("books", 1),
            ImmutableSortedDictionary<string, int>.Empty)),
        new("GetLoadProgress", new GetLoadProgress(42)),
        new("LoadProgress", new LoadProgress(true, 100)),
        new("LoadProgress/not-loaded", new LoadProgress(false, 0)),

        // Coordinator: segments, index builds, query nodes.
        new("SegmentFlushed", new SegmentFlushed(Segment)),
        new("FlushRecorded", new FlushRecorded(7001, Retired: false)),
        new("FlushRecorded/retired", new FlushRecorded(7001, Retired: true)),
        new("GetSegments", new GetSegments(42)),
        new("SegmentList", new SegmentList([Segment, UnindexedSegment])),
        new("RequestIndexTask", RequestIndexTask.Instance),
        new("NoTask", NoTask.Instance),
        new("IndexBuildTask", new IndexBuildTask(77, UnindexedSegment, Schema, Index)),
        new("IndexBuilt", new IndexBuilt(77, 7002, 101, "index/42/7002/101")),
        new("IndexBuildFailed", new IndexBuildFailed(77, "out of memory")),
        new("WorkAvailable", WorkAvailable.Instance),
        new("RegisterQueryNode", new RegisterQueryNode(node, [7001, 7002])),
        new("RegisterQueryNode/serving-nothing", new RegisterQueryNode(node, [])),
        new("RegisterQueryNode/labels", new RegisterQueryNode(node, [7001]) { Labels = [new NodeLabel("disk", "ssd"), new NodeLabel("zone", "a")] }),
        new("AssignSegment", new AssignSegment("42_1", Segment, node, 901)),
        new("AssignSegment/partial-load", new AssignSegment("42_1", Segment, node, 901) { LoadedFields = [100, 101] }),
        new("ReleaseShard", new ReleaseShard("42_1")),
        new("SegmentServed", new SegmentServed(7001, node, true)),
        new("SegmentServed/stopped", new SegmentServed(7001, node, false)),
        new("GetShardDistribution", new GetShardDistribution("42_1")),
        new("ShardDistribution", new ShardDistribution([(Segment, node, 901), (Segment, node, 902), (UnindexedSegment, null, 0)], true)),
        new("ShardDistribution/empty", new ShardDistribution([], false)),
        new("ShardDistribution/retired", new ShardDistribution([(Segment, null, 0)], true, [7001, 7002])),
        new("DropShard", new DropShard("42_0")),
        new("DropPartitionData", new DropPartitionData("42_0", 44)),
        new("WidenShardSchema", new WidenShardSchema("42_0", Schema with { Version = 1 })),
        new("SegmentIndexReady", new SegmentIndexReady(Segment)),
        new("UnloadSegments", new UnloadSegments([7001, 7002])),

        // Coordinator: compaction.
        new("CompactCollection", new CompactCollection(42)),
        new("CompactCollection/target-size", new CompactCollection(42) { TargetSizeMb = 4096 }),
        new("CompactionScheduled", new CompactionScheduled(8001, 3)),
        new("GetCompaction", new GetCompaction(8001)),
        new("CompactionDescribed", new CompactionDescribed(new CompactionRecord(8001, 42,
            [
                new CompactionPlan(8002, [7001, 7002], 7200, CompactionPlanState.Completed),
                new CompactionPlan(8004, [7003], 7201, CompactionPlanState.Failed),
            ],
            DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_123)))),
        new("CompactionDescribed/executing", new CompactionDescribed(new CompactionRecord(8001, 42,
            [new CompactionPlan(8002, [7001], 7200, CompactionPlanState.Executing)], null))),
        new("CompactionDescribed/unknown-id", new CompactionDescribed(new CompactionRecord(8009, 0, [], null))),
        new("GetCompactionState", new GetCompactionState(42)),
        new("CompactionState", new CompactionState(1, 2, 30)),
        new("RequestCompactionTask", RequestCompactionTask.Instance),
        new("CompactionTask", new CompactionTask(8002, Schema, [Segment, UnindexedSegment], 7200)),
        new("CompactionTask/ttl", new CompactionTask(8002, Schema, [Segment], 7200, TimeSpan.FromSeconds(90))),
        new("CompactionTask/truncated", new CompactionTask(8002, Schema, [Segment], 7200, TruncatedBefore: 449_000_000_500)),
        new("CompactionCompleted", new CompactionCompleted(8002, UnindexedSegment with { SegmentId = 7200 }, [7001, 7002])),
        new("CompactionCompleted/everything-deleted", new CompactionCompleted(8002, null, [7001])),
        new("CompactionFailed", new CompactionFailed(8002, "input segment missing", 8003)),
        new("SegmentsReplaced", new SegmentsReplaced("42_1", Segment, [7002, 7003])),
        new("SegmentsReplaced/everything-deleted", new SegmentsReplaced("42_1", null, [7002])),

        // Coordinator: distribution and topology.
        new("GetCollectionDistribution", new GetCollectionDistribution(42)),
        new("CollectionDistribution", new CollectionDistribution(
            [new ServedSegment(Segment, -4_611_686_018_427_387_904), new ServedSegment(UnindexedSegment, 0)],
            [new ShardLeader("42_0", 12345, "akka.tcp://milvus@127.0.0.1:2552"), new ShardLeader("42_1", 0, "")])),
        new("CollectionDistribution/replicas", new CollectionDistribution(
            [new ServedSegment(Segment, 12345, 901), new ServedSegment(Segment, -7, 902), new ServedSegment(UnindexedSegment, 0)],
            [new ShardLeader("42_0", 12345, "akka.tcp://milvus@127.0.0.1:2552")])
        {
            Replicas = [new ReplicaGroup(901, [12345]), new ReplicaGroup(902, [-7, 99]), new ReplicaGroup(903, [])],
        }),
        new("CollectionDistribution/empty", new CollectionDistribution([], [])),
        new("GetClusterTopology", GetClusterTopology.Instance),
        new("ClusterTopology", new ClusterTopology(
            [
                new ClusterNode(12345, "akka.tcp://milvus@127.0.0.1:2552", ["coordinator", "proxy"], "Up"),
                new ClusterNode(-7, "akka.tcp://milvus@127.0.0.1:2553", [], "Joining"),
            ],
            12345)),
        new("GetTaskHistory", GetTaskHistory.Instance),
        new("TaskHistory", new TaskHistory(
            [
                new BackgroundTask(BackgroundTaskKind.IndexBuild, 9001, 42, [7], BackgroundTaskState.Running,
                    DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), null, "HNSW on vec"),
                new BackgroundTask(BackgroundTaskKind.Compaction, 9002, 42, [7, 8, 9], BackgroundTaskState.Queued, null, null, "into segment 10"),
            ],
            [
                new BackgroundTask(BackgroundTaskKind.Flush, 11, 43, [11], BackgroundTaskState.Completed, null,
                    DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_001_000), "500 rows"),
                new BackgroundTask(BackgroundTaskKind.Compaction, 9003, 43, [], BackgroundTaskState.Failed,
                    DateTimeOffset.FromUnixTimeMilliseconds(0), DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_002_000), "inputs changed"),
            ])),
        new("TaskHistory/empty", new TaskHistory([], [])),
        new("CreateImportJob", new CreateImportJob("analytics", 42, "docs", "p1", ["imports/a.json", "imports/b.json"], ImportNode)),
        new("ReportImportProgress", new ReportImportProgress(9100, ImportJobState.Failed, 25_000, 10_000, "file imports/a.json: row 7 ...")),
        new("GetImportJob", new GetImportJob(9100)),
        new("ListImportJobs", new ListImportJobs("analytics", 42, 10)),
        new("ListImportJobs/whole-database", new ListImportJobs("default", 0, 0)),
        new("ImportJob", FinishedImportJob),
        new("ImportJob/running", RunningImportJob),
        new("ImportJobList", new ImportJobList([FinishedImportJob, RunningImportJob])),
        new("ImportJobList/empty", new ImportJobList([])),
        new("CreateImportJob/restore", new CreateImportJob("default", 44, "books_restored", "", ["snapshots/42/9200/7001.manifest.json"], ImportNode)
        {
            Snapshot = "nightly",
        }),
        new("ListImportJobs/restores", new ListImportJobs("default", 44, 0, Restores: true)),
        new("ImportJob/restore", RestoreJob),
        new("CollectionSnapshot", Snapshot),
        new("CollectionSnapshot/empty", Snapshot with { Segments = [], Pins = [], Description = "" }),
        new("ReserveSnapshot", new ReserveSnapshot(42)),
        new("SnapshotReserved", new SnapshotReserved(9200)),
        new("RecordSnapshot", new RecordSnapshot(Snapshot)),
        new("GetSnapshot", new GetSnapshot("default", "books", "nightly")),
        new("ListSnapshots", new ListSnapshots("default", "books")),
        new("SnapshotList", new SnapshotList([Snapshot])),
        new("DropSnapshot", new DropSnapshot("default", "books", "nightly")),
        new("PinSnapshot", new PinSnapshot("default", "books", "nightly", 60)),
        new("SnapshotPinned", new SnapshotPinned(9201)),
        new("UnpinSnapshot", new UnpinSnapshot(9201)),

        // Query nodes.
        new("LoadSegment", new LoadSegment(Segment, Schema, Int64Keys(5, 6), [100, 200])),
        new("LoadSegment/no-deletes", new LoadSegment(Segment, Schema, Int64Keys(), [])),
        new("WidenCollectionSchema", new WidenCollectionSchema(42, Schema with { Version = 2 })),
        new("SegmentLoaded", new SegmentLoaded(7001)),
        new("SegmentLoadFailed", new SegmentLoadFailed(7001, "manifest missing")),
        new("ApplyDeletes", new ApplyDeletes("42_1", new StringColumn(["a", "b"]), 449_000_001_000)),
        new("SearchSegments", new SearchSegments(SearchPlan(), [7001, 7002])),
        new("Bm25StatsSegments", new Bm25StatsSegments(new Bm25StatsPlan(42, 105, [9, 4_000_000_000], 461_000_000_000_000_000), [7001, 7002])),
        new("SearchSegments/range-no-filter", new SearchSegments(SearchPlan(filter: null, radius: 0.5f, rangeFilter: 0.9f), [7001])),
        new("SearchSegments/no-segments", new SearchSegments(SearchPlan(filter: null), [])),
        new("SearchSegments/output-fields", new SearchSegments(SearchPlan() with { OutputFieldIds = [100, 102, 105] }, [7001])),
        new("SearchSegments/raw-queries", new SearchSegments(SearchPlan() with { Queries = [], RawQueries = [[0xFF, 0x01], [], [1, 0, 0, 0, 0, 0, 128, 63]] }, [7001])),
        new("QuerySegments", new QuerySegments(QueryPlan(), [7001])),
        new("QuerySegments/ttl", new QuerySegments(QueryPlan() with { ExpiredBefore = 461_000_000_000_000_000 }, [7001])),
        new("QuerySegments/ordered", new QuerySegments(QueryPlan() with { OrderBy = [new OrderKey(103, Descending: true, NullsFirst: true), new OrderKey(102, false, false) { JsonPath = ["", 0L, "price"] }] }, [7001])),
        new("SearchSegments/ttl", new SearchSegments(SearchPlan() with { ExpiredBefore = 461_000_000_000_000_000 }, [7001])),
        new("SearchSegments/boost", new SearchSegments(SearchPlan() with { Boost = Boost() }, [7001])),
        new("SearchSegments/grouping", new SearchSegments(SearchPlan() with { OutputFieldIds = [102], Grouping = new SearchGrouping(102, 3, true) }, [7001])),
        new("SearchSegments/composite-grouping", new SearchSegments(SearchPlan() with
        {
            OutputFieldIds = [102, 103], Grouping = new SearchGrouping([103, 102], 2, Strict: false),
        }, [7001])),
        new("QuerySegments/count-all", new QuerySegments(QueryPlan(filter: null, limit: null, countOnly: true), [7001, 7002])),
        new("QuerySegments/limit-zero", new QuerySegments(QueryPlan(filter: null, limit: 0), [])),
        new("QuerySegments/by-primary-keys", new QuerySegments(QueryPlan(filter: null, limit: null) with { PrimaryKeys = Int64Keys(1, -2) }, [7001])),
        new("QuerySegments/by-varchar-keys", new QuerySegments(QueryPlan(filter: null, limit: null) with { PrimaryKeys = new StringColumn(["a", ""]) }, [7001])),
        new("SearchHits", new SearchHits(2, [0, 2, 3], Int64Keys(10, 11, 12), [0.9f, 0.8f, 0.7f])),
        new("SearchHits/varchar-keys", new SearchHits(1, [0, 2], new StringColumn(["k1", "k2"]), [1f, -1f])),
        new("SearchHits/empty", SearchHits.Empty(3, DataType.Int64)),
        new("SearchHits/with-output-fields", new SearchHits(2, [0, 2, 4], Int64Keys(1, -2, long.MaxValue, 0), [0.9f, 0.8f, 0.7f, 0.6f], Rows())),
        new("QueryRows", new QueryRows(Int64Keys(1, -2, long.MaxValue, 0), [1, 2, 3, 4], Rows(), 4)),
        new("QueryRows/element-offsets", new QueryRows(Int64Keys(1, 3), [1, 3], new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(Segments.SearchPlan.ElementOffsetsFieldId, new ArrayColumn(DataType.Int32, [new[] { 0, 1 }, new[] { 2 }]))), 2)),
        new("QueryRows/count-only", QueryRows.CountOnly(DataType.VarChar, 12345)),
        new("QueryRows/aggregation-states", new QueryRows(PrimaryKeys.EmptyColumn(DataType.Int64), [], new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(102, new StringColumn(["red", ""], [true, false]))
            .Add(AggregationStates.CountId(0), new ScalarColumn<long>(DataType.Int64, [3, 1]))
            .Add(AggregationStates.SumId(0), new ScalarColumn<double>(DataType.Double, [1.5, 0], [true, false]))), 2)),

        // Streaming shards: commands and replies.
        new("InsertRows", new InsertRows("42_1", 43, Rows(), 449_000_002_000, "5f0c8e3d9a1b4c7e8f2a6b0d1c3e5f70/i1.43.0")),
        new("InsertRows/no-request-id", new InsertRows("42_1", 43, Rows(), 449_000_002_000, "")),
        new("UpsertRows", new UpsertRows("42_1", 43, Rows(), 449_000_002_000, "5f0c8e3d9a1b4c7e8f2a6b0d1c3e5f70/u1.43.0")),
        new("InsertAck", new InsertAck(449_000_002_000)),
        new("DeleteRows", new DeleteRows("42_1", Int64Keys(1, 2, 3), 449_000_003_000, "5f0c8e3d9a1b4c7e8f2a6b0d1c3e5f70/d1")),
        new("DeleteRows/varchar-keys", new DeleteRows("42_1", new StringColumn(["a", ""]), 449_000_003_000, "")),
        new("DeleteAck", new DeleteAck(449_000_003_000)),
        new("SearchShard", new SearchShard("42_0", SearchPlan())),
        new("SearchShard/ignore-growing", new SearchShard("42_0", SearchPlan() with { IgnoreGrowing = true })),
        new("SearchShard/boost", new SearchShard("42_0", SearchPlan() with { Boost = Boost() with { Mode = BoostCombination.Multiply } })),
        new("SearchShard/embedding-lists", new SearchShard("42_0", SearchPlan() with
        {
            FieldId = 108, Metric = MetricType.MaxSimCosine, Nq = 2, Queries = [1f, 0f, 0.5f, 0.5f, -1f, 2f], QueryLengths = [2, 1],
        })),
        new("QueryShard/ignore-growing", new QueryShard("42_0", QueryPlan() with { IgnoreGrowing = true })),
        new("QueryShard/include-deleted", new QueryShard("42_0", QueryPlan(filter: null, limit: null, countOnly: true) with { IncludeDeleted = true })),
        new("QueryShard/aggregation", new QueryShard("42_0", QueryPlan(limit: null) with
        {
            Aggregation = new AggregationPlan([102, 103], [new AggregateSpec(AggregateOp.Count, 0), new AggregateSpec(AggregateOp.Avg, 104), new AggregateSpec(AggregateOp.Max, 102)]),
        })),
        new("Bm25StatsShard", new Bm25StatsShard("42_0", new Bm25StatsPlan(42, 105, [3_000_000_001, 17], 461_000_000_000_000_000, ExpiredBefore: 7))),
        new("QueryShard", new QueryShard("42_0", QueryPlan())),
        new("FlushShard", new FlushShard("42_0")),
        new("ShardFlushed", new ShardFlushed([7001, 7002], 449_000_004_000)),
        new("ShardFlushed/nothing", new ShardFlushed([], 0)),
        new("SealShard", new SealShard("42_0")),
        new("GetShardFlushState", new GetShardFlushState("42_0", [7001, 7002])),
        new("ShardFlushState", new ShardFlushState([7002])),
        new("ShardFlushState/flushed", new ShardFlushState([])),

        new("GetShardDeletes", new GetShardDeletes("42_1")),
        new("ShardDeletes", new ShardDeletes(Int64Keys(4, 5), [6, 7])),
        new("ShardDeletes/none", new ShardDeletes(new StringColumn([]), [])),
        new("DescribeDeleteBuffer", new DescribeDeleteBuffer("42_1")),
        new("DeleteBufferDescribed", new DeleteBufferDescribed(3, 120, 449_000_003_000)),
        new("DeleteBufferDescribed/empty", new DeleteBufferDescribed(0, 0, 0)),

        // Streaming shards: journal events and snapshots.
        new("RowsInserted", new RowsInserted(7003, 43, FirstFormatRows(), 449_000_002_000, "req/i1.43.0")),
        new("RowsInserted/before-request-ids", new RowsInserted(7003, 43, FirstFormatRows(), 449_000_002_000, "")),
        new("RowsInserted/geometry-timestamptz", new RowsInserted(7003, 43, GeometryTimestamptzRows(), 449_000_002_000, "req/i1.43.1")),
        new("RowsInserted/struct-fields", new RowsInserted(7003, 43, StructRows(), 449_000_002_000, "req/i1.43.2")),
        new("RowsDeleted", new RowsDeleted(Int64Keys(1, 2), 449_000_003_000, "req/d1")),
        new("RowsDeleted/before-request-ids", new RowsDeleted(Int64Keys(1, 2), 449_000_003_000, "")),
        new("SegmentIdsReserved", new SegmentIdsReserved(7100, 16)),
        new("SegmentsSealed", new SegmentsSealed([7003, 7004], SealReason.Capacity)),
        new("SegmentFlushedToStorage", new SegmentFlushedToStorage(Segment, 449_000_004_000)),
        new("SegmentFlushedToStorage/no-checkpoint", new SegmentFlushedToStorage(Segment, 0)),
        new("DeletesPersisted", new DeletesPersisted([7001, 7002], 449_000_004_000, 449_000_003_000)),
        new("DeletesPersisted/prune-only", new DeletesPersisted([], 0, 449_000_003_000)),
        new("PartitionDataDropped", new PartitionDataDropped(44)),
        new("ShardSnapshot", new ShardSnapshot(
            [new SegmentSnapshot(7003, 43, true, FirstFormatRows(), [1, 2, 3, 4], Int64Keys(1), [5])],
            [Segment], Int64Keys(9, 8), [10, 11], 449_000_005_000, [7100, 7101],
            ImmutableSortedDictionary.CreateRange([new KeyValuePair<long, ulong>(7001, 449_000_004_000), new(7002, 0)]),
            [new AppliedWrite("req/i1.43.0", 449_000_002_000), new AppliedWrite("req/d1", 449_000_003_000)])),
        new("ShardSnapshot/before-request-ids", new ShardSnapshot([], [], Int64Keys(), [], 449_000_005_000, [], ImmutableSortedDictionary<long, ulong>.Empty, [])),

        // Security: users, roles, grants and privilege groups.
        new("GetRbac", GetRbac.Instance),
        new("RbacSnapshot", new RbacSnapshot(Rbac)),
        new("RbacSnapshot/initial", new RbacSnapshot(RbacState.Initial("$2a$11$root"))),
        new("CreateUser", new CreateUser("alice", "$2a$11$alice", "data analyst")),
        new("CreateUser/no-description", new CreateUser("bob", "$2a$11$bob")),
        new("UpdatePassword", new UpdatePassword("alice", "$2a$11$alice", "$2a$11$alice2")),
        new("DeleteUser", new DeleteUser("bob")),
        new("SetUserDescription", new SetUserDescription("alice", "team lead")),
        new("CreateRole", new CreateRole("readers", "reads books")),
        new("SetRoleDescription", new SetRoleDescription("readers", "")),
        new("DropRole", new DropRole("readers", Force: true)),
        new("OperateUserRole", new OperateUserRole("alice", "readers", Add: true)),
        new("OperatePrivilege", new OperatePrivilege(RbacGrant, Revoke: true, "root")),
        new("CreatePrivilegeGroup", new CreatePrivilegeGroup("writers")),
        new("DropPrivilegeGroup", new DropPrivilegeGroup("writers")),
        new("OperatePrivilegeGroup", new OperatePrivilegeGroup("writers", ["Insert", "Upsert"], Add: false)),
        new("RestoreRbac", new RestoreRbac(Rbac)),
    ];

    private static readonly RbacGrant RbacGrant = new("readers", RbacObjectType.Collection, "books", "default", "Query");

    private static RbacState Rbac => RbacState.Initial("$2a$11$root")
        .Apply(new CreateUser("alice", "$2a$11$alice", "data analyst"))
        .Apply(new CreateRole("readers", "reads books"))
        .Apply(new OperateUserRole("alice", "readers", Add: true))
        .Apply(new OperatePrivilege(RbacGrant, Revoke: false, "root"))
        .Apply(new CreatePrivilegeGroup("writers"))
        .Apply(new OperatePrivilegeGroup("writers", ["Insert"], Add: true));
}
