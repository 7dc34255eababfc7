using System.Collections.Concurrent;
using Akka.Actor;

namespace Milvus.Akka.Cluster;

/// <summary>
/// The shard actors running in this process, by shard name: a proxy sends a request for one of them straight to it,
/// skipping the three actor hops of the sharding route (region, sharding shard, entity), each of which costs a thread
/// wake per request. A shard is listed once it recovered and until it begins to stop; a request that still reaches a
/// stopped one is lost like a request to a dead node, and its next attempt goes through the region.
/// </summary>
public sealed class LocalShards : IExtension
{
    private readonly ConcurrentDictionary<string, IActorRef> _shards = new();

    public static LocalShards Get(ActorSystem system) => system.WithExtension<LocalShards, LocalShardsProvider>();

    public void Add(string shardName, IActorRef shard) => _shards[shardName] = shard;

    /// <summary>Removes the shard only if <paramref name="shard"/> is still the one listed (a successor may have started).</summary>
    public void Remove(string shardName, IActorRef shard) => _shards.TryRemove(new KeyValuePair<string, IActorRef>(shardName, shard));

    /// <summary>The shard actor for <paramref name="message"/> when it runs in this process.</summary>
    public IActorRef? Find(object message) =>
        message is IShardCommand command && _shards.TryGetValue(command.ShardName, out var shard) ? shard : null;

    private sealed class LocalShardsProvider : ExtensionIdProvider<LocalShards>
    {
        public override LocalShards CreateExtension(ExtendedActorSystem system) => new();
    }
}
