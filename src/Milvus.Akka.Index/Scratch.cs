using System.Runtime.CompilerServices;

namespace Milvus.Akka.Index;

/// <summary>A small lock-guarded pool so per-query scratch (visited sets, heaps, tables) is reused, not reallocated.</summary>
internal sealed class ScratchPool<T>(Func<T> create)
    where T : class
{
    private readonly Stack<T> _free = new();

    public T Rent()
    {
        lock (_free)
        {
            if (_free.TryPop(out var item))
            {
                return item;
            }
        }

        return create();
    }

    public void Return(T item)
    {
        lock (_free)
        {
            _free.Push(item);
        }
    }
}

/// <summary>
/// A visited set cleared in O(1): a slot counts as visited when it holds the current epoch, so starting a new
/// search only increments the epoch. Marks are 16-bit (as in hnswlib) to halve the cache footprint of a walk's
/// scattered reads; the array is wiped once every 65,534 searches.
/// </summary>
internal sealed class VisitedSet(int capacity)
{
    private readonly ushort[] _marks = new ushort[capacity];
    private ushort _epoch;

    public void Reset()
    {
        if (++_epoch == ushort.MaxValue)
        {
            Array.Clear(_marks);
            _epoch = 1;
        }
    }

    /// <summary>Marks <paramref name="id"/>; false when it was already visited in this epoch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryVisit(int id)
    {
        ref var mark = ref _marks[id];
        if (mark == _epoch)
        {
            return false;
        }

        mark = _epoch;
        return true;
    }
}
