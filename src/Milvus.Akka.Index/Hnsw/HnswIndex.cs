using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Hnsw;

/// <summary>
/// HNSW (Malkov and Yashunin) in hnswlib's layout: level-0 links of all nodes in one flat array
/// (<c>[count, neighbours...]</c> per node), upper levels only for the few nodes that reach them, pooled
/// epoch visited sets. Construction inserts in growing batches: each batch searches the graph as it stood
/// before the batch (in parallel), then links are written per target node (in parallel). The result does not
/// depend on the thread count, so a seed fixes the graph.
/// </summary>
internal sealed class HnswIndex : FloatIndexBase
{
    /// <summary>A batch holds at most this fraction of the nodes already inserted, so few batch-mates miss each other.</summary>
    private const int BatchDivisor = 32;
    private const int MaxBatch = 4096;
    private const int MaxLevel = 31;

    private readonly FloatRows _rows;
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
        _m = m;
        _m0 = 2 * m;
        _levels = levels;
        _level0 = level0;
        _upper = upper;
        _entryPoint = entryPoint;
        _maxLevel = maxLevel;
        _scratch = new ScratchPool<HnswScratch>(() => new HnswScratch(rows.Count));
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
        var levels = reader.ReadArray<int>(count);
        var level0 = reader.ReadArray<int>((long)count * ((2 * m) + 1));
        var upper = new int[]?[count];
        for (var i = 0; i < count; i++)
        {
            if (levels[i] > 0)
            {
                upper[i] = reader.ReadArray<int>(levels[i] * (m + 1));
            }
        }

        var rows = new FloatRows(spec.Metric, dim, reader.ReadArray<float>((long)count * dim), count);
        return new HnswIndex(spec, rows, m, levels, level0, upper, entryPoint, maxLevel);
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
            var (entry, distance) = DescendToLevel(query, _entryPoint, _maxLevel, 0);
            SearchLayer(query, entry, distance, 0, Math.Max(ef, top.Capacity), filter, scratch, ref top);
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
            Parallel.For(start, end, parallel, i => selections[i - start] = SelectNeighbours(i, efConstruction));

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

            Parallel.ForEach(reverse, parallel, pair => AddReverseLinks(pair.Key.Node, pair.Key.Level, pair.Value));
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
    private int[][] SelectNeighbours(int node, int efConstruction)
    {
        var query = _rows.Row(node);
        var top = Math.Min(_levels[node], _maxLevel);
        var byLevel = new int[top + 1][];
        var (entry, distance) = DescendToLevel(query, _entryPoint, _maxLevel, top);
        var scratch = _scratch.Rent();
        try
        {
            var none = QueryFilter.Unrestricted(Count);
            var noOutput = new TopK([], []);
            for (var level = top; level >= 0; level--)
            {
                SearchLayer(query, entry, distance, level, efConstruction, none, scratch, ref noOutput);
                var found = scratch.DrainSorted();
                (entry, distance) = found[0];
                byLevel[level] = SelectDiverse(found, _m);
            }
        }
        finally
        {
            _scratch.Return(scratch);
        }

        return byLevel;
    }

    private void AddReverseLinks(int node, int level, List<int> sources)
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
        var candidates = new List<(int Id, float Distance)>(count + sources.Count);
        foreach (var id in links.Slice(1, count))
        {
            candidates.Add((id, _rows.Distance(vector, id)));
        }

        foreach (var id in sources)
        {
            candidates.Add((id, _rows.Distance(vector, id)));
        }

        candidates.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
        var kept = SelectDiverse(candidates, capacity);
        links[0] = kept.Length;
        kept.CopyTo(links[1..]);
    }

    /// <summary>
    /// hnswlib's neighbour heuristic: walking candidates nearest first, keep one only if it is closer to the base
    /// node than to every neighbour kept so far, which spreads links across directions.
    /// </summary>
    private int[] SelectDiverse(List<(int Id, float Distance)> sortedCandidates, int max)
    {
        var kept = new List<int>(max);
        foreach (var (id, distance) in sortedCandidates)
        {
            if (kept.Count == max)
            {
                break;
            }

            var row = _rows.Row(id);
            var diverse = true;
            foreach (var other in kept)
            {
                if (_rows.Distance(row, other) < distance)
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

    /// <summary>Greedy descent through the upper levels down to (excluding) <paramref name="targetLevel"/>.</summary>
    private (int Entry, float Distance) DescendToLevel(ReadOnlySpan<float> query, int entry, int fromLevel, int targetLevel)
    {
        var distance = _rows.Distance(query, entry);
        for (var level = fromLevel; level > targetLevel; level--)
        {
            var improved = true;
            while (improved)
            {
                improved = false;
                var links = Links(entry, level);
                foreach (var neighbour in links.Slice(1, links[0]))
                {
                    var d = _rows.Distance(query, neighbour);
                    if (d < distance)
                    {
                        (entry, distance) = (neighbour, d);
                        improved = true;
                    }
                }
            }
        }

        return (entry, distance);
    }

    /// <summary>
    /// Best-first search of one level with an ef-bounded result set of allowed nodes (hnswlib's filtered search:
    /// with an allow-list it does not stop before ef allowed nodes are found). Every evaluated node that is
    /// allowed and in range is offered to <paramref name="output"/>; the ef best stay in the scratch results.
    /// </summary>
    private void SearchLayer(ReadOnlySpan<float> query, int entry, float entryDistance, int level, int ef,
        in QueryFilter filter, HnswScratch scratch, ref TopK output)
    {
        var visited = scratch.Visited;
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        visited.Reset();
        candidates.Clear();
        results.Clear();

        visited.TryVisit(entry);
        candidates.Enqueue(entry, entryDistance);
        var bound = float.PositiveInfinity;
        if (filter.Allows(entry))
        {
            results.Enqueue(entry, -entryDistance);
            bound = entryDistance;
            if (filter.InRange(entryDistance))
            {
                output.Push(entry, entryDistance);
            }
        }

        while (candidates.TryDequeue(out var current, out var currentDistance))
        {
            if (currentDistance > bound && (results.Count >= ef || !filter.IsRestricted))
            {
                break;
            }

            var links = Links(current, level);
            var neighbours = links.Slice(1, links[0]);
            for (var j = 0; j < neighbours.Length; j++)
            {
                var neighbour = neighbours[j];
                if (j + 1 < neighbours.Length)
                {
                    _rows.Prefetch(neighbours[j + 1]);
                }

                if (!visited.TryVisit(neighbour))
                {
                    continue;
                }

                var distance = _rows.Distance(query, neighbour);
                var allowed = filter.Allows(neighbour);
                if (allowed && filter.InRange(distance))
                {
                    output.Push(neighbour, distance);
                }

                if (results.Count >= ef && distance >= bound)
                {
                    continue;
                }

                candidates.Enqueue(neighbour, distance);
                if (allowed)
                {
                    results.Enqueue(neighbour, -distance);
                    if (results.Count > ef)
                    {
                        results.Dequeue();
                    }

                    results.TryPeek(out _, out var worst);
                    bound = -worst;
                }
            }
        }
    }
}

/// <summary>Per-search state of <see cref="HnswIndex"/>, pooled so a query allocates nothing once warm.</summary>
internal sealed class HnswScratch(int capacity)
{
    public VisitedSet Visited { get; } = new(capacity);

    /// <summary>Frontier, nearest first.</summary>
    public PriorityQueue<int, float> Candidates { get; } = new();

    /// <summary>The ef best allowed nodes, worst first (priorities are negated distances).</summary>
    public PriorityQueue<int, float> Results { get; } = new();

    /// <summary>Empties <see cref="Results"/> into a list sorted nearest first (construction only).</summary>
    public List<(int Id, float Distance)> DrainSorted()
    {
        var sorted = new List<(int Id, float Distance)>(Results.Count);
        while (Results.TryDequeue(out var id, out var negated))
        {
            sorted.Add((id, -negated));
        }

        sorted.Reverse();
        return sorted;
    }
}
