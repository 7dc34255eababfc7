using Akka.Actor;

namespace Milvus.Akka.Coordinator;

/// <summary>The segments child's part of the console's task list: flushes and index builds.</summary>
public sealed partial class SegmentsActor
{
    private readonly FinishedTasks _finishedTasks = new(FinishedTasks.Kept);

    private void ReadyTasks() => Receive<GetTaskHistory>(_ => Sender.Tell(new TaskHistory(
        [.. _state.Builds.OrderBy(b => b.Key).Select(b => IndexBuildTask(b.Key, b.Value, BackgroundTaskState.Running, null, ""))],
        _finishedTasks.NewestFirst())));

    /// <summary>Records the outcome of a build while its lease is still in the state.</summary>
    private void RecordIndexBuild(long buildId, bool succeeded, string reason)
    {
        if (_state.Builds.TryGetValue(buildId, out var lease))
        {
            _finishedTasks.Add(IndexBuildTask(buildId, lease, succeeded ? BackgroundTaskState.Completed : BackgroundTaskState.Failed, DateTimeOffset.UtcNow, reason));
        }
    }

    private BackgroundTask IndexBuildTask(long buildId, IndexBuildLease lease, BackgroundTaskState state, DateTimeOffset? finished, string reason) =>
        BackgroundTasks.IndexBuild(buildId, lease, _settings.IndexTaskLease, _state, state, finished, reason);
}
