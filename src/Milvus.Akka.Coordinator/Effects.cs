using System.Collections.Immutable;
using Akka.Actor;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// What a pure coordinator state class asks its actor to do. The actor performs every meta-storage write of a
/// decision first, in order, then takes the new state, then sends, so a new incarnation reloads exactly what was
/// acknowledged.
/// </summary>
public abstract record Effect;

/// <summary>Writes a meta-storage key.</summary>
public sealed record PutMeta(string Key, byte[] Value) : Effect;

/// <summary>Deletes a meta-storage key.</summary>
public sealed record DeleteMeta(string Key) : Effect;

/// <summary>Tells an actor (a query node) a message.</summary>
public sealed record Send(IActorRef To, object Message) : Effect;

/// <summary>Tells the shard region a message.</summary>
public sealed record SendToShards(object Message) : Effect;

/// <summary>
/// Asks a shard (through the shard region) a repeatable command and waits for its <see cref="Milvus.Akka.Cluster.Done"/>:
/// the change is answered only once every shard confirmed it.
/// </summary>
public sealed record ConfirmWithShard(object Message) : Effect;

/// <summary>Publishes <see cref="WorkAvailable"/> to data nodes, so they ask for index or compaction tasks at once.</summary>
public sealed record AnnounceWork : Effect
{
    public static readonly AnnounceWork Instance = new();
}

/// <summary>
/// The catalog changed to <paramref name="Version"/>: proxies drop what they cached before it (pub-sub), the timestamp
/// oracle carries the version in its replies, and the coordinator's other children get the new view.
/// </summary>
public sealed record AnnounceCatalog(ulong Version) : Effect;

/// <summary>The answer to the command decided, told to its sender once every other effect is performed.</summary>
public sealed record Reply(object Message) : Effect;

/// <summary>A state class's answer to a command or event: its new state and the effects to perform.</summary>
public sealed record Decision<TState>(TState State, ImmutableArray<Effect> Effects)
{
    public static implicit operator Decision<TState>(TState state) => new(state, []);
}
