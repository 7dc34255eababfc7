using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Compaction scheduling: small flushed segments of a shard and partition are merged (automatically, or all of a
/// collection on request) by data nodes, which drop deleted rows. A merge commits here, then the shard switches reads
/// to the result once a query node serves it, so readers never see the rows twice or lose them.
/// </summary>
public sealed partial class CatalogActor
{
    private const string CompactionPrefix = "compaction/";

    /// <summary>How long a finished manual compaction stays queryable (Milvus's dataCoord.compaction.dropTolerance).</summary>
    private static readonly TimeSpan FinishedCompactionRetention = TimeSpan.FromDays(1);

    private readonly Queue<CompactionTask> _compactionQueue = new();
    private readonly Dictionary<long, (CompactionTask Task, DateTimeOffset Deadline)> _compactionsRunning = [];
    private readonly Dictionary<long, long> _compactionsCompleted = [];
    private readonly Dictionary<long, CompactionRecord> _manualCompactions = [];

    private IEnumerable<long> SegmentsInCompaction =>
        _compactionQueue.Concat(_compactionsRunning.Values.Select(r => r.Task)).SelectMany(t => t.Inputs).Select(s => s.SegmentId);

    private void ReadyCompaction()
    {
        Reply<CompactCollection>(CompactCollectionAsync);
        Reply<GetCompaction>(m => Task.FromResult<object>(new CompactionDescribed(
            _manualCompactions.GetValueOrDefault(m.CompactionId) ?? new CompactionRecord(m.CompactionId, 0, [], null))));
        Reply<GetCompactionState>(m => Task.FromResult<object>(new CompactionState(
            _compactionQueue.Count(t => t.Inputs[0].CollectionId == m.CollectionId),
            _compactionsRunning.Values.Count(r => r.Task.Inputs[0].CollectionId == m.CollectionId),
            _compactionsCompleted.GetValueOrDefault(m.CollectionId))));
        Reply<RequestCompactionTask>(_ => NextCompactionTaskAsync());
        Reply<CompactionCompleted>(CommitCompactionAsync);
        ReceiveAsync<CompactionFailed>(async m =>
        {
            _log.Warning("Compaction {0} failed: {1}", m.TaskId, m.Reason);
            if (_compactionsRunning.Remove(m.TaskId))
            {
                await RecordPlanOutcomeAsync(m.TaskId, CompactionPlanState.Failed);
            }
        });
    }

    private async Task<object> CompactCollectionAsync(CompactCollection m)
    {
        var collection = _collections.GetValueOrDefault(m.CollectionId)
            ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {m.CollectionId} not found");
        await ForgetExpiredCompactionsAsync();
        var tasks = await PlanCompactionsAsync(collection, onlySmall: false);
        if (tasks.Count == 0)
        {
            return new CompactionScheduled(-1, 0);
        }

        var record = new CompactionRecord(await NextIdsAsync(), collection.Id,
            [.. tasks.Select(t => new CompactionPlan(t.TaskId, [.. t.Inputs.Select(s => s.SegmentId)], t.TargetSegmentId, CompactionPlanState.Executing))],
            null);
        await SaveAsync(record);
        return new CompactionScheduled(record.CompactionId, tasks.Count);
    }

    private async Task SaveAsync(CompactionRecord record)
    {
        await _meta.PutAsync(CompactionPrefix + record.CompactionId, CompactionCodec.Encode(record).ToByteArray());
        _manualCompactions[record.CompactionId] = record;
    }

    /// <summary>
    /// Reloads the manual compactions a previous incarnation recorded. A plan still executing then either committed
    /// (its target is a flushed segment), or runs again when its inputs are all still there, or failed.
    /// </summary>
    private async Task LoadCompactionsAsync()
    {
        foreach (var entry in await _meta.RangeAsync(CompactionPrefix))
        {
            var record = CompactionCodec.Decode(ByteString.CopyFrom(entry.Value));
            _manualCompactions[record.CompactionId] = record;
            foreach (var plan in record.Plans.Where(p => p.State == CompactionPlanState.Executing))
            {
                if (_segments.ContainsKey(plan.Target))
                {
                    await RecordPlanOutcomeAsync(plan.PlanId, CompactionPlanState.Completed);
                }
                else if (_collections.TryGetValue(record.CollectionId, out var collection) && plan.Sources.All(_segments.ContainsKey))
                {
                    _compactionQueue.Enqueue(new CompactionTask(plan.PlanId, collection.Schema, [.. plan.Sources.Select(id => _segments[id])], plan.Target));
                }
                else
                {
                    await RecordPlanOutcomeAsync(plan.PlanId, CompactionPlanState.Failed);
                }
            }
        }
    }

    /// <summary>Marks the plan of a manual compaction; automatic compactions have no record.</summary>
    private async Task RecordPlanOutcomeAsync(long planId, CompactionPlanState state)
    {
        if (_manualCompactions.Values.FirstOrDefault(r => r.Plans.Any(p => p.PlanId == planId)) is { } record)
        {
            await SaveAsync(record.WithPlanState(planId, state, DateTimeOffset.UtcNow));
        }
    }

    private async Task ForgetExpiredCompactionsAsync()
    {
        var expiry = DateTimeOffset.UtcNow - FinishedCompactionRetention;
        foreach (var record in _manualCompactions.Values.Where(r => r.FinishedAt < expiry).ToList())
        {
            await _meta.DeleteAsync(CompactionPrefix + record.CompactionId);
            _manualCompactions.Remove(record.CompactionId);
        }
    }

    /// <summary>Queues the merges <see cref="CompactionPlanner"/> picks among the collection's segments that no task holds.</summary>
    private async Task<List<CompactionTask>> PlanCompactionsAsync(CollectionInfo collection, bool onlySmall)
    {
        var busy = SegmentsInCompaction.ToHashSet();
        var candidates = _segments.Values.Where(s => s.CollectionId == collection.Id && !busy.Contains(s.SegmentId));
        var planned = new List<CompactionTask>();
        foreach (var inputs in CompactionPlanner.Plan(candidates, _settings.Compaction, onlySmall))
        {
            var ids = await NextIdsAsync(2);
            var task = new CompactionTask(ids, collection.Schema, [.. inputs], ids + 1);
            _compactionQueue.Enqueue(task);
            planned.Add(task);
        }

        if (planned.Count > 0)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topics.Work, WorkAvailable.Instance));
        }

        return planned;
    }

    private async Task ScheduleAutomaticCompactionAsync(long collectionId)
    {
        if (_settings.Compaction.Auto && _collections.TryGetValue(collectionId, out var collection))
        {
            await PlanCompactionsAsync(collection, onlySmall: true);
        }
    }

    private async Task<object> NextCompactionTaskAsync()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (taskId, running) in _compactionsRunning.Where(r => r.Value.Deadline < now).ToList())
        {
            _compactionsRunning.Remove(taskId);
            _compactionQueue.Enqueue(running.Task);
        }

        while (_compactionQueue.TryDequeue(out var task))
        {
            // Inputs dropped meanwhile (collection or partition dropped) make the task moot.
            if (task.Inputs.All(s => _segments.ContainsKey(s.SegmentId)))
            {
                _compactionsRunning[task.TaskId] = (task, now + _settings.Compaction.TaskLease);
                return task;
            }

            await RecordPlanOutcomeAsync(task.TaskId, CompactionPlanState.Failed);
        }

        return NoTask.Instance;
    }

    private async Task<object> CommitCompactionAsync(CompactionCompleted m)
    {
        // A result past its lease is refused even before the task is handed out again: shards keep the deletes a merge
        // may lack only for a bounded time longer than the lease (milvus.streaming.compaction-delete-hold).
        if (!_compactionsRunning.Remove(m.TaskId, out var running) || running.Deadline < DateTimeOffset.UtcNow)
        {
            if (running.Task is { } expired)
            {
                _compactionQueue.Enqueue(expired);
            }

            throw new MilvusException(ErrorCode.ParameterInvalid, $"compaction {m.TaskId} is not running (its lease expired); its result is discarded");
        }

        if (!m.InputIds.All(_segments.ContainsKey))
        {
            await RecordPlanOutcomeAsync(m.TaskId, CompactionPlanState.Failed);
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the inputs of compaction {m.TaskId} changed; its result is discarded");
        }

        var first = _segments[m.InputIds[0]];
        if (m.Result is { } result)
        {
            await SaveAsync(result);
        }

        foreach (var id in m.InputIds)
        {
            var input = _segments[id];
            await RecordCompactedSegmentAsync(input);
            await _meta.DeleteAsync($"{SegmentPrefix}{input.CollectionId}/{input.SegmentId}");
            _segments.Remove(id);
            _servedBy.Remove(id);
            _assignedTo.Remove(id);
        }

        _compactionsCompleted[first.CollectionId] = _compactionsCompleted.GetValueOrDefault(first.CollectionId) + 1;
        await RecordPlanOutcomeAsync(m.TaskId, CompactionPlanState.Completed);
        _log.Info("Compaction {0} merged segments [{1}] into {2} ({3} rows)", m.TaskId, string.Join(", ", m.InputIds),
            m.Result?.SegmentId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing", m.Result?.RowCount ?? 0);
        _shardRegion.Tell(new SegmentsReplaced(first.ShardName, m.Result, m.InputIds));
        AnnounceWork();
        AssignPendingSegments();
        return Done.Instance;
    }
}
