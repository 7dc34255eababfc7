using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Compaction scheduling: small flushed segments of a shard and partition are merged (automatically, or all of a
/// collection on request) by data nodes, which drop deleted rows. A merge commits here, then the shard switches reads
/// to the result once a query node serves it, so readers never see the rows twice or lose them.
/// </summary>
public sealed partial class CoordinatorActor
{
    private readonly Queue<CompactionTask> _compactionQueue = new();
    private readonly Dictionary<long, (CompactionTask Task, DateTimeOffset Deadline)> _compactionsRunning = [];
    private readonly Dictionary<long, long> _compactionsCompleted = [];

    private IEnumerable<long> SegmentsInCompaction =>
        _compactionQueue.Concat(_compactionsRunning.Values.Select(r => r.Task)).SelectMany(t => t.Inputs).Select(s => s.SegmentId);

    private void ReadyCompaction()
    {
        Reply<CompactCollection>(async m =>
        {
            var collection = _collections.GetValueOrDefault(m.CollectionId)
                ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {m.CollectionId} not found");
            var tasks = await PlanCompactionsAsync(collection, onlySmall: false);
            return new CompactionScheduled(await _ids.AllocateAsync(1), tasks);
        });
        Reply<GetCompactionState>(m => Task.FromResult<object>(new CompactionState(
            _compactionQueue.Count(t => t.Inputs[0].CollectionId == m.CollectionId),
            _compactionsRunning.Values.Count(r => r.Task.Inputs[0].CollectionId == m.CollectionId),
            _compactionsCompleted.GetValueOrDefault(m.CollectionId))));
        Reply<RequestCompactionTask>(_ => Task.FromResult(NextCompactionTask()));
        Reply<CompactionCompleted>(CommitCompactionAsync);
        Receive<CompactionFailed>(m =>
        {
            _log.Warning("Compaction {0} failed: {1}", m.TaskId, m.Reason);
            _compactionsRunning.Remove(m.TaskId);
        });
    }

    /// <summary>Groups the segments of each shard and partition into merges of at most max-merged-rows rows.</summary>
    private async Task<int> PlanCompactionsAsync(CollectionInfo collection, bool onlySmall)
    {
        var settings = _settings.Compaction;
        var busy = SegmentsInCompaction.ToHashSet();
        var planned = 0;
        foreach (var group in _segments.Values
                     .Where(s => s.CollectionId == collection.Id && !busy.Contains(s.SegmentId) && (!onlySmall || s.RowCount < settings.SmallSegmentRows))
                     .GroupBy(s => (s.ShardName, s.PartitionId)))
        {
            var batch = new List<SegmentInfo>();
            foreach (var segment in group.OrderBy(s => s.RowCount))
            {
                if (batch.Count > 0 && batch.Sum(s => s.RowCount) + segment.RowCount > settings.MaxMergedRows)
                {
                    planned += await EnqueueCompactionAsync(collection, batch, onlySmall);
                    batch = [];
                }

                batch.Add(segment);
            }

            planned += await EnqueueCompactionAsync(collection, batch, onlySmall);
        }

        if (planned > 0)
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topics.Work, WorkAvailable.Instance));
        }

        return planned;
    }

    /// <summary>Automatic merges need two segments; a requested compaction also rewrites a single one to drop its deleted rows.</summary>
    private async Task<int> EnqueueCompactionAsync(CollectionInfo collection, List<SegmentInfo> inputs, bool needTwo)
    {
        if (inputs.Count == 0 || (needTwo && inputs.Count < 2))
        {
            return 0;
        }

        var ids = await _ids.AllocateAsync(2);
        _compactionQueue.Enqueue(new CompactionTask(ids, collection.Schema, [.. inputs], ids + 1));
        return 1;
    }

    private async Task ScheduleAutomaticCompactionAsync(long collectionId)
    {
        if (_settings.Compaction.Auto && _collections.TryGetValue(collectionId, out var collection))
        {
            await PlanCompactionsAsync(collection, onlySmall: true);
        }
    }

    private object NextCompactionTask()
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
        }

        return NoTask.Instance;
    }

    private async Task<object> CommitCompactionAsync(CompactionCompleted m)
    {
        if (!_compactionsRunning.Remove(m.TaskId, out var running) || !m.InputIds.All(_segments.ContainsKey))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"compaction {m.TaskId} is unknown or its inputs changed; its result is discarded");
        }

        var first = _segments[m.InputIds[0]];
        if (m.Result is { } result)
        {
            await SaveAsync(result);
        }

        foreach (var id in m.InputIds)
        {
            var input = _segments[id];
            await _meta.DeleteAsync($"{SegmentPrefix}{input.CollectionId}/{input.SegmentId}");
            _segments.Remove(id);
            _servedBy.Remove(id);
            _assignedTo.Remove(id);
        }

        _compactionsCompleted[first.CollectionId] = _compactionsCompleted.GetValueOrDefault(first.CollectionId) + 1;
        _log.Info("Compaction {0} merged segments [{1}] into {2} ({3} rows)", m.TaskId, string.Join(", ", m.InputIds),
            m.Result?.SegmentId.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing", m.Result?.RowCount ?? 0);
        _shardRegion.Tell(new SegmentsReplaced(first.ShardName, m.Result, m.InputIds));
        AnnounceWork();
        AssignPendingSegments();
        return Done.Instance;
    }
}
