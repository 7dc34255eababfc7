using Akka.Actor;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's snapshot child: a thin actor over <see cref="SnapshotCatalog"/>, persisting each decision before it
/// takes the new state or replies. The proxy that takes or drops a snapshot writes and deletes its files.
/// </summary>
public sealed class SnapshotsActor : DecisionActor<SnapshotCatalog>
{
    /// <summary>The oracle answers from memory; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan IdsTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly IActorRef _timestamps;

    public SnapshotsActor(IMetaStore meta, IActorRef timestamps) : base(meta)
    {
        _meta = meta;
        _timestamps = timestamps;
        ReceiveAsync<Recover>(_ => RecoverAsync());
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, IActorRef timestamps) => global::Akka.Actor.Props.Create(() => new SnapshotsActor(meta, timestamps));

    private sealed record Recover : INoSerializationVerificationNeeded
    {
        public static readonly Recover Instance = new();
    }

    protected override void PreStart() => Self.Tell(Recover.Instance);

    private async Task RecoverAsync()
    {
        var stored = await _meta.RangeAsync(SnapshotCatalog.Prefix);
        await ApplyAsync(SnapshotCatalog.Recover(stored.Select(e => CatalogCodec.DecodeSnapshot(ByteString.CopyFrom(e.Value)))));
        Log.Info("Coordinator snapshots ready: {0} kept", State.Snapshots.Count);
        StartAnswering(Ready);
    }

    private void Ready()
    {
        Reply<ReserveSnapshot>(async m =>
        {
            var snapshotId = (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(1), IdsTimeout)).First;
            return await ApplyAsync(State.Reserve(m.CollectionId, snapshotId, DateTimeOffset.UtcNow));
        });
        Reply<RecordSnapshot>(m => ApplyAsync(State.Record(m.Snapshot)));
        Reply<GetSnapshot>(m => Task.FromResult<object?>(State.Get(m.Database, m.Collection, m.Name)));
        Reply<ListSnapshots>(m => Task.FromResult<object?>(State.List(m.Database, m.Collection)));
        Reply<DropSnapshot>(m => ApplyAsync(State.Drop(m, DateTimeOffset.UtcNow)));
        Reply<PinSnapshot>(async m =>
        {
            // Checked before an id is spent on it; the decision checks again.
            State.Get(m.Database, m.Collection, m.Name);
            var pinId = (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(1), IdsTimeout)).First;
            return await ApplyAsync(State.Pin(m, pinId, DateTimeOffset.UtcNow));
        });
        Reply<UnpinSnapshot>(m => ApplyAsync(State.Unpin(m.PinId)));
    }
}
