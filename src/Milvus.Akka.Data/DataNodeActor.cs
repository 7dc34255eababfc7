using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Data;

/// <summary>
/// One per data-role node. Pulls work from the coordinator — index builds first, then compactions — when told work is
/// available and periodically in case a notice was lost, one task at a time. Pulling keeps a slow node from being
/// handed more than it can do.
/// </summary>
public sealed class DataNodeActor : ReceiveActor, IWithTimers
{
    private readonly IObjectStore _objects;
    private readonly IActorRef _coordinator;
    private readonly IActorRef _shardRegion;
    private readonly DataSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _busy;

    private sealed record Poll : INoSerializationVerificationNeeded
    {
        public static readonly Poll Instance = new();
    }

    private sealed record TaskFinished(object Report, bool DidWork) : INoSerializationVerificationNeeded;

    public DataNodeActor(IObjectStore objects, IActorRef coordinator, IActorRef shardRegion, DataSettings settings)
    {
        _objects = objects;
        _coordinator = coordinator;
        _shardRegion = shardRegion;
        _settings = settings;
        Receive<Poll>(_ => RequestWork());
        Receive<WorkAvailable>(_ => RequestWork());
        Receive<SubscribeAck>(_ => { });
        Receive<TaskFinished>(m =>
        {
            if (m.Report is not NoTask)
            {
                _coordinator.Tell(m.Report);
            }

            _busy = false;
            if (m.DidWork)
            {
                RequestWork();
            }
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IObjectStore objects, IActorRef coordinator, IActorRef shardRegion, DataSettings settings) =>
        global::Akka.Actor.Props.Create(() => new DataNodeActor(objects, coordinator, shardRegion, settings));

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topics.Work, Self));
        Timers.StartPeriodicTimer(Poll.Instance, Poll.Instance, _settings.PollInterval);
    }

    private void RequestWork()
    {
        if (_busy)
        {
            return;
        }

        _busy = true;
        var coordinator = _coordinator;
        var objects = _objects;
        var shards = _shardRegion;
        var timeout = _settings.AskTimeout;
        var log = _log;
        BackgroundWork.Run(Self, _log, "Data node: asking the coordinator for work", async () =>
        {
            if (await coordinator.AskFor<object>(RequestIndexTask.Instance, timeout) is IndexBuildTask build)
            {
                return await RunAsync($"Data node: building the {build.Index.IndexType} index of segment {build.Segment.SegmentId}", async () =>
                {
                    // The start is logged too, so an operator (and the chaos test) can tell a build cut off by a crash.
                    log.Info("Building {0} index of segment {1} field {2} ({3} rows)",
                        build.Index.IndexType, build.Segment.SegmentId, build.Index.FieldId, build.Segment.RowCount);
                    var started = Stopwatch.GetTimestamp();
                    var key = await IndexBuilder.BuildAsync(objects, build);
                    MilvusMetrics.IndexBuildLatency.ObserveSince(started);
                    log.Info("Built {0} index of segment {1} field {2} ({3} rows) into {4}",
                        build.Index.IndexType, build.Segment.SegmentId, build.Index.FieldId, build.Segment.RowCount, key);
                    return new IndexBuilt(build.BuildId, build.Segment.SegmentId, build.Index.FieldId, key);
                }, reason => new IndexBuildFailed(build.BuildId, reason));
            }

            if (await coordinator.AskFor<object>(RequestCompactionTask.Instance, timeout) is CompactionTask compaction)
            {
                return await RunAsync($"Data node: compaction task {compaction.TaskId}", async () =>
                {
                    var started = Stopwatch.GetTimestamp();
                    var result = await Compactor.CompactAsync(objects, shards, compaction, timeout);
                    MilvusMetrics.CompactionLatency.ObserveSince(started);
                    log.Info("Compacted segments [{0}] into {1} ({2} rows)", string.Join(", ", compaction.Inputs.Select(s => s.SegmentId)),
                        compaction.TargetSegmentId, result?.RowCount ?? 0);
                    return new CompactionCompleted(compaction.TaskId, result, [.. compaction.Inputs.Select(s => s.SegmentId)]);
                }, reason => new CompactionFailed(compaction.TaskId, reason, compaction.TargetSegmentId));
            }

            return new TaskFinished(NoTask.Instance, DidWork: false);

            // A task that fails is reported to the coordinator (which hands it out again), not to this actor's failure path.
            async Task<TaskFinished> RunAsync(string what, Func<Task<object>> work, Func<string, object> failure)
            {
                try
                {
                    return new TaskFinished(await work(), DidWork: true);
                }
                catch (Exception e)
                {
                    log.Warning(e, "{0} failed", what);
                    return new TaskFinished(failure(e.Message), DidWork: true);
                }
            }
        }, _ => new TaskFinished(NoTask.Instance, DidWork: false));
    }
}
