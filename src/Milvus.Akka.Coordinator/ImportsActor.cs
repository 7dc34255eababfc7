using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's bulk-import child: a thin actor over <see cref="ImportJobs"/>. It persists each decision before it
/// takes the new state or replies, and fails the unfinished jobs of a node that leaves the cluster (and, when a new
/// incarnation starts, of every node that is no longer a member), so a job never stays "importing" with nobody running it.
/// </summary>
public sealed class ImportsActor : DecisionActor<ImportJobs>
{
    /// <summary>The oracle answers from memory; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan TimestampsTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly TimeSpan _retention;
    private readonly IActorRef _timestamps;

    public ImportsActor(IMetaStore meta, TimeSpan retention, IActorRef timestamps) : base(meta)
    {
        _meta = meta;
        _retention = retention;
        _timestamps = timestamps;
        ReceiveAsync<ClusterEvent.CurrentClusterState>(RecoverAsync);
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, TimeSpan retention, IActorRef timestamps) =>
        global::Akka.Actor.Props.Create(() => new ImportsActor(meta, retention, timestamps));

    /// <summary>The members now, then each removal: the jobs are recovered against the members once both are known.</summary>
    protected override void PreStart() => global::Akka.Cluster.Cluster.Get(Context.System)
        .Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));

    protected override void PostStop() => global::Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private async Task RecoverAsync(ClusterEvent.CurrentClusterState members)
    {
        var stored = (await _meta.RangeAsync(ImportJobs.Prefix)).Select(e => CatalogCodec.DecodeImportJob(ByteString.CopyFrom(e.Value)));
        var now = DateTimeOffset.UtcNow;
        var recovered = ImportJobs.Recover(stored, _retention, now);
        await ApplyAsync(recovered);
        var lost = State.OnlyOn(members.Members.Select(m => ImportJob.NodeName(m.UniqueAddress)).ToImmutableHashSet(), now);
        await ApplyAsync(lost);
        Log.Info("Coordinator imports ready: {0} jobs kept, {1} unfinished ones failed (their node is gone)", State.Jobs.Count, lost.Effects.Length);
        StartAnswering(Ready);
    }

    private void Ready()
    {
        ReceiveAsync<ClusterEvent.MemberRemoved>(m => RequestReplies.ReplyAsync(ActorRefs.Nobody, async () =>
        {
            await ApplyAsync(State.NodeLeft(ImportJob.NodeName(m.Member.UniqueAddress), DateTimeOffset.UtcNow));
            return null;
        }, Log, "a node leaving"));
        Reply<CreateImportJob>(async m =>
        {
            var jobId = (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(1), TimestampsTimeout)).First;
            return await ApplyAsync(State.Create(jobId, m, DateTimeOffset.UtcNow));
        });
        Reply<ReportImportProgress>(m => ApplyAsync(State.Report(m, DateTimeOffset.UtcNow)));
        Reply<GetImportJob>(m => Task.FromResult<object?>(State.Get(m.JobId)));
        Reply<ListImportJobs>(m => Task.FromResult<object?>(State.List(m)));
    }
}
