using Akka.Actor;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The import child over in-memory meta storage, in a one-node cluster: jobs survive a new incarnation, those of a gone node fail.</summary>
public sealed class ImportsActorSpec() : TestKit(CoordinatorActorSpec.Config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly InMemoryMetaStore _meta = new();

    private async Task<IActorRef> StartAsync(IActorRef timestamps, IActorRef? catalog = null)
    {
        var cluster = global::Akka.Cluster.Cluster.Get(Sys);
        if (cluster.State.Members.Count == 0)
        {
            var up = new TaskCompletionSource();
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            await cluster.JoinAsync(cluster.SelfAddress);
            await up.Task.WaitAsync(Timeout);
        }

        return Sys.ActorOf(ImportsActor.Props(_meta, TimeSpan.FromHours(3), timestamps, catalog ?? ActorRefs.Nobody));
    }

    [Fact]
    public async Task Jobs_survive_a_new_incarnation_and_only_those_of_nodes_no_longer_in_the_cluster_fail()
    {
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var imports = await StartAsync(timestamps);
        var self = ImportJob.NodeName(global::Akka.Cluster.Cluster.Get(Sys).SelfUniqueAddress);
        var here = await imports.AskFor<ImportJob>(new CreateImportJob("default", 7, "c7", "", ["a.json"], self), Timeout);
        var gone = await imports.AskFor<ImportJob>(new CreateImportJob("default", 7, "c7", "", ["b.json"], "akka.tcp://milvus@127.0.0.1:1#5"), Timeout);
        await imports.AskFor<ImportJob>(new ReportImportProgress(here.JobId, ImportJobState.Importing, 10, 5, ""), Timeout);

        Watch(imports);
        Sys.Stop(imports);
        ExpectTerminated(imports, Timeout);
        var again = await StartAsync(timestamps);

        var jobs = (await again.AskFor<ImportJobList>(new ListImportJobs("default", 7, 0), Timeout)).Jobs;
        Assert.Equal([here.JobId, gone.JobId], jobs.Select(j => j.JobId));
        Assert.Equal((ImportJobState.Importing, 5L), (jobs[0].State, jobs[0].ImportedRows));
        Assert.Equal(ImportJobState.Failed, jobs[1].State);
        Assert.Contains("left the cluster", jobs[1].Reason);
        var refused = await Assert.ThrowsAsync<MilvusException>(() =>
            again.AskFor<ImportJob>(new ReportImportProgress(gone.JobId, ImportJobState.Completed, 1, 1, ""), Timeout));
        Assert.Equal(ErrorCode.ImportFailed, refused.Code);
    }

    [Fact]
    public async Task The_collection_of_a_restore_whose_node_is_gone_is_dropped_through_the_catalog()
    {
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var catalog = CreateTestProbe();
        var imports = await StartAsync(timestamps, catalog);
        var restore = await imports.AskFor<ImportJob>(
            new CreateImportJob("default", 9, "c9", "", [], "akka.tcp://milvus@127.0.0.1:1#5") { Snapshot = "nightly" }, Timeout);
        await imports.AskFor<ImportJob>(new CreateImportJob("default", 8, "c8", "", ["a.json"], "akka.tcp://milvus@127.0.0.1:1#5"), Timeout);
        catalog.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Watch(imports);
        Sys.Stop(imports);
        ExpectTerminated(imports, Timeout);
        var again = await StartAsync(timestamps, catalog);

        // Only the restore's collection, and only while it is the one restored.
        Assert.Equal(new DropCollection("default", "c9", 9), catalog.ExpectMsg<DropCollection>(Timeout));
        catalog.Reply(new CatalogChanged(1));
        catalog.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var job = (await again.AskFor<ImportJobList>(new ListImportJobs("default", 9, 0, Restores: true), Timeout)).Jobs.Single();
        Assert.Equal((restore.JobId, ImportJobState.Failed), (job.JobId, job.State));
    }
}
