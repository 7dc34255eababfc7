namespace Milvus.Akka.Index.Kernels;

/// <summary>
/// Batch-mode scan of float rows for many queries at once (IVF_FLAT lists, FLAT): the allowed rows are taken a
/// tile at a time, each tile stays in cache while every query passes over it four queries at a time
/// (<see cref="BlockKernels.Compute"/>), and in-range distances go to the queries' <see cref="Candidates"/>.
/// One instance per thread; it owns its buffers so a warm scan allocates nothing.
/// </summary>
internal sealed class BatchScanner
{
    /// <summary>Rows per tile: 32 rows of 784 floats are ~100 KB, comfortably inside a core's L2 cache.</summary>
    public const int TileRows = 32;

    private const int QueryBlock = 4;

    private readonly int[] _positions = new int[TileRows];
    private readonly float[] _distances = new float[QueryBlock * TileRows];
    private int[] _sequence = [];

    public QueryCandidates Candidates { get; } = new();

    /// <summary>0, 1, ..., n-1 (row positions of a plain matrix, or every query of a block).</summary>
    public ReadOnlySpan<int> Sequence(int n)
    {
        if (_sequence.Length < n)
        {
            _sequence = new int[Math.Max(n, 2 * _sequence.Length)];
            for (var i = 0; i < _sequence.Length; i++)
            {
                _sequence[i] = i;
            }
        }

        return _sequence.AsSpan(0, n);
    }

    /// <summary>
    /// Offers rows at positions [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="vectors"/>
    /// (row ids <c>ids[p]</c>, or the position itself when <paramref name="ids"/> is empty) to the candidates of
    /// each query in <paramref name="queryIndexes"/> (row-major in <paramref name="queries"/>, prepared).
    /// </summary>
    public void Scan(bool l2, ReadOnlySpan<float> vectors, ReadOnlySpan<int> ids, int start, int end, int dim,
        ReadOnlySpan<float> queries, ReadOnlySpan<int> queryIndexes, in QueryFilter filter)
    {
        var tile = 0;
        for (var p = start; p < end; p++)
        {
            if (!filter.Allows(ids.IsEmpty ? p : ids[p]))
            {
                continue;
            }

            _positions[tile++] = p;
            if (tile == TileRows)
            {
                ScanTile(l2, vectors, ids, tile, dim, queries, queryIndexes, filter);
                tile = 0;
            }
        }

        ScanTile(l2, vectors, ids, tile, dim, queries, queryIndexes, filter);
    }

    private void ScanTile(bool l2, ReadOnlySpan<float> vectors, ReadOnlySpan<int> ids, int tile, int dim,
        ReadOnlySpan<float> queries, ReadOnlySpan<int> queryIndexes, in QueryFilter filter)
    {
        if (tile == 0)
        {
            return;
        }

        var positions = _positions.AsSpan(0, tile);
        for (var j = 0; j < queryIndexes.Length; j += QueryBlock)
        {
            var block = queryIndexes.Slice(j, Math.Min(QueryBlock, queryIndexes.Length - j));
            BlockKernels.Compute(l2, vectors, positions, queries, block, dim, _distances, tile);
            for (var t = 0; t < block.Length; t++)
            {
                var query = block[t];
                var bound = Candidates.Bound(query);
                var distances = _distances.AsSpan(t * tile, tile);
                for (var r = 0; r < tile; r++)
                {
                    var distance = distances[r];
                    if (distance <= bound && filter.InRange(distance))
                    {
                        var position = positions[r];
                        Candidates.Add(query, ids.IsEmpty ? position : ids[position], distance);
                        bound = Candidates.Bound(query);
                    }
                }
            }
        }
    }
}
