using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Hnsw;

/// <summary>
/// HNSW (Malkov and Yashunin) in hnswlib's layout: level-0 links of all nodes in one flat array
/// (<c>[count, neighbours...]</c> per node), upper levels only for the few nodes that reach them, pooled
/// epoch visited sets and heaps. Construction inserts in growing batches: each batch searches the graph as it
/// stood before the batch (in parallel), then links are written per target node (in parallel). The result does
/// not depend on the thread count, so a seed fixes the graph.
/// </summary>
internal sealed class HnswIndex : FloatIndexBase
{
    /// <summary>A batch holds at most this fraction of the nodes already inserted, so few batch-mates miss each other.</summary>
    private const int BatchDivisor = 32;
    private const int MaxBatch = 4096;
    private const int MaxLevel = 31;

    /// <summary>How much of each row of the next group of four is prefetched while the current group is scored.</summary>
    private const int PrefetchBytes = 256;

    private readonly FloatRows _rows;
    private readonly bool _l2;
    private readonly int _m;
    private readonly int _m0;
    private readonly int[] _levels;
    private readonly int[] _level0;
    private readonly int[]?[] _upper;
    private readonly ScratchPool<HnswScratch> _scratch;
    private int _entryPoint;
    private int _maxLevel;

    private HnswIndex(IndexSpec spec, FloatRows rows, int m, int[] levels, int[] level0, int[]?[] upper, int entryPoint, int maxLevel)
        : base(spec, rows.Dim)
    {
        _rows = rows;
        _l2 = spec.Metric == MetricType.L2;
        _m = m;
        _m0 = 2 * m;
        _levels = levels;
        _level0 = level0;
        _upper = upper;
        _entryPoint = entryPoint;
        _maxLevel = maxLevel;
        _scratch = new ScratchPool<HnswScratch>(() => new HnswScratch(rows.Count, _m0));
    }

    public override int Count => _rows.Count;

    public static HnswIndex Build(IndexSpec spec, FloatRows rows, int seed, int threads)
    {
        var m = IndexParams.HnswMaxDegree(spec.Params);
        var efConstruction = IndexParams.HnswConstructionEf(spec.Params);
        var n = rows.Count;
        var random = new Random(seed);
        var levelScale = 1 / Math.Log(m);
        var levels = new int[n];
        var upper = new int[]?[n];
        for (var i = 0; i < n; i++)
        {
            levels[i] = Math.Min(MaxLevel, (int)(-Math.Log(1 - random.NextDouble()) * levelScale));
            upper[i] = levels[i] > 0 ? new int[levels[i] * (m + 1)] : null;
        }

        var index = new HnswIndex(spec, rows, m, levels, new int[n * ((2 * m) + 1)], upper, 0, n > 0 ? levels[0] : 0);
        index.Insert(efConstruction, threads);
        return index;
    }

    public static HnswIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader)
    {
        var m = reader.ReadInt32();
        var entryPoint = reader.ReadInt32();
        var maxLevel = reader.ReadInt32();
        if (m is < 2 or > 2048 || maxLevel is < 0 or > MaxLevel || (count > 0 && (uint)entryPoint >= (uint)count))
        {
            throw IndexFile.Corrupt($"corrupt index file: invalid HNSW header (M={m}, entry point {entryPoint}, max level {maxLevel})");
        }

        var levels = reader.ReadArray<int>(count);
        var level0 = reader.ReadArray<int>((long)count * ((2 * m) + 1));
        var upper = new int[]?[count];
        for (var i = 0; i < count; i++)
        {
            if (levels[i] is < 0 or > MaxLevel)
            {
                throw IndexFile.Corrupt($"corrupt index file: HNSW node {i} has level {levels[i]}");
            }

            if (levels[i] > 0)
            {
                upper[i] = reader.ReadArray<int>(levels[i] * (m + 1));
            }
        }

        var rows = new FloatRows(spec.Metric, dim, reader.ReadArray<float>((long)count * dim), count);
        var index = new HnswIndex(spec, rows, m, levels, level0, upper, entryPoint, maxLevel);
        index.ValidateLinks();
        return index;
    }

    protected override int SearchWidth(IReadOnlyDictionary<string, string> parameters, int k) => IndexParams.HnswSearchEf(parameters, k);

    protected override void SearchOne(ReadOnlySpan<float> query, int ef, in QueryFilter filter, ref TopK top)
    {
        if (filter.PrefersExactScan)
        {
            _rows.Scan(query, filter, ref top);
            return;
        }

        var scratch = _scratch.Rent();
        try
        {
            if (_l2)
            {
                Search<SquaredL2>(query, Math.Max(ef, top.Capacity), filter, scratch, ref top);
            }
            else
            {
                Search<NegatedDot>(query, Math.Max(ef, top.Capacity), filter, scratch, ref top);
            }
        }
        finally
        {
            _scratch.Return(scratch);
        }
    }

    protected override void WritePayload(IndexFileWriter writer)
    {
        writer.WriteInt32(_m);
        writer.WriteInt32(_entryPoint);
        writer.WriteInt32(_maxLevel);
        writer.WriteArray<int>(_levels);
        writer.WriteArray<int>(_level0);
        foreach (var links in _upper)
        {
            if (links is not null)
            {
                writer.WriteArray<int>(links);
            }
        }

        writer.WriteArray<float>(_rows.Data.AsSpan(0, Count * Dim));
    }

    /// <summary>The link block of <paramref name="node"/> at <paramref name="level"/>: slot 0 is the count.</summary>
    private Span<int> Links(int node, int level) => level == 0
        ? _level0.AsSpan(node * (_m0 + 1), _m0 + 1)
        : _upper[node].AsSpan((level - 1) * (_m + 1), _m + 1);

    /// <summary>
    /// Hints the CPU to load a new candidate's level-0 link block, which is read when the candidate is expanded
    /// (hnswlib gets the same effect by storing links next to the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchLinks(int node, int level)
    {
        if (level == 0)
        {
            NodeDistances.Prefetch(ref _level0[node * (_m0 + 1)], (_m0 + 1) * sizeof(int));
        }
    }

    /// <summary>
    /// The distance kernels read rows without bounds checks, so a loaded graph must only name existing nodes, and
    /// only nodes that reach the level of the link (the checksum catches damage, not a file written wrongly).
    /// </summary>
    private void ValidateLinks()
    {
        if (Count > 0 && _levels[_entryPoint] != _maxLevel)
        {
            throw IndexFile.Corrupt($"corrupt index file: the HNSW entry point {_entryPoint} is not on the top level {_maxLevel}");
        }

        for (var node = 0; node < Count; node++)
        {
            for (var level = 0; level <= _levels[node]; level++)
            {
                var links = Links(node, level);
                if ((uint)links[0] >= (uint)links.Length)
                {
                    throw IndexFile.Corrupt($"corrupt index file: HNSW node {node} declares {links[0]} links at level {level}");
                }

                foreach (var neighbour in links.Slice(1, links[0]))
                {
                    if ((uint)neighbour >= (uint)Count || _levels[neighbour] < level)
                    {
                        throw IndexFile.Corrupt($"corrupt index file: HNSW node {node} links to invalid node {neighbour} at level {level}");
                    }
                }
            }
        }
    }

    private void Insert(int efConstruction, int threads)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : -1 };
        var n = Count;
        var selections = new int[Math.Min(MaxBatch, Math.Max(1, n / BatchDivisor))][][];
        var inserted = Math.Min(1, n);
        while (inserted < n)
        {
            var start = inserted;
            var end = Math.Min(n, start + Math.Clamp(start / BatchDivisor, 1, MaxBatch));
            Parallel.For(start, end, parallel, i => selections[i - start] = _l2
                ? SelectNeighbours<SquaredL2>(i, efConstruction)
                : SelectNeighbours<NegatedDot>(i, efConstruction));

            // Forward links: each batch node owns its blocks. Reverse links: grouped per target block, so every
            // block is rewritten by one thread and the outcome is independent of scheduling.
            var reverse = new Dictionary<(int Node, int Level), List<int>>();
            for (var i = start; i < end; i++)
            {
                var byLevel = selections[i - start];
                for (var level = 0; level < byLevel.Length; level++)
                {
                    var links = Links(i, level);
                    links[0] = byLevel[level].Length;
                    byLevel[level].CopyTo(links[1..]);
                    foreach (var neighbour in byLevel[level])
                    {
                        if (!reverse.TryGetValue((neighbour, level), out var sources))
                        {
                            reverse[(neighbour, level)] = sources = [];
                        }

                        sources.Add(i);
                    }
                }
            }

            Parallel.ForEach(reverse, parallel, pair =>
            {
                if (_l2)
                {
                    AddReverseLinks<SquaredL2>(pair.Key.Node, pair.Key.Level, pair.Value);
                }
                else
                {
                    AddReverseLinks<NegatedDot>(pair.Key.Node, pair.Key.Level, pair.Value);
                }
            });
            for (var i = start; i < end; i++)
            {
                if (_levels[i] > _maxLevel)
                {
                    _maxLevel = _levels[i];
                    _entryPoint = i;
                }
            }

            inserted = end;
        }
    }

    /// <summary>Searches the current graph for <paramref name="node"/>'s neighbours at each of its levels (heuristic selection, M per level).</summary>
    private int[][] SelectNeighbours<TMetric>(int node, int efConstruction)
        where TMetric : struct, INodeMetric
    {
        var query = _rows.Row(node);
        var top = Math.Min(_levels[node], _maxLevel);
        var byLevel = new int[top + 1][];
        var entry = DescendToLevel<TMetric>(query, top);
        var scratch = _scratch.Rent();
        try
        {
            var none = QueryFilter.Unrestricted(Count);
            var noOutput = new TopK([], []);
            for (var level = top; level >= 0; level--)
            {
                SearchLayer<TMetric>(query, entry, level, efConstruction, none, scratch, ref noOutput);
                var found = scratch.SortedResults();
                entry = found[0];
                byLevel[level] = SelectDiverse<TMetric>(found, _m);
            }
        }
        finally
        {
            _scratch.Return(scratch);
        }

        return byLevel;
    }

    private void AddReverseLinks<TMetric>(int node, int level, List<int> sources)
        where TMetric : struct, INodeMetric
    {
        var links = Links(node, level);
        var capacity = level == 0 ? _m0 : _m;
        var count = links[0];
        if (count + sources.Count <= capacity)
        {
            sources.CopyTo(links[(1 + count)..]);
            links[0] = count + sources.Count;
            return;
        }

        var vector = _rows.Row(node);
        var candidates = new ulong[count + sources.Count];
        for (var j = 0; j < count; j++)
        {
            candidates[j] = NodeKey.Encode(Distance<TMetric>(vector, links[1 + j]), links[1 + j]);
        }

        for (var j = 0; j < sources.Count; j++)
        {
            candidates[count + j] = NodeKey.Encode(Distance<TMetric>(vector, sources[j]), sources[j]);
        }

        Array.Sort(candidates);
        var kept = SelectDiverse<TMetric>(candidates, capacity);
        links[0] = kept.Length;
        kept.CopyTo(links[1..]);
    }

    /// <summary>
    /// hnswlib's neighbour heuristic: walking candidates nearest first, keep one only if it is closer to the base
    /// node than to every neighbour kept so far, which spreads links across directions.
    /// </summary>
    private int[] SelectDiverse<TMetric>(ReadOnlySpan<ulong> sortedCandidates, int max)
        where TMetric : struct, INodeMetric
    {
        var kept = new List<int>(max);
        foreach (var key in sortedCandidates)
        {
            if (kept.Count == max)
            {
                break;
            }

            var id = NodeKey.Id(key);
            var distance = NodeKey.Distance(key);
            var row = _rows.Row(id);
            var diverse = true;
            foreach (var other in kept)
            {
                if (Distance<TMetric>(row, other) < distance)
                {
                    diverse = false;
                    break;
                }
            }

            if (diverse)
            {
                kept.Add(id);
            }
        }

        return [.. kept];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Distance<TMetric>(ReadOnlySpan<float> query, int id)
        where TMetric : struct, INodeMetric =>
        NodeDistances.One<TMetric>(ref MemoryMarshal.GetReference(query), ref RowStart(id), (nuint)Dim);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref float RowStart(int id) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_rows.Data), (nint)id * Dim);

    /// <summary>Writes the distances from the query to each of <paramref name="ids"/>, four rows per kernel pass.</summary>
    private void DistancesTo<TMetric>(ReadOnlySpan<float> query, ReadOnlySpan<int> ids, Span<float> distances)
        where TMetric : struct, INodeMetric
    {
        ref var q = ref MemoryMarshal.GetReference(query);
        ref var id = ref MemoryMarshal.GetReference(ids);
        ref var output = ref MemoryMarshal.GetReference(distances);
        var dim = (nuint)Dim;
        var n = ids.Length;
        var j = 0;
        for (; j + 4 <= n; j += 4)
        {
            for (var ahead = j + 4; ahead < Math.Min(n, j + 8); ahead++)
            {
                NodeDistances.Prefetch(ref RowStart(Unsafe.Add(ref id, ahead)), PrefetchBytes);
            }

            NodeDistances.Four<TMetric>(ref q, ref RowStart(Unsafe.Add(ref id, j)), ref RowStart(Unsafe.Add(ref id, j + 1)),
                ref RowStart(Unsafe.Add(ref id, j + 2)), ref RowStart(Unsafe.Add(ref id, j + 3)), dim, ref Unsafe.Add(ref output, j));
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref output, j) = NodeDistances.One<TMetric>(ref q, ref RowStart(Unsafe.Add(ref id, j)), dim);
        }
    }

    /// <summary>Greedy descent from the entry point through the upper levels down to (excluding) <paramref name="targetLevel"/>.</summary>
    private ulong DescendToLevel<TMetric>(ReadOnlySpan<float> query, int targetLevel)
        where TMetric : struct, INodeMetric
    {
        var entry = _entryPoint;
        var distance = Distance<TMetric>(query, entry);
        for (var level = _maxLevel; level > targetLevel; level--)
        {
            var improved = true;
            while (improved)
            {
                improved = false;
                var links = Links(entry, level);
                foreach (var neighbour in links.Slice(1, links[0]))
                {
                    var d = Distance<TMetric>(query, neighbour);
                    if (d < distance)
                    {
                        (entry, distance) = (neighbour, d);
                        improved = true;
                    }
                }
            }
        }

        return NodeKey.Encode(distance, entry);
    }

    private void Search<TMetric>(ReadOnlySpan<float> query, int ef, in QueryFilter filter, HnswScratch scratch, ref TopK output)
        where TMetric : struct, INodeMetric
    {
        var entry = DescendToLevel<TMetric>(query, 0);
        var everyNode = !float.IsNegativeInfinity(filter.Lower) || !float.IsPositiveInfinity(filter.Upper);
        SearchLayer<TMetric>(query, entry, 0, ef, filter, scratch, ref output, everyNode);
        if (!everyNode)
        {
            // Without a range window the best of all evaluated allowed nodes are among the ef kept ones.
            foreach (var complemented in scratch.Results.Keys)
            {
                var key = ~complemented;
                output.Push(NodeKey.Id(key), NodeKey.Distance(key));
            }
        }
    }

    /// <summary>
    /// Best-first search of one level from <paramref name="entry"/> (a <see cref="NodeKey"/>) with an ef-bounded
    /// result set of allowed nodes (hnswlib's filtered search: with an allow-list it does not stop before ef allowed
    /// nodes are found); the ef best stay in the scratch results. With <paramref name="everyNode"/> each evaluated
    /// node that is allowed and in range is also offered to <paramref name="output"/> (range search).
    /// </summary>
    private void SearchLayer<TMetric>(ReadOnlySpan<float> query, ulong entry, int level, int ef, in QueryFilter filter,
        HnswScratch scratch, ref TopK output, bool everyNode = false)
        where TMetric : struct, INodeMetric
    {
        var visited = scratch.Visited;
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        var pending = scratch.Pending;
        var pendingDistances = scratch.PendingDistances;
        visited.Reset();
        candidates.Clear();
        results.Clear();

        var entryId = NodeKey.Id(entry);
        var entryDistance = NodeKey.Distance(entry);
        visited.TryVisit(entryId);
        candidates.Push(entry);
        var bound = float.PositiveInfinity;
        if (filter.Allows(entryId))
        {
            results.Push(~entry);
            bound = entryDistance;
            if (everyNode && filter.InRange(entryDistance))
            {
                output.Push(entryId, entryDistance);
            }
        }

        while (candidates.Count > 0)
        {
            var current = candidates.PopMin();
            if (NodeKey.Distance(current) > bound && (results.Count >= ef || !filter.IsRestricted))
            {
                break;
            }

            // Gather the unvisited neighbours first so their rows can be scored four at a time.
            var links = Links(NodeKey.Id(current), level);
            var fresh = 0;
            foreach (var neighbour in links.Slice(1, links[0]))
            {
                if (visited.TryVisit(neighbour))
                {
                    pending[fresh++] = neighbour;
                }
            }

            DistancesTo<TMetric>(query, pending.AsSpan(0, fresh), pendingDistances);
            for (var j = 0; j < fresh; j++)
            {
                var distance = pendingDistances[j];
                if (results.Count >= ef && distance >= bound)
                {
                    if (everyNode && filter.InRange(distance) && filter.Allows(pending[j]))
                    {
                        output.Push(pending[j], distance);
                    }

                    continue;
                }

                var neighbour = pending[j];
                var key = NodeKey.Encode(distance, neighbour);
                candidates.Push(key);
                PrefetchLinks(neighbour, level);
                if (!filter.Allows(neighbour))
                {
                    continue;
                }

                if (everyNode && filter.InRange(distance))
                {
                    output.Push(neighbour, distance);
                }

                if (results.Count < ef)
                {
                    results.Push(~key);
                }
                else
                {
                    results.ReplaceMin(~key);
                }

                bound = NodeKey.Distance(~results.Min);
            }
        }
    }
}

/// <summary>Per-search state of <see cref="HnswIndex"/>, pooled so a query allocates nothing once warm.</summary>
internal sealed class HnswScratch(int capacity, int maxDegree)
{
    public VisitedSet Visited { get; } = new(capacity);

    /// <summary>Frontier, nearest first.</summary>
    public NodeHeap Candidates { get; } = new();

    /// <summary>The ef best allowed nodes, worst first: keys are stored complemented, so the heap's minimum is the worst.</summary>
    public NodeHeap Results { get; } = new();

    /// <summary>The unvisited neighbours of the node being expanded, and their distances.</summary>
    public int[] Pending { get; } = new int[maxDegree];

    public float[] PendingDistances { get; } = new float[maxDegree];

    /// <summary>The results as keys sorted nearest first (construction only).</summary>
    public ulong[] SortedResults()
    {
        var keys = new ulong[Results.Count];
        var stored = Results.Keys;
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = ~stored[i];
        }

        Array.Sort(keys);
        return keys;
    }
}
