using System.Collections.Immutable;
using FsCheck.Xunit;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>Which query nodes belong to which replica of a loaded collection.</summary>
public sealed class ReplicaPlacementTests
{
    private static readonly long[] Replicas = [901, 902, 903];

    private static ImmutableDictionary<long, ImmutableHashSet<int>> Assign(IReadOnlyList<long> replicas, IEnumerable<int> nodes,
        IReadOnlyDictionary<long, ImmutableHashSet<int>>? current = null) =>
        ReplicaPlacement.Assign(replicas, nodes.ToList(), current ?? ImmutableDictionary<long, ImmutableHashSet<int>>.Empty, Comparer<int>.Default);

    [Fact]
    public void Nodes_spread_over_the_replicas_in_node_order_and_keep_their_replica_when_others_come_and_go()
    {
        var first = Assign(Replicas, [3, 1, 2, 4]);
        Assert.Equal([1, 4], first[901].Order());
        Assert.Equal([2], first[902]);
        Assert.Equal([3], first[903]);

        var afterLoss = Assign(Replicas, [1, 3, 4], first);
        Assert.Equal([1, 4], afterLoss[901].Order());
        Assert.Empty(afterLoss[902]);

        // The next node to join fills the replica that lost its node.
        var afterJoin = Assign(Replicas, [1, 3, 4, 9], afterLoss);
        Assert.Equal([9], afterJoin[902]);
        Assert.Equal([3], afterJoin[903]);
    }

    /// <summary>
    /// Whatever the membership before (even one naming a node twice) and whichever nodes live now: every live node is
    /// in exactly one replica, nodes that left are in none, a live node keeps its earlier replica, and a node that had
    /// none joins a replica with the fewest nodes.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Every_live_node_is_in_exactly_one_replica_and_keeps_it(byte[] earlier, byte[] live, byte replicaCount)
    {
        var replicas = Replicas.Take(replicaCount % 3 + 1).ToArray();
        var current = replicas.ToDictionary(r => r, r => earlier.Where(b => b % replicas.Length == Array.IndexOf(replicas, r)).Select(b => b % 8).ToImmutableHashSet());
        var nodes = live.Select(b => b % 8).Distinct().ToList();

        var next = Assign(replicas, nodes, current);

        var exactlyOnce = nodes.All(n => next.Values.Count(m => m.Contains(n)) == 1) && next.Values.SelectMany(m => m).All(nodes.Contains);
        var firstEarlier = nodes.ToDictionary(n => n, n => replicas.Cast<long?>().FirstOrDefault(r => current[r!.Value].Contains(n)));
        var kept = nodes.All(n => firstEarlier[n] is not { } r || next[r].Contains(n));
        return exactlyOnce && kept && next.Keys.Order().SequenceEqual(replicas.Order());
    }

    [Property(MaxTest = 200)]
    public bool Replicas_placed_from_scratch_differ_by_at_most_one_node(byte nodeCount, byte replicaCount)
    {
        var replicas = Replicas.Take(replicaCount % 3 + 1).ToArray();
        var next = Assign(replicas, Enumerable.Range(0, nodeCount % 10));
        return next.Values.Max(m => m.Count) - next.Values.Min(m => m.Count) <= 1;
    }

    [Fact]
    public void Balance_releases_the_last_nodes_of_the_largest_replica_until_replicas_differ_by_at_most_one()
    {
        var members = Assign([901], [1, 2, 3, 4, 5]).Add(902, []).Add(903, []);

        var balanced = ReplicaPlacement.Balance([901, 902, 903], members, Comparer<int>.Default);

        // Three nodes leave 901, counted as joining 902, 903, 902 (five nodes over three replicas: 2, 2, 1).
        Assert.Equal([1, 2], balanced[901].Order());
        Assert.Empty(balanced[902]);
        var even = Assign([901, 902], [1, 2, 3]);
        Assert.Same(even, ReplicaPlacement.Balance([901, 902], even, Comparer<int>.Default));
    }
}
