using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's segments child: segment bookkeeping, index-build scheduling, which query node serves each flushed
/// segment, shard placement on streaming nodes and the distribution views built from them. A thin actor over
/// <see cref="SegmentState"/>: it performs the state's meta-storage writes before it takes the new state or replies.
/// It follows the catalog through the <see cref="CatalogView"/>s the catalog hands over, and hands its own
/// <see cref="SegmentView"/> to the compaction child after each change (both through the coordinator).
/// </summary>
public sealed partial class SegmentsActor : ReceiveActor, IWithTimers, IWithStash
{
    /// <summary>The oracle answers after at most one meta write; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan IdsTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly CoordinatorSettings _settings;
    private readonly IActorRef _shardRegion;
    private readonly IActorRef _timestamps;
    private readonly IActorRef _catalog;
    private readonly EffectPerformer _effects;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SegmentState _state = null!;

    public SegmentsActor(IMetaStore meta, CoordinatorSettings settings, IActorRef shardRegion, IActorRef timestamps, IActorRef catalog)
    {
        _meta = meta;
        _settings = settings;
        _shardRegion = shardRegion;
        _timestamps = timestamps;
        _catalog = catalog;
        _effects = new EffectPerformer(meta, shardRegion, DistributedPubSub.Get(Context.System).Mediator);
        ReceiveAsync<CatalogView>(InitializeAsync);
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, CoordinatorSettings settings, IActorRef shardRegion, IActorRef timestamps, IActorRef catalog) =>
        global::Akka.Actor.Props.Create(() => new SegmentsActor(meta, settings, shardRegion, timestamps, catalog));

    public ITimerScheduler Timers { get; set; } = null!;

    public IStash Stash { get; set; } = null!;

    private sealed record KeepShardsAlive : INoSerializationVerificationNeeded
    {
        public static readonly KeepShardsAlive Instance = new();
    }

    /// <summary>The catalog answers once it has loaded; the segments are read back and reconciled with its view then.</summary>
    protected override void PreStart()
    {
        _catalog.Tell(GetCatalogView.Instance);
        NodesLeaving.Subscribe(Context);
    }

    protected override void PostStop() => NodesLeaving.Unsubscribe(Context);

    private async Task InitializeAsync(CatalogView catalog)
    {
        var segments = (await _meta.RangeAsync(SegmentState.SegmentPrefix)).Select(e => CatalogCodec.DecodeSegment(ByteString.CopyFrom(e.Value)));
        var recovered = SegmentState.Recover(_settings, segments, catalog, DateTimeOffset.UtcNow);
        await _effects.PersistAsync(recovered.Effects);
        _state = recovered.State;
        _effects.Send(recovered.Effects);
        _log.Info("Coordinator segments ready: {0} flushed segments", _state.Segments.Count);
        Become(Ready);
        LoadPlacement();
        Timers.StartPeriodicTimer(KeepShardsAlive.Instance, KeepShardsAlive.Instance, _settings.ShardKeepAliveInterval);
        Self.Tell(KeepShardsAlive.Instance);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<KeepShardsAlive>(_ => StartAllShards());
        ReceiveAsync<CatalogView>(async view =>
        {
            var before = _state.Catalog.Collections;
            await ApplyAsync(_state.WithCatalog(view, DateTimeOffset.UtcNow));
            if (view.Collections.Keys.Any(id => !before.ContainsKey(id)))
            {
                StartAllShards();
            }
        });
        Receive<GetSegmentView>(_ => Sender.Tell(new SegmentView(_state.Segments)));
        Reply<SegmentFlushed>(async m =>
        {
            var isNew = !_state.Segments.ContainsKey(m.Segment.SegmentId);
            await ApplyAsync(_state.Flushed(m.Segment), flushedInto: m.Segment.CollectionId);
            if (isNew)
            {
                _log.Info("Segment {0} of collection {1} flushed with {2} rows", m.Segment.SegmentId, m.Segment.CollectionId, m.Segment.RowCount);
                _finishedTasks.Add(BackgroundTasks.Flush(m.Segment, DateTimeOffset.UtcNow));
            }

            return Done.Instance;
        });
        Reply<GetSegments>(m => Task.FromResult<object>(new SegmentList(_state.SegmentsOf(m.CollectionId))));
        Reply<GetShardDistribution>(m => Task.FromResult<object>(_state.DistributionOf(m.ShardName)));
        Reply<GetLoadProgress>(m => Task.FromResult<object>(_state.LoadProgressOf(m.CollectionId)));
        Reply<GetIndexProgress>(m => Task.FromResult<object>(_state.IndexProgressOf(m.CollectionId)));
        Reply<RequestIndexTask>(_ => NextIndexTaskAsync(Sender.Path.Address));
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            var running = _state.Builds.Count;
            _state = _state.NodeLeft(m.Member.Address);
            NodesLeaving.LogReleased(_log, running - _state.Builds.Count, "index builds", m.Member.Address);
        });
        Reply<IndexBuilt>(async m =>
        {
            RecordIndexBuild(m.BuildId, succeeded: true, "");
            await ApplyAsync(_state.IndexBuilt(m));
            return Done.Instance;
        });
        Receive<IndexBuildFailed>(m =>
        {
            _log.Warning("Index build {0} failed: {1}", m.BuildId, m.Reason);
            RecordIndexBuild(m.BuildId, succeeded: false, m.Reason);
            _state = _state.BuildFailed(m.BuildId);
        });
        ReceiveAsync<RegisterQueryNode>(async m =>
        {
            if (!_state.QueryNodes.Contains(m.Node))
            {
                Context.Watch(m.Node);
                _log.Info("Query node {0} registered, serving {1} segments", m.Node.Path, m.ServedSegments.Length);
            }

            await ApplyAsync(_state.QueryNodeRegistered(m.Node, m.ServedSegments));
        });
        ReceiveAsync<SegmentServed>(m => ApplyAsync(_state.Served(m)));
        ReceiveAsync<Terminated>(m =>
        {
            _log.Warning("Query node {0} left; reassigning its segments", m.ActorRef.Path);
            return ApplyAsync(_state.QueryNodeLeft(m.ActorRef));
        });
        Reply<CommitCompaction>(async m =>
        {
            var completed = m.Completed;
            await ApplyAsync(_state.CommitCompaction(completed, DateTimeOffset.UtcNow));
            _log.Info("Compaction {0} merged segments [{1}] into {2} ({3} rows)", completed.TaskId, string.Join(", ", completed.InputIds),
                completed.Result?.SegmentId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing", completed.Result?.RowCount ?? 0);
            return Done.Instance;
        });
        Receive<GetLiveData>(_ => Sender.Tell(_state.LiveData()));
        ReadyPlacement();
        ReadyDistribution();
        ReadyTasks();
    }

    /// <summary>Runs a request handler and replies with its result, or with a <see cref="MilvusFailure"/> naming the problem.</summary>
    private void Reply<T>(Func<T, Task<object>> handler) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, async () => await handler(message), _log, typeof(T).Name));

    /// <summary>
    /// Writes the decision's meta-storage changes, then takes its state and sends; a change of the segments is handed
    /// to the compaction child (through the coordinator) before any reply, so a request that follows sees it.
    /// </summary>
    private async Task ApplyAsync(Decision<SegmentState> decision, long? flushedInto = null)
    {
        await _effects.PersistAsync(decision.Effects);
        var segmentsChanged = !ReferenceEquals(decision.State.Segments, _state.Segments);
        _state = decision.State;
        _effects.Send(decision.Effects);
        if (segmentsChanged || flushedInto is not null)
        {
            Context.Parent.Tell(new SegmentView(_state.Segments, flushedInto));
        }
    }

    private async Task<object> NextIndexTaskAsync(Address holder)
    {
        var now = DateTimeOffset.UtcNow;
        if (_state.NextIndexBuild(now) is not { } candidate)
        {
            return NoTask.Instance;
        }

        // Build ids come from the id allocator: unique across coordinator incarnations, so index file keys never collide.
        var buildId = (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(1), IdsTimeout)).First;
        _state = _state.BuildStarted(buildId, candidate, holder, now);
        return new IndexBuildTask(buildId, candidate.Segment, candidate.Schema, candidate.Index);
    }

    private void StartAllShards()
    {
        PlaceShards();
        foreach (var shard in _state.Catalog.Collections.Values.SelectMany(c => c.AllShardNames))
        {
            _shardRegion.Tell(new global::Akka.Cluster.Sharding.ShardRegion.StartEntity(shard));
        }
    }
}
