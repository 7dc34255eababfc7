namespace Milvus.Akka.Coordinator;

/// <summary>
/// The placement rule of the coordinator, for shards on streaming nodes and for flushed segments on query nodes: an item
/// without a live node goes to the live node that holds the fewest items, and placed items never move. Pure, so its
/// balance is tested without a cluster.
/// </summary>
public static class LeastLoadedPlacement
{
    /// <summary>
    /// The new placements for <paramref name="items"/> (in their order) that have no node in <paramref name="nodes"/>
    /// according to <paramref name="current"/>. Ties go to the node first in <paramref name="nodeOrder"/>, so every
    /// coordinator incarnation decides alike.
    /// </summary>
    public static IReadOnlyList<(TItem Item, TNode Node)> Place<TItem, TNode>(
        IEnumerable<TItem> items,
        IReadOnlyCollection<TNode> nodes,
        IReadOnlyDictionary<TItem, TNode> current,
        IComparer<TNode> nodeOrder)
        where TItem : notnull
        where TNode : notnull
    {
        if (nodes.Count == 0)
        {
            return [];
        }

        var live = nodes.ToHashSet();
        var load = nodes.ToDictionary(n => n, _ => 0);
        foreach (var node in current.Values)
        {
            if (load.TryGetValue(node, out var count))
            {
                load[node] = count + 1;
            }
        }

        var placed = new List<(TItem, TNode)>();
        foreach (var item in items)
        {
            if (current.TryGetValue(item, out var node) && live.Contains(node))
            {
                continue;
            }

            var target = load.OrderBy(l => l.Value).ThenBy(l => l.Key, nodeOrder).First().Key;
            load[target]++;
            placed.Add((item, target));
        }

        return placed;
    }
}
