using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Syntax;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// Column-at-a-time kernels that write 64 rows per bitset word: SIMD comparisons (Vector256 masks packed with
/// ExtractMostSignificantBits); bool[] to bit packing is <see cref="Bitset.FromBools"/>.
/// </summary>
internal static class BitKernels
{
    /// <summary>
    /// The bitset's words, writable. Common's Bitset exposes them read-only; filling whole words is what makes the
    /// kernels fast, so this is the single place that writes through them (bits past Length are never set).
    /// </summary>
    public static Span<ulong> WritableWords(Bitset bits) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(bits.Words), bits.Words.Length);

    public static Bitset Compare<T>(ReadOnlySpan<T> left, CompareOperator op, T right) where T : unmanaged, INumber<T> => op switch
    {
        CompareOperator.Equal => Run<T, EqualOp>(left, right),
        CompareOperator.NotEqual => Run<T, NotEqualOp>(left, right),
        CompareOperator.Greater => Run<T, GreaterOp>(left, right),
        CompareOperator.GreaterOrEqual => Run<T, GreaterOrEqualOp>(left, right),
        CompareOperator.Less => Run<T, LessOp>(left, right),
        _ => Run<T, LessOrEqualOp>(left, right),
    };

    public static Bitset Compare<T>(ReadOnlySpan<T> left, CompareOperator op, ReadOnlySpan<T> right) where T : unmanaged, INumber<T> => op switch
    {
        CompareOperator.Equal => Run<T, EqualOp>(left, right),
        CompareOperator.NotEqual => Run<T, NotEqualOp>(left, right),
        CompareOperator.Greater => Run<T, GreaterOp>(left, right),
        CompareOperator.GreaterOrEqual => Run<T, GreaterOrEqualOp>(left, right),
        CompareOperator.Less => Run<T, LessOp>(left, right),
        _ => Run<T, LessOrEqualOp>(left, right),
    };

    private static Bitset Run<T, TOp>(ReadOnlySpan<T> left, T right) where T : unmanaged, INumber<T> where TOp : struct, IComparison
    {
        var result = new Bitset(left.Length);
        var words = WritableWords(result);
        var broadcast = Vector256.Create(right);
        var lanes = Vector256<T>.Count;
        ref var first = ref MemoryMarshal.GetReference(left);
        for (var w = 0; w < words.Length; w++)
        {
            var start = w << 6;
            var count = Math.Min(64, left.Length - start);
            ulong word = 0;
            if (count == 64 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                for (var i = 0; i < 64; i += lanes)
                {
                    var mask = TOp.Apply(Vector256.LoadUnsafe(ref first, (nuint)(start + i)), broadcast);
                    word |= (ulong)mask.ExtractMostSignificantBits() << i;
                }
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    word |= (ulong)(TOp.Apply(left[start + i], right) ? 1 : 0) << i;
                }
            }

            words[w] = word;
        }

        return result;
    }

    private static Bitset Run<T, TOp>(ReadOnlySpan<T> left, ReadOnlySpan<T> right) where T : unmanaged, INumber<T> where TOp : struct, IComparison
    {
        var result = new Bitset(left.Length);
        var words = WritableWords(result);
        var lanes = Vector256<T>.Count;
        ref var firstLeft = ref MemoryMarshal.GetReference(left);
        ref var firstRight = ref MemoryMarshal.GetReference(right);
        for (var w = 0; w < words.Length; w++)
        {
            var start = w << 6;
            var count = Math.Min(64, left.Length - start);
            ulong word = 0;
            if (count == 64 && Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                for (var i = 0; i < 64; i += lanes)
                {
                    var offset = (nuint)(start + i);
                    var mask = TOp.Apply(Vector256.LoadUnsafe(ref firstLeft, offset), Vector256.LoadUnsafe(ref firstRight, offset));
                    word |= (ulong)mask.ExtractMostSignificantBits() << i;
                }
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    word |= (ulong)(TOp.Apply(left[start + i], right[start + i]) ? 1 : 0) << i;
                }
            }

            words[w] = word;
        }

        return result;
    }

    /// <summary>One comparison operator, in scalar and vector form, selected at compile time through a struct type argument.</summary>
    private interface IComparison
    {
        static abstract bool Apply<T>(T left, T right) where T : INumber<T>;

        static abstract Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right);
    }

    private readonly struct EqualOp : IComparison
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Apply<T>(T left, T right) where T : INumber<T> => left == right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right) => Vector256.Equals(left, right);
    }

    private readonly struct NotEqualOp : IComparison
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Apply<T>(T left, T right) where T : INumber<T> => left != right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right) => ~Vector256.Equals(left, right);
    }

    private readonly struct GreaterOp : IComparison
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Apply<T>(T left, T right) where T : INumber<T> => left > right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right) => Vector256.GreaterThan(left, right);
    }

    private readonly struct GreaterOrEqualOp : IComparison
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Apply<T>(T left, T right) where T : INumber<T> => left >= right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right) => Vector256.GreaterThanOrEqual(left, right);
    }

    private readonly struct LessOp : IComparison
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Apply<T>(T left, T right) where T : INumber<T> => left < right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right) => Vector256.LessThan(left, right);
    }

    private readonly struct LessOrEqualOp : IComparison
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool Apply<T>(T left, T right) where T : INumber<T> => left <= right;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> left, Vector256<T> right) => Vector256.LessThanOrEqual(left, right);
    }
}
