using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Cluster;
using static Milvus.Akka.TestSupport.CatalogFixtures;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The compaction child alone, over in-memory meta storage, with probes for the catalog and the segments child.</summary>
public sealed class CompactionActorSpec() : TestKit(CoordinatorActorSpec.Config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly InMemoryMetaStore _meta = new();

    private (IActorRef Compaction, TestProbe Segments) Start(IActorRef timestamps, params SegmentInfo[] flushed) =>
        Start(timestamps, CompactionSettings.Default, flushed);

    private (IActorRef Compaction, TestProbe Segments) Start(IActorRef timestamps, CompactionSettings settings, params SegmentInfo[] flushed)
    {
        var catalog = CreateTestProbe();
        var segments = CreateTestProbe();
        var compaction = Sys.ActorOf(CompactionActor.Props(_meta, settings, CreateTestProbe().Ref, timestamps, catalog.Ref, segments.Ref));
        catalog.ExpectMsg<GetCatalogView>(Timeout);
        catalog.Reply(View(1, Collection(1)));
        segments.ExpectMsg<GetSegmentView>(Timeout);
        segments.Reply(new SegmentView(flushed.ToDictionary(s => s.SegmentId).ToImmutableDictionary()));
        return (compaction, segments);
    }

    [Fact]
    public async Task A_requested_compaction_commits_through_the_segments_child_and_its_outcome_survives_a_new_incarnation()
    {
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var (compaction, segments) = Start(timestamps, Segment(1, 1), Segment(2, 1));

        var scheduled = await compaction.AskFor<CompactionScheduled>(new CompactCollection(1), Timeout);
        Assert.Equal(1, scheduled.Tasks);
        Assert.NotNull(await _meta.GetAsync(CompactionSchedule.CompactionPrefix + scheduled.CompactionId));
        var task = await compaction.AskFor<CompactionTask>(RequestCompactionTask.Instance, Timeout);
        Assert.Equal([1L, 2L], task.Inputs.Select(s => s.SegmentId));

        var dataNode = CreateTestProbe();
        var completed = new CompactionCompleted(task.TaskId, Segment(task.TargetSegmentId, 1, rows: 20), [1, 2]);
        compaction.Tell(completed, dataNode.Ref);
        Assert.Equal(completed, segments.ExpectMsg<CommitCompaction>(Timeout).Completed);
        segments.Reply(Done.Instance);
        dataNode.ExpectMsg<Done>(Timeout);
        Assert.Equal(new CompactionState(0, 0, 1), await compaction.AskFor<CompactionState>(new GetCompactionState(1), Timeout));

        Watch(compaction);
        Sys.Stop(compaction);
        ExpectTerminated(compaction, Timeout);
        var (again, _) = Start(timestamps, Segment(task.TargetSegmentId, 1, rows: 20));
        var record = (await again.AskFor<CompactionDescribed>(new GetCompaction(scheduled.CompactionId), Timeout)).Compaction;
        Assert.Equal(CompactionPlanState.Completed, Assert.Single(record.Plans).State);
    }

    [Fact]
    public async Task A_commit_the_segments_child_refuses_fails_the_plan_and_answers_the_data_node_with_the_reason()
    {
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var (compaction, segments) = Start(timestamps, Segment(1, 1), Segment(2, 1));
        var scheduled = await compaction.AskFor<CompactionScheduled>(new CompactCollection(1), Timeout);
        var task = await compaction.AskFor<CompactionTask>(RequestCompactionTask.Instance, Timeout);

        var dataNode = CreateTestProbe();
        compaction.Tell(new CompactionCompleted(task.TaskId, null, [1, 2]), dataNode.Ref);
        segments.ExpectMsg<CommitCompaction>(Timeout);
        segments.Reply(MilvusFailure.From(new Common.MilvusException(Common.ErrorCode.ParameterInvalid, "inputs changed")));
        Assert.Contains("inputs changed", dataNode.ExpectMsg<MilvusFailure>(Timeout).Reason);
        var record = (await compaction.AskFor<CompactionDescribed>(new GetCompaction(scheduled.CompactionId), Timeout)).Compaction;
        Assert.Equal(CompactionPlanState.Failed, Assert.Single(record.Plans).State);
    }

    [Fact]
    public async Task A_task_handed_out_again_after_its_lease_merges_into_a_new_target_and_the_first_attempt_neither_fails_nor_commits_it()
    {
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var (compaction, segments) = Start(timestamps, CompactionSettings.Default with { TaskLease = TimeSpan.FromSeconds(4) }, Segment(1, 1), Segment(2, 1));
        await compaction.AskFor<CompactionScheduled>(new CompactCollection(1), Timeout);
        var first = await compaction.AskFor<CompactionTask>(RequestCompactionTask.Instance, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        var second = await compaction.AskFor<CompactionTask>(RequestCompactionTask.Instance, Timeout);
        Assert.Equal(first.TaskId, second.TaskId);
        Assert.NotEqual(first.TargetSegmentId, second.TargetSegmentId);
        Assert.NotNull(await _meta.GetAsync(GarbageRecords.DroppedSegment(Segment(first.TargetSegmentId, 1))));

        var firstNode = CreateTestProbe();
        compaction.Tell(new CompactionFailed(first.TaskId, "the first attempt's node ran out of disk", first.TargetSegmentId), firstNode.Ref);
        compaction.Tell(new CompactionCompleted(first.TaskId, Segment(first.TargetSegmentId, 1, rows: 20), [1, 2]), firstNode.Ref);
        // Refused before the segments child is asked, so the commit below can only be the second attempt's.
        Assert.Contains("not running under this attempt", firstNode.ExpectMsg<MilvusFailure>(Timeout).Reason);

        // The lease is short: the second attempt reports at once, before it runs out too.
        var completed = new CompactionCompleted(second.TaskId, Segment(second.TargetSegmentId, 1, rows: 20), [1, 2]);
        compaction.Tell(completed, CreateTestProbe().Ref);
        Assert.Equal(completed, segments.ExpectMsg<CommitCompaction>(Timeout).Completed);
    }
}
