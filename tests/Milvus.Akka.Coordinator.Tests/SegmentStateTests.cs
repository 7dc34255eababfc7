using System.Collections.Immutable;
using Akka.Actor;
using FsCheck.Xunit;
using Milvus.Akka.Common;
using static Milvus.Akka.TestSupport.CatalogFixtures;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The segments child's decisions, as a pure state class: each test reads the new state and the effects.</summary>
public sealed class SegmentStateTests
{
    private static readonly CoordinatorSettings Settings = CoordinatorSettings.Default with { MinRowsToIndex = 100 };
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);
    private static readonly Address DataNode = new("akka.tcp", "milvus", "10.0.0.1", 2551);

    private static SegmentState Start(CatalogView catalog, params SegmentInfo[] segments) => SegmentState.Recover(Settings, segments, catalog, Now).State;

    private static SegmentState Registered(SegmentState state, params IActorRef[] nodes) =>
        nodes.Aggregate(state, (s, node) => s.QueryNodeRegistered(node, []).State);

    private static IEnumerable<AssignSegment> Assignments(IEnumerable<Effect> effects) =>
        effects.OfType<SendToShards>().Select(e => e.Message).OfType<AssignSegment>();

    [Fact]
    public void A_flushed_segment_is_persisted_once_and_assigned_to_a_query_node_when_its_collection_is_loaded()
    {
        var node = Node("q1");
        var state = Registered(Start(View(1, Collection(1))), node);
        var segment = Segment(11, 1);

        var flushed = state.Flushed(segment);
        var put = Assert.Single(flushed.Effects.OfType<PutMeta>());
        Assert.Equal(SegmentState.KeyOf(segment), put.Key);
        Assert.Equal(segment, CatalogCodec.DecodeSegment(Google.Protobuf.ByteString.CopyFrom(put.Value)));
        var assigned = Assert.Single(Assignments(flushed.Effects));
        Assert.Equal((segment, node), (assigned.Segment, assigned.QueryNode));

        var again = flushed.State.Flushed(segment);
        Assert.Empty(again.Effects.OfType<PutMeta>());
        Assert.Empty(Assignments(again.Effects));
    }

    [Fact]
    public void A_partially_loaded_collection_assigns_its_segments_with_the_loaded_fields()
    {
        var node = Node("q1");
        var state = Registered(Start(View(1, Collection(1) with { LoadedFields = [100, VectorFieldId] }, Collection(2))), node);

        var partial = Assert.Single(Assignments(state.Flushed(Segment(11, 1)).Effects));
        var whole = Assert.Single(Assignments(state.Flushed(Segment(21, 2)).Effects));

        Assert.Equal(new long[] { 100, VectorFieldId }, partial.LoadedFields);
        Assert.Empty(whole.LoadedFields);
    }

    [Fact]
    public void A_segment_of_an_unknown_collection_is_refused()
    {
        var e = Assert.Throws<MilvusException>(() => Start(View(1, Collection(1))).Flushed(Segment(11, 2)));
        Assert.Equal(ErrorCode.CollectionNotFound, e.Code);
    }

    [Fact]
    public void A_segment_waits_for_its_vector_index_before_it_is_assigned_and_a_leased_build_is_not_handed_out_twice()
    {
        var node = Node("q1");
        var state = Registered(Start(View(1, Collection(1, indexType: "IVF_FLAT"))), node);
        var big = Segment(11, 1, rows: 500);
        var flushed = state.Flushed(big);
        Assert.Empty(Assignments(flushed.Effects));
        Assert.Contains(AnnounceWork.Instance, flushed.Effects);

        var candidate = flushed.State.NextIndexBuild(Now);
        Assert.NotNull(candidate);
        Assert.Equal(big, candidate.Segment);
        var leased = flushed.State.BuildStarted(77, candidate, DataNode, Now);
        Assert.Null(leased.NextIndexBuild(Now));
        Assert.NotNull(leased.NextIndexBuild(Now + Settings.IndexTaskLease + TimeSpan.FromSeconds(1)));
        // A data node leaving frees only its own builds, at once.
        Assert.Null(leased.NodeLeft(new Address("akka.tcp", "milvus", "10.0.0.2", 2551)).NextIndexBuild(Now));
        Assert.Equal(big, leased.NodeLeft(DataNode).NextIndexBuild(Now)?.Segment);

        var built = leased.IndexBuilt(new IndexBuilt(77, big.SegmentId, VectorFieldId, "index/11"));
        Assert.Equal("index/11", built.State.Segments[big.SegmentId].IndexFiles[VectorFieldId]);
        Assert.Empty(built.State.Builds);
        Assert.Equal(node, Assert.Single(Assignments(built.Effects)).QueryNode);
    }

    [Fact]
    public void Releasing_a_collection_unloads_its_segments_from_every_query_node_and_forgets_their_placement()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));
        var state = Registered(Start(View(1, Collection(1), Collection(2))), q1, q2);
        state = state.Flushed(Segment(11, 1)).State.Flushed(Segment(21, 2)).State;
        state = state.Served(new SegmentServed(11, state.AssignedTo[new SegmentCopy(11, 1)], true)).State;
        Assert.Equal(new LoadProgress(true, 100), state.LoadProgressOf(1));

        var released = state.WithCatalog(View(2, Collection(1, loaded: false), Collection(2)), Now);
        var unloads = released.Effects.OfType<Send>().Where(s => s.Message is UnloadSegments).ToList();
        Assert.Equal(2, unloads.Count);
        Assert.Equal(new HashSet<IActorRef> { q1, q2 }, unloads.Select(u => u.To).ToHashSet());
        Assert.All(unloads, u => Assert.Equal([11L], ((UnloadSegments)u.Message).SegmentIds.ToArray()));
        Assert.False(released.State.AssignedTo.ContainsKey(new SegmentCopy(11, 1)));
        Assert.False(released.State.ServedBy.ContainsKey(new SegmentCopy(11, 1)));
        Assert.True(released.State.AssignedTo.ContainsKey(new SegmentCopy(21, 2)));
        Assert.Equal(new LoadProgress(false, 0), released.State.LoadProgressOf(1));

        var stale = released.State.WithCatalog(View(1, Collection(1), Collection(2)), Now);
        Assert.Same(released.State, stale.State);
    }

    /// <summary>
    /// Segments spread over collections 1-3 and partitions 1-2 meet a catalog view in which some collections and
    /// partitions are gone: exactly the segments of what remains stay; each other one is deleted from meta storage, and
    /// recorded for garbage collection only when its collection remains (a dropped collection has its own record).
    /// </summary>
    [Property(MaxTest = 200)]
    public bool Segments_follow_the_catalog_view_dropped_collections_and_partitions_take_their_segments(byte[] placement, byte keepMask)
    {
        var all = Enumerable.Range(1, 3).Select(c => Collection(c, partitions: 2)).ToArray();
        var segments = placement.Select((b, i) => Segment(100 + i, 1 + b % 3, 1 + (b / 3) % 2)).ToArray();
        var state = Start(View(1, all), segments);

        // Bits 0-2 keep collections 1-3; bits 3-5 drop partition 2 of them.
        var kept = all.Where(c => (keepMask & (1 << (int)(c.Id - 1))) != 0)
            .Select(c => (keepMask & (1 << (int)(c.Id + 2))) != 0 ? c with { Partitions = c.Partitions.RemoveAt(1) } : c)
            .ToArray();
        var next = state.WithCatalog(View(2, kept), Now);
        bool Lives(SegmentInfo s) => kept.Any(c => c.Id == s.CollectionId && c.Partitions.Any(p => p.Id == s.PartitionId));

        var deleted = next.Effects.OfType<DeleteMeta>().Select(d => d.Key).ToHashSet();
        var recorded = next.Effects.OfType<PutMeta>().Select(p => p.Key).Where(k => k.StartsWith(GarbageRecords.Prefix, StringComparison.Ordinal)).ToHashSet();
        return segments.All(s => next.State.Segments.ContainsKey(s.SegmentId) == Lives(s))
               && segments.All(s => deleted.Contains(SegmentState.KeyOf(s)) != Lives(s))
               && segments.All(s => recorded.Contains(GarbageRecords.DroppedSegment(s)) == (!Lives(s) && kept.Any(c => c.Id == s.CollectionId)));
    }

    /// <summary>
    /// A truncation drops, unloads and records for garbage collection the segments whose newest row is below it; a
    /// segment holding a row at or above it stays (its older rows are hidden from reads and purged by compaction).
    /// </summary>
    [Fact]
    public void Truncating_a_collection_drops_the_segments_wholly_below_the_truncation()
    {
        var node = Node("q1");
        var collection = Collection(1) with { Loaded = true };
        SegmentInfo[] segments = [Segment(11, 1) with { FlushedTimestamp = 100 }, Segment(12, 1) with { FlushedTimestamp = 199 },
            Segment(13, 1) with { FlushedTimestamp = 200 }];
        var state = Registered(Start(View(1, collection), segments), node);

        var next = state.WithCatalog(View(2, collection with { TruncatedBefore = 200 }), Now);

        Assert.Equal([13L], next.State.Segments.Keys);
        Assert.Equal([SegmentState.KeyOf(segments[0]), SegmentState.KeyOf(segments[1])],
            next.Effects.OfType<DeleteMeta>().Select(d => d.Key).Order());
        Assert.Equal([GarbageRecords.DroppedSegment(segments[0]), GarbageRecords.DroppedSegment(segments[1])],
            next.Effects.OfType<PutMeta>().Select(p => p.Key).Where(k => k.StartsWith(GarbageRecords.Prefix, StringComparison.Ordinal)).Order());
        Assert.DoesNotContain(next.State.AssignedTo.Keys, copy => copy.SegmentId is 11 or 12);
        var replaced = Assert.Single(next.Effects.OfType<SendToShards>().Select(e => e.Message).OfType<SegmentsReplaced>());
        Assert.Equal((segments[0].ShardName, (SegmentInfo?)null), (replaced.ShardName, replaced.Result));
        Assert.Equal([11L, 12L], replaced.Replaced.Order());
    }

    /// <summary>
    /// However segments are flushed and nodes register, every loaded segment gets a live node; when the nodes were there
    /// first, loads stay within one (placed segments never move, so nodes registering later only take new ones).
    /// </summary>
    [Property(MaxTest = 200)]
    public bool Loaded_segments_spread_over_the_query_nodes_within_one_of_each_other(byte segmentCount, byte nodeCount, bool nodesFirst)
    {
        var nodes = Enumerable.Range(0, nodeCount % 5 + 1).Select(i => Node($"q{i}")).ToArray();
        var state = Start(View(1, Collection(1)));
        if (nodesFirst)
        {
            state = Registered(state, nodes);
        }

        for (var i = 0; i < segmentCount % 40; i++)
        {
            state = state.Flushed(Segment(100 + i, 1)).State;
        }

        if (!nodesFirst)
        {
            state = Registered(state, nodes);
        }

        var loads = nodes.Select(n => state.AssignedTo.Values.Count(v => v.Equals(n))).ToList();
        return state.AssignedTo.Count == segmentCount % 40 && state.AssignedTo.Values.All(nodes.Contains)
               && (!nodesFirst || loads.Max() - loads.Min() <= 1);
    }

    [Fact]
    public void A_query_node_that_leaves_hands_its_segments_to_the_others()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));
        var state = Registered(Start(View(1, Collection(1))), q1, q2);
        state = state.Flushed(Segment(11, 1)).State.Flushed(Segment(12, 1)).State;
        var onQ1 = state.AssignedTo.Where(a => a.Value.Equals(q1)).Select(a => a.Key.SegmentId).ToList();
        Assert.NotEmpty(onQ1);

        var left = state.QueryNodeLeft(q1);
        Assert.DoesNotContain(q1, left.State.QueryNodes);
        Assert.All(left.State.AssignedTo.Values, n => Assert.Equal(q2, n));
        Assert.Equal(onQ1, Assignments(left.Effects).Select(a => a.Segment.SegmentId).ToList());
    }

    [Fact]
    public void A_committed_compaction_replaces_its_inputs_records_them_and_keeps_a_served_input_live_until_unloaded()
    {
        var node = Node("q1");
        var state = Registered(Start(View(1, Collection(1))), node);
        state = state.Flushed(Segment(11, 1)).State.Flushed(Segment(12, 1)).State;
        state = state.Served(new SegmentServed(11, node, true)).State;
        var result = Segment(13, 1, rows: 20);

        var committed = state.CommitCompaction(new CompactionCompleted(5, result, [11, 12]), Now);
        Assert.Equal([13L], committed.State.Segments.Keys);
        Assert.Contains(committed.Effects, e => e is DeleteMeta d && d.Key == SegmentState.KeyOf(Segment(11, 1)));
        Assert.Contains(committed.Effects, e => e is PutMeta p && p.Key == GarbageRecords.DroppedSegment(Segment(12, 1)));
        var replaced = Assert.Single(committed.Effects.OfType<SendToShards>().Select(s => s.Message).OfType<SegmentsReplaced>());
        Assert.Equal([11L, 12L], replaced.Replaced.ToArray());
        Assert.Contains(11L, committed.State.LiveData().Segments);
        Assert.DoesNotContain(12L, committed.State.LiveData().Segments);

        var unloaded = committed.State.Served(new SegmentServed(11, node, false)).State;
        Assert.DoesNotContain(11L, unloaded.LiveData().Segments);

        var e = Assert.Throws<MilvusException>(() => committed.State.CommitCompaction(new CompactionCompleted(6, null, [11]), Now));
        Assert.Equal(ErrorCode.ParameterInvalid, e.Code);
    }

    /// <summary>
    /// A shard that dies after reporting a flush and before journaling it flushes the segment again after its replay;
    /// by then a compaction may have merged it, or a truncation dropped it. It must stay out (its rows are in the
    /// merged segment), also for a new incarnation, which knows it from its garbage record, and the shard's
    /// distribution names it so a replaying shard forgets it.
    /// </summary>
    [Fact]
    public void A_flush_reported_again_after_its_segment_was_merged_or_truncated_leaves_it_out_also_after_a_fail_over()
    {
        var node = Node("q1");
        var collection = Collection(1) with { Loaded = true };
        var state = Registered(Start(View(1, collection)), node);
        state = state.Flushed(Segment(11, 1)).State.Flushed(Segment(12, 1)).State.Flushed(Segment(14, 1) with { FlushedTimestamp = 100 }).State;
        var merged = Segment(13, 1, rows: 20) with { FlushedTimestamp = 200 };
        state = state.CommitCompaction(new CompactionCompleted(5, merged, [11, 12]), Now).State;
        state = state.WithCatalog(View(2, collection with { TruncatedBefore = 150 }), Now).State;

        foreach (var again in new[] { Segment(11, 1), Segment(14, 1) with { FlushedTimestamp = 100 } })
        {
            var reported = state.Flushed(again);
            Assert.Equal([13L], reported.State.Segments.Keys);
            Assert.Empty(reported.Effects.OfType<PutMeta>());
            Assert.Empty(Assignments(reported.Effects));
        }

        Assert.Equal([11L, 12L, 14L], state.DistributionOf(merged.ShardName).RetiredSegmentIds.ToArray());
        var recovered = SegmentState.Recover(Settings, [merged], View(2, collection), Now, retired: [(1, 12)]).State;
        Assert.Equal([13L], recovered.Flushed(Segment(12, 1)).State.Segments.Keys);
        Assert.Equal([13L, 15L], recovered.Flushed(Segment(15, 1) with { FlushedTimestamp = 300 }).State.Segments.Keys.Order());

        // Once garbage collection has deleted a retired segment's files and record, it is forgotten.
        Assert.Equal([11L, 14L], state.Collected([12]).Retired.Keys.Order());
    }

    [Fact]
    public void Dropping_an_index_forgets_its_files_and_a_new_incarnation_removes_segments_of_collections_dropped_meanwhile()
    {
        var withFile = Segment(11, 1) with { IndexFiles = ImmutableDictionary<long, string>.Empty.Add(VectorFieldId, "index/11") };
        var recovered = SegmentState.Recover(Settings, [withFile, Segment(21, 2)], View(1, Collection(1, loaded: false, indexType: null)), Now);
        Assert.Empty(recovered.State.Segments[11].IndexFiles);
        Assert.Contains(recovered.Effects, e => e is PutMeta p && p.Key == SegmentState.KeyOf(withFile));
        Assert.False(recovered.State.Segments.ContainsKey(21));
        Assert.Contains(recovered.Effects, e => e is DeleteMeta d && d.Key == SegmentState.KeyOf(Segment(21, 2)));
        Assert.DoesNotContain(recovered.Effects, e => e is PutMeta p && p.Key.StartsWith(GarbageRecords.Prefix, StringComparison.Ordinal));
    }

    // Replicas: a collection loaded with replica_number N.

    private static CollectionInfo Replicated(long id, params long[] replicas) => Collection(id) with { Replicas = [.. replicas] };

    private static SegmentState Flushed(SegmentState state, long collectionId, int count, int firstId = 100) =>
        Enumerable.Range(firstId, count).Aggregate(state, (s, id) => s.Flushed(Segment(id, collectionId)).State);

    /// <summary>
    /// However many nodes register, replicas, segments and the order of events: every live node belongs to exactly one
    /// replica, every loaded segment is assigned once in each replica that has nodes, on a node of that replica, and
    /// within a replica loads differ by at most one when the nodes were there first.
    /// </summary>
    [Property(MaxTest = 200)]
    public bool Every_segment_is_assigned_once_per_replica_on_that_replicas_disjoint_nodes(byte segmentCount, byte nodeCount, byte replicaCount, bool nodesFirst)
    {
        var replicas = Enumerable.Range(0, replicaCount % 3 + 1).Select(r => 900L + r).ToArray();
        var nodes = Enumerable.Range(0, nodeCount % 6 + 1).Select(i => Node($"q{i}")).ToArray();
        var state = Start(View(1, Replicated(1, replicas)));
        state = nodesFirst ? Registered(state, nodes) : state;
        state = Flushed(state, 1, segmentCount % 30);
        state = nodesFirst ? state : Registered(state, nodes);

        var members = replicas.ToDictionary(r => r, r => state.ReplicaNodes.GetValueOrDefault(r, []));
        var disjoint = nodes.All(n => members.Values.Count(m => m.Contains(n)) == 1);
        var balancedNodes = members.Values.Max(m => m.Count) - members.Values.Min(m => m.Count) <= 1;
        var placed = replicas.Where(r => !members[r].IsEmpty).All(r => state.Segments.Keys.All(id =>
            state.AssignedTo.TryGetValue(new SegmentCopy(id, r), out var node) && members[r].Contains(node)));
        var loads = nodes.Select(n => state.AssignedTo.Values.Count(v => v.Equals(n))).ToList();
        var balanced = !nodesFirst || replicas.All(r => members[r].IsEmpty
            || members[r].Max(n => loads[Array.IndexOf(nodes, n)]) - members[r].Min(n => loads[Array.IndexOf(nodes, n)]) <= 1);
        return disjoint && balancedNodes && placed && balanced && state.AssignedTo.Keys.All(c => replicas.Contains(c.ReplicaId));
    }

    [Fact]
    public void Two_replicas_on_two_nodes_each_assign_every_segment_to_their_own_node()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));
        var state = Registered(Start(View(1, Replicated(1, 901, 902))), q1, q2);
        var flushed = state.Flushed(Segment(11, 1));

        var assignments = Assignments(flushed.Effects).OrderBy(a => a.ReplicaId).ToList();
        Assert.Equal([(901L, q1), (902L, q2)], assignments.Select(a => (a.ReplicaId, a.QueryNode)));
        Assert.Equal([q1], flushed.State.ReplicaNodes[901]);
        Assert.Equal([q2], flushed.State.ReplicaNodes[902]);

        state = flushed.State.Served(new SegmentServed(11, q1, true)).State;
        Assert.Equal(50, state.LoadProgressOf(1).Percent);
        state = state.Served(new SegmentServed(11, q2, true)).State;
        Assert.Equal(100, state.LoadProgressOf(1).Percent);
        var distribution = state.DistributionOf(Segment(11, 1).ShardName);
        Assert.Equal([(q1, 901L), (q2, 902L)], distribution.Segments.Select(s => (s.QueryNode!, s.ReplicaId)).OrderBy(s => s.Item2));

        var built = state.IndexBuilt(new IndexBuilt(1, 11, VectorFieldId, "index/11"));
        Assert.Equal(new HashSet<IActorRef> { q1, q2 }, built.Effects.OfType<Send>().Where(s => s.Message is SegmentIndexReady).Select(s => s.To).ToHashSet());
    }

    [Fact]
    public void A_replicas_segments_move_to_its_remaining_node_and_an_emptied_replica_waits_for_a_node_while_the_other_serves()
    {
        var (q1, q2, q3) = (Node("q1"), Node("q2"), Node("q3"));
        var state = Registered(Start(View(1, Replicated(1, 901, 902))), q1, q2, q3);
        state = Flushed(state, 1, 4);
        Assert.Equal(2, state.ReplicaNodes[901].Count);
        var lone = Assert.Single(state.ReplicaNodes[902]);
        var pair = state.ReplicaNodes[901].ToList();
        state = state.Served(new SegmentServed(100, lone, true)).State;

        // A node of the two-node replica leaves: its copies go to the replica's other node, never to the other replica's.
        var left = state.QueryNodeLeft(pair[0]);
        Assert.All(Assignments(left.Effects), a => Assert.Equal((901L, pair[1]), (a.ReplicaId, a.QueryNode)));
        Assert.Equal(4, left.State.AssignedTo.Count(a => a.Key.ReplicaId == 901 && a.Value.Equals(pair[1])));

        // The lone node leaves too: replica 902 has no node, so its copies wait; the load counts the replica that serves.
        var emptied = left.State.QueryNodeLeft(lone);
        Assert.Empty(Assignments(emptied.Effects));
        Assert.Empty(emptied.State.ReplicaNodes[902]);
        Assert.DoesNotContain(emptied.State.ServedBy.Keys, c => c.ReplicaId == 902);

        // A node joining takes the emptied replica and every copy of it.
        var q4 = Node("q4");
        var joined = emptied.State.QueryNodeRegistered(q4, []);
        Assert.Equal([q4], joined.State.ReplicaNodes[902]);
        Assert.Equal(4, Assignments(joined.Effects).Count(a => a.ReplicaId == 902 && a.QueryNode.Equals(q4)));
    }

    [Fact]
    public void A_node_reporting_what_it_serves_is_adopted_for_its_own_replica_and_releasing_forgets_every_replica()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));
        var segment = Segment(11, 1);
        var state = Registered(Start(View(1, Replicated(1, 901, 902)), segment), q1, q2);
        var replicaOfQ2 = state.ReplicaOf(q2, 1);
        Assert.NotNull(replicaOfQ2);

        state = state.QueryNodeRegistered(q2, [11]).State;
        Assert.Equal(q2, state.ServedBy[new SegmentCopy(11, replicaOfQ2.Value)]);

        var released = state.WithCatalog(View(2, Collection(1, loaded: false)), Now);
        Assert.Empty(released.State.ServedBy);
        Assert.Empty(released.State.AssignedTo);
        Assert.Empty(released.State.ReplicaNodes);
        Assert.Equal(new HashSet<IActorRef> { q1, q2 }, released.Effects.OfType<Send>().Where(s => s.Message is UnloadSegments).Select(s => s.To).ToHashSet());
    }

    [Fact]
    public void A_loaded_collection_keeps_its_replica_number_and_more_replicas_than_query_nodes_are_refused_as_Milvus_does()
    {
        string[] groups = [ResourceGroups.Default];
        var notEnough = Assert.Throws<MilvusException>(() => LoadReplicas.Check(Collection(1, loaded: false), 3, [], groups, _ => 2, partitions: false));
        Assert.Equal(ErrorCode.ResourceGroupNodeNotEnough, notEnough.Code);
        Assert.Equal("failed to spawn replica for collection: resource group node not enough[rg=__default_resource_group][currentNodeNum=2][expectedNodeNum=3]",
            notEnough.Message);

        var changed = Assert.Throws<MilvusException>(() => LoadReplicas.Check(Replicated(1, 901, 902), 1, [], groups, _ => 5, partitions: false));
        Assert.Equal(ErrorCode.ParameterInvalid, changed.Code);
        Assert.Equal("can't change the replica number for loaded collection: invalid parameter[expected=2][actual=1]", changed.Message);
        var partitions = Assert.Throws<MilvusException>(() => LoadReplicas.Check(Collection(1), 2, [], groups, _ => 5, partitions: true));
        Assert.Contains("can't change the replica number for loaded partitions", partitions.Message);

        LoadReplicas.Check(Replicated(1, 901, 902), 2, [], groups, _ => throw new InvalidOperationException("not asked"), partitions: false);
        LoadReplicas.Check(Collection(1, loaded: false), 1, [], groups, _ => throw new InvalidOperationException("not asked"), partitions: false);
        LoadReplicas.Check(Collection(1, loaded: false), 2, [], groups, _ => 2, partitions: false);
    }

    // Resource groups.

    private static CatalogView Grouped(ulong version, ImmutableArray<ResourceGroupInfo> groups, params CollectionInfo[] collections) =>
        View(version, collections) with { ResourceGroups = [ResourceGroups.DefaultGroup, .. groups] };

    [Fact]
    public void Replicas_are_served_by_nodes_of_their_resource_group_and_move_with_a_TransferReplica_without_a_gap()
    {
        var (q1, q2, q3) = (Node("q1"), Node("q2"), Node("q3"));
        ImmutableArray<ResourceGroupInfo> groups = [new ResourceGroupInfo("rg_a", new ResourceGroupConfig(1, 1), 5)];
        var placed = Replicated(1, 901, 902) with { ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty.Add(902, "rg_a") };
        var state = Flushed(Registered(Start(Grouped(1, groups, placed)), q1, q2, q3), 1, 3);

        var inGroup = Assert.Single(state.NodeGroups, n => n.Value == "rg_a").Key;
        Assert.Equal([inGroup], state.ReplicaNodes[902]);
        Assert.Equal(state.NodeGroups.Where(n => n.Value == ResourceGroups.Default).Select(n => n.Key).ToHashSet(), state.ReplicaNodes[901].ToHashSet());
        Assert.All(state.AssignedTo.Where(a => a.Key.ReplicaId == 902), a => Assert.Equal(inGroup, a.Value));
        foreach (var (copy, node) in state.AssignedTo)
        {
            state = state.Served(new SegmentServed(copy.SegmentId, node, true)).State;
        }

        var described = state.DescribeResourceGroup("rg_a", n => new ResourceGroupNode(0, n.Path.Name, ""));
        Assert.Equal((1, 1), (described.Capacity, described.Nodes.Length));
        Assert.Equal(1, described.LoadedReplicas["c1"]);
        Assert.Equal(ResourceGroups.DefaultCapacity, state.DescribeResourceGroup(ResourceGroups.Default, n => new ResourceGroupNode(0, "", "")).Capacity);
        Assert.Equal(ErrorCode.ResourceGroupNotFound, Assert.Throws<MilvusException>(() => state.DescribeResourceGroup("rg_x", n => null!)).Code);

        // TransferReplica: replica 902 now belongs to the default group, whose two nodes replica 901 holds. One of them is
        // released to even the replicas out: its copies of 901 move to the other, and the rg_a node keeps serving 902's
        // copies (an outgoing node) meanwhile. Every copy stays served by some node throughout.
        var moved = state.WithCatalog(Grouped(2, groups, placed with { ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty }), Now);
        var kept = Assert.Single(moved.State.ReplicaNodes[901]);
        var released = state.ReplicaNodes[901].Single(n => !n.Equals(kept));
        Assert.Empty(moved.State.ReplicaNodes[902]);
        Assert.All(Assignments(moved.Effects), a => Assert.Equal((901L, kept), (a.ReplicaId, a.QueryNode)));
        Assert.Equal(state.AssignedTo.Count(a => a.Value.Equals(released)), Assignments(moved.Effects).Count());
        Assert.Equal(6, moved.State.ServedBy.Count);
        Assert.All(moved.State.ServedBy.Where(s => s.Key.ReplicaId == 902), s => Assert.Equal(inGroup, s.Value));
        Assert.Equal(1, moved.State.DescribeResourceGroup(ResourceGroups.Default, n => new ResourceGroupNode(0, "", "")).OutgoingNodes["c1"]);
        Assert.Equal(1, moved.State.DescribeResourceGroup("rg_a", n => new ResourceGroupNode(0, "", "")).IncomingNodes["c1"]);

        // Nodes registering again keep their copies recorded (the shards still read them there) and are not told to unload.
        var registered = moved.State.QueryNodeRegistered(inGroup, [100, 101, 102]);
        Assert.DoesNotContain(registered.Effects.OfType<Send>(), e => e.Message is UnloadSegments);
        Assert.All(registered.State.ServedBy.Where(s => s.Key.ReplicaId == 902), s => Assert.Equal(inGroup, s.Value));

        // Once the kept node serves 901's copies and the released one has unloaded them, the released node joins 902 and
        // is given its copies; once it serves them, the rg_a node has nothing left to serve for the collection.
        var after = Assignments(moved.Effects).Aggregate(registered.State, (st, a) => st.Served(new SegmentServed(a.Segment.SegmentId, kept, true)).State);
        Assert.Empty(after.ReplicaNodes[902]);
        after = state.ServedBy.Where(s => s.Value.Equals(released)).Select(s => s.Key.SegmentId)
            .Aggregate(after, (st, id) => st.Served(new SegmentServed(id, released, false)).State);
        Assert.Equal([released], after.ReplicaNodes[902]);
        var joined = after.QueryNodeRegistered(released, []);
        var toReleased = Assignments(joined.Effects).ToList();
        Assert.Equal(3, toReleased.Count);
        Assert.All(toReleased, a => Assert.Equal((902L, released), (a.ReplicaId, a.QueryNode)));
        after = toReleased.Aggregate(joined.State, (st, a) => st.Served(new SegmentServed(a.Segment.SegmentId, released, true)).State);
        Assert.All(after.ServedBy.Where(s => s.Key.ReplicaId == 902), s => Assert.Equal(released, s.Value));
        Assert.Empty(after.DescribeResourceGroup(ResourceGroups.Default, n => new ResourceGroupNode(0, "", "")).OutgoingNodes);
    }

    [Fact]
    public void A_node_serving_a_replica_that_moved_to_its_new_group_stays_in_that_replica()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));
        ImmutableArray<ResourceGroupInfo> groups = [new ResourceGroupInfo("rg_a", new ResourceGroupConfig(1, 1), 5)];
        var placed = Replicated(1, 901, 902) with { ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty.Add(902, "rg_a") };
        var state = Flushed(Registered(Start(Grouped(1, groups, placed)), q1, q2), 1, 2);
        var inGroup = state.ReplicaNodes[902].Single();
        state = state.AssignedTo.Aggregate(state, (st, a) => st.Served(new SegmentServed(a.Key.SegmentId, a.Value, true)).State);

        // The replica moves to the default group, whose only node holds the other replica: it keeps being read on its old node.
        var moved = state.WithCatalog(Grouped(2, groups, placed with { ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty }), Now);
        Assert.Empty(moved.State.ReplicaNodes[902]);
        Assert.All(moved.State.ServedBy.Where(s => s.Key.ReplicaId == 902), s => Assert.Equal(inGroup, s.Value));

        // Then its node joins the default group too: it becomes the replica's member again, its copies where they are.
        var emptied = moved.State.WithCatalog(Grouped(3, [groups[0] with { Config = new ResourceGroupConfig(0, 0) }], placed with
        {
            ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty,
        }), Now);
        Assert.Equal([inGroup], emptied.State.ReplicaNodes[902]);
        Assert.All(Assignments(emptied.Effects), a => Assert.Equal((902L, inGroup), (a.ReplicaId, a.QueryNode)));
        Assert.Equal(state.ServedBy, emptied.State.ServedBy);
    }

    private static readonly ImmutableArray<ResourceGroupInfo> OneNodeGroup = [new ResourceGroupInfo("rg_a", new ResourceGroupConfig(1, 1), 5)];

    private static ImmutableDictionary<string, NodeGroupRecord> Recorded(params (IActorRef Node, string Group)[] nodes) =>
        nodes.ToImmutableDictionary(n => n.Node.Path.ToString(), n => new NodeGroupRecord(n.Group, []));

    private static SegmentState Recovered(ImmutableDictionary<string, NodeGroupRecord> nodeGroups) =>
        SegmentState.Recover(Settings, [], Grouped(1, OneNodeGroup), Now, nodeGroups).State;

    [Fact]
    public void After_a_fail_over_query_nodes_keep_their_recorded_groups_whatever_order_they_register_in()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));

        // A fresh coordinator puts the first node to register in the group short of nodes.
        Assert.Equal("rg_a", Registered(Start(Grouped(1, OneNodeGroup)), q1, q2).NodeGroups[q1]);

        // One taking over from a coordinator that had q2 in rg_a keeps rg_a's place for q2 while q1 registers first.
        var state = Registered(Recovered(Recorded((q1, ResourceGroups.Default), (q2, "rg_a"))), q1);
        Assert.Equal(ResourceGroups.Default, state.NodeGroups[q1]);
        state = Registered(state, q2);
        Assert.Equal(ImmutableDictionary<IActorRef, string>.Empty.Add(q1, ResourceGroups.Default).Add(q2, "rg_a"), state.NodeGroups);
        Assert.Empty(state.AwaitedNodes);
    }

    [Fact]
    public void A_recorded_node_that_does_not_register_again_frees_its_place_when_the_wait_ends()
    {
        var q1 = Node("q1");
        var state = Registered(Recovered(Recorded((q1, ResourceGroups.Default), (Node("gone"), "rg_a"))), q1);
        Assert.Equal(ResourceGroups.Default, state.NodeGroups[q1]);

        var stopped = state.StopAwaitingNodes().State;

        Assert.Equal("rg_a", stopped.NodeGroups[q1]);
        Assert.Empty(stopped.AwaitedNodes);
    }

    [Fact]
    public void Node_groups_are_written_when_they_change_and_a_node_that_left_is_forgotten()
    {
        var (q1, q2) = (Node("q1"), Node("q2"));
        var state = Start(Grouped(1, OneNodeGroup));
        ImmutableDictionary<string, NodeGroupRecord> Written(Decision<SegmentState> decision)
        {
            var put = Assert.Single(decision.Effects.OfType<PutMeta>(), p => p.Key == SegmentState.NodeGroupsKey);
            return CatalogCodec.DecodeNodeGroups(Google.Protobuf.ByteString.CopyFrom(put.Value));
        }

        var first = SegmentState.WithNodeGroupsWritten(state.QueryNodeRegistered(q1, [], [new NodeLabel("zone", "a")]));
        var recorded = Assert.Single(Written(first));
        Assert.Equal((q1.Path.ToString(), "rg_a", new NodeLabel("zone", "a")), (recorded.Key, recorded.Value.Group, recorded.Value.Labels.Single()));
        var second = SegmentState.WithNodeGroupsWritten(first.State.QueryNodeRegistered(q2, []));
        Assert.Equal([q1.Path.ToString(), q2.Path.ToString()], Written(second).Keys.Order());

        // Registering again changes nothing, so nothing is written.
        Assert.DoesNotContain(SegmentState.WithNodeGroupsWritten(second.State.QueryNodeRegistered(q2, [])).Effects.OfType<PutMeta>(), p => p.Key == SegmentState.NodeGroupsKey);
        var left = SegmentState.WithNodeGroupsWritten(second.State.QueryNodeLeft(q1));
        Assert.Equal(ImmutableDictionary<string, string>.Empty.Add(q2.Path.ToString(), "rg_a"), Written(left).ToImmutableDictionary(n => n.Key, n => n.Value.Group));
    }
}
