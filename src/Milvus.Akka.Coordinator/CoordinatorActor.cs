using Akka.Actor;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The cluster singleton of the coordinator role (Milvus's mix-coord). It holds no state: it routes each message to the
/// child that owns its concern, so a slow meta-storage write in one never holds up another, and senders keep
/// addressing the singleton. The children are <see cref="TimestampActor"/> (timestamp oracle and ids, the write
/// path), <see cref="CatalogActor"/> (catalog, segment bookkeeping and placement, index builds and compaction) and
/// <see cref="GarbageCollectorActor"/> (deleting dropped data). Replies go from the child straight to the sender.
/// </summary>
public sealed class CoordinatorActor : ReceiveActor
{
    public const string ShardTypeName = "shard";
    public const string StreamingRole = "streaming";

    public CoordinatorActor(IMetaStore meta, IObjectStore objects, CoordinatorSettings settings, IActorRef shardRegion)
    {
        var timestamps = Context.ActorOf(TimestampActor.Props(meta, settings), "timestamps");
        var catalog = Context.ActorOf(CatalogActor.Props(meta, settings, shardRegion, timestamps), "catalog");
        Context.ActorOf(GarbageCollectorActor.Props(meta, objects, settings.Gc, catalog), "gc");
        Receive<AllocateTimestamps>(timestamps.Forward);
        Receive<AllocateIds>(timestamps.Forward);
        ReceiveAny(catalog.Forward);
    }

    public static Props Props(IMetaStore meta, IObjectStore objects, CoordinatorSettings settings, IActorRef shardRegion) =>
        global::Akka.Actor.Props.Create(() => new CoordinatorActor(meta, objects, settings, shardRegion));
}
