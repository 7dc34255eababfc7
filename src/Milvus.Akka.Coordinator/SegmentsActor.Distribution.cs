using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Read-only views of the cluster for Milvus's administrative rpcs: which node serves each segment, which streaming
/// node leads each shard, and the members with their roles. Nodes are named by their cluster uid.
/// </summary>
public sealed partial class SegmentsActor
{
    private void ReadyDistribution()
    {
        Reply<GetCollectionDistribution>(m => Task.FromResult<object>(DistributionOfCollection(m.CollectionId)));
        Reply<GetClusterTopology>(_ => Task.FromResult<object>(Topology()));
        Reply<DescribeResourceGroup>(m => Task.FromResult<object>(_state.DescribeResourceGroup(m.Name, NodeInfoOf)));
        Reply<CountGroupNodes>(_ => Task.FromResult<object>(GroupNodeCounts()));
    }

    private ResourceGroupNode NodeInfoOf(IActorRef node)
    {
        var address = GlobalAddressOf(node.Path.Address);
        return new ResourceGroupNode(NodeIdOf(address), $"{address.Host}:{address.Port}", address.Host ?? "");
    }

    /// <summary>
    /// Registered query nodes per resource group, and in the default group those up in the cluster but not registered
    /// yet (a node registers moments after it joins, and joins the default group unless another group is short of nodes).
    /// </summary>
    private GroupNodeCounts GroupNodeCounts()
    {
        var counts = _state.NodesPerGroup();
        var cluster = global::Akka.Cluster.Cluster.Get(Context.System);
        var up = cluster.State.Members.Count(m => m.Status == global::Akka.Cluster.MemberStatus.Up && m.HasRole(CoordinatorActor.QueryRole));
        var waiting = Math.Max(0, up - _state.QueryNodes.Count);
        return new GroupNodeCounts(waiting == 0 ? counts : counts.SetItem(ResourceGroups.Default, counts.GetValueOrDefault(ResourceGroups.Default) + waiting));
    }

    private CollectionDistribution DistributionOfCollection(long collectionId)
    {
        var collection = _state.Catalog.Collections.GetValueOrDefault(collectionId)
            ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {collectionId} not found");
        var segments = _state.Segments.Values
            .Where(s => s.CollectionId == collectionId)
            .OrderBy(s => s.SegmentId)
            .SelectMany(s => _state.CopiesOf(s).Select(c => new ServedSegment(s, NodeIdOf(c.Node.Path.Address), c.ReplicaId)).DefaultIfEmpty(new ServedSegment(s, 0)));
        var shards = collection.AllShardNames.Select(shard => _shardLocations.TryGetValue(shard, out var address)
            ? new ShardLeader(shard, NodeIdOf(address), address.ToString())
            : new ShardLeader(shard, 0, ""));
        var replicas = collection.ReplicaIds.Select(r => new ReplicaGroup(r,
            [.. _state.ReplicaNodes.GetValueOrDefault(r, []).Select(n => NodeIdOf(n.Path.Address)).Order()]));
        return new CollectionDistribution([.. segments], [.. shards]) { Replicas = [.. replicas] };
    }

    private ClusterTopology Topology()
    {
        var cluster = global::Akka.Cluster.Cluster.Get(Context.System);
        var nodes = cluster.State.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new ClusterNode(m.UniqueAddress.Uid, m.Address.ToString(), [.. m.Roles.Order(StringComparer.Ordinal)], m.Status.ToString()));
        return new ClusterTopology([.. nodes], cluster.SelfUniqueAddress.Uid);
    }

    /// <summary>The uid of the member at an address; a local actor's address (no host) is this node's.</summary>
    private long NodeIdOf(Address address)
    {
        var global = GlobalAddressOf(address);
        return global::Akka.Cluster.Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.Address.Equals(global))?.UniqueAddress.Uid ?? 0;
    }

    /// <summary>The cluster address of an actor's address: a local actor's (no host) is this node's.</summary>
    private Address GlobalAddressOf(Address address) =>
        address.HasGlobalScope ? address : global::Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
}
