using System.Collections.Immutable;
using Akka.Actor;
using FsCheck.Xunit;
using Milvus.Akka.Common;
using static Milvus.Akka.TestSupport.CatalogFixtures;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The compaction child's decisions, as a pure state class.</summary>
public sealed class CompactionScheduleTests
{
    private static readonly CompactionSettings Settings = new(Auto: true, SmallSegmentRows: 1_000, MaxMergedRows: 10_000, TaskLease: TimeSpan.FromMinutes(10));
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);
    private static readonly Address DataNode = new("akka.tcp", "milvus", "10.0.0.1", 2551);
    private static readonly Address OtherDataNode = new("akka.tcp", "milvus", "10.0.0.2", 2551);

    private static SegmentView Segments(params SegmentInfo[] segments) => new(segments.ToImmutableDictionary(s => s.SegmentId));

    private static CompactionSchedule Start(params SegmentInfo[] segments) =>
        CompactionSchedule.Recover(Settings, View(1, Collection(1, partitions: 2)), Segments(segments), [], Now).State;

    private static CompactionRecord Stored(IEnumerable<Effect> effects, long compactionId) =>
        effects.OfType<PutMeta>().Where(p => p.Key == CompactionSchedule.CompactionPrefix + compactionId)
            .Select(p => CompactionCodec.Decode(Google.Protobuf.ByteString.CopyFrom(p.Value))).Last();

    private static List<(long PlanId, string Sources, long Target, CompactionPlanState State)> Plans(CompactionRecord record) =>
        [.. record.Plans.Select(p => (p.PlanId, string.Join(",", p.Sources), p.Target, p.State))];

    /// <summary>
    /// Automatic passes after each of several flushes, with some tasks handed out in between: no segment is ever in two
    /// tasks at once, and every task id and target id is distinct.
    /// </summary>
    [Property(MaxTest = 200)]
    public bool No_segment_is_ever_held_by_two_tasks(byte[] rows, byte handOutEvery)
    {
        var state = Start();
        var nextId = 1_000L;
        var segments = new List<SegmentInfo>();
        for (var i = 0; i < rows.Length; i++)
        {
            segments.Add(Segment(i + 1, 1, partition: 1 + i % 2, rows: 1 + rows[i] * 4));
            state = state.WithSegments(Segments([.. segments]));
            var groups = state.Plan(1, automatic: true);
            state = state.Enqueue(groups, nextId).State;
            nextId += CompactionSchedule.IdsFor(groups);
            if (handOutEvery > 0 && i % handOutEvery == 0)
            {
                state = state.NextTask(DataNode, Now, nextId++).Decision.State;
            }
        }

        var tasks = state.Queue.Concat(state.Running.Values.Select(r => r.Task)).ToList();
        var held = tasks.SelectMany(t => t.Inputs).Select(s => s.SegmentId).ToList();
        var ids = tasks.SelectMany(t => t.TargetSegmentId == CompactionSchedule.NoTarget ? [t.TaskId] : new[] { t.TaskId, t.TargetSegmentId }).ToList();
        return held.Count == held.Distinct().Count() && ids.Count == ids.Distinct().Count();
    }

    [Fact]
    public void A_requested_compaction_is_recorded_handed_out_committed_and_described()
    {
        var state = Start(Segment(1, 1, rows: 5_000), Segment(2, 1, rows: 4_000), Segment(3, 1, partition: 2, rows: 50_000));
        var groups = state.Plan(1, automatic: false);
        Assert.Equal(2, groups.Count);

        var requested = state.Requested(40, 1, groups, 41);
        Assert.Equal(CompactionPlanState.Executing, Assert.Single(Stored(requested.Effects, 40).Plans.Select(p => p.State).Distinct()));
        Assert.Contains(AnnounceWork.Instance, requested.Effects);
        Assert.Equal(new CompactionState(2, 0, 0), requested.State.StateOf(1));

        var (handedOut, first) = requested.State.NextTask(DataNode, Now, 50);
        var task = Assert.IsType<CompactionTask>(first);
        Assert.Equal((41L, 50L), (task.TaskId, task.TargetSegmentId));
        Assert.Equal(new CompactionState(1, 1, 0), handedOut.State.StateOf(1));
        Assert.Contains((41L, "2,1", 50L, CompactionPlanState.Executing), Plans(Stored(handedOut.Effects, 40)));

        var (completing, accepted) = handedOut.State.Completing(task.TaskId, 50, Now + TimeSpan.FromMinutes(1));
        Assert.Equal(task, accepted);
        var committed = completing.Committed(task, Now + TimeSpan.FromMinutes(1));
        Assert.Equal(new CompactionState(1, 0, 1), committed.State.StateOf(1));
        var record = committed.State.Describe(40).Compaction;
        Assert.Equal(CompactionPlanState.Completed, record.Plans.Single(p => p.PlanId == task.TaskId).State);
        Assert.Null(record.FinishedAt);
        Assert.Equal(Plans(record), Plans(Stored(committed.Effects, 40)));
    }

    [Fact]
    public void A_result_after_its_lease_is_refused_and_the_task_queued_again()
    {
        var state = Start(Segment(1, 1), Segment(2, 1));
        state = state.Enqueue(state.Plan(1, automatic: true), 10).State;
        var (handedOut, task) = state.NextTask(DataNode, Now, 20);
        var (expired, accepted) = handedOut.State.Completing(((CompactionTask)task).TaskId, 20, Now + Settings.TaskLease + TimeSpan.FromSeconds(1));
        Assert.Null(accepted);
        Assert.Equal(new CompactionState(1, 0, 0), expired.StateOf(1));
        Assert.Null(expired.Completing(10, 20, Now).Accepted);
    }

    [Fact]
    public void A_task_whose_data_node_left_is_handed_out_again_at_once_and_a_late_result_from_that_node_is_refused()
    {
        var state = Start(Segment(1, 1), Segment(2, 1));
        state = state.Enqueue(state.Plan(1, automatic: true), 10).State;
        var (handedOut, task) = state.NextTask(DataNode, Now, 20);
        Assert.Same(NoTask.Instance, handedOut.State.NextTask(OtherDataNode, Now, 21).Task);
        Assert.Same(NoTask.Instance, handedOut.State.NodeLeft(OtherDataNode).NextTask(OtherDataNode, Now, 21).Task);

        var (again, retried) = handedOut.State.NodeLeft(DataNode).NextTask(OtherDataNode, Now, 21);
        Assert.Equal((CompactionTask)task with { TargetSegmentId = 21 }, retried);
        Assert.Equal(OtherDataNode, again.State.Running[((CompactionTask)task).TaskId].Holder);
        Assert.Null(handedOut.State.NodeLeft(DataNode).Completing(((CompactionTask)task).TaskId, 20, Now).Accepted);
    }

    /// <summary>
    /// An attempt whose lease expired (or that a fail-over re-queued) may still be running: the next hand-out merges
    /// into a new target, records the old target's files for garbage collection, and only its own result commits.
    /// </summary>
    [Fact]
    public void Every_hand_out_merges_into_its_own_target_and_only_the_latest_attempt_commits()
    {
        var state = Start(Segment(1, 1), Segment(2, 1));
        var requested = state.Requested(5, 1, state.Plan(1, automatic: false), 6).State;
        var (first, firstTask) = requested.NextTask(DataNode, Now, 30);
        Assert.DoesNotContain(first.Effects.OfType<PutMeta>(), p => p.Key.StartsWith(GarbageRecords.Prefix, StringComparison.Ordinal));

        var later = Now + Settings.TaskLease + TimeSpan.FromSeconds(1);
        var (second, secondTask) = first.State.NextTask(OtherDataNode, later, 31);
        Assert.Equal((6L, 31L), (((CompactionTask)secondTask).TaskId, ((CompactionTask)secondTask).TargetSegmentId));
        Assert.Contains(second.Effects, e => e is PutMeta p && p.Key == GarbageRecords.DroppedSegment(Segment(30, 1)));
        Assert.Equal(31, Stored(second.Effects, 5).Plans.Single().Target);

        // The first attempt finishes late: refused, and the second still runs.
        var (afterStale, stale) = second.State.Completing(6, 30, later);
        Assert.Null(stale);
        Assert.True(afterStale.Running.ContainsKey(6));
        var (_, accepted) = afterStale.Completing(6, 31, later);
        Assert.Equal(secondTask, accepted);

        // A fail-over finds the plan committed by the target it was last handed out with.
        var record = Stored(second.Effects, 5);
        var recovered = CompactionSchedule.Recover(Settings, View(1, Collection(1, partitions: 2)), Segments(Segment(31, 1)), [record], later);
        Assert.Equal(CompactionPlanState.Completed, Stored(recovered.Effects, 5).Plans.Single().State);
    }

    [Fact]
    public void A_task_whose_inputs_were_dropped_fails_its_plan_instead_of_running()
    {
        var state = Start(Segment(1, 1), Segment(2, 1));
        var requested = state.Requested(5, 1, state.Plan(1, automatic: false), 6).State;
        var (next, task) = requested.WithSegments(Segments(Segment(2, 1))).NextTask(DataNode, Now, 30);
        Assert.Same(NoTask.Instance, task);
        var record = Stored(next.Effects, 5);
        Assert.Equal(CompactionPlanState.Failed, Assert.Single(record.Plans).State);
        Assert.NotNull(record.FinishedAt);
    }

    [Fact]
    public void A_new_incarnation_completes_committed_plans_requeues_intact_ones_and_fails_the_rest()
    {
        var record = new CompactionRecord(9, 1,
        [
            new CompactionPlan(20, [1, 2], 21, CompactionPlanState.Executing), // committed: its target is a segment
            new CompactionPlan(22, [3, 4], 23, CompactionPlanState.Executing), // inputs intact: runs again
            new CompactionPlan(24, [5, 6], 25, CompactionPlanState.Executing), // an input is gone
        ], null);
        var recovered = CompactionSchedule.Recover(Settings, View(1, Collection(1)),
            Segments(Segment(21, 1), Segment(3, 1), Segment(4, 1), Segment(5, 1)), [record], Now);

        Assert.Equal([22L], recovered.State.Queue.Select(t => t.TaskId));
        var stored = Stored(recovered.Effects, 9);
        Assert.Equal([CompactionPlanState.Completed, CompactionPlanState.Executing, CompactionPlanState.Failed], stored.Plans.Select(p => p.State));
        Assert.Equal(Plans(stored), Plans(recovered.State.Describe(9).Compaction));
    }

    [Fact]
    public void Unknown_collections_are_refused_when_requested_and_finished_records_expire()
    {
        Assert.Equal(ErrorCode.CollectionNotFound, Assert.Throws<MilvusException>(() => Start().Plan(2, automatic: false)).Code);
        Assert.Empty(Start().Plan(2, automatic: true));
        Assert.Empty((Start(Segment(1, 1), Segment(2, 1)) with { Settings = Settings with { Auto = false } }).Plan(1, automatic: true));

        var finished = new CompactionRecord(3, 1, [], Now - CompactionSchedule.FinishedCompactionRetention - TimeSpan.FromMinutes(1));
        var state = Start() with { Manual = ImmutableDictionary<long, CompactionRecord>.Empty.Add(3, finished) };
        var forgotten = state.ForgetExpired(Now);
        Assert.Empty(forgotten.State.Manual);
        Assert.Equal(CompactionSchedule.KeyOf(finished), Assert.IsType<DeleteMeta>(Assert.Single(forgotten.Effects)).Key);
    }
}
