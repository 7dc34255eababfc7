using System.Collections.Immutable;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Streaming;

/// <summary>Where one read of a shard goes: flushed segments to load from object storage first, and flushed segments per query node.</summary>
/// <param name="FromStorage">Flushed segments nobody serves and the shard no longer holds in memory: the shard loads and serves them itself.</param>
/// <param name="Remote">
/// Flushed segments served by query nodes, grouped by node; <c>Fallback</c> says whether another replica's node serves
/// every one of them too (so a slow answer may be given up for that one).
/// </param>
public sealed record ReadRoute<TNode>(ImmutableArray<SegmentInfo> FromStorage, ImmutableArray<(TNode Node, ImmutableArray<long> SegmentIds, bool Fallback)> Remote)
    where TNode : class;

/// <summary>What a change of the serving state asks the shard to do.</summary>
/// <param name="Unload">Segments query nodes may unload: the shard stopped reading them there.</param>
/// <param name="Removed">Segments that left the shard (compacted away): drop them from memory and from the delete bookkeeping.</param>
public sealed record ServingEffects<TNode>(ImmutableArray<(TNode Node, ImmutableArray<long> SegmentIds)> Unload, ImmutableArray<long> Removed)
    where TNode : class
{
    public static readonly ServingEffects<TNode> None = new([], []);
}

/// <summary>
/// The shard delegator's view of its flushed segments (Milvus's distribution and target): which query node serves
/// each segment in each replica of the collection, which are being handed over, and which compactions wait for their
/// result to be served. A read takes one replica (in turn, so replicas share the reads) and asks another replica's
/// node for a segment the chosen one does not serve or failed to answer. A read never fails and never misses rows
/// while a segment changes hands: a flushed segment no query node serves is read by the shard itself (from memory,
/// or loaded from object storage), and a compaction's inputs are read until its result is served or an input is
/// served nowhere any more (then the result is read, from storage if need be, since the inputs may be
/// garbage-collected). Pure state: the shard actor applies the effects (messages, memory).
/// </summary>
/// <typeparam name="TNode">How a query node is addressed (an actor reference in the shard).</typeparam>
public sealed class SegmentServing<TNode> where TNode : class
{
    private readonly Dictionary<long, SegmentInfo> _flushed = [];
    private readonly Dictionary<SegmentCopy, TNode> _servedBy = [];
    private readonly Dictionary<SegmentCopy, TNode> _loadingOn = [];
    private readonly Dictionary<long, (SegmentInfo Result, ImmutableArray<long> Replaced)> _pendingReplacements = [];

    /// <summary>
    /// Whether the collection is loaded as far as the shard knows: its flushed segments are then kept in memory until a
    /// query node serves them, since reads are coming. Correctness does not depend on it (an unserved segment is read
    /// from object storage), only the speed of the first reads after a flush.
    /// </summary>
    public bool CollectionLoaded { get; private set; }

    public IReadOnlyDictionary<long, SegmentInfo> Flushed => _flushed;

    /// <summary>Flushed segments, and merged ones waiting to be served, that a buffered delete may still hit.</summary>
    public IEnumerable<SegmentInfo> Stored => _flushed.Values.Concat(_pendingReplacements.Values.Select(p => p.Result));

    /// <summary>Nodes serving or loading a segment of the shard: every delete must reach them.</summary>
    public IEnumerable<TNode> Nodes => _servedBy.Values.Concat(_loadingOn.Values).Distinct();

    public bool IsServed(long segmentId) => _servedBy.Keys.Any(c => c.SegmentId == segmentId);

    /// <summary>
    /// After recovery: the coordinator's segments and who serves them are authoritative (compactions may have replaced
    /// some since the shard last wrote its journal).
    /// </summary>
    public void Recover(IEnumerable<(SegmentInfo Segment, TNode? Node, long ReplicaId)> distribution, bool loaded)
    {
        CollectionLoaded = loaded;
        var segments = distribution.ToList();
        var known = segments.Select(s => s.Segment.SegmentId).ToHashSet();
        foreach (var stale in _flushed.Keys.Where(id => !known.Contains(id)).ToList())
        {
            _flushed.Remove(stale);
        }

        foreach (var (segment, node, replica) in segments)
        {
            _flushed.TryAdd(segment.SegmentId, segment);
            if (node is not null)
            {
                _servedBy[new SegmentCopy(segment.SegmentId, replica)] = node;
            }
        }
    }

    /// <summary>The shard wrote a segment to object storage (live or on replay).</summary>
    public void AddFlushed(SegmentInfo segment) => _flushed[segment.SegmentId] = segment;

    /// <summary>Whether a segment the shard just flushed stays in memory until a query node serves it.</summary>
    public bool KeepInMemoryAfterFlush => CollectionLoaded;

    /// <summary>A read reached the shard: the proxy only sends reads of loaded collections.</summary>
    public void ReadArrived() => CollectionLoaded = true;

    /// <summary>
    /// Whether the shard has never heard of a segment the coordinator assigns: its own flush whose completion is still on
    /// the way, or a compaction's result whose <c>SegmentsReplaced</c> was lost (the coordinator failed over between
    /// committing it and telling the shard). In the second case the shard would read the result and its inputs both, so
    /// it reconciles with the coordinator's distribution (<see cref="Reconcile"/>).
    /// </summary>
    public bool IsUnknown(long segmentId) => !_flushed.ContainsKey(segmentId) && !_pendingReplacements.ContainsKey(segmentId);

    /// <summary>
    /// Forgets the segments among <paramref name="askedAbout"/> (those read when the shard asked) that the coordinator's
    /// distribution no longer has: replaced or dropped without the shard being told. They go as a compaction's inputs do.
    /// The inputs of a replacement the shard was told of stay: they answer reads until its result is served.
    /// </summary>
    public ServingEffects<TNode> Reconcile(IReadOnlyCollection<long> askedAbout, IEnumerable<long> coordinatorSegments)
    {
        var known = coordinatorSegments.ToHashSet();
        var stale = askedAbout.Where(id => !known.Contains(id) && _flushed.ContainsKey(id) && !_pendingReplacements.Values.Any(p => p.Replaced.Contains(id)))
            .ToImmutableArray();
        return stale.IsEmpty ? ServingEffects<TNode>.None : ApplyReplacement(null, stale);
    }

    /// <summary>The coordinator assigned a replica's copy of a segment to a node. Returns whether the shard must hand it over (send the load).</summary>
    public bool Assign(SegmentInfo segment, TNode node, long replicaId)
    {
        var id = segment.SegmentId;
        var copy = new SegmentCopy(id, replicaId);
        CollectionLoaded = true;
        if (!_pendingReplacements.ContainsKey(id))
        {
            // A merged segment joins the reads only once served (until then its inputs answer).
            _flushed[id] = segment;
        }

        if (_servedBy.TryGetValue(copy, out var current) && current.Equals(node))
        {
            return false;
        }

        _loadingOn[copy] = node;
        return true;
    }

    /// <summary>A node finished loading a segment: reads of its replica's copy go there from now on.</summary>
    public ServingEffects<TNode> Loaded(long segmentId, TNode node)
    {
        // A node belongs to one replica of the collection, so it loads one copy of a segment.
        var copy = _loadingOn.FirstOrDefault(l => l.Key.SegmentId == segmentId && l.Value.Equals(node)).Key;
        var handedOver = copy.SegmentId == segmentId && _loadingOn.Remove(copy);
        if (!_flushed.ContainsKey(segmentId) && !_pendingReplacements.ContainsKey(segmentId))
        {
            // Compacted away or dropped meanwhile.
            return new ServingEffects<TNode>([(node, [segmentId])], []);
        }

        if (!handedOver)
        {
            // A load that finished after a release (the coordinator unloads it) or from a superseded assignment.
            return ServingEffects<TNode>.None;
        }

        _servedBy.TryGetValue(copy, out var previous);
        _servedBy[copy] = node;
        var effects = _pendingReplacements.Remove(segmentId, out var replacement)
            ? ApplyReplacement(replacement.Result, replacement.Replaced)
            : ServingEffects<TNode>.None;

        // The copy moved from a live node (its resource group changed): that node may unload it now, unless it still
        // serves another replica's copy of the segment.
        return previous is null || previous.Equals(node) || _servedBy.Any(s => s.Key.SegmentId == segmentId && s.Value.Equals(previous))
            ? effects
            : effects with { Unload = [.. effects.Unload, (previous, [segmentId])] };
    }

    public void LoadFailed(long segmentId, TNode node)
    {
        foreach (var copy in _loadingOn.Where(l => l.Key.SegmentId == segmentId && l.Value.Equals(node)).Select(l => l.Key).ToList())
        {
            _loadingOn.Remove(copy);
        }
    }

    /// <summary>
    /// A compaction committed. While every input is served by a query node, reads keep using them until the result is
    /// served, then switch in one step; otherwise the switch happens now.
    /// </summary>
    public ServingEffects<TNode> Replace(SegmentInfo? result, ImmutableArray<long> replaced)
    {
        var inputs = WithInputsOfPendingResults(replaced);
        if (result is not null && !IsServed(result.SegmentId) && AllServed(inputs))
        {
            _pendingReplacements[result.SegmentId] = (result, inputs);
            return ServingEffects<TNode>.None;
        }

        return ApplyReplacement(result, inputs);
    }

    /// <summary>
    /// The coordinator may merge a result it committed before the shard reads it (its load is still pending here): the
    /// shard still reads that result's inputs, so the new merge replaces them too, and the superseded result is never
    /// read (a late load of it is unloaded). Without this, the inputs stayed beside the new result and were read twice.
    /// </summary>
    private ImmutableArray<long> WithInputsOfPendingResults(ImmutableArray<long> replaced)
    {
        var inputs = ImmutableArray.CreateBuilder<long>(replaced.Length);
        foreach (var id in replaced)
        {
            inputs.Add(id);
            if (_pendingReplacements.Remove(id, out var pending))
            {
                // Already expanded when it was recorded, so one level covers a chain of merges.
                inputs.AddRange(pending.Replaced);
            }
        }

        return inputs.ToImmutable();
    }

    /// <summary>The collection was released: query nodes drop its segments, so the shard answers any read that still comes.</summary>
    public ServingEffects<TNode> Release()
    {
        CollectionLoaded = false;
        _servedBy.Clear();
        _loadingOn.Clear();
        return SettleReplacements();
    }

    /// <summary>
    /// A query node left the cluster: its segments are read from the other replicas, or by the shard, until the
    /// coordinator has them served elsewhere.
    /// </summary>
    public ServingEffects<TNode> NodeLeft(TNode node)
    {
        foreach (var copy in _servedBy.Where(s => s.Value.Equals(node)).Select(s => s.Key).ToList())
        {
            _servedBy.Remove(copy);
        }

        foreach (var copy in _loadingOn.Where(s => s.Value.Equals(node)).Select(s => s.Key).ToList())
        {
            _loadingOn.Remove(copy);
        }

        return SettleReplacements();
    }

    /// <summary>A partition was dropped with its data. Returns its flushed segments.</summary>
    public ImmutableArray<long> DropPartition(long partitionId)
    {
        var dropped = _flushed.Values.Where(s => s.PartitionId == partitionId).Select(s => s.SegmentId).ToImmutableArray();
        foreach (var id in dropped)
        {
            Forget(id);
        }

        foreach (var (resultId, _) in _pendingReplacements.Where(p => p.Value.Result.PartitionId == partitionId).ToList())
        {
            _pendingReplacements.Remove(resultId);
        }

        return dropped;
    }

    /// <summary>
    /// Where a read goes for the flushed segments of <paramref name="partitionIds"/> (all when empty). Segments
    /// <paramref name="inMemory"/> are read by the shard with its growing ones. A served segment goes to the replica
    /// that is <paramref name="turn"/>'s in the rotation of the shard's replicas, or the next one serving it;
    /// <paramref name="avoid"/> are nodes that failed this read: their segments go to another replica, or are read by
    /// the shard when no other replica serves them.
    /// </summary>
    public ReadRoute<TNode> Route(ImmutableArray<long> partitionIds, Func<long, bool> inMemory, int turn = 0, IReadOnlySet<TNode>? avoid = null)
    {
        // Runs on the shard's thread for every read, so it looks copies up per segment instead of building maps.
        var replicas = new List<long>(2);
        foreach (var (copy, node) in _servedBy)
        {
            if (avoid?.Contains(node) != true && !replicas.Contains(copy.ReplicaId))
            {
                replicas.Add(copy.ReplicaId);
            }
        }

        replicas.Sort();
        var ids = new long[_flushed.Count];
        _flushed.Keys.CopyTo(ids, 0);
        Array.Sort(ids);
        var fromStorage = ImmutableArray.CreateBuilder<SegmentInfo>(0);
        var remote = new List<(TNode Node, ImmutableArray<long>.Builder Ids, bool Fallback)>(1);
        foreach (var id in ids)
        {
            var segment = _flushed[id];
            if (inMemory(id) || (!partitionIds.IsDefaultOrEmpty && !partitionIds.Contains(segment.PartitionId)))
            {
                continue;
            }

            // The serving copy of the replica first in this read's turn, and how many replicas serve the segment.
            TNode? chosen = null;
            var chosenRank = int.MaxValue;
            var copies = 0;
            for (var r = 0; r < replicas.Count; r++)
            {
                if (_servedBy.TryGetValue(new SegmentCopy(id, replicas[r]), out var node) && avoid?.Contains(node) != true)
                {
                    copies++;
                    var rank = (r - turn % replicas.Count + replicas.Count) % replicas.Count;
                    if (rank < chosenRank)
                    {
                        (chosen, chosenRank) = (node, rank);
                    }
                }
            }

            if (chosen is null)
            {
                fromStorage.Add(segment);
                continue;
            }

            var group = 0;
            while (group < remote.Count && !EqualityComparer<TNode>.Default.Equals(remote[group].Node, chosen))
            {
                group++;
            }

            if (group == remote.Count)
            {
                remote.Add((chosen, ImmutableArray.CreateBuilder<long>(), copies > 1));
            }
            else if (copies <= 1)
            {
                remote[group] = remote[group] with { Fallback = false };
            }

            remote[group].Ids.Add(id);
        }

        return new ReadRoute<TNode>(fromStorage.ToImmutable(), [.. remote.Select(r => (r.Node, r.Ids.ToImmutable(), r.Fallback))]);
    }

    private bool AllServed(ImmutableArray<long> segmentIds) =>
        segmentIds.Where(_flushed.ContainsKey).All(IsServed);

    private void Forget(long segmentId)
    {
        _flushed.Remove(segmentId);
        foreach (var copy in _servedBy.Keys.Where(c => c.SegmentId == segmentId).ToList())
        {
            _servedBy.Remove(copy);
        }

        foreach (var copy in _loadingOn.Keys.Where(c => c.SegmentId == segmentId).ToList())
        {
            _loadingOn.Remove(copy);
        }
    }

    /// <summary>A compaction whose inputs are no longer all served switches to its result now: the inputs may be garbage-collected.</summary>
    private ServingEffects<TNode> SettleReplacements()
    {
        var unload = ImmutableArray.CreateBuilder<(TNode, ImmutableArray<long>)>();
        var removed = ImmutableArray.CreateBuilder<long>();
        foreach (var (resultId, (result, replaced)) in _pendingReplacements.Where(p => !AllServed(p.Value.Replaced)).ToList())
        {
            _pendingReplacements.Remove(resultId);
            var effects = ApplyReplacement(result, replaced);
            unload.AddRange(effects.Unload);
            removed.AddRange(effects.Removed);
        }

        return new ServingEffects<TNode>(unload.ToImmutable(), removed.ToImmutable());
    }

    private ServingEffects<TNode> ApplyReplacement(SegmentInfo? result, ImmutableArray<long> replaced)
    {
        if (result is not null)
        {
            _flushed[result.SegmentId] = result;
        }

        var inputs = replaced.ToHashSet();
        var unload = _servedBy.Where(s => inputs.Contains(s.Key.SegmentId)).GroupBy(s => s.Value)
            .Select(g => (g.Key, g.Select(s => s.Key.SegmentId).Order().ToImmutableArray()))
            .ToImmutableArray();
        foreach (var id in replaced)
        {
            Forget(id);
        }

        return new ServingEffects<TNode>(unload, replaced);
    }
}
