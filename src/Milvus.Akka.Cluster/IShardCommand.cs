using Akka.Cluster.Sharding;

namespace Milvus.Akka.Cluster;

/// <summary>A message for one streaming shard (one entity per shard, named by the shard).</summary>
public interface IShardCommand
{
    string ShardName { get; }
}

/// <summary>
/// Routes <see cref="IShardCommand"/>s to the entity named by the shard, one entity per sharding shard: a shard is
/// the unit the coordinator places, so rebalancing moves exactly one WAL.
/// </summary>
public sealed class ShardMessageExtractor : IMessageExtractor
{
    public static readonly ShardMessageExtractor Instance = new();

    // ShardRegion.StartEntity (the coordinator's keep-alive) is resolved by the region itself through ShardId(entityId).
    public string? EntityId(object message) => (message as IShardCommand)?.ShardName;

    public object EntityMessage(object message) => message;

    public string? ShardId(object message) => EntityId(message);

    public string ShardId(string entityId, object? messageHint = null) => entityId;
}
