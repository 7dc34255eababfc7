using System.Runtime.CompilerServices;

namespace Milvus.Akka.Index;

/// <summary>
/// Bounded selection of the k smallest distances over caller-owned storage (no allocation): a max-heap while
/// collecting, sorted best-first by <see cref="SortBestFirst"/>. Ties break on the smaller id so results are
/// reproducible. Callers with higher-is-better scores push the negated score.
/// </summary>
public ref struct TopK
{
    private readonly Span<int> _ids;
    private readonly Span<float> _distances;
    private int _count;

    public TopK(Span<int> ids, Span<float> distances)
    {
        if (ids.Length != distances.Length)
        {
            throw new ArgumentException("ids and distances must have the same length", nameof(distances));
        }

        _ids = ids;
        _distances = distances;
        _count = 0;
    }

    public readonly int Capacity => _ids.Length;

    public readonly int Count => _count;

    public readonly bool IsFull => _count == _ids.Length;

    /// <summary>The distance a new candidate must beat once the selection is full; +∞ before.</summary>
    public readonly float Threshold => IsFull && _count > 0 ? _distances[0] : float.PositiveInfinity;

    /// <summary>Offers a candidate; returns whether it was kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Push(int id, float distance)
    {
        if (_count < _ids.Length)
        {
            var i = _count++;
            SiftUp(i, id, distance);
            return true;
        }

        if (_count == 0 || !Worse(_distances[0], _ids[0], distance, id))
        {
            return false;
        }

        SiftDown(0, _count, id, distance);
        return true;
    }

    /// <summary>Sorts the kept candidates best first in place and returns how many there are; the heap is empty afterwards.</summary>
    public int SortBestFirst()
    {
        var n = _count;
        for (var end = n - 1; end > 0; end--)
        {
            var id = _ids[end];
            var distance = _distances[end];
            _ids[end] = _ids[0];
            _distances[end] = _distances[0];
            SiftDown(0, end, id, distance);
        }

        _count = 0;
        return n;
    }

    /// <summary>(d1, id1) ranks after (d2, id2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Worse(float d1, int id1, float d2, int id2) => d1 > d2 || (d1 == d2 && id1 > id2);

    private void SiftUp(int i, int id, float distance)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Worse(distance, id, _distances[parent], _ids[parent]))
            {
                break;
            }

            _ids[i] = _ids[parent];
            _distances[i] = _distances[parent];
            i = parent;
        }

        _ids[i] = id;
        _distances[i] = distance;
    }

    private void SiftDown(int i, int count, int id, float distance)
    {
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Worse(_distances[child + 1], _ids[child + 1], _distances[child], _ids[child]))
            {
                child++;
            }

            if (!Worse(_distances[child], _ids[child], distance, id))
            {
                break;
            }

            _ids[i] = _ids[child];
            _distances[i] = _distances[child];
            i = child;
        }

        _ids[i] = id;
        _distances[i] = distance;
    }
}
