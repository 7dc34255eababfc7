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

    private async Task<IActorRef> StartAsync(IActorRef timestamps)
    {
        var cluster = global::Akka.Cluster.Cluster.Get(Sys);
        if (cluster.State.Members.Count == 0)
        {
            var up = new TaskCompletionSource();
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            await cluster.JoinAsync(cluster.SelfAddress);
            await up.Task.WaitAsync(Timeout);
        }

        return Sys.ActorOf(ImportsActor.Props(_meta, TimeSpan.FromHours(3), timestamps));
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
}
