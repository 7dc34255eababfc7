using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's catalog: databases, collections, partitions, indexes, aliases and load state (users, roles and
/// grants in its <see cref="SecurityActor"/> child). A child of <see cref="CoordinatorActor"/>; timestamps and ids come
/// from its sibling <see cref="TimestampActor"/>. A thin actor over <see cref="CatalogState"/>, which decides: it
/// gathers the decision's <see cref="CatalogInputs"/>, then performs its meta-storage writes before it takes the new
/// state, announces or replies, so a new incarnation reloads exactly what was acknowledged. It processes one message at
/// a time. After each change it hands a <see cref="CatalogView"/> to its siblings (segments, compaction), which follow
/// it on their own.
/// </summary>
public sealed partial class CatalogActor : ReceiveActor, IWithStash
{
    /// <summary>The oracle answers after at most one meta write; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan TimestampsTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a change waits for its shards' confirmations; a shard starting on another node replays its journal first.</summary>
    private static readonly TimeSpan ShardConfirmTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly CoordinatorSettings _settings;
    private readonly IActorRef _timestamps;
    private readonly IActorRef _mediator;
    private readonly EffectPerformer _effects;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private CatalogState _state = null!;
    private bool _loaded;

    public CatalogActor(IMetaStore meta, CoordinatorSettings settings, IActorRef shardRegion, IActorRef timestamps)
    {
        _meta = meta;
        _settings = settings;
        _timestamps = timestamps;
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        _effects = new EffectPerformer(meta, shardRegion, _mediator);
        ReceiveAsync<Initialize>(_ => InitializeAsync());
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, CoordinatorSettings settings, IActorRef shardRegion, IActorRef timestamps) =>
        global::Akka.Actor.Props.Create(() => new CatalogActor(meta, settings, shardRegion, timestamps));

    public IStash Stash { get; set; } = null!;

    private sealed record Initialize : INoSerializationVerificationNeeded
    {
        public static readonly Initialize Instance = new();
    }

    protected override void PreStart() => Self.Tell(Initialize.Instance);

    private async Task InitializeAsync()
    {
        var databases = (await _meta.RangeAsync(CatalogState.DatabasePrefix)).Select(e => CatalogCodec.DecodeDatabase(ByteString.CopyFrom(e.Value)));
        var collections = (await _meta.RangeAsync(CatalogState.CollectionPrefix)).Select(e => CatalogCodec.DecodeCollection(ByteString.CopyFrom(e.Value)));
        var groups = (await _meta.RangeAsync(CatalogState.ResourceGroupPrefix)).Select(e => CatalogCodec.DecodeResourceGroup(ByteString.CopyFrom(e.Value)));
        await ApplyAsync(CatalogState.Recover(_settings, databases, collections, await NextTimestampAsync(), groups));
        _log.Info("Coordinator catalog started: {0} databases, {1} collections", _state.Databases.Count, _state.Collections.Count);
        _loaded = true;
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<GetCatalogView>(_ => Sender.Tell(_state.View));
        Read<ListDatabases>(_ => _state.ListDatabases());
        Read<DescribeCollection>(m => _state.Describe(m.Database, m.Name));
        Read<DescribeCollectionById>(m => _state.Describe(m.CollectionId));
        Read<ListCollections>(m => _state.ListCollections(m.Database));
        Change<CreateDatabase>((m, inputs) => _state.Decide(m, inputs));
        Change<DropDatabase>((m, inputs) => _state.Decide(m, inputs));
        Change<AlterDatabase>((m, inputs) => _state.Decide(m, inputs));
        Change<CreateCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<DropCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<TruncateCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<RenameCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<AlterCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<AlterCollectionField>((m, inputs) => _state.Decide(m, inputs));
        Change<AddCollectionField>((m, inputs) => _state.Decide(m, inputs));
        Change<AddCollectionFunction>((m, inputs) => _state.Decide(m, inputs));
        Change<AlterCollectionFunction>((m, inputs) => _state.Decide(m, inputs));
        Change<DropCollectionFunction>((m, inputs) => _state.Decide(m, inputs));
        Change<CreatePartition>((m, inputs) => _state.Decide(m, inputs));
        Change<DropPartition>((m, inputs) => _state.Decide(m, inputs));
        Change<CreateAlias>((m, inputs) => _state.Decide(m, inputs));
        Change<AlterAlias>((m, inputs) => _state.Decide(m, inputs));
        Change<DropAlias>((m, inputs) => _state.Decide(m, inputs));
        Change<CreateIndex>((m, inputs) => _state.Decide(m, inputs));
        Change<DropIndex>((m, inputs) => _state.Decide(m, inputs));
        Change<AlterIndex>((m, inputs) => _state.Decide(m, inputs));
        Change<LoadCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<ReleaseCollection>((m, inputs) => _state.Decide(m, inputs));
        Change<LoadPartitions>((m, inputs) => _state.Decide(m, inputs));
        Change<ReleasePartitions>((m, inputs) => _state.Decide(m, inputs));
        Read<ListResourceGroups>(_ => _state.ListResourceGroups());
        Change<CreateResourceGroup>((m, inputs) => _state.Decide(m, inputs));
        Change<DropResourceGroup>((m, inputs) => _state.Decide(m, inputs));
        Change<UpdateResourceGroups>((m, inputs) => _state.Decide(m, inputs));
        Change<TransferNode>((m, inputs) => _state.Decide(m, inputs));
        Change<TransferReplica>((m, inputs) => _state.Decide(m, inputs));
        ReadySecurity();
    }

    /// <summary>A read of the catalog: answered from the state, or with a <see cref="MilvusFailure"/> naming the problem.</summary>
    private void Read<T>(Func<T, object> read) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, () => Task.FromResult<object?>(read(message)), _log, typeof(T).Name));

    /// <summary>
    /// A DDL command: gathers the inputs, lets the state decide, performs the decision and answers with its
    /// <see cref="Reply"/> (a refusal with a <see cref="MilvusFailure"/>).
    /// </summary>
    private void Change<T>(Func<T, CatalogInputs, Decision<CatalogState>> decide) where T : notnull =>
        ReceiveAsync<T>(message =>
        {
            var sender = Sender;
            return RequestReplies.ReplyAsync(sender, async () =>
            {
                var decision = decide(message, await InputsForAsync(message));
                var reply = await AnswerAsync(decision);
                LogChange(message, decision, reply);
                var confirmations = _effects.ConfirmAsync(decision.Effects, ShardConfirmTimeout);
                if (confirmations.IsCompletedSuccessfully)
                {
                    return reply;
                }

                // Answered once the shards confirmed, without holding the mailbox: a shard starting meanwhile reads its catalog here.
                _ = RequestReplies.ReplyAsync(sender, async () =>
                {
                    try
                    {
                        await confirmations;
                        return reply;
                    }
                    catch (MilvusException e)
                    {
                        throw new MilvusException(e.Code, $"{typeof(T).Name} is saved, but not every shard confirmed it yet: {e.Message}", e);
                    }
                }, _log, typeof(T).Name);
                return null;
            }, _log, typeof(T).Name);
        });

    /// <summary>
    /// A fresh timestamp for every change (its version: TSO timestamps grow across fail-overs, as a new incarnation's
    /// start above everything the old one issued) and the ids the decision may take.
    /// </summary>
    private async Task<CatalogInputs> InputsForAsync(object command)
    {
        var timestamp = await NextTimestampAsync();
        var ids = _state.IdsNeeded(command);
        var firstId = ids == 0 ? 0 : (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(ids), TimestampsTimeout)).First;
        var nodes = command is LoadCollection or LoadPartitions or TransferNode
            ? (await Context.Parent.Ask<GroupNodeCounts>(CountGroupNodes.Instance, TimestampsTimeout)).Counts
            : ImmutableDictionary<string, int>.Empty;
        return new CatalogInputs(timestamp, firstId, ids, DateTimeOffset.UtcNow, group => nodes.GetValueOrDefault(group));
    }

    /// <summary>One timestamp from the oracle.</summary>
    private async Task<ulong> NextTimestampAsync() =>
        (await _timestamps.AskFor<TimestampsAllocated>(new AllocateTimestamps(1), TimestampsTimeout)).First;

    /// <summary>Performs the decision; returns its <see cref="Reply"/> for the sender.</summary>
    private async Task<object> AnswerAsync(Decision<CatalogState> decision)
    {
        await ApplyAsync(decision);
        return decision.Effects.OfType<Reply>().Single().Message;
    }

    /// <summary>Writes the decision's meta-storage changes, then takes its state, then announces and sends in order.</summary>
    private async Task ApplyAsync(Decision<CatalogState> decision)
    {
        await _effects.PersistAsync(decision.Effects);
        _state = decision.State;
        foreach (var effect in decision.Effects)
        {
            if (effect is AnnounceCatalog announce)
            {
                Announce(announce.Version);
            }
            else
            {
                _effects.Send([effect]);
            }
        }
    }

    /// <summary>
    /// Called once meta storage and memory hold a change: proxies drop cached metadata older than it, and the siblings
    /// get the new view (through the coordinator) before the change is answered, so a request that follows the answer
    /// finds them following it. Only a loaded catalog hands out views: the siblings remove what a view lacks.
    /// </summary>
    private void Announce(ulong version)
    {
        _timestamps.Tell(new CatalogVersionAdvanced(version));
        _mediator.Tell(new Publish(Topics.Catalog, new CatalogChanged(version)));
        if (_loaded)
        {
            Context.Parent.Tell(_state.View);
        }
    }

    private void LogChange(object command, Decision<CatalogState> decision, object reply)
    {
        if (!decision.Effects.OfType<AnnounceCatalog>().Any())
        {
            return;
        }

        switch (command)
        {
            case CreateCollection when reply is CollectionDescribed { Collection: var c }:
                _log.Info("Created collection {0}.{1} (id {2}, {3} shards)", c.Database, c.Name, c.Id, c.ShardsNum);
                break;
            case DropCollection m:
                _log.Info("Dropped collection {0}.{1}", m.Database, m.Name);
                break;
            case TruncateCollection m:
                _log.Info("Truncated collection {0}.{1} at {2}", m.Database, m.Name, decision.State.Version);
                break;
            case AddCollectionField m:
                _log.Info("Added fields {0} to collection {1}.{2}", string.Join(", ", m.Fields.Select(f => f.Name)), m.Database, m.Collection);
                break;
        }
    }
}
