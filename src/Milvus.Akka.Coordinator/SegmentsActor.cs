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
/// Writes go one at a time, in order: while one is in meta storage every other message waits in the stash, so no write
/// is decided from a state that was not committed. While a write that answers its requester is in meta storage (a
/// flush, an index result, a compaction's commit), reads are answered from the committed state meanwhile: nobody can
/// have learned of that change yet. A change others already know of (the catalog's view after a DDL reply, a query
/// node's registration, service or departure) holds reads too, so a read that follows a DDL reply sees its effect.
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

    /// <summary>The query nodes recorded before a fail-over that have not registered within the grace are gone.</summary>
    private sealed record StopAwaitingNodes : INoSerializationVerificationNeeded
    {
        public static readonly StopAwaitingNodes Instance = new();
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
        var nodeGroups = await _meta.GetAsync(SegmentState.NodeGroupsKey) is { } record ? CatalogCodec.DecodeNodeGroups(ByteString.CopyFrom(record.Value)) : null;
        var retired = GarbageRecords.DroppedSegments((await _meta.RangeAsync(GarbageRecords.DroppedSegmentPrefix)).Select(e => e.Key));
        var recovered = SegmentState.Recover(_settings, segments, catalog, DateTimeOffset.UtcNow, nodeGroups,
            global::Akka.Cluster.Cluster.Get(Context.System).SelfAddress, retired);
        await _effects.PersistAsync(recovered.Effects);
        _state = recovered.State;
        _effects.Send(recovered.Effects);
        _log.Info("Coordinator segments ready: {0} flushed segments", _state.Segments.Count);
        Become(Ready);
        LoadPlacement();
        Timers.StartPeriodicTimer(KeepShardsAlive.Instance, KeepShardsAlive.Instance, _settings.ShardKeepAliveInterval);
        Timers.StartSingleTimer(StopAwaitingNodes.Instance, StopAwaitingNodes.Instance, _settings.NodeRejoinGrace);
        Self.Tell(KeepShardsAlive.Instance);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Reads();
        Receive<KeepShardsAlive>(_ => StartAllShards());
        Write<StopAwaitingNodes>(_ => new PendingWrite(_state.StopAwaitingNodes(), () => null), replies: false);
        Write<CatalogView>(view =>
        {
            var before = _state.Catalog.Collections;
            return new PendingWrite(_state.WithCatalog(view, DateTimeOffset.UtcNow), () =>
            {
                if (view.Collections.Keys.Any(id => !before.ContainsKey(id)))
                {
                    StartAllShards();
                }

                return null;
            });
        }, replies: false);
        Write<SegmentFlushed>(m =>
        {
            var id = m.Segment.SegmentId;
            var (isNew, retired) = (!_state.Segments.ContainsKey(id), _state.Retired.ContainsKey(id));
            return new PendingWrite(_state.Flushed(m.Segment), () =>
            {
                if (retired)
                {
                    _log.Info("Segment {0} of collection {1} was reported flushed again after the catalog dropped it; it stays dropped", id, m.Segment.CollectionId);
                }
                else if (isNew)
                {
                    _log.Info("Segment {0} of collection {1} flushed with {2} rows", id, m.Segment.CollectionId, m.Segment.RowCount);
                    _finishedTasks.Add(BackgroundTasks.Flush(m.Segment, DateTimeOffset.UtcNow));
                }

                return new FlushRecorded(id, retired);
            }, FlushedInto: m.Segment.CollectionId);
        });
        Reply<RequestIndexTask>(_ => NextIndexTaskAsync(Sender.Path.Address));
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            var running = _state.Builds.Count;
            _state = _state.NodeLeft(m.Member.Address);
            NodesLeaving.LogReleased(_log, running - _state.Builds.Count, "index builds", m.Member.Address);
        });
        Write<IndexBuilt>(m =>
        {
            RecordIndexBuild(m.BuildId, succeeded: true, "");
            return new PendingWrite(_state.IndexBuilt(m), () => Done.Instance);
        });
        Receive<IndexBuildFailed>(m =>
        {
            _log.Warning("Index build {0} failed: {1}", m.BuildId, m.Reason);
            RecordIndexBuild(m.BuildId, succeeded: false, m.Reason);
            _state = _state.BuildFailed(m.BuildId);
        });
        Write<RegisterQueryNode>(m =>
        {
            if (!_state.QueryNodes.Contains(m.Node))
            {
                Context.Watch(m.Node);
                _log.Info("Query node {0} registered, serving {1} segments", m.Node.Path, m.ServedSegments.Length);
            }

            return new PendingWrite(_state.QueryNodeRegistered(m.Node, m.ServedSegments, m.Labels), () =>
            {
                StopAwaitingOnceEveryQueryMemberRegistered();
                return null;
            });
        }, replies: false);
        Write<SegmentServed>(m => new PendingWrite(_state.Served(m), () => null), replies: false);
        Write<Terminated>(m =>
        {
            _log.Warning("Query node {0} left; reassigning its segments", m.ActorRef.Path);
            return new PendingWrite(_state.QueryNodeLeft(m.ActorRef), () => null);
        }, replies: false);
        Write<CommitCompaction>(m =>
        {
            var completed = m.Completed;
            return new PendingWrite(_state.CommitCompaction(completed, DateTimeOffset.UtcNow), () =>
            {
                _log.Info("Compaction {0} merged segments [{1}] into {2} ({3} rows)", completed.TaskId, string.Join(", ", completed.InputIds),
                    completed.Result?.SegmentId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing", completed.Result?.RowCount ?? 0);
                return Done.Instance;
            });
        });
        ReadyPlacement();
    }

    /// <summary>The requests answered from the committed state, also while a write is in meta storage.</summary>
    private void Reads()
    {
        Receive<GetSegmentView>(_ => Sender.Tell(new SegmentView(_state.Segments)));
        Reply<GetSegments>(m => Task.FromResult<object>(new SegmentList(_state.SegmentsOf(m.CollectionId))));
        Reply<GetShardDistribution>(m => Task.FromResult<object>(_state.DistributionOf(m.ShardName)));
        Reply<GetLoadProgress>(m => Task.FromResult<object>(_state.LoadProgressOf(m.CollectionId)));
        Reply<GetIndexProgress>(m => Task.FromResult<object>(_state.IndexProgressOf(m.CollectionId)));
        Receive<GetLiveData>(_ => Sender.Tell(_state.LiveData()));
        Receive<SegmentsCollected>(m => _state = _state.Collected(m.SegmentIds));
        ReadyDistribution();
        ReadyTasks();
    }

    /// <summary>While a write is in meta storage: everything but reads (when <paramref name="answerReads"/>) waits for its outcome.</summary>
    private void Writing(bool answerReads)
    {
        if (answerReads)
        {
            Reads();
        }

        Receive<WriteCommitted>(m =>
        {
            Take(m.Write, m.ReplyTo, m.Request);
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<WriteFailed>(m =>
        {
            if (m.ReplyTo is null)
            {
                // A change nobody waits for (a query node's registration, the catalog's view): start again from what
                // meta storage holds, as the coordinator does after a fail-over.
                throw new InvalidOperationException($"the segments' meta-storage write for {m.Request} failed", m.Error);
            }

            RequestReplies.Fail(m.ReplyTo, m.Error, _log, m.Request);
            Become(Ready);
            Stash.UnstashAll();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    /// <summary>
    /// Once every query member of the cluster has registered, the nodes still awaited since recovery cannot come back (a
    /// standalone server restarted on another port, a node that died during the fail-over): their places are freed
    /// at once rather than after the grace.
    /// </summary>
    private void StopAwaitingOnceEveryQueryMemberRegistered()
    {
        if (_state.AwaitedNodes.IsEmpty)
        {
            return;
        }

        var registered = _state.QueryNodes.Select(n => GlobalAddressOf(n.Path.Address)).ToHashSet();
        if (global::Akka.Cluster.Cluster.Get(Context.System).State.Members
            .Where(m => m.HasRole(CoordinatorActor.QueryRole) && m.Status == MemberStatus.Up)
            .All(m => registered.Contains(m.Address)))
        {
            Self.Tell(StopAwaitingNodes.Instance);
        }
    }

    /// <summary>A decision waiting for its meta-storage writes, and what to do (and answer) once they are made.</summary>
    private sealed record PendingWrite(Decision<SegmentState> Decision, Func<object?> Committed, long? FlushedInto = null);

    private sealed record WriteCommitted(PendingWrite Write, IActorRef? ReplyTo, string Request) : INoSerializationVerificationNeeded;

    private sealed record WriteFailed(Exception Error, IActorRef? ReplyTo, string Request) : INoSerializationVerificationNeeded;

    /// <summary>Runs a request handler and replies with its result, or with a <see cref="MilvusFailure"/> naming the problem.</summary>
    private void Reply<T>(Func<T, Task<object>> handler) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, async () => await handler(message), _log, typeof(T).Name));

    /// <summary>
    /// A change of the state: <paramref name="plan"/> decides it from the committed state, its meta-storage writes are
    /// made, then the state is taken. When <paramref name="replies"/>, reads go on being answered meanwhile and the sender
    /// is answered with what <see cref="PendingWrite.Committed"/> returns, or with the failure; otherwise a failure
    /// restarts this actor from meta storage.
    /// </summary>
    private void Write<T>(Func<T, PendingWrite> plan, bool replies = true) => Receive<T>(message =>
    {
        var replyTo = replies ? Sender : null;
        var request = typeof(T).Name;
        PendingWrite write;
        try
        {
            write = plan(message);
            write = write with { Decision = SegmentState.WithNodeGroupsWritten(write.Decision) };
        }
        catch (Exception e) when (replyTo is not null)
        {
            RequestReplies.Fail(replyTo, e, _log, request);
            return;
        }

        // A decision without meta-storage writes (or writes that completed at once) is taken without leaving this state.
        var persisted = _effects.PersistAsync(write.Decision.Effects);
        if (persisted.IsCompletedSuccessfully)
        {
            Take(write, replyTo, request);
            return;
        }

        persisted.ContinueWith(
            written => written.IsCompletedSuccessfully ? (object)new WriteCommitted(write, replyTo, request) : new WriteFailed(written.Exception!.GetBaseException(), replyTo, request),
            TaskContinuationOptions.ExecuteSynchronously).PipeTo(Self);
        Become(() => Writing(answerReads: replyTo is not null));
    });

    /// <summary>
    /// Takes a committed decision's state and sends its messages; a change of the segments is handed to the compaction
    /// child (through the coordinator) before any reply, so a request that follows sees it.
    /// </summary>
    private void Take(PendingWrite write, IActorRef? replyTo, string request)
    {
        var segmentsChanged = !ReferenceEquals(write.Decision.State.Segments, _state.Segments);
        _state = write.Decision.State;
        _effects.Send(write.Decision.Effects);
        if (segmentsChanged || write.FlushedInto is not null)
        {
            Context.Parent.Tell(new SegmentView(_state.Segments, write.FlushedInto));
        }

        object? reply;
        try
        {
            reply = write.Committed();
        }
        catch (Exception e) when (replyTo is not null)
        {
            RequestReplies.Fail(replyTo, e, _log, request);
            return;
        }

        if (replyTo is not null && reply is not null)
        {
            replyTo.Tell(reply);
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
