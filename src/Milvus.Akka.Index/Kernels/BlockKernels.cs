using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Milvus.Akka.Index.Kernels;

/// <summary>
/// The float distance kernels of the engine: one pair (<see cref="L2"/>, <see cref="Dot"/>) and a block of
/// queries against a block of rows (<see cref="Compute"/>), which loads each row chunk once for four queries so
/// a batch scan is bound by arithmetic, not memory bandwidth. Both perform, per pair, exactly the same operations
/// in the same order (two 256-bit accumulators over even and odd chunks, one leftover chunk into the first, then
/// a scalar tail), so a query scores bit-identically alone or in a batch.
/// </summary>
internal static class BlockKernels
{
    private static readonly nuint Width = (nuint)Vector256<float>.Count;

    /// <summary>Squared Euclidean distance of <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float L2(ref float a, ref float b, nuint n)
    {
        nuint i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= Width)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + (2 * Width) <= n; i += 2 * Width)
            {
                var d0 = Vector256.LoadUnsafe(ref a, i) - Vector256.LoadUnsafe(ref b, i);
                var d1 = Vector256.LoadUnsafe(ref a, i + Width) - Vector256.LoadUnsafe(ref b, i + Width);
                acc0 = Vector256.FusedMultiplyAdd(d0, d0, acc0);
                acc1 = Vector256.FusedMultiplyAdd(d1, d1, acc1);
            }

            for (; i + Width <= n; i += Width)
            {
                var d = Vector256.LoadUnsafe(ref a, i) - Vector256.LoadUnsafe(ref b, i);
                acc0 = Vector256.FusedMultiplyAdd(d, d, acc0);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            var d = Unsafe.Add(ref a, i) - Unsafe.Add(ref b, i);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Dot product of <paramref name="n"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, nuint n)
    {
        nuint i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated && n >= Width)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + (2 * Width) <= n; i += 2 * Width)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, i + Width), Vector256.LoadUnsafe(ref b, i + Width), acc1);
            }

            for (; i + Width <= n; i += Width)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, i), Vector256.LoadUnsafe(ref b, i), acc0);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>
    /// Internal distances (squared L2, or the negated dot product) of the queries <paramref name="queryIndexes"/>
    /// (row-major in <paramref name="queries"/>) to the rows <paramref name="positions"/> (row-major in
    /// <paramref name="rows"/>): <c>output[j * outputStride + r]</c> for the j-th query and r-th row. Callers keep
    /// the rows a few dozen at a time so they stay in cache while every query passes over them.
    /// </summary>
    public static void Compute(bool l2, ReadOnlySpan<float> rows, ReadOnlySpan<int> positions, ReadOnlySpan<float> queries,
        ReadOnlySpan<int> queryIndexes, int dim, Span<float> output, int outputStride)
    {
        var nq = queryIndexes.Length;
        var nr = positions.Length;
        if (nq == 0 || nr == 0)
        {
            return;
        }

        // The loops below read through unchecked references, so every index is validated once up front.
        if (((long)(nq - 1) * outputStride) + nr > output.Length || (nq > 1 && nr > outputStride))
        {
            throw new ArgumentException("output is too small for the block", nameof(output));
        }

        if (!AllBelow(positions, rows.Length / dim) || !AllBelow(queryIndexes, queries.Length / dim))
        {
            throw new ArgumentOutOfRangeException(nameof(positions), "a row or query index is outside its matrix");
        }

        ref var rowBase = ref MemoryMarshal.GetReference(rows);
        ref var queryBase = ref MemoryMarshal.GetReference(queries);
        var n = (nuint)dim;
        for (var j = 0; j < nq; j += 4)
        {
            // A short last block repeats its final query; the extra results are not written.
            var valid = Math.Min(4, nq - j);
            ref var q0 = ref Unsafe.Add(ref queryBase, (nint)queryIndexes[j] * dim);
            ref var q1 = ref Unsafe.Add(ref queryBase, (nint)queryIndexes[j + Math.Min(1, valid - 1)] * dim);
            ref var q2 = ref Unsafe.Add(ref queryBase, (nint)queryIndexes[j + Math.Min(2, valid - 1)] * dim);
            ref var q3 = ref Unsafe.Add(ref queryBase, (nint)queryIndexes[j + valid - 1] * dim);
            for (var r = 0; r < nr; r++)
            {
                ref var row = ref Unsafe.Add(ref rowBase, (nint)positions[r] * dim);
                if (valid == 1)
                {
                    var single = l2 ? L2(ref q0, ref row, n) : -Dot(ref q0, ref row, n);
                    output[(j * outputStride) + r] = single;
                    continue;
                }

                var d = l2 ? L2x4(ref row, ref q0, ref q1, ref q2, ref q3, n) : -Dotx4(ref row, ref q0, ref q1, ref q2, ref q3, n);
                var at = (j * outputStride) + r;
                for (var t = 0; t < valid; t++)
                {
                    output[at + (t * outputStride)] = d.GetElement(t);
                }
            }
        }
    }

    private static bool AllBelow(ReadOnlySpan<int> indexes, int count)
    {
        foreach (var index in indexes)
        {
            if ((uint)index >= (uint)count)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Four <see cref="L2"/>(q_t, row) at once, each with exactly <see cref="L2"/>'s operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> L2x4(ref float row, ref float q0, ref float q1, ref float q2, ref float q3, nuint n)
    {
        if (!Vector256.IsHardwareAccelerated || n < Width)
        {
            return Vector128.Create(L2(ref q0, ref row, n), L2(ref q1, ref row, n), L2(ref q2, ref row, n), L2(ref q3, ref row, n));
        }

        nuint i = 0;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (; i + (2 * Width) <= n; i += 2 * Width)
        {
            var r0 = Vector256.LoadUnsafe(ref row, i);
            var r1 = Vector256.LoadUnsafe(ref row, i + Width);
            var d = Vector256.LoadUnsafe(ref q0, i) - r0;
            a00 = Vector256.FusedMultiplyAdd(d, d, a00);
            d = Vector256.LoadUnsafe(ref q0, i + Width) - r1;
            a01 = Vector256.FusedMultiplyAdd(d, d, a01);
            d = Vector256.LoadUnsafe(ref q1, i) - r0;
            a10 = Vector256.FusedMultiplyAdd(d, d, a10);
            d = Vector256.LoadUnsafe(ref q1, i + Width) - r1;
            a11 = Vector256.FusedMultiplyAdd(d, d, a11);
            d = Vector256.LoadUnsafe(ref q2, i) - r0;
            a20 = Vector256.FusedMultiplyAdd(d, d, a20);
            d = Vector256.LoadUnsafe(ref q2, i + Width) - r1;
            a21 = Vector256.FusedMultiplyAdd(d, d, a21);
            d = Vector256.LoadUnsafe(ref q3, i) - r0;
            a30 = Vector256.FusedMultiplyAdd(d, d, a30);
            d = Vector256.LoadUnsafe(ref q3, i + Width) - r1;
            a31 = Vector256.FusedMultiplyAdd(d, d, a31);
        }

        for (; i + Width <= n; i += Width)
        {
            var r0 = Vector256.LoadUnsafe(ref row, i);
            var d = Vector256.LoadUnsafe(ref q0, i) - r0;
            a00 = Vector256.FusedMultiplyAdd(d, d, a00);
            d = Vector256.LoadUnsafe(ref q1, i) - r0;
            a10 = Vector256.FusedMultiplyAdd(d, d, a10);
            d = Vector256.LoadUnsafe(ref q2, i) - r0;
            a20 = Vector256.FusedMultiplyAdd(d, d, a20);
            d = Vector256.LoadUnsafe(ref q3, i) - r0;
            a30 = Vector256.FusedMultiplyAdd(d, d, a30);
        }

        float s0 = Vector256.Sum(a00 + a01), s1 = Vector256.Sum(a10 + a11), s2 = Vector256.Sum(a20 + a21), s3 = Vector256.Sum(a30 + a31);
        for (; i < n; i++)
        {
            var r = Unsafe.Add(ref row, i);
            var d = Unsafe.Add(ref q0, i) - r;
            s0 += d * d;
            d = Unsafe.Add(ref q1, i) - r;
            s1 += d * d;
            d = Unsafe.Add(ref q2, i) - r;
            s2 += d * d;
            d = Unsafe.Add(ref q3, i) - r;
            s3 += d * d;
        }

        return Vector128.Create(s0, s1, s2, s3);
    }

    /// <summary>Four <see cref="Dot"/>(q_t, row) at once, each with exactly <see cref="Dot"/>'s operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Dotx4(ref float row, ref float q0, ref float q1, ref float q2, ref float q3, nuint n)
    {
        if (!Vector256.IsHardwareAccelerated || n < Width)
        {
            return Vector128.Create(Dot(ref q0, ref row, n), Dot(ref q1, ref row, n), Dot(ref q2, ref row, n), Dot(ref q3, ref row, n));
        }

        nuint i = 0;
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
        for (; i + (2 * Width) <= n; i += 2 * Width)
        {
            var r0 = Vector256.LoadUnsafe(ref row, i);
            var r1 = Vector256.LoadUnsafe(ref row, i + Width);
            a00 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q0, i), r0, a00);
            a01 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q0, i + Width), r1, a01);
            a10 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q1, i), r0, a10);
            a11 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q1, i + Width), r1, a11);
            a20 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q2, i), r0, a20);
            a21 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q2, i + Width), r1, a21);
            a30 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q3, i), r0, a30);
            a31 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q3, i + Width), r1, a31);
        }

        for (; i + Width <= n; i += Width)
        {
            var r0 = Vector256.LoadUnsafe(ref row, i);
            a00 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q0, i), r0, a00);
            a10 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q1, i), r0, a10);
            a20 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q2, i), r0, a20);
            a30 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref q3, i), r0, a30);
        }

        float s0 = Vector256.Sum(a00 + a01), s1 = Vector256.Sum(a10 + a11), s2 = Vector256.Sum(a20 + a21), s3 = Vector256.Sum(a30 + a31);
        for (; i < n; i++)
        {
            var r = Unsafe.Add(ref row, i);
            s0 += Unsafe.Add(ref q0, i) * r;
            s1 += Unsafe.Add(ref q1, i) * r;
            s2 += Unsafe.Add(ref q2, i) * r;
            s3 += Unsafe.Add(ref q3, i) * r;
        }

        return Vector128.Create(s0, s1, s2, s3);
    }
}
