using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The import jobs' bookkeeping, pure: each change written to meta storage, jobs of a lost node failed, finished ones expired.</summary>
public sealed class ImportJobsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(3);
    private const string NodeA = "akka.tcp://milvus@127.0.0.1:2552#1";
    private const string NodeB = "akka.tcp://milvus@127.0.0.1:2553#2";

    private static CreateImportJob Request(long collectionId = 7, string node = NodeA, string database = "default") =>
        new(database, collectionId, $"c{collectionId}", "", ["a.json", "b.json"], node);

    private static ImportJobs Empty => new(ImmutableSortedDictionary<long, ImportJob>.Empty, Retention);

    private static ImportJob Stored(Decision<ImportJobs> decision, long jobId) =>
        CatalogCodec.DecodeImportJob(ByteString.CopyFrom(decision.Effects.OfType<PutMeta>().Last(p => p.Key == ImportJobs.Key(jobId)).Value));

    /// <summary>The collections a failing decision asks to drop (its reply).</summary>
    private static DropCollection[] RollBacks(Decision<ImportJobs> decision) =>
        [.. (ImmutableArray<DropCollection>)decision.Effects.OfType<Reply>().Single().Message];

    [Fact]
    public void A_new_job_is_pending_written_and_answered()
    {
        var created = Empty.Create(11, Request(), Now);

        var job = Assert.IsType<ImportJob>(created.Effects.OfType<Reply>().Single().Message);
        Assert.Equal((11L, ImportJobState.Pending, NodeA, Now), (job.JobId, job.State, job.Node, job.Created));
        Assert.Equal(["a.json", "b.json"], job.Files.AsEnumerable());
        var stored = Stored(created, 11);
        Assert.Equal(job, stored with { Files = job.Files });
        Assert.Equal(job.Files.AsEnumerable(), stored.Files.AsEnumerable());
        Assert.Same(job, created.State.Get(11));
    }

    [Fact]
    public void Reports_move_a_job_to_its_end_and_a_finished_job_takes_no_more()
    {
        var jobs = Empty.Create(11, Request(), Now).State;

        var importing = jobs.Report(new ReportImportProgress(11, ImportJobState.Importing, 100, 40, ""), Now.AddSeconds(1));
        Assert.Equal((ImportJobState.Importing, 100L, 40L, (DateTimeOffset?)null), (Stored(importing, 11).State, Stored(importing, 11).TotalRows,
            Stored(importing, 11).ImportedRows, Stored(importing, 11).Finished));
        var completed = importing.State.Report(new ReportImportProgress(11, ImportJobState.Completed, 100, 100, ""), Now.AddSeconds(2));
        Assert.Equal(Now.AddSeconds(2), Stored(completed, 11).Finished);

        var late = Assert.Throws<MilvusException>(() => completed.State.Report(new ReportImportProgress(11, ImportJobState.Importing, 100, 100, ""), Now));
        Assert.Equal(ErrorCode.ImportFailed, late.Code);
        Assert.Contains("already completed", late.Message);
        Assert.Equal(ErrorCode.ImportFailed, Assert.Throws<MilvusException>(() => completed.State.Get(12)).Code);
    }

    [Fact]
    public void A_node_leaving_fails_its_unfinished_jobs_only()
    {
        var jobs = Empty.Create(1, Request(node: NodeA), Now).State
            .Create(2, Request(node: NodeB), Now).State
            .Create(3, Request(node: NodeA), Now).State;
        jobs = jobs.Report(new ReportImportProgress(3, ImportJobState.Completed, 5, 5, ""), Now).State;

        var left = jobs.NodeLeft(NodeA, Now.AddMinutes(1));

        Assert.Equal([ImportJobs.Key(1)], left.Effects.OfType<PutMeta>().Select(p => p.Key));
        Assert.Equal(ImportJobState.Failed, left.State.Get(1).State);
        Assert.Contains("left the cluster", left.State.Get(1).Reason);
        Assert.Equal(ImportJobState.Pending, left.State.Get(2).State);
        Assert.Equal(ImportJobState.Completed, left.State.Get(3).State);
        Assert.Empty(RollBacks(left));
    }

    [Fact]
    public void A_failed_restore_names_the_collection_it_created_for_the_roll_back_and_an_import_names_none()
    {
        var jobs = Empty.Create(1, Request(collectionId: 7, node: NodeA) with { Snapshot = "nightly" }, Now).State
            .Create(2, Request(collectionId: 8, node: NodeA), Now).State
            .Create(3, Request(collectionId: 9, node: NodeB) with { Snapshot = "weekly" }, Now).State;

        var left = jobs.NodeLeft(NodeA, Now.AddMinutes(1));

        Assert.Equal([ImportJobs.Key(1), ImportJobs.Key(2)], left.Effects.OfType<PutMeta>().Select(p => p.Key));
        Assert.Equal([new DropCollection("default", "c7", 7)], RollBacks(left));
        Assert.Equal(("the node restoring it left the cluster", "the node importing it left the cluster"), (left.State.Get(1).Reason, left.State.Get(2).Reason));
        var recovered = left.State.OnlyOn(ImmutableHashSet.Create(NodeA), Now.AddMinutes(2));
        Assert.Equal([new DropCollection("default", "c9", 9)], RollBacks(recovered));
    }

    [Fact]
    public void A_new_incarnation_fails_the_jobs_of_nodes_that_are_no_longer_members_and_forgets_old_finished_ones()
    {
        var old = new ImportJob(1, "default", 7, "c7", "", ["a.json"], NodeB, ImportJobState.Failed, 0, 0, "bad row", Now.AddHours(-5), Now.AddHours(-4));
        var recent = old with { JobId = 2, State = ImportJobState.Completed, Reason = "", Finished = Now.AddHours(-1) };
        var running = old with { JobId = 3, State = ImportJobState.Importing, Reason = "", Finished = null };
        var elsewhere = running with { JobId = 4, Node = NodeA };

        var recovered = ImportJobs.Recover([old, recent, running, elsewhere], Retention, Now);
        var checkedMembers = recovered.State.OnlyOn(ImmutableHashSet.Create(NodeA), Now);

        Assert.Equal<Effect>([new DeleteMeta(ImportJobs.Key(1))], recovered.Effects);
        Assert.Equal([2L, 3, 4], checkedMembers.State.Jobs.Keys);
        Assert.Equal(ImportJobState.Failed, checkedMembers.State.Get(3).State);
        Assert.Equal(ImportJobState.Importing, checkedMembers.State.Get(4).State);
        Assert.Equal([ImportJobs.Key(3)], checkedMembers.Effects.OfType<PutMeta>().Select(p => p.Key));
    }

    [Fact]
    public void A_list_holds_the_jobs_of_its_database_and_collection_oldest_first_and_a_limit_keeps_the_newest()
    {
        var jobs = Empty;
        foreach (var (id, collection, database) in new[] { (1L, 7L, "default"), (2, 8, "default"), (3, 7, "default"), (4, 7, "other"), (5, 7, "default") })
        {
            jobs = jobs.Create(id, Request(collection, database: database), Now).State;
        }

        Assert.Equal([1L, 3, 5], jobs.List(new ListImportJobs("default", 7, 0)).Jobs.Select(j => j.JobId));
        Assert.Equal([3L, 5], jobs.List(new ListImportJobs("default", 7, 2)).Jobs.Select(j => j.JobId));
        Assert.Equal([1L, 2, 3, 5], jobs.List(new ListImportJobs("default", 0, 0)).Jobs.Select(j => j.JobId));
    }

    [Fact]
    public void Restore_jobs_keep_their_snapshot_and_are_listed_apart_from_imports()
    {
        var restore = Empty.Create(1, Request() with { Snapshot = "nightly" }, Now);
        var jobs = restore.State.Create(2, Request(), Now).State;

        Assert.Equal("nightly", Stored(restore, 1).Snapshot);
        Assert.Equal([2L], jobs.List(new ListImportJobs("default", 7, 0)).Jobs.Select(j => j.JobId));
        Assert.Equal([1L], jobs.List(new ListImportJobs("default", 7, 0, Restores: true)).Jobs.Select(j => j.JobId));
        Assert.Equal([1L], jobs.List(new ListImportJobs("default", 0, 0, Restores: true)).Jobs.Select(j => j.JobId));
    }
}
