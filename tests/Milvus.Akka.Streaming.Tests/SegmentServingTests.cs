using System.Collections.Immutable;
using Milvus.Akka.Coordinator;
using Xunit;

namespace Milvus.Akka.Streaming.Tests;

/// <summary>
/// The shard's serving state: a read covers every live flushed segment exactly once, on a node that serves it or in
/// the shard (memory or object storage), through hand-over, compaction, release and nodes leaving.
/// </summary>
public sealed class SegmentServingTests
{
    private const string NodeA = "query-a";
    private const string NodeB = "query-b";
    private const long Replica = 900;

    private static SegmentInfo Segment(long id, long partition = 1) =>
        new(id, 100, partition, "100_0", 10, $"manifest/{id}", ImmutableDictionary<long, string>.Empty, (ulong)id);

    private static ReadRoute<string> Route(SegmentServing<string> serving, params long[] inMemory) =>
        serving.Route([], inMemory.Contains);

    private static long[] Storage(ReadRoute<string> route) => [.. route.FromStorage.Select(s => s.SegmentId)];

    private static Dictionary<string, long[]> Remote(ReadRoute<string> route) =>
        route.Remote.ToDictionary(r => r.Node, r => r.SegmentIds.ToArray());

    private static SegmentServing<string> Served(params (long Segment, string Node)[] segments)
    {
        var serving = new SegmentServing<string>();
        foreach (var (id, node) in segments)
        {
            serving.AddFlushed(Segment(id));
            Assert.True(serving.Assign(Segment(id), node, Replica));
            Assert.Equal(ServingEffects<string>.None, serving.Loaded(id, node));
        }

        return serving;
    }

    [Fact]
    public void A_flushed_segment_nobody_serves_is_read_in_the_shard_from_memory_or_from_storage()
    {
        var serving = new SegmentServing<string>();
        serving.AddFlushed(Segment(1));
        serving.AddFlushed(Segment(2));

        var route = Route(serving, inMemory: 1);

        Assert.Equal([2], Storage(route));
        Assert.Empty(route.Remote);
    }

    [Fact]
    public void Reads_move_to_a_node_only_once_it_has_loaded_the_segment()
    {
        var serving = new SegmentServing<string>();
        serving.AddFlushed(Segment(1));

        Assert.True(serving.Assign(Segment(1), NodeA, Replica));
        Assert.Equal([1], Storage(Route(serving)));
        Assert.Contains(NodeA, serving.Nodes);

        serving.Loaded(1, NodeA);
        Assert.Empty(Storage(Route(serving)));
        Assert.Equal([1], Remote(Route(serving))[NodeA]);
        Assert.False(serving.Assign(Segment(1), NodeA, Replica));
    }

    [Fact]
    public void A_copy_moved_to_another_live_node_is_read_on_the_old_one_until_the_new_one_loaded_it_then_unloaded_there()
    {
        var serving = Served((1, NodeA));

        Assert.True(serving.Assign(Segment(1), NodeB, Replica));
        Assert.Equal([1], Remote(Route(serving))[NodeA]);

        var effects = serving.Loaded(1, NodeB);
        Assert.Equal([1], Remote(Route(serving))[NodeB]);
        Assert.False(Remote(Route(serving)).ContainsKey(NodeA));
        var (node, ids) = Assert.Single(effects.Unload);
        Assert.Equal(NodeA, node);
        Assert.Equal([1L], ids.ToArray());

        // A node serving another replica's copy of the segment keeps it.
        var twoReplicas = Served((1, NodeA));
        twoReplicas.Assign(Segment(1), NodeA, Replica + 1);
        twoReplicas.Loaded(1, NodeA);
        twoReplicas.Assign(Segment(1), NodeB, Replica);
        Assert.Empty(twoReplicas.Loaded(1, NodeB).Unload);
    }

    [Fact]
    public void Loading_an_empty_loaded_collection_keeps_the_next_flushed_segments_in_memory()
    {
        var serving = new SegmentServing<string>();
        serving.Recover([], loaded: false);
        Assert.False(serving.KeepInMemoryAfterFlush);

        serving.ReadArrived();

        Assert.True(serving.KeepInMemoryAfterFlush);
    }

    [Fact]
    public void A_load_that_finishes_after_a_release_is_not_read_from()
    {
        var serving = new SegmentServing<string>();
        serving.AddFlushed(Segment(1));
        serving.Assign(Segment(1), NodeA, Replica);

        serving.Release();
        var effects = serving.Loaded(1, NodeA);

        Assert.Equal(ServingEffects<string>.None, effects);
        Assert.False(serving.IsServed(1));
        Assert.Equal([1], Storage(Route(serving)));
        Assert.False(serving.CollectionLoaded);
    }

    [Fact]
    public void A_released_collection_is_read_in_the_shard()
    {
        var serving = Served((1, NodeA), (2, NodeB));

        serving.Release();

        Assert.Equal([1, 2], Storage(Route(serving)));
        Assert.Empty(serving.Nodes);
    }

    [Fact]
    public void A_node_leaving_moves_its_segments_to_the_shard_until_served_elsewhere()
    {
        var serving = Served((1, NodeA), (2, NodeB));

        serving.NodeLeft(NodeA);

        var route = Route(serving);
        Assert.Equal([1], Storage(route));
        Assert.Equal([2], Remote(route)[NodeB]);
        Assert.True(serving.Assign(Segment(1), NodeB, Replica));
        serving.Loaded(1, NodeB);
        Assert.Equal([1, 2], Remote(Route(serving))[NodeB]);
    }

    [Fact]
    public void A_compaction_of_served_segments_switches_once_its_result_is_served()
    {
        var serving = Served((1, NodeA), (2, NodeB));

        Assert.Equal(ServingEffects<string>.None, serving.Replace(Segment(3), [1, 2]));
        Assert.Contains(serving.Stored, s => s.SegmentId == 3);
        Assert.Equal([1], Remote(Route(serving))[NodeA]);
        Assert.Equal([2], Remote(Route(serving))[NodeB]);

        // Not read before it is served, even once assigned.
        Assert.True(serving.Assign(Segment(3), NodeA, Replica));
        Assert.Equal([1], Remote(Route(serving))[NodeA]);

        var effects = serving.Loaded(3, NodeA);

        Assert.Equal([1, 2], effects.Removed.ToArray());
        Assert.Equal(["query-a:1", "query-b:2"], effects.Unload.SelectMany(u => u.SegmentIds.Select(id => $"{u.Node}:{id}")).Order());
        var route = Route(serving);
        Assert.Equal([3], Remote(route)[NodeA]);
        Assert.Single(route.Remote);
        Assert.Equal([3], serving.Flushed.Keys.Order());
    }

    [Fact]
    public void A_compaction_of_segments_not_all_served_switches_at_once_to_its_result()
    {
        var serving = Served((1, NodeA));
        serving.AddFlushed(Segment(2));

        var effects = serving.Replace(Segment(3), [1, 2]);

        Assert.Equal([1, 2], effects.Removed.ToArray());
        Assert.Equal(NodeA, Assert.Single(effects.Unload).Node);
        Assert.Equal([3], Storage(Route(serving)));
    }

    [Fact]
    public void A_pending_compaction_switches_to_its_result_when_a_node_serving_an_input_leaves()
    {
        // The inputs may be garbage-collected from storage, the result never while it lives: read the result instead.
        var serving = Served((1, NodeA), (2, NodeB));
        serving.Replace(Segment(3), [1, 2]);

        var effects = serving.NodeLeft(NodeA);

        Assert.Equal([1, 2], effects.Removed.ToArray());
        Assert.Equal(NodeB, Assert.Single(effects.Unload).Node);
        Assert.Equal([3], Storage(Route(serving)));
    }

    [Fact]
    public void A_compaction_of_a_result_not_yet_served_replaces_that_results_inputs()
    {
        // The coordinator merges segments it knows (a committed result) while the shard still reads that result's inputs.
        var serving = Served((1, NodeA), (2, NodeB), (3, NodeB));
        serving.Replace(Segment(4), [1, 2]);
        Assert.True(serving.Assign(Segment(4), NodeA, Replica));

        var effects = serving.Replace(Segment(5), [4, 3]);

        Assert.Equal(ServingEffects<string>.None, effects);
        Assert.Equal(["query-a:1", "query-b:2", "query-b:3"], Reads(serving));
        Assert.True(serving.Assign(Segment(5), NodeB, Replica));
        effects = serving.Loaded(5, NodeB);
        Assert.Equal([1, 2, 3, 4], effects.Removed.Order().ToArray());
        Assert.Equal(["query-b:5"], Reads(serving));

        // The superseded result's load finishes late: it is unloaded, never read beside the result that contains it.
        effects = serving.Loaded(4, NodeA);
        Assert.Equal(["query-a:4"], effects.Unload.SelectMany(u => u.SegmentIds.Select(id => $"{u.Node}:{id}")));
        Assert.Equal(["query-b:5"], Reads(serving));
    }

    [Fact]
    public void A_compaction_of_a_result_not_yet_served_whose_inputs_are_not_all_served_switches_at_once()
    {
        var serving = Served((1, NodeA), (2, NodeB));
        serving.AddFlushed(Segment(3));
        serving.Replace(Segment(4), [1, 2]);

        var effects = serving.Replace(Segment(5), [4, 3]);

        Assert.Equal([1, 2, 3, 4], effects.Removed.Order().ToArray());
        Assert.Equal(["storage:5"], Reads(serving));
    }

    private static string[] Reads(SegmentServing<string> serving)
    {
        var route = Route(serving);
        return [.. route.FromStorage.Select(s => $"storage:{s.SegmentId}")
            .Concat(route.Remote.SelectMany(r => r.SegmentIds.Select(id => $"{r.Node}:{id}"))).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void A_compaction_that_removes_everything_drops_the_inputs()
    {
        var serving = Served((1, NodeA));

        var effects = serving.Replace(null, [1]);

        Assert.Equal([1], effects.Removed.ToArray());
        Assert.Empty(Route(serving).Remote);
        Assert.Empty(Storage(Route(serving)));
    }

    [Fact]
    public void A_segment_loaded_after_it_was_compacted_away_is_unloaded_again()
    {
        var serving = new SegmentServing<string>();
        serving.AddFlushed(Segment(1));
        serving.Assign(Segment(1), NodeA, Replica);
        serving.Replace(Segment(2), [1]);

        var effects = serving.Loaded(1, NodeA);

        Assert.Equal(NodeA, Assert.Single(effects.Unload).Node);
        Assert.Equal([2], Storage(Route(serving)));
    }

    [Fact]
    public void Reads_honour_partitions_and_segments_a_node_could_not_answer()
    {
        var serving = Served((1, NodeA));
        serving.AddFlushed(Segment(2, partition: 2));

        Assert.Equal([1], Remote(serving.Route([1], _ => false))[NodeA]);
        Assert.Empty(serving.Route([1], _ => false).FromStorage);
        Assert.Equal([1], Storage(serving.Route([1], _ => false, avoid: new HashSet<string> { NodeA })));
    }

    [Fact]
    public void Recovery_takes_the_coordinators_segments_and_nodes()
    {
        var serving = new SegmentServing<string>();
        serving.AddFlushed(Segment(1));
        serving.AddFlushed(Segment(2));

        serving.Recover([(Segment(2), NodeA, Replica), (Segment(3), null, 0)], loaded: true);

        Assert.Equal([2, 3], serving.Flushed.Keys.Order());
        Assert.Equal([2], Remote(Route(serving))[NodeA]);
        Assert.Equal([3], Storage(Route(serving)));
        Assert.True(serving.CollectionLoaded);
    }

    [Fact]
    public void Dropping_a_partition_forgets_its_segments()
    {
        var serving = Served((1, NodeA));
        serving.AddFlushed(Segment(2, partition: 2));

        Assert.Equal([2], serving.DropPartition(2).ToArray());
        Assert.Equal([1], serving.Flushed.Keys);
    }

    /// <summary>
    /// Random hand-overs, compactions (of any segment the coordinator knows, results not yet served included), releases
    /// and nodes leaving: at every step a read covers the rows of every live segment exactly once and asks a node only for
    /// segments it loaded and was not told to unload.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Every_read_covers_the_rows_of_each_live_segment_exactly_once(int seed)
    {
        var random = new Random(seed);
        var serving = new SegmentServing<string>();
        var nodes = new[] { NodeA, NodeB, "query-c" };
        var held = nodes.ToDictionary(n => n, _ => new HashSet<long>());
        // The coordinator's segments, and the flushed segments whose rows each one holds.
        var live = new List<long>();
        var rows = new Dictionary<long, long[]>();
        var nextId = 1L;
        for (var step = 0; step < 600; step++)
        {
            ServingEffects<string> effects = ServingEffects<string>.None;
            switch (random.Next(7))
            {
                case 0:
                    serving.AddFlushed(Segment(nextId));
                    live.Add(nextId);
                    rows[nextId] = [nextId];
                    nextId++;
                    break;
                case 1 when live.Count > 0:
                    var segment = live[random.Next(live.Count)];
                    serving.Assign(Segment(segment), nodes[random.Next(nodes.Length)], Replica);
                    break;
                case 2:
                    // Nodes answer loads in any order, some after the segment moved on.
                    var node = nodes[random.Next(nodes.Length)];
                    var candidate = random.Next(1, (int)nextId);
                    held[node].Add(candidate);
                    effects = serving.Loaded(candidate, node);
                    break;
                case 3 when live.Count >= 2:
                    var inputs = live.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToImmutableArray();
                    live.RemoveAll(inputs.Contains);
                    if (random.Next(5) == 0)
                    {
                        effects = serving.Replace(null, inputs);
                        break;
                    }

                    rows[nextId] = [.. inputs.SelectMany(i => rows[i])];
                    live.Add(nextId);
                    effects = serving.Replace(Segment(nextId++), inputs);
                    break;
                case 4 when random.Next(10) == 0:
                    effects = serving.Release();
                    break;
                case 5 when random.Next(5) == 0:
                    var left = nodes[random.Next(nodes.Length)];
                    held[left].Clear();
                    effects = serving.NodeLeft(left);
                    break;
            }

            foreach (var (node, ids) in effects.Unload)
            {
                held[node].ExceptWith(ids);
            }

            var route = serving.Route([], _ => false);
            var read = route.FromStorage.Select(s => s.SegmentId).Concat(route.Remote.SelectMany(r => r.SegmentIds)).ToList();
            Assert.Equal(live.SelectMany(id => rows[id]).Order(), read.SelectMany(id => rows[id]).Order());
            foreach (var (node, ids, _) in route.Remote)
            {
                Assert.Subset(held[node], ids.ToHashSet());
            }
        }
    }

    // Two replicas: replica 901 on NodeA, replica 902 on NodeB.

    private static SegmentServing<string> TwoReplicas(params long[] ids)
    {
        var serving = new SegmentServing<string>();
        foreach (var id in ids)
        {
            serving.AddFlushed(Segment(id));
            foreach (var (node, replica) in new[] { (NodeA, 901L), (NodeB, 902L) })
            {
                Assert.True(serving.Assign(Segment(id), node, replica));
                Assert.Equal(ServingEffects<string>.None, serving.Loaded(id, node));
            }
        }

        return serving;
    }

    [Fact]
    public void Reads_take_the_replicas_in_turn_each_read_on_one_replica()
    {
        var serving = TwoReplicas(1, 2, 3);

        var first = serving.Route([], _ => false, turn: 0);
        var second = serving.Route([], _ => false, turn: 1);

        Assert.Equal([1L, 2L, 3L], Assert.Single(first.Remote, r => r.Node == NodeA).SegmentIds.ToArray());
        Assert.Equal([1L, 2L, 3L], Assert.Single(second.Remote, r => r.Node == NodeB).SegmentIds.ToArray());
        Assert.All(first.Remote.Concat(second.Remote), r => Assert.True(r.Fallback));
        Assert.Equal(NodeA, Assert.Single(serving.Route([], _ => false, turn: 2).Remote).Node);
    }

    [Fact]
    public void A_failed_node_sends_its_segments_to_the_other_replica_then_to_the_shard()
    {
        var serving = TwoReplicas(1, 2);

        var retry = serving.Route([], _ => false, turn: 0, avoid: new HashSet<string> { NodeA });
        var (node, ids, fallback) = Assert.Single(retry.Remote);
        Assert.Equal((NodeB, false), (node, fallback));
        Assert.Equal([1L, 2L], ids.ToArray());

        var last = serving.Route([], _ => false, turn: 0, avoid: new HashSet<string> { NodeA, NodeB });
        Assert.Empty(last.Remote);
        Assert.Equal([1, 2], Storage(last));
    }

    [Fact]
    public void A_segment_one_replica_does_not_serve_yet_is_read_from_the_other_and_a_node_leaving_moves_reads_to_the_rest()
    {
        var serving = TwoReplicas(1);
        serving.AddFlushed(Segment(2));
        Assert.True(serving.Assign(Segment(2), NodeA, 901));
        serving.Loaded(2, NodeA);

        var onB = serving.Route([], _ => false, turn: 1);
        Assert.Equal([1L], Assert.Single(onB.Remote, r => r.Node == NodeB).SegmentIds.ToArray());
        var onA = Assert.Single(onB.Remote, r => r.Node == NodeA);
        Assert.Equal([2L], onA.SegmentIds.ToArray());
        Assert.False(onA.Fallback);

        serving.NodeLeft(NodeA);
        var after = serving.Route([], _ => false, turn: 0);
        Assert.Equal([1L], Assert.Single(after.Remote).SegmentIds.ToArray());
        Assert.Equal(NodeB, Assert.Single(after.Remote).Node);
        Assert.Equal([2], Storage(after));
        Assert.True(serving.IsServed(1));
        Assert.False(serving.IsServed(2));
    }

    [Fact]
    public void A_compaction_result_served_by_one_replica_replaces_the_inputs_on_every_replica()
    {
        var serving = TwoReplicas(1, 2);
        Assert.Equal(ServingEffects<string>.None, serving.Replace(Segment(3), [1, 2]));
        Assert.True(serving.Assign(Segment(3), NodeB, 902));
        Assert.Equal([1, 2], Remote(serving.Route([], _ => false, turn: 1))[NodeB]);

        var effects = serving.Loaded(3, NodeB);

        Assert.Equal(new Dictionary<string, long[]> { [NodeA] = [1, 2], [NodeB] = [1, 2] }, effects.Unload.ToDictionary(u => u.Node, u => u.SegmentIds.ToArray()));
        Assert.Equal([1L, 2L], effects.Removed.ToArray());
        Assert.Equal([3], Remote(serving.Route([], _ => false, turn: 0))[NodeB]);
    }

    [Fact]
    public void A_result_whose_replacement_never_came_is_read_alone_once_reconciled_with_the_coordinator()
    {
        // Segments 1 and 2 were merged into 3, but the shard was never told (the coordinator failed over in between).
        var serving = Served((1, NodeA), (2, NodeB));
        Assert.True(serving.IsUnknown(3));
        var askedAbout = serving.Flushed.Keys.ToArray();
        Assert.True(serving.Assign(Segment(3), NodeA, Replica));
        Assert.Equal([1L, 2, 3], serving.Flushed.Keys.Order());

        var effects = serving.Reconcile(askedAbout, [3]);

        Assert.Equal([1L, 2], effects.Removed.Order());
        Assert.Equal(["query-a: 1", "query-b: 2"], effects.Unload.Select(u => $"{u.Item1}: {string.Join(",", u.Item2)}").Order());
        Assert.Equal([3L], serving.Flushed.Keys);
        Assert.Equal([3], Storage(Route(serving)));
    }

    [Fact]
    public void Reconciling_leaves_every_segment_the_coordinator_still_has_and_those_flushed_since_the_ask()
    {
        var serving = Served((1, NodeA), (2, NodeB));
        var askedAbout = serving.Flushed.Keys.ToArray();
        serving.AddFlushed(Segment(4));

        Assert.Equal(ServingEffects<string>.None, serving.Reconcile(askedAbout, [1, 2]));
        Assert.Equal([1L, 2, 4], serving.Flushed.Keys.Order());
        Assert.False(serving.IsUnknown(4));
    }

    [Fact]
    public void Reconciling_keeps_the_inputs_of_a_replacement_the_shard_was_told_of_until_its_result_is_served()
    {
        // The shard asked (a flush of its own raced its assignment), then heard of the merge of 1 and 2 into 3 before the answer.
        var serving = Served((1, NodeA), (2, NodeB));
        var askedAbout = serving.Flushed.Keys.ToArray();
        Assert.Equal(ServingEffects<string>.None, serving.Replace(Segment(3), [1, 2]));

        Assert.Equal(ServingEffects<string>.None, serving.Reconcile(askedAbout, [3]));
        Assert.Equal(new Dictionary<string, long[]> { [NodeA] = [1], [NodeB] = [2] }, Remote(Route(serving)));

        Assert.True(serving.Assign(Segment(3), NodeA, Replica));
        var switched = serving.Loaded(3, NodeA);
        Assert.Equal([1L, 2], switched.Removed.Order());
        Assert.Equal(new Dictionary<string, long[]> { [NodeA] = [3] }, Remote(Route(serving)));
    }
}
