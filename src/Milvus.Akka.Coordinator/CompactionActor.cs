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
/// The coordinator's compaction child: plans merges, hands tasks to data nodes under a lease and has the segments child
/// commit their results. A thin actor over <see cref="CompactionSchedule"/>: it performs the schedule's meta-storage
/// writes before it takes the new state or replies. It reads the catalog and the segments only from the views their
/// owners hand over, so a slow segment or catalog write never holds up a data node asking for compaction work.
/// </summary>
public sealed class CompactionActor : ReceiveActor, IWithStash
{
    /// <summary>The oracle and the segments child answer after a few meta writes; this only bounds a request while one restarts.</summary>
    private static readonly TimeSpan SiblingTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly CompactionSettings _settings;
    private readonly IActorRef _timestamps;
    private readonly IActorRef _segments;
    private readonly EffectPerformer _effects;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _catalog;
    private readonly FinishedTasks _finishedTasks = new(FinishedTasks.Kept);
    private CompactionSchedule _state = null!;
    private CatalogView? _initialCatalog;
    private SegmentView? _initialSegments;

    public CompactionActor(IMetaStore meta, CompactionSettings settings, IActorRef shardRegion, IActorRef timestamps, IActorRef catalog, IActorRef segments)
    {
        _meta = meta;
        _settings = settings;
        _timestamps = timestamps;
        _catalog = catalog;
        _segments = segments;
        _effects = new EffectPerformer(meta, shardRegion, DistributedPubSub.Get(Context.System).Mediator);
        ReceiveAsync<CatalogView>(view =>
        {
            _initialCatalog = view.Version >= (_initialCatalog?.Version ?? 0) ? view : _initialCatalog;
            return InitializeWhenReadyAsync();
        });
        ReceiveAsync<SegmentView>(view =>
        {
            _initialSegments = view;
            return InitializeWhenReadyAsync();
        });
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, CompactionSettings settings, IActorRef shardRegion, IActorRef timestamps, IActorRef catalog, IActorRef segments) =>
        global::Akka.Actor.Props.Create(() => new CompactionActor(meta, settings, shardRegion, timestamps, catalog, segments));

    public IStash Stash { get; set; } = null!;

    /// <summary>Both owners answer once they have loaded; the recorded compactions are recovered against their views then.</summary>
    protected override void PreStart()
    {
        _catalog.Tell(GetCatalogView.Instance);
        _segments.Tell(GetSegmentView.Instance);
        NodesLeaving.Subscribe(Context);
    }

    protected override void PostStop() => NodesLeaving.Unsubscribe(Context);

    private async Task InitializeWhenReadyAsync()
    {
        if (_initialCatalog is null || _initialSegments is null)
        {
            return;
        }

        var records = (await _meta.RangeAsync(CompactionSchedule.CompactionPrefix)).Select(e => CompactionCodec.Decode(ByteString.CopyFrom(e.Value)));
        var recovered = CompactionSchedule.Recover(_settings, _initialCatalog, _initialSegments, records, DateTimeOffset.UtcNow);
        await _effects.PersistAsync(recovered.Effects);
        _state = recovered.State;
        _effects.Send(recovered.Effects);
        _log.Info("Coordinator compaction ready: {0} recorded compactions, {1} tasks queued again", _state.Manual.Count, _state.Queue.Count());
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<CatalogView>(view => _state = _state.WithCatalog(view));
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            var running = _state.Running.Count;
            _state = _state.NodeLeft(m.Member.Address);
            NodesLeaving.LogReleased(_log, running - _state.Running.Count, "compactions", m.Member.Address);
        });
        ReceiveAsync<SegmentView>(async view =>
        {
            _state = _state.WithSegments(view);
            if (view.FlushedInto is { } collectionId)
            {
                await RunAsync(() => ScheduleAsync(collectionId, automatic: true), "automatic compaction");
            }
        });
        Reply<CompactCollection>(CompactCollectionAsync);
        Reply<GetCompaction>(m => Task.FromResult<object>(_state.Describe(m.CompactionId)));
        Reply<GetCompactionState>(m => Task.FromResult<object>(_state.StateOf(m.CollectionId)));
        Reply<RequestCompactionTask>(async _ =>
        {
            var holder = Sender.Path.Address;
            // Each hand-out merges into a new segment id, so no earlier attempt still running writes over its files.
            var target = _state.HasTaskToHandOut(DateTimeOffset.UtcNow)
                ? (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(1), SiblingTimeout)).First
                : CompactionSchedule.NoTarget;
            var (decision, task) = _state.NextTask(holder, DateTimeOffset.UtcNow, target);
            await ApplyAsync(decision);
            return task;
        });
        Reply<CompactionCompleted>(CommitAsync);
        // The console's part of the compactions: running, queued, and recently finished.
        Receive<GetTaskHistory>(_ => Sender.Tell(new TaskHistory(
            [
                .. _state.Running.Values.OrderBy(r => r.Task.TaskId)
                    .Select(r => BackgroundTasks.Compaction(r.Task, BackgroundTaskState.Running, r.Deadline - _settings.TaskLease, null, "")),
                .. _state.Queue.Select(t => BackgroundTasks.Compaction(t, BackgroundTaskState.Queued, null, null, "")),
            ],
            _finishedTasks.NewestFirst())));
        ReceiveAsync<CompactionFailed>(async m =>
        {
            _log.Warning("Compaction {0} failed: {1}", m.TaskId, m.Reason);
            if (_state.Attempt(m.TaskId, m.TargetSegmentId) is { } running)
            {
                RecordFinished(running, m.Reason, failed: true);
                await RunAsync(() => ApplyAsync(_state.Failed(m.TaskId, DateTimeOffset.UtcNow)), nameof(CompactionFailed));
            }
        });
    }

    /// <summary>Runs a request handler and replies with its result, or with a <see cref="MilvusFailure"/> naming the problem.</summary>
    private void Reply<T>(Func<T, Task<object>> handler) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, async () => await handler(message), _log, typeof(T).Name));

    /// <summary>Runs work nobody waits for; a failure is logged and the schedule stays as it was.</summary>
    private async Task RunAsync(Func<Task> work, string what)
    {
        try
        {
            await work();
        }
        catch (Exception e)
        {
            _log.Warning(e, "Coordinator compaction: {0} failed", what);
        }
    }

    private async Task ApplyAsync(Decision<CompactionSchedule> decision)
    {
        await _effects.PersistAsync(decision.Effects);
        _state = decision.State;
        _effects.Send(decision.Effects);
    }

    /// <summary>Plans and queues the merges of a collection; returns the first id taken (the manual compaction's id) and the task count.</summary>
    private async Task<(long FirstId, int Tasks)> ScheduleAsync(long collectionId, bool automatic, long targetSizeMb = 0)
    {
        var groups = _state.Plan(collectionId, automatic, targetSizeMb);
        if (groups.Count == 0)
        {
            return (-1, 0);
        }

        var manualIds = automatic ? 0 : 1;
        var firstId = (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(manualIds + CompactionSchedule.IdsFor(groups)), SiblingTimeout)).First;
        await ApplyAsync(automatic
            ? _state.Enqueue(groups, firstId)
            : _state.Requested(firstId, collectionId, groups, firstId + 1));
        return (firstId, groups.Count);
    }

    private async Task<object> CompactCollectionAsync(CompactCollection m)
    {
        await ApplyAsync(_state.ForgetExpired(DateTimeOffset.UtcNow));
        var (compactionId, tasks) = await ScheduleAsync(m.CollectionId, automatic: false, m.TargetSizeMb);
        return new CompactionScheduled(compactionId, tasks);
    }

    private void RecordFinished(RunningCompaction running, string outcome, bool failed) =>
        _finishedTasks.Add(BackgroundTasks.Compaction(running.Task, failed ? BackgroundTaskState.Failed : BackgroundTaskState.Completed,
            running.Deadline - _settings.TaskLease, DateTimeOffset.UtcNow, outcome));

    private async Task<object> CommitAsync(CompactionCompleted m)
    {
        var running = _state.Running.GetValueOrDefault(m.TaskId);
        var (state, task) = _state.Completing(m.TaskId, m.Result?.SegmentId, DateTimeOffset.UtcNow);
        _state = state;
        if (task is null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"compaction {m.TaskId} is not running under this attempt (its lease expired, or it was handed out again); its result is discarded");
        }

        try
        {
            await _segments.AskFor<Done>(new CommitCompaction(m), SiblingTimeout);
        }
        catch (MilvusException e) when (e.Code != ErrorCode.ServiceUnavailable)
        {
            // Refused (an input is gone); a commit that only did not answer in time may still land, and a later
            // incarnation finds its target among the segments.
            await ApplyAsync(_state.Failed(m.TaskId, DateTimeOffset.UtcNow));
            RecordFinished(running!, e.Message, failed: true);
            throw;
        }

        await ApplyAsync(_state.Committed(task, DateTimeOffset.UtcNow));
        RecordFinished(running!, BackgroundTasks.Outcome(m.Result), failed: false);
        return Done.Instance;
    }
}
