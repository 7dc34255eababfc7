using System.Runtime.CompilerServices;

namespace Milvus.Akka.Index.Kernels;

/// <summary>
/// The running top-k of many queries at once, for batch scans that visit a query's rows in several passes: each
/// query appends candidates to its own buffer while they are no worse than its current k-th best distance
/// (<see cref="Bound"/>); a full buffer is cut back to its k best with <see cref="TopK"/>. Every row of the true
/// top-k is always admitted, so <see cref="DrainInto"/> followed by the usual selection gives exactly the result
/// of pushing every row into one <see cref="TopK"/>.
/// </summary>
internal sealed class QueryCandidates
{
    /// <summary>Room beyond k, so cutting back (O(capacity log k)) happens once per this many admitted rows.</summary>
    private const int Slack = 32;

    private int[] _ids = [];
    private float[] _distances = [];
    private int[] _counts = [];
    private float[] _bounds = [];
    private int[] _keptIds = [];
    private float[] _keptDistances = [];
    private int _k;
    private int _capacity;

    /// <summary>Per-query buffer size for a top-<paramref name="k"/>; callers size their query blocks with it.</summary>
    public static int CapacityFor(int k) => k + Math.Max(k, Slack);

    /// <summary>Empties the buffers of <paramref name="queries"/> queries collecting a top-<paramref name="k"/> each.</summary>
    public void Reset(int queries, int k)
    {
        _k = k;
        _capacity = CapacityFor(k);
        var size = queries * _capacity;
        if (_ids.Length < size)
        {
            _ids = new int[size];
            _distances = new float[size];
        }

        if (_counts.Length < queries)
        {
            _counts = new int[queries];
            _bounds = new float[queries];
        }

        if (_keptIds.Length < k)
        {
            _keptIds = new int[k];
            _keptDistances = new float[k];
        }

        _counts.AsSpan(0, queries).Clear();
        _bounds.AsSpan(0, queries).Fill(float.PositiveInfinity);
    }

    /// <summary>The distance a row must not exceed to be admitted for <paramref name="query"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Bound(int query) => _bounds[query];

    /// <summary>Whether <paramref name="query"/> has at least k candidates (its top-k would be full).</summary>
    public bool HasK(int query) => _counts[query] >= _k;

    /// <summary>Appends a candidate; the caller has checked <c>distance &lt;= Bound(query)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int query, int id, float distance)
    {
        var count = _counts[query];
        var slot = (query * _capacity) + count;
        _ids[slot] = id;
        _distances[slot] = distance;
        _counts[query] = ++count;
        if (count == _capacity)
        {
            CutBack(query);
        }
    }

    /// <summary>Offers every candidate of <paramref name="query"/> to <paramref name="top"/>.</summary>
    public void DrainInto(int query, ref TopK top)
    {
        var start = query * _capacity;
        for (int slot = start, end = start + _counts[query]; slot < end; slot++)
        {
            top.Push(_ids[slot], _distances[slot]);
        }
    }

    private void CutBack(int query)
    {
        var kept = new TopK(_keptIds.AsSpan(0, _k), _keptDistances.AsSpan(0, _k));
        DrainInto(query, ref kept);
        var count = kept.SortBestFirst();
        var start = query * _capacity;
        _keptIds.AsSpan(0, count).CopyTo(_ids.AsSpan(start));
        _keptDistances.AsSpan(0, count).CopyTo(_distances.AsSpan(start));
        _counts[query] = count;
        _bounds[query] = _keptDistances[count - 1];
    }
}
