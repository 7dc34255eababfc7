using System.Collections.Immutable;
using System.Globalization;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The most recently finished flushes, index builds or compactions of one coordinator child, for the web console: a
/// bounded list in memory only (a new coordinator incarnation starts empty; what recovery needs is in meta storage).
/// </summary>
public sealed class FinishedTasks(int capacity)
{
    /// <summary>Finished tasks each child keeps for the console; older ones are only in the logs.</summary>
    public const int Kept = 200;

    private readonly Queue<BackgroundTask> _tasks = new(capacity);

    /// <summary>Remembers a finished task, forgetting the oldest beyond <c>capacity</c>.</summary>
    public void Add(BackgroundTask task)
    {
        if (task.State is not (BackgroundTaskState.Completed or BackgroundTaskState.Failed))
        {
            throw new ArgumentException($"task {task.Kind} {task.TaskId} is {task.State}, not finished", nameof(task));
        }

        if (_tasks.Count == capacity)
        {
            _tasks.Dequeue();
        }

        _tasks.Enqueue(task);
    }

    /// <summary>Newest first.</summary>
    public ImmutableArray<BackgroundTask> NewestFirst() => [.. _tasks.Reverse()];
}

/// <summary>The console's view of the coordinator's work, built from the segments' and the compaction schedule's state.</summary>
public static class BackgroundTasks
{
    public static BackgroundTask Flush(SegmentInfo segment, DateTimeOffset now) => new(BackgroundTaskKind.Flush, segment.SegmentId,
        segment.CollectionId, [segment.SegmentId], BackgroundTaskState.Completed, null, now,
        string.Create(CultureInfo.InvariantCulture, $"{segment.RowCount} rows from shard {segment.ShardName}"));

    /// <summary>A build handed out under <paramref name="lease"/> (taken for <paramref name="leaseLength"/>), described from the segments' state.</summary>
    public static BackgroundTask IndexBuild(long buildId, IndexBuildLease lease, TimeSpan leaseLength, SegmentState segments, BackgroundTaskState state,
        DateTimeOffset? finished, string reason)
    {
        var collectionId = segments.Segments.GetValueOrDefault(lease.SegmentId)?.CollectionId ?? 0;
        var collection = segments.Catalog.Collections.GetValueOrDefault(collectionId);
        var index = collection?.Indexes.FirstOrDefault(i => i.IndexId == lease.IndexId);
        var what = index is null
            ? string.Create(CultureInfo.InvariantCulture, $"index {lease.IndexId}")
            : $"{index.IndexType} on {collection!.Schema.FindField(index.FieldId)?.Name ?? index.FieldId.ToString(CultureInfo.InvariantCulture)}";
        return new BackgroundTask(BackgroundTaskKind.IndexBuild, buildId, collectionId, [lease.SegmentId], state, lease.Deadline - leaseLength, finished,
            reason.Length == 0 ? what : $"{what}: {reason}");
    }

    public static BackgroundTask Compaction(CompactionTask task, BackgroundTaskState state, DateTimeOffset? started, DateTimeOffset? finished, string outcome)
    {
        var target = string.Create(CultureInfo.InvariantCulture, $"into segment {task.TargetSegmentId}");
        return new BackgroundTask(BackgroundTaskKind.Compaction, task.TaskId, task.Inputs.IsEmpty ? 0 : task.Inputs[0].CollectionId,
            [.. task.Inputs.Select(s => s.SegmentId)], state, started, finished, outcome.Length == 0 ? target : $"{target}: {outcome}");
    }

    /// <summary>What a compaction's result holds, for its finished entry.</summary>
    public static string Outcome(SegmentInfo? result) =>
        result is null ? "every row was deleted" : string.Create(CultureInfo.InvariantCulture, $"{result.RowCount} rows");

    /// <summary>The children's histories as one: every active task, and the finished ones newest first.</summary>
    public static TaskHistory Merge(IEnumerable<TaskHistory> histories)
    {
        var all = histories.ToList();
        return new TaskHistory([.. all.SelectMany(h => h.Active)], [.. all.SelectMany(h => h.Recent).OrderByDescending(t => t.Finished)]);
    }
}
