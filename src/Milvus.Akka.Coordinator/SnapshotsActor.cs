using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's snapshot child: a thin actor over <see cref="SnapshotCatalog"/>, persisting each decision before it
/// takes the new state or replies. The proxy that takes or drops a snapshot writes and deletes its files.
/// </summary>
public sealed class SnapshotsActor : ReceiveActor, IWithStash
{
    /// <summary>The oracle answers from memory; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan IdsTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly IActorRef _timestamps;
    private readonly EffectPerformer _effects;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SnapshotCatalog _state = SnapshotCatalog.Empty;

    public SnapshotsActor(IMetaStore meta, IActorRef timestamps)
    {
        _meta = meta;
        _timestamps = timestamps;
        _effects = new EffectPerformer(meta, ActorRefs.Nobody, DistributedPubSub.Get(Context.System).Mediator);
        ReceiveAsync<Recover>(_ => RecoverAsync());
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, IActorRef timestamps) => global::Akka.Actor.Props.Create(() => new SnapshotsActor(meta, timestamps));

    public IStash Stash { get; set; } = null!;

    private sealed record Recover : INoSerializationVerificationNeeded
    {
        public static readonly Recover Instance = new();
    }

    protected override void PreStart() => Self.Tell(Recover.Instance);

    private async Task RecoverAsync()
    {
        var stored = await _meta.RangeAsync(SnapshotCatalog.Prefix);
        _state = SnapshotCatalog.Recover(stored.Select(e => CatalogCodec.DecodeSnapshot(ByteString.CopyFrom(e.Value))));
        _log.Info("Coordinator snapshots ready: {0} kept", _state.Snapshots.Count);
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Reply<RecordSnapshot>(m => ApplyAsync(_state.Record(m.Snapshot)));
        Reply<GetSnapshot>(m => Task.FromResult<object?>(_state.Get(m.Database, m.Collection, m.Name)));
        Reply<ListSnapshots>(m => Task.FromResult<object?>(_state.List(m.Database, m.Collection)));
        Reply<DropSnapshot>(m => ApplyAsync(_state.Drop(m, DateTimeOffset.UtcNow)));
        Reply<PinSnapshot>(async m =>
        {
            // Checked before an id is spent on it; the decision checks again.
            _state.Get(m.Database, m.Collection, m.Name);
            var pinId = (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(1), IdsTimeout)).First;
            return await ApplyAsync(_state.Pin(m, pinId, DateTimeOffset.UtcNow));
        });
        Reply<UnpinSnapshot>(m => ApplyAsync(_state.Unpin(m.PinId)));
    }

    private void Reply<T>(Func<T, Task<object?>> handler) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, () => handler(message), _log, typeof(T).Name));

    private async Task<object?> ApplyAsync(Decision<SnapshotCatalog> decision)
    {
        await _effects.PersistAsync(decision.Effects);
        _state = decision.State;
        return decision.Effects.OfType<Reply>().SingleOrDefault()?.Message;
    }
}
