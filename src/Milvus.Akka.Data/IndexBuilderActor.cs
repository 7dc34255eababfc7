using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Index;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Data;

/// <summary>
/// One per data-role node. Pulls index builds from the coordinator (when told work is available, and periodically in
/// case a notice was lost), one at a time: reads the segment's vector column from object storage, builds the index
/// and writes its file back. Work pulling keeps a slow node from being handed more than it can do.
/// </summary>
public sealed class IndexBuilderActor : ReceiveActor, IWithTimers
{
    private readonly IObjectStore _objects;
    private readonly IActorRef _coordinator;
    private readonly TimeSpan _askTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _busy;

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record BuildFinished(object Report);

    public IndexBuilderActor(IObjectStore objects, IActorRef coordinator, TimeSpan pollInterval, TimeSpan askTimeout)
    {
        _objects = objects;
        _coordinator = coordinator;
        _askTimeout = askTimeout;
        PollInterval = pollInterval;
        Receive<Poll>(_ => RequestWork());
        Receive<WorkAvailable>(_ => RequestWork());
        Receive<SubscribeAck>(_ => { });
        Receive<IndexBuildTask>(Build);
        Receive<NoTask>(_ => _busy = false);
        Receive<MilvusFailure>(f =>
        {
            _busy = false;
            _log.Debug("Coordinator refused index work: {0}", f.Reason);
        });
        Receive<Status.Failure>(_ => _busy = false);
        Receive<BuildFinished>(m =>
        {
            _coordinator.Tell(m.Report);
            _busy = false;
            RequestWork();
        });
    }

    private TimeSpan PollInterval { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IObjectStore objects, IActorRef coordinator, TimeSpan pollInterval, TimeSpan askTimeout) =>
        global::Akka.Actor.Props.Create(() => new IndexBuilderActor(objects, coordinator, pollInterval, askTimeout));

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topics.Work, Self));
        Timers.StartPeriodicTimer(Poll.Instance, Poll.Instance, PollInterval);
    }

    private void RequestWork()
    {
        if (_busy)
        {
            return;
        }

        _busy = true;
        _coordinator.Ask<object>(RequestIndexTask.Instance, _askTimeout).PipeTo(Self);
    }

    private void Build(IndexBuildTask task)
    {
        var objects = _objects;
        var log = _log;
        Task.Run(async () =>
        {
            try
            {
                var key = await BuildAsync(objects, task);
                log.Info("Built {0} index of segment {1} field {2} ({3} rows) into {4}",
                    task.Index.IndexType, task.Segment.SegmentId, task.Index.FieldId, task.Segment.RowCount, key);
                return new BuildFinished(new IndexBuilt(task.BuildId, task.Segment.SegmentId, task.Index.FieldId, key));
            }
            catch (Exception e)
            {
                log.Warning("Index build {0} of segment {1} failed: {2}", task.BuildId, task.Segment.SegmentId, e.Message);
                return new BuildFinished(new IndexBuildFailed(task.BuildId, e.Message));
            }
        }).PipeTo(Self);
    }

    /// <summary>Builds one index file and returns its object key.</summary>
    public static async Task<string> BuildAsync(IObjectStore objects, IndexBuildTask task, CancellationToken cancellationToken = default)
    {
        var segment = task.Segment;
        var field = task.Schema.FindField(task.Index.FieldId)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {task.Index.FieldId} is not in the schema");
        var manifest = await SegmentStore.ReadManifestAsync(objects, segment.CollectionId, segment.PartitionId, segment.SegmentId, cancellationToken);
        var data = await SegmentStore.ReadAsync(objects, task.Schema, manifest, [field.FieldId], cancellationToken);
        var spec = IndexSpec.FromMilvus(task.Index.IndexType, task.Index.MetricType,
            task.Index.Params.Remove(IndexInfo.IndexTypeKey).Remove(IndexInfo.MetricTypeKey));
        var vectors = (VectorColumn<float>)data.Rows[field.FieldId];
        var index = VectorIndexes.Build(spec, field.Dim, vectors.Values, seed: unchecked((int)segment.SegmentId));
        using var buffer = new MemoryStream();
        index.Save(buffer);
        var key = ObjectPaths.IndexFile(segment.CollectionId, segment.SegmentId, field.FieldId, task.BuildId, "index");
        await objects.PutAsync(key, buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        return key;
    }
}
