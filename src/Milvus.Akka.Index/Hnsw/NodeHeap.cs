using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Milvus.Akka.Index.Hnsw;

/// <summary>
/// A graph node and its distance packed into one <see cref="ulong"/> whose unsigned order is (distance, id)
/// order, the pair order hnswlib's queues use. One integer compare per heap step replaces a float compare plus a
/// tie check, and a heap entry is 8 bytes.
/// </summary>
internal static class NodeKey
{
    private const uint SignBit = 0x8000_0000u;

    /// <summary>Packs a pair; ids must be non-negative. -0 orders before +0; NaN orders after +∞ (or before -∞ when negative).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Encode(float distance, int id)
    {
        // IEEE-754 bits order like sign-magnitude integers: flip all bits of negatives, only the sign of the rest.
        var bits = BitConverter.SingleToUInt32Bits(distance);
        bits ^= (uint)((int)bits >> 31) | SignBit;
        return ((ulong)bits << 32) | (uint)id;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(ulong key)
    {
        var bits = (uint)(key >> 32);
        bits ^= ((bits >> 31) - 1) | SignBit;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Id(ulong key) => (int)(uint)key;
}

/// <summary>
/// A binary min-heap of <see cref="NodeKey"/>s over a growable, reused array: the frontier of a graph search
/// (nearest first), and with complemented keys the bounded result set (worst first). Allocates only when it grows
/// past its largest size so far.
/// </summary>
internal sealed class NodeHeap(int initialCapacity = 64)
{
    private ulong[] _keys = new ulong[Math.Max(1, initialCapacity)];

    public int Count { get; private set; }

    public ulong Min => Count > 0 ? _keys[0] : throw new InvalidOperationException("the heap is empty");

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Push(ulong key)
    {
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, _keys.Length * 2);
        }

        ref var keys = ref MemoryMarshal.GetArrayDataReference(_keys);
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            var above = Unsafe.Add(ref keys, parent);
            if (above <= key)
            {
                break;
            }

            Unsafe.Add(ref keys, i) = above;
            i = parent;
        }

        Unsafe.Add(ref keys, i) = key;
    }

    public ulong PopMin()
    {
        var min = Min;
        var last = _keys[--Count];
        if (Count > 0)
        {
            SiftDown(last);
        }

        return min;
    }

    /// <summary>Replaces the minimum by <paramref name="key"/> in one pass (a pop and a push without the second sift).</summary>
    public void ReplaceMin(ulong key)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("the heap is empty");
        }

        SiftDown(key);
    }

    /// <summary>The keys in heap order (not sorted); valid until the next change.</summary>
    public ReadOnlySpan<ulong> Keys => _keys.AsSpan(0, Count);

    /// <summary>Places <paramref name="key"/> from the root down, keeping the heap order over [0, Count).</summary>
    private void SiftDown(ulong key)
    {
        ref var keys = ref MemoryMarshal.GetArrayDataReference(_keys);
        var count = Count;
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            var smaller = Unsafe.Add(ref keys, child);
            if (child + 1 < count && Unsafe.Add(ref keys, child + 1) < smaller)
            {
                smaller = Unsafe.Add(ref keys, ++child);
            }

            if (key <= smaller)
            {
                break;
            }

            Unsafe.Add(ref keys, i) = smaller;
            i = child;
        }

        Unsafe.Add(ref keys, i) = key;
    }
}
