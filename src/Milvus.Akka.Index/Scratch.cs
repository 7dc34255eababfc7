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
/// search only increments the epoch (the array is wiped once every 2^31 searches).
/// </summary>
internal sealed class VisitedSet(int capacity)
{
    private readonly int[] _marks = new int[capacity];
    private int _epoch;

    public void Reset()
    {
        if (++_epoch == int.MaxValue)
        {
            Array.Clear(_marks);
            _epoch = 1;
        }
    }

    /// <summary>Marks <paramref name="id"/>; false when it was already visited in this epoch.</summary>
    public bool TryVisit(int id)
    {
        if (_marks[id] == _epoch)
        {
            return false;
        }

        _marks[id] = _epoch;
        return true;
    }
}
