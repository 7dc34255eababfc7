using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// Distance kernels shared by every index, the segment scans and the proxy's reduce. L2 is squared Euclidean;
/// HAMMING counts differing bits; JACCARD is 1 - |a AND b| / |a OR b| over packed bits (0 for two empty vectors).
/// </summary>
public static class Distances
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float InnerProduct(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    /// <summary>Cosine similarity; 0 when either vector is zero (Milvus treats a zero vector as orthogonal to everything).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var norms = MathF.Sqrt(TensorPrimitives.Dot(a, a) * TensorPrimitives.Dot(b, b));
        return norms == 0 ? 0 : TensorPrimitives.Dot(a, b) / norms;
    }

    /// <summary>Squared Euclidean distance, vectorised with the widest available registers.</summary>
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vector lengths differ: {a.Length} and {b.Length}", nameof(b));
        }

        ref var pa = ref MemoryMarshal.GetReference(a);
        ref var pb = ref MemoryMarshal.GetReference(b);
        var n = (nuint)a.Length;
        nuint i = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            for (; i + (nuint)Vector512<float>.Count <= n; i += (nuint)Vector512<float>.Count)
            {
                var d = Vector512.LoadUnsafe(ref pa, i) - Vector512.LoadUnsafe(ref pb, i);
                acc = Vector512.FusedMultiplyAdd(d, d, acc);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<float>.Count)
        {
            // Two accumulators hide the FMA latency on AVX2 machines.
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            var width = (nuint)Vector256<float>.Count;
            for (; i + 2 * width <= n; i += 2 * width)
            {
                var d0 = Vector256.LoadUnsafe(ref pa, i) - Vector256.LoadUnsafe(ref pb, i);
                var d1 = Vector256.LoadUnsafe(ref pa, i + width) - Vector256.LoadUnsafe(ref pb, i + width);
                acc0 = Vector256.FusedMultiplyAdd(d0, d0, acc0);
                acc1 = Vector256.FusedMultiplyAdd(d1, d1, acc1);
            }

            for (; i + width <= n; i += width)
            {
                var d = Vector256.LoadUnsafe(ref pa, i) - Vector256.LoadUnsafe(ref pb, i);
                acc0 = Vector256.FusedMultiplyAdd(d, d, acc0);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }
        else
        {
            sum = 0;
        }

        for (; i < n; i++)
        {
            var d = Unsafe.Add(ref pa, i) - Unsafe.Add(ref pb, i);
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Scales <paramref name="vector"/> to unit length in place; a zero vector stays zero.</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>Normalises each of the <c>rows.Length / dim</c> rows in place.</summary>
    public static void NormalizeRows(Span<float> rows, int dim)
    {
        for (var offset = 0; offset + dim <= rows.Length; offset += dim)
        {
            Normalize(rows.Slice(offset, dim));
        }
    }

    public static int Hamming(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vector lengths differ: {a.Length} and {b.Length}", nameof(b));
        }

        var wa = MemoryMarshal.Cast<byte, ulong>(a);
        var wb = MemoryMarshal.Cast<byte, ulong>(b);
        var count = 0;
        for (var i = 0; i < wa.Length; i++)
        {
            count += BitOperations.PopCount(wa[i] ^ wb[i]);
        }

        for (var i = wa.Length * sizeof(ulong); i < a.Length; i++)
        {
            count += BitOperations.PopCount((uint)(a[i] ^ b[i]));
        }

        return count;
    }

    public static float Jaccard(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vector lengths differ: {a.Length} and {b.Length}", nameof(b));
        }

        var wa = MemoryMarshal.Cast<byte, ulong>(a);
        var wb = MemoryMarshal.Cast<byte, ulong>(b);
        int both = 0, either = 0;
        for (var i = 0; i < wa.Length; i++)
        {
            both += BitOperations.PopCount(wa[i] & wb[i]);
            either += BitOperations.PopCount(wa[i] | wb[i]);
        }

        for (var i = wa.Length * sizeof(ulong); i < a.Length; i++)
        {
            both += BitOperations.PopCount((uint)(a[i] & b[i]));
            either += BitOperations.PopCount((uint)(a[i] | b[i]));
        }

        return either == 0 ? 0 : 1f - (float)both / either;
    }

    /// <summary>The score Milvus reports for two float vectors under <paramref name="metric"/> (L2 squared, IP dot, COSINE similarity).</summary>
    public static float Score(MetricType metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        MetricType.L2 => L2Squared(a, b),
        MetricType.IP => InnerProduct(a, b),
        MetricType.Cosine => Cosine(a, b),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metric.ToMilvusName()} does not apply to float vectors"),
    };

    /// <summary>The score Milvus reports for two packed binary vectors under HAMMING or JACCARD.</summary>
    public static float Score(MetricType metric, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => metric switch
    {
        MetricType.Hamming => Hamming(a, b),
        MetricType.Jaccard => Jaccard(a, b),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metric.ToMilvusName()} does not apply to binary vectors"),
    };
}
