using System.Collections.Immutable;

namespace Milvus.Akka.Coordinator;

/// <summary>A segment a query node serves (a compacted-away one it still holds, for example).</summary>
public readonly record struct SegmentOnNode<TNode>(long SegmentId, TNode Node);

/// <summary>
/// Which query nodes belong to which replica of one loaded collection (Milvus's replica spawning over the default
/// resource group): every live node belongs to exactly one replica, so replicas hold disjoint nodes. A node keeps its
/// replica while it lives; a node without one joins the replica with the fewest nodes (ties by replica order), so a
/// replica emptied by failures is the first to get the next node that joins. Pure, so it is tested without a cluster.
/// </summary>
public static class ReplicaPlacement
{
    /// <summary>
    /// The members of each of <paramref name="replicas"/>, given the live <paramref name="nodes"/> and the
    /// <paramref name="current"/> membership (nodes no longer live leave it). Nodes without a replica are placed in
    /// <paramref name="nodeOrder"/>, so every coordinator incarnation decides alike.
    /// </summary>
    public static ImmutableDictionary<long, ImmutableHashSet<TNode>> Assign<TNode>(
        IReadOnlyList<long> replicas,
        IReadOnlyCollection<TNode> nodes,
        IReadOnlyDictionary<long, ImmutableHashSet<TNode>> current,
        IComparer<TNode> nodeOrder)
        where TNode : notnull
    {
        var live = nodes.ToHashSet();
        var placed = new HashSet<TNode>();
        var members = new Dictionary<long, HashSet<TNode>>();
        foreach (var replica in replicas)
        {
            // A node already claimed by an earlier replica stays there: a node belongs to one replica only.
            members[replica] = [.. (current.GetValueOrDefault(replica) ?? []).Where(n => live.Contains(n) && placed.Add(n))];
        }

        if (replicas.Count > 0)
        {
            foreach (var node in live.Where(n => !placed.Contains(n)).Order(nodeOrder))
            {
                var target = replicas.Select((replica, index) => (replica, index)).MinBy(r => (members[r.replica].Count, r.index)).replica;
                members[target].Add(node);
            }
        }

        return members.ToImmutableDictionary(m => m.Key, m => m.Value.ToImmutableHashSet());
    }

    /// <summary>
    /// Releases nodes so that <paramref name="replicas"/> end up differing by at most one node, as Milvus spreads a
    /// resource group's nodes over the replicas placed in it (after a replica moved into the group, say): the largest
    /// replica gives up its last node in <paramref name="nodeOrder"/>, counted as already joining the smallest one,
    /// until the sizes are even. A released node is in no replica: it keeps serving its old replica's segments until
    /// they moved to the nodes that stayed, then joins the replica with the fewest nodes.
    /// </summary>
    public static ImmutableDictionary<long, ImmutableHashSet<TNode>> Balance<TNode>(
        IReadOnlyList<long> replicas, ImmutableDictionary<long, ImmutableHashSet<TNode>> members, IComparer<TNode> nodeOrder)
        where TNode : notnull
    {
        var sizes = replicas.ToDictionary(r => r, r => members.GetValueOrDefault(r, []).Count);
        var balanced = members;
        while (replicas.Count > 1)
        {
            var largest = replicas.MaxBy(r => sizes[r]);
            var smallest = replicas.MinBy(r => sizes[r]);
            if (sizes[largest] - sizes[smallest] < 2)
            {
                break;
            }

            var released = balanced[largest].Order(nodeOrder).Last();
            balanced = balanced.SetItem(largest, balanced[largest].Remove(released));
            sizes[largest]--;
            sizes[smallest]++;
        }

        return balanced;
    }
}
