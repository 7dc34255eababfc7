using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's bulk-import child: a thin actor over <see cref="ImportJobs"/>. It persists each decision before it
/// takes the new state or replies, and fails the unfinished jobs of a node that leaves the cluster (and, when a new
/// incarnation starts, of every node that is no longer a member), so a job never stays "importing" with nobody running it;
/// the collection a failed snapshot restore created is dropped through the catalog, as Milvus rolls a restore back.
/// </summary>
public sealed class ImportsActor : DecisionActor<ImportJobs>
{
    /// <summary>The oracle answers from memory; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan TimestampsTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A drop waits for the catalog's meta-storage write, no more.</summary>
    private static readonly TimeSpan CatalogTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly TimeSpan _retention;
    private readonly IActorRef _timestamps;
    private readonly IActorRef _catalog;

    public ImportsActor(IMetaStore meta, TimeSpan retention, IActorRef timestamps, IActorRef catalog) : base(meta)
    {
        _meta = meta;
        _retention = retention;
        _timestamps = timestamps;
        _catalog = catalog;
        ReceiveAsync<ClusterEvent.CurrentClusterState>(RecoverAsync);
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, TimeSpan retention, IActorRef timestamps, IActorRef catalog) =>
        global::Akka.Actor.Props.Create(() => new ImportsActor(meta, retention, timestamps, catalog));

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
        var rollBacks = await FailAsync(lost);
        Log.Info("Coordinator imports ready: {0} jobs kept, {1} unfinished ones failed (their node is gone)", State.Jobs.Count, lost.Effects.OfType<PutMeta>().Count());
        StartAnswering(Ready);
        await RollBackAsync(rollBacks);
    }

    private async Task<ImmutableArray<DropCollection>> FailAsync(Decision<ImportJobs> lost) => (ImmutableArray<DropCollection>)(await ApplyAsync(lost))!;

    /// <summary>Drops what the failed restores created; a drop the catalog refuses (an alias added meanwhile) is logged and left.</summary>
    private async Task RollBackAsync(ImmutableArray<DropCollection> rollBacks)
    {
        foreach (var drop in rollBacks)
        {
            try
            {
                await _catalog.AskFor<CatalogChanged>(drop, CatalogTimeout);
                Log.Info("Dropped collection {0}.{1} (id {2}): its snapshot restore failed with its node", drop.Database, drop.Name, drop.OnlyId);
            }
            catch (MilvusException e)
            {
                Log.Warning("Collection {0}.{1} of a failed snapshot restore stays: {2}", drop.Database, drop.Name, e.Message);
            }
        }
    }

    private void Ready()
    {
        ReceiveAsync<ClusterEvent.MemberRemoved>(m => RequestReplies.ReplyAsync(ActorRefs.Nobody, async () =>
        {
            await RollBackAsync(await FailAsync(State.NodeLeft(ImportJob.NodeName(m.Member.UniqueAddress), DateTimeOffset.UtcNow)));
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
