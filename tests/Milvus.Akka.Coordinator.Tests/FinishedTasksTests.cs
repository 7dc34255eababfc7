using System.Collections.Immutable;

namespace Milvus.Akka.Coordinator.Tests;

public sealed class FinishedTasksTests
{
    private static BackgroundTask Task(long id, BackgroundTaskState state = BackgroundTaskState.Completed) =>
        new(BackgroundTaskKind.Flush, id, 1, [id], state, null, DateTimeOffset.UnixEpoch.AddSeconds(id), "");

    [Fact]
    public void Keeps_the_newest_tasks_up_to_its_capacity_newest_first()
    {
        var tasks = new FinishedTasks(3);
        Assert.Empty(tasks.NewestFirst());
        for (var id = 1; id <= 5; id++)
        {
            tasks.Add(Task(id));
        }

        Assert.Equal([5L, 4L, 3L], tasks.NewestFirst().Select(t => t.TaskId));
    }

    [Fact]
    public void Refuses_a_task_that_has_not_finished()
    {
        var tasks = new FinishedTasks(3);
        tasks.Add(Task(1, BackgroundTaskState.Failed));
        Assert.Throws<ArgumentException>(() => tasks.Add(Task(2, BackgroundTaskState.Running)));
        Assert.Throws<ArgumentException>(() => tasks.Add(Task(3, BackgroundTaskState.Queued)));
        Assert.Equal([1L], tasks.NewestFirst().Select(t => t.TaskId));
    }

    [Fact]
    public void The_histories_of_the_children_merge_into_one_newest_first()
    {
        var segments = new TaskHistory([Task(10, BackgroundTaskState.Running)], [Task(5), Task(2)]);
        var compaction = new TaskHistory([Task(11, BackgroundTaskState.Queued)], [Task(4), Task(3), Task(1)]);

        var merged = BackgroundTasks.Merge([segments, compaction]);

        Assert.Equal([10L, 11L], merged.Active.Select(t => t.TaskId));
        Assert.Equal([5L, 4L, 3L, 2L, 1L], merged.Recent.Select(t => t.TaskId));
    }

    [Fact]
    public void A_compaction_names_its_inputs_target_and_outcome()
    {
        var input = new SegmentInfo(7, 42, 1, "42_0", 10, "m/7", ImmutableDictionary<long, string>.Empty, 1);
        var task = new CompactionTask(99, new Common.CollectionSchema { Name = "c", Fields = [] }, [input, input with { SegmentId = 8 }], 9);
        var started = DateTimeOffset.FromUnixTimeSeconds(100);

        var entry = BackgroundTasks.Compaction(task, BackgroundTaskState.Completed, started, started.AddSeconds(2),
            BackgroundTasks.Outcome(input with { SegmentId = 9, RowCount = 20 }));

        Assert.Equal((BackgroundTaskKind.Compaction, 99L, 42L), (entry.Kind, entry.TaskId, entry.CollectionId));
        Assert.Equal<long>([7L, 8L], entry.Segments);
        Assert.Equal("into segment 9: 20 rows", entry.Detail);
        Assert.Equal("into segment 9: every row was deleted",
            BackgroundTasks.Compaction(task, BackgroundTaskState.Completed, started, started, BackgroundTasks.Outcome(null)).Detail);
    }
}
