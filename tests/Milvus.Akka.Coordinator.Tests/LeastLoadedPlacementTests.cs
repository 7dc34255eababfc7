using FsCheck.Xunit;

namespace Milvus.Akka.Coordinator.Tests;

public sealed class LeastLoadedPlacementTests
{
    [Property(MaxTest = 300)]
    public bool Placing_on_empty_nodes_leaves_loads_within_one_of_each_other(byte items, byte nodes)
    {
        var live = Enumerable.Range(0, nodes % 8 + 1).ToList();
        var placed = LeastLoadedPlacement.Place(Enumerable.Range(0, items), live, new Dictionary<int, int>(), Comparer<int>.Default);
        var loads = live.Select(n => placed.Count(p => p.Node == n)).ToList();
        return placed.Count == items && loads.Max() - loads.Min() <= 1;
    }

    /// <summary>
    /// Items start on nodes 0-5 (a negative entry: unplaced); the live nodes are the bits of <paramref name="liveMask"/>.
    /// Items on a live node stay, every other item goes to a live node, and the gap between the most and the least
    /// loaded live node never widens beyond one more than it was.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Items_on_live_nodes_stay_and_the_others_fill_the_least_loaded(int[] startNodes, byte liveMask)
    {
        var live = Enumerable.Range(0, 6).Where(n => (liveMask & (1 << n)) != 0).DefaultIfEmpty(0).ToList();
        var current = startNodes.Select((node, item) => (node, item)).Where(p => p.node >= 0).ToDictionary(p => p.item, p => p.node % 6);
        var placed = LeastLoadedPlacement.Place(Enumerable.Range(0, startNodes.Length), live, current, Comparer<int>.Default);

        var expectedMoves = Enumerable.Range(0, startNodes.Length).Where(i => !current.TryGetValue(i, out var n) || !live.Contains(n));
        var after = new Dictionary<int, int>(current);
        foreach (var (item, node) in placed)
        {
            after[item] = node;
        }

        int Gap(IReadOnlyDictionary<int, int> placement)
        {
            var loads = live.Select(n => placement.Values.Count(v => v == n)).ToList();
            return loads.Max() - loads.Min();
        }

        return placed.Select(p => p.Item).SequenceEqual(expectedMoves)
               && placed.All(p => live.Contains(p.Node))
               && Gap(after) <= Math.Max(Gap(current), 1);
    }

    [Fact]
    public void Ties_go_to_the_first_node_in_order_so_every_incarnation_decides_alike()
    {
        var placed = LeastLoadedPlacement.Place(["a", "b", "c"], ["y", "x"], new Dictionary<string, string> { ["a"] = "gone" }, StringComparer.Ordinal);
        Assert.Equal([("a", "x"), ("b", "y"), ("c", "x")], placed);
    }

    [Fact]
    public void Without_live_nodes_nothing_is_placed() =>
        Assert.Empty(LeastLoadedPlacement.Place([1, 2], Array.Empty<int>(), new Dictionary<int, int>(), Comparer<int>.Default));
}
