using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Sharding.External;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The allocation strategy of the streaming shards: the location the coordinator wrote (see
/// <c>CoordinatorActor.Placement</c>) when sharding knows it, else the streaming region with the fewest shards.
/// The plain external strategy falls back to the requesting region, which may be a proxy that cannot host a shard,
/// so a shard asked for before its location replicated would wait; rebalancing later moves it to the written location.
/// </summary>
public sealed class ShardPlacementStrategy(ActorSystem system, string typeName) : IStartableAllocationStrategy
{
    private readonly ExternalShardAllocationStrategy _external = new(system, typeName);
    private int _started;

    /// <summary>
    /// Sharding calls this each time its coordinator singleton starts on this node, which can happen more than once
    /// (a hand-over that comes back). The external strategy's state actor has a fixed name and outlives the
    /// coordinator, so starting it again would fail the coordinator over and over.
    /// </summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _external.Start();
        }
    }

    public async Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var chosen = await _external.AllocateShard(requester, shardId, currentShardAllocations);
        return currentShardAllocations.ContainsKey(chosen) || currentShardAllocations.Count == 0
            ? chosen
            : currentShardAllocations.MinBy(a => a.Value.Count).Key;
    }

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations,
        IImmutableSet<string> rebalanceInProgress) => _external.Rebalance(currentShardAllocations, rebalanceInProgress);
}
