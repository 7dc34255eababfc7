using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Milvus.Akka.Index.Hnsw;

/// <summary>The engine's internal distance (lower is better) as one step per vector lane, for the kernels below.</summary>
internal interface INodeMetric
{
    static abstract Vector256<float> Accumulate(Vector256<float> query, Vector256<float> row, Vector256<float> sum);

    static abstract float Accumulate(float query, float row, float sum);

    static abstract float Finish(float sum);
}

/// <summary>Squared Euclidean distance.</summary>
internal readonly struct SquaredL2 : INodeMetric
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Accumulate(Vector256<float> query, Vector256<float> row, Vector256<float> sum)
    {
        var difference = query - row;
        return Vector256.FusedMultiplyAdd(difference, difference, sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Accumulate(float query, float row, float sum)
    {
        var difference = query - row;
        return sum + (difference * difference);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Finish(float sum) => sum;
}

/// <summary>The negated dot product (IP, and COSINE over unit rows).</summary>
internal readonly struct NegatedDot : INodeMetric
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Accumulate(Vector256<float> query, Vector256<float> row, Vector256<float> sum) =>
        Vector256.FusedMultiplyAdd(query, row, sum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Accumulate(float query, float row, float sum) => sum + (query * row);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Finish(float sum) => -sum;
}

/// <summary>
/// Query-to-node distances for graph walks, four rows per pass: each query block is loaded once for four rows,
/// and four independent rows stream from memory at once, which is what a walk is bound by (every neighbour's
/// row is a cache miss). The one-row form accumulates in exactly the same order, so a pair gets the same distance
/// whichever form computes it. Callers pass references to rows of <c>dim</c> floats that are in bounds.
/// </summary>
internal static class NodeDistances
{
    private const int CacheLine = 64;
    private static readonly nuint Width = (nuint)Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float One<TMetric>(ref float query, ref float row, nuint dim)
        where TMetric : struct, INodeMetric
    {
        nuint i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            // Two accumulators (even and odd blocks) hide the FMA latency.
            var even = Vector256<float>.Zero;
            var odd = Vector256<float>.Zero;
            for (; i + (2 * Width) <= dim; i += 2 * Width)
            {
                even = TMetric.Accumulate(Vector256.LoadUnsafe(ref query, i), Vector256.LoadUnsafe(ref row, i), even);
                odd = TMetric.Accumulate(Vector256.LoadUnsafe(ref query, i + Width), Vector256.LoadUnsafe(ref row, i + Width), odd);
            }

            if (i + Width <= dim)
            {
                even = TMetric.Accumulate(Vector256.LoadUnsafe(ref query, i), Vector256.LoadUnsafe(ref row, i), even);
                i += Width;
            }

            sum = Vector256.Sum(even + odd);
        }

        for (; i < dim; i++)
        {
            sum = TMetric.Accumulate(Unsafe.Add(ref query, i), Unsafe.Add(ref row, i), sum);
        }

        return TMetric.Finish(sum);
    }

    /// <summary>Writes the distances from the query to rows 0..3 to <paramref name="distances"/>[0..3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Four<TMetric>(ref float query, ref float row0, ref float row1, ref float row2, ref float row3, nuint dim,
        ref float distances)
        where TMetric : struct, INodeMetric
    {
        if (!Vector256.IsHardwareAccelerated)
        {
            distances = One<TMetric>(ref query, ref row0, dim);
            Unsafe.Add(ref distances, 1) = One<TMetric>(ref query, ref row1, dim);
            Unsafe.Add(ref distances, 2) = One<TMetric>(ref query, ref row2, dim);
            Unsafe.Add(ref distances, 3) = One<TMetric>(ref query, ref row3, dim);
            return;
        }

        var even0 = Vector256<float>.Zero;
        var even1 = Vector256<float>.Zero;
        var even2 = Vector256<float>.Zero;
        var even3 = Vector256<float>.Zero;
        var odd0 = Vector256<float>.Zero;
        var odd1 = Vector256<float>.Zero;
        var odd2 = Vector256<float>.Zero;
        var odd3 = Vector256<float>.Zero;
        nuint i = 0;
        for (; i + (2 * Width) <= dim; i += 2 * Width)
        {
            var q = Vector256.LoadUnsafe(ref query, i);
            even0 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row0, i), even0);
            even1 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row1, i), even1);
            even2 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row2, i), even2);
            even3 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row3, i), even3);
            q = Vector256.LoadUnsafe(ref query, i + Width);
            odd0 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row0, i + Width), odd0);
            odd1 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row1, i + Width), odd1);
            odd2 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row2, i + Width), odd2);
            odd3 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row3, i + Width), odd3);
        }

        if (i + Width <= dim)
        {
            var q = Vector256.LoadUnsafe(ref query, i);
            even0 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row0, i), even0);
            even1 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row1, i), even1);
            even2 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row2, i), even2);
            even3 = TMetric.Accumulate(q, Vector256.LoadUnsafe(ref row3, i), even3);
            i += Width;
        }

        var sum0 = Vector256.Sum(even0 + odd0);
        var sum1 = Vector256.Sum(even1 + odd1);
        var sum2 = Vector256.Sum(even2 + odd2);
        var sum3 = Vector256.Sum(even3 + odd3);
        for (; i < dim; i++)
        {
            var q = Unsafe.Add(ref query, i);
            sum0 = TMetric.Accumulate(q, Unsafe.Add(ref row0, i), sum0);
            sum1 = TMetric.Accumulate(q, Unsafe.Add(ref row1, i), sum1);
            sum2 = TMetric.Accumulate(q, Unsafe.Add(ref row2, i), sum2);
            sum3 = TMetric.Accumulate(q, Unsafe.Add(ref row3, i), sum3);
        }

        distances = TMetric.Finish(sum0);
        Unsafe.Add(ref distances, 1) = TMetric.Finish(sum1);
        Unsafe.Add(ref distances, 2) = TMetric.Finish(sum2);
        Unsafe.Add(ref distances, 3) = TMetric.Finish(sum3);
    }

    /// <summary>
    /// Hints the CPU to load <paramref name="bytes"/> from <paramref name="start"/> (a row's head, a link block):
    /// graph walks jump between rows, so the hardware prefetcher only catches up once a row is being read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T start, int bytes)
    {
        if (Sse.IsSupported)
        {
            // A prefetch never faults, so an address that a compacting GC has just made stale is harmless.
            var head = (byte*)Unsafe.AsPointer(ref start);
            for (var offset = 0; offset < bytes; offset += CacheLine)
            {
                Sse.Prefetch0(head + offset);
            }
        }
    }
}
