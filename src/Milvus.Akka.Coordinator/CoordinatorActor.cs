using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The cluster singleton of the coordinator role (Milvus's mix-coord). It holds no state: it routes each message to the
/// child that owns its concern, so a slow meta-storage write in one never holds up another, and senders keep
/// addressing the singleton. The children are <see cref="TimestampActor"/> (timestamp oracle and ids, the write
/// path), <see cref="CatalogActor"/> (databases, collections, partitions, indexes, aliases, load state, security),
/// <see cref="SegmentsActor"/> (segment bookkeeping, index builds, segment and shard placement, distribution),
/// <see cref="CompactionActor"/> (compaction scheduling), <see cref="ImportsActor"/> (bulk import and restore jobs),
/// <see cref="SnapshotsActor"/> (collection snapshots) and
/// <see cref="GarbageCollectorActor"/> (deleting dropped data). Replies go from the child straight to the sender. The children share no state: the catalog hands its
/// <see cref="CatalogView"/> to segments and compaction, and segments hands its <see cref="SegmentView"/> to
/// compaction, both through here, in the order they were made.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    public const string ShardTypeName = "shard";
    public const string StreamingRole = "streaming";
    public const string QueryRole = "query";

    /// <summary>The children answer from memory; this only bounds a request while one restarts.</summary>
    private static readonly TimeSpan TaskHistoryTimeout = TimeSpan.FromSeconds(10);

    public CoordinatorActor(IMetaStore meta, IObjectStore objects, CoordinatorSettings settings, IActorRef shardRegion)
    {
        var timestamps = Context.ActorOf(TimestampActor.Props(meta, settings), "timestamps");
        var catalog = Context.ActorOf(CatalogActor.Props(meta, settings, shardRegion, timestamps), "catalog");
        var segments = Context.ActorOf(SegmentsActor.Props(meta, settings, shardRegion, timestamps, catalog), "segments");
        var compaction = Context.ActorOf(CompactionActor.Props(meta, settings.Compaction, shardRegion, timestamps, catalog, segments), "compaction");
        Context.ActorOf(GarbageCollectorActor.Props(meta, objects, settings.Gc, segments), "gc");
        var imports = Context.ActorOf(ImportsActor.Props(meta, settings.ImportRetention, timestamps, catalog), "imports");
        var snapshots = Context.ActorOf(SnapshotsActor.Props(meta, timestamps), "snapshots");

        Receive<AllocateTimestamps>(timestamps.Forward);
        Receive<AllocateIds>(timestamps.Forward);

        Receive<CatalogView>(view =>
        {
            segments.Tell(view);
            compaction.Tell(view);
        });
        Receive<SegmentView>(compaction.Tell);

        Receive<SegmentFlushed>(segments.Forward);
        Receive<GetSegments>(segments.Forward);
        Receive<GetShardDistribution>(segments.Forward);
        Receive<GetCollectionDistribution>(segments.Forward);
        Receive<GetClusterTopology>(segments.Forward);
        Receive<GetLoadProgress>(segments.Forward);
        Receive<GetIndexProgress>(segments.Forward);
        Receive<RequestIndexTask>(segments.Forward);
        Receive<IndexBuilt>(segments.Forward);
        Receive<IndexBuildFailed>(segments.Forward);
        Receive<RegisterQueryNode>(segments.Forward);
        Receive<SegmentServed>(segments.Forward);
        Receive<CountGroupNodes>(segments.Forward);
        Receive<DescribeResourceGroup>(segments.Forward);

        Receive<CompactCollection>(compaction.Forward);
        Receive<GetCompaction>(compaction.Forward);
        Receive<GetCompactionState>(compaction.Forward);
        Receive<RequestCompactionTask>(compaction.Forward);
        Receive<CompactionCompleted>(compaction.Forward);
        Receive<CompactionFailed>(compaction.Forward);

        Receive<CreateImportJob>(imports.Forward);
        Receive<ReportImportProgress>(imports.Forward);
        Receive<GetImportJob>(imports.Forward);
        Receive<ListImportJobs>(imports.Forward);

        Receive<ReserveSnapshot>(snapshots.Forward);
        Receive<RecordSnapshot>(snapshots.Forward);
        Receive<GetSnapshot>(snapshots.Forward);
        Receive<ListSnapshots>(snapshots.Forward);
        Receive<DropSnapshot>(snapshots.Forward);
        Receive<PinSnapshot>(snapshots.Forward);
        Receive<UnpinSnapshot>(snapshots.Forward);

        // The console's list of work: flushes and index builds are the segments child's, compactions the compaction child's.
        Receive<GetTaskHistory>(m => Task.WhenAll(segments.Ask<TaskHistory>(m, TaskHistoryTimeout), compaction.Ask<TaskHistory>(m, TaskHistoryTimeout))
            .PipeTo(Sender, success: histories => BackgroundTasks.Merge(histories), failure: MilvusFailure.From));

        ReceiveAny(catalog.Forward);
    }

    public static Props Props(IMetaStore meta, IObjectStore objects, CoordinatorSettings settings, IActorRef shardRegion) =>
        global::Akka.Actor.Props.Create(() => new CoordinatorActor(meta, objects, settings, shardRegion));
}
