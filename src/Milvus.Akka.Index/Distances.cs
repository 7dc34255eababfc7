using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Kernels;

namespace Milvus.Akka.Index;

/// <summary>
/// Distance kernels shared by every index, the segment scans and the proxy's reduce. L2 is squared Euclidean;
/// HAMMING counts differing bits; JACCARD is 1 - |a AND b| / |a OR b| over packed bits (0 for two empty vectors).
/// </summary>
public static class Distances
{
    /// <summary>Dot product, vectorised (see <see cref="L2Squared"/> for the summation order).</summary>
    public static float InnerProduct(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        return BlockKernels.Dot(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), (nuint)a.Length);
    }

    /// <summary>Cosine similarity; 0 when either vector is zero (Milvus treats a zero vector as orthogonal to everything).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var norms = MathF.Sqrt(TensorPrimitives.Dot(a, a) * TensorPrimitives.Dot(b, b));
        return norms == 0 ? 0 : TensorPrimitives.Dot(a, b) / norms;
    }

    /// <summary>
    /// Squared Euclidean distance. One fixed 256-bit summation order shared with the batch kernels
    /// (<see cref="BlockKernels"/>), so a query scores identically alone or in a batch; 512-bit registers would
    /// not help, as a single-pair scan is bound by memory bandwidth.
    /// </summary>
    public static float L2Squared(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        return BlockKernels.L2(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), (nuint)a.Length);
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
        CheckLengths(a.Length, b.Length);

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
        CheckLengths(a.Length, b.Length);

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

    /// <summary>
    /// MHJACCARD: the share of the 32-bit values of two MinHash signatures that agree (a signature of a text with no
    /// shingles agrees with another only where both are at their maximum).
    /// </summary>
    public static float MhJaccard(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        CheckLengths(a.Length, b.Length);
        var wa = MemoryMarshal.Cast<byte, uint>(a);
        var wb = MemoryMarshal.Cast<byte, uint>(b);
        if (wa.IsEmpty)
        {
            return 0;
        }

        var equal = 0;
        var i = 0;
        for (; i + Vector256<uint>.Count <= wa.Length; i += Vector256<uint>.Count)
        {
            var same = Vector256.Equals(Vector256.Create(wa.Slice(i, Vector256<uint>.Count)), Vector256.Create(wb.Slice(i, Vector256<uint>.Count)));
            equal += BitOperations.PopCount(same.ExtractMostSignificantBits());
        }

        for (; i < wa.Length; i++)
        {
            equal += wa[i] == wb[i] ? 1 : 0;
        }

        return (float)equal / wa.Length;
    }

    /// <summary>The score Milvus reports for two float vectors under <paramref name="metric"/> (L2 squared, IP dot, COSINE similarity).</summary>
    public static float Score(MetricType metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        MetricType.L2 => L2Squared(a, b),
        MetricType.IP => InnerProduct(a, b),
        MetricType.Cosine => Cosine(a, b),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metric.ToMilvusName()} does not apply to float vectors"),
    };

    /// <summary>The score Milvus reports for two packed binary vectors under HAMMING, JACCARD or MHJACCARD.</summary>
    public static float Score(MetricType metric, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => metric switch
    {
        MetricType.Hamming => Hamming(a, b),
        MetricType.Jaccard => Jaccard(a, b),
        MetricType.MhJaccard => MhJaccard(a, b),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metric.ToMilvusName()} does not apply to binary vectors"),
    };

    private static void CheckLengths(int a, int b)
    {
        if (a != b)
        {
            throw new ArgumentException($"vector lengths differ: {a} and {b}", nameof(b));
        }
    }
}
