using System.Collections.Immutable;

namespace Milvus.Akka.Coordinator;

/// <summary>Background work the coordinator schedules or learns of, as the web console lists it.</summary>
public enum BackgroundTaskKind
{
    /// <summary>A shard wrote a sealed segment to object storage; the coordinator learns of it when it is done.</summary>
    Flush = 0,
    IndexBuild = 1,
    Compaction = 2,
}

public enum BackgroundTaskState
{
    /// <summary>Waiting for a data node (compactions are planned ahead; index builds are handed out as nodes ask).</summary>
    Queued = 0,
    Running = 1,
    Completed = 2,
    Failed = 3,
}

/// <summary>
/// One flush, index build or compaction. <paramref name="TaskId"/> is the segment id of a flush, the build id of an index
/// build, the task id of a compaction; <paramref name="Segments"/> are the segments it works on. <paramref name="Started"/>
/// is null when the coordinator did not see the start (flushes, queued tasks).
/// </summary>
public sealed record BackgroundTask(
    BackgroundTaskKind Kind,
    long TaskId,
    long CollectionId,
    ImmutableArray<long> Segments,
    BackgroundTaskState State,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    string Detail);

/// <summary>The coordinator's queued and running tasks and the most recently finished ones; replies <see cref="TaskHistory"/>.</summary>
public sealed record GetTaskHistory : ICoordinatorMessage
{
    public static readonly GetTaskHistory Instance = new();
}

/// <param name="Active">Queued and running tasks.</param>
/// <param name="Recent">Finished tasks, newest first, as many as the coordinator keeps (it forgets them when it moves).</param>
public sealed record TaskHistory(ImmutableArray<BackgroundTask> Active, ImmutableArray<BackgroundTask> Recent) : ICoordinatorMessage;
