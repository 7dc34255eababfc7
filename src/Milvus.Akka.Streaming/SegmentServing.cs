using System.Collections.Immutable;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Streaming;

/// <summary>Where one read of a shard goes: flushed segments to load from object storage first, and flushed segments per query node.</summary>
/// <param name="FromStorage">Flushed segments nobody serves and the shard no longer holds in memory: the shard loads and serves them itself.</param>
/// <param name="Remote">Flushed segments served by query nodes, grouped by node.</param>
public sealed record ReadRoute<TNode>(ImmutableArray<SegmentInfo> FromStorage, ImmutableArray<(TNode Node, ImmutableArray<long> SegmentIds)> Remote)
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
/// each, which are being handed over, and which compactions wait for their result to be served. A read never fails
/// and never misses rows while a segment changes hands: a flushed segment no query node serves is read by the shard
/// itself (from memory, or loaded from object storage), and a compaction's inputs are read until its result is served
/// or an input is served nowhere any more (then the result is read, from storage if need be, since the inputs may be
/// garbage-collected). Pure state: the shard actor applies the effects (messages, memory).
/// </summary>
/// <typeparam name="TNode">How a query node is addressed (an actor reference in the shard).</typeparam>
public sealed class SegmentServing<TNode> where TNode : class
{
    private readonly Dictionary<long, SegmentInfo> _flushed = [];
    private readonly Dictionary<long, TNode> _servedBy = [];
    private readonly Dictionary<long, TNode> _loadingOn = [];
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

    public bool IsServed(long segmentId) => _servedBy.ContainsKey(segmentId);

    public TNode? ServedBy(long segmentId) => _servedBy.GetValueOrDefault(segmentId);

    /// <summary>
    /// After recovery: the coordinator's segments and who serves them are authoritative (compactions may have replaced
    /// some since the shard last wrote its journal).
    /// </summary>
    public void Recover(IEnumerable<(SegmentInfo Segment, TNode? Node)> distribution, bool loaded)
    {
        CollectionLoaded = loaded;
        var segments = distribution.ToList();
        var known = segments.Select(s => s.Segment.SegmentId).ToHashSet();
        foreach (var stale in _flushed.Keys.Where(id => !known.Contains(id)).ToList())
        {
            _flushed.Remove(stale);
        }

        foreach (var (segment, node) in segments)
        {
            _flushed.TryAdd(segment.SegmentId, segment);
            if (node is not null)
            {
                _servedBy[segment.SegmentId] = node;
            }
        }
    }

    /// <summary>The shard wrote a segment to object storage (live or on replay).</summary>
    public void AddFlushed(SegmentInfo segment) => _flushed[segment.SegmentId] = segment;

    /// <summary>Whether a segment the shard just flushed stays in memory until a query node serves it.</summary>
    public bool KeepInMemoryAfterFlush => CollectionLoaded;

    /// <summary>A read reached the shard: the proxy only sends reads of loaded collections.</summary>
    public void ReadArrived() => CollectionLoaded = true;

    /// <summary>The coordinator assigned a segment to a node. Returns whether the shard must hand it over (send the load).</summary>
    public bool Assign(SegmentInfo segment, TNode node)
    {
        var id = segment.SegmentId;
        CollectionLoaded = true;
        if (!_pendingReplacements.ContainsKey(id))
        {
            // A merged segment joins the reads only once served (until then its inputs answer).
            _flushed[id] = segment;
        }

        if (_servedBy.TryGetValue(id, out var current) && current.Equals(node))
        {
            return false;
        }

        _loadingOn[id] = node;
        return true;
    }

    /// <summary>A node finished loading a segment: reads of it go there from now on.</summary>
    public ServingEffects<TNode> Loaded(long segmentId, TNode node)
    {
        var handedOver = _loadingOn.GetValueOrDefault(segmentId)?.Equals(node) == true && _loadingOn.Remove(segmentId);
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

        _servedBy[segmentId] = node;
        return _pendingReplacements.Remove(segmentId, out var replacement)
            ? ApplyReplacement(replacement.Result, replacement.Replaced)
            : ServingEffects<TNode>.None;
    }

    public void LoadFailed(long segmentId, TNode node)
    {
        if (_loadingOn.GetValueOrDefault(segmentId)?.Equals(node) == true)
        {
            _loadingOn.Remove(segmentId);
        }
    }

    /// <summary>
    /// A compaction committed. While every input is served by a query node, reads keep using them until the result is
    /// served, then switch in one step; otherwise the switch happens now.
    /// </summary>
    public ServingEffects<TNode> Replace(SegmentInfo? result, ImmutableArray<long> replaced)
    {
        var inputs = WithInputsOfPendingResults(replaced);
        if (result is not null && !_servedBy.ContainsKey(result.SegmentId) && AllServed(inputs))
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

    /// <summary>A query node left the cluster: its segments are read by the shard until the coordinator has them served elsewhere.</summary>
    public ServingEffects<TNode> NodeLeft(TNode node)
    {
        foreach (var id in _servedBy.Where(s => s.Value.Equals(node)).Select(s => s.Key).ToList())
        {
            _servedBy.Remove(id);
        }

        foreach (var id in _loadingOn.Where(s => s.Value.Equals(node)).Select(s => s.Key).ToList())
        {
            _loadingOn.Remove(id);
        }

        return SettleReplacements();
    }

    /// <summary>A partition was dropped with its data. Returns its flushed segments.</summary>
    public ImmutableArray<long> DropPartition(long partitionId)
    {
        var dropped = _flushed.Values.Where(s => s.PartitionId == partitionId).Select(s => s.SegmentId).ToImmutableArray();
        foreach (var id in dropped)
        {
            _flushed.Remove(id);
            _servedBy.Remove(id);
            _loadingOn.Remove(id);
        }

        foreach (var (resultId, _) in _pendingReplacements.Where(p => p.Value.Result.PartitionId == partitionId).ToList())
        {
            _pendingReplacements.Remove(resultId);
        }

        return dropped;
    }

    /// <summary>
    /// Where a read goes for the flushed segments of <paramref name="partitionIds"/> (all when empty). Segments
    /// <paramref name="inMemory"/> are read by the shard with its growing ones; <paramref name="readLocally"/> are
    /// segments a query node failed to answer for this read, read by the shard instead.
    /// </summary>
    public ReadRoute<TNode> Route(ImmutableArray<long> partitionIds, Func<long, bool> inMemory, IReadOnlySet<long>? readLocally = null)
    {
        var fromStorage = ImmutableArray.CreateBuilder<SegmentInfo>();
        var remote = new Dictionary<TNode, List<long>>();
        foreach (var segment in _flushed.Values.OrderBy(s => s.SegmentId))
        {
            var id = segment.SegmentId;
            if (inMemory(id) || (!partitionIds.IsDefaultOrEmpty && !partitionIds.Contains(segment.PartitionId)))
            {
                continue;
            }

            if (_servedBy.TryGetValue(id, out var node) && readLocally?.Contains(id) != true)
            {
                (remote.TryGetValue(node, out var ids) ? ids : remote[node] = []).Add(id);
            }
            else
            {
                fromStorage.Add(segment);
            }
        }

        return new ReadRoute<TNode>(fromStorage.ToImmutable(), [.. remote.Select(r => (r.Key, r.Value.ToImmutableArray()))]);
    }

    private bool AllServed(ImmutableArray<long> segmentIds) =>
        segmentIds.Where(_flushed.ContainsKey).All(_servedBy.ContainsKey);

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

        var unload = replaced.Where(_servedBy.ContainsKey).GroupBy(id => _servedBy[id])
            .Select(g => (g.Key, g.ToImmutableArray()))
            .ToImmutableArray();
        foreach (var id in replaced)
        {
            _flushed.Remove(id);
            _servedBy.Remove(id);
            _loadingOn.Remove(id);
        }

        return new ServingEffects<TNode>(unload, replaced);
    }
}
