using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>
/// Rescores one segment's top-k by a <see cref="SearchBoost"/> and re-ranks it, as a Milvus segment does before its
/// hits are merged with other segments' (so a boost reorders the candidates the vector search found; it never brings
/// in a row outside them).
/// </summary>
public static class Boosting
{
    /// <summary>
    /// Boosts the hits in <paramref name="offsets"/> and <paramref name="scores"/>: <paramref name="nq"/> slots of
    /// <paramref name="topK"/> hits each, best first, a slot's hits ended by offset -1. <paramref name="rows"/> are the
    /// segment's rows the offsets point into.
    /// </summary>
    public static void Apply(SearchBoost boost, RowBatch rows, CollectionSchema schema, long segmentId, MetricType metric,
        int nq, int topK, int[] offsets, float[] scores)
    {
        var hitSlots = new List<int>(offsets.Length);
        for (var slot = 0; slot < offsets.Length; slot++)
        {
            if (offsets[slot] >= 0)
            {
                hitSlots.Add(slot);
            }
        }

        if (hitSlots.Count == 0)
        {
            return;
        }

        var hitRows = hitSlots.Select(slot => offsets[slot]).ToArray();
        var boosts = new float[hitRows.Length];
        var boosted = new bool[hitRows.Length];
        foreach (var scorer in boost.Scorers)
        {
            // The filter reads only the hits' rows of the fields it references, not the segment.
            var matched = scorer.Filter?.For(schema) is { } filter
                ? filter.Evaluate(rows.Select(filter.ReferencedFieldIds).Gather(hitRows))
                : null;
            var seeds = scorer.Random?.FieldId is { } fieldId ? rows[fieldId] as ScalarColumn<long>
                ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"the random score of a boost needs an Int64 field; field {fieldId} is not one") : null;
            for (var hit = 0; hit < hitRows.Length; hit++)
            {
                if (matched is not null && !matched[hit])
                {
                    continue;
                }

                var value = scorer.Random is { } random
                    ? (float)(RandomUnit(RandomKey(seeds, hitRows[hit], segmentId), (ulong)random.Seed) * scorer.Weight)
                    : scorer.Weight;
                boosts[hit] = boosted[hit] ? Combine(boosts[hit], value, boost.FunctionMode) : value;
                boosted[hit] = true;
            }
        }

        for (var hit = 0; hit < hitRows.Length; hit++)
        {
            if (boosted[hit])
            {
                scores[hitSlots[hit]] = Combine(scores[hitSlots[hit]], boosts[hit], boost.Mode);
            }
        }

        Rerank(metric, nq, topK, offsets, scores);
    }

    private static ulong RandomKey(ScalarColumn<long>? seeds, int row, long segmentId) => seeds is null
        ? (ulong)row + (ulong)segmentId
        : seeds.IsNull(row) ? 0 : (ulong)seeds.Values[row];

    private static float Combine(float a, float b, BoostCombination mode) => mode == BoostCombination.Multiply ? a * b : a + b;

    /// <summary>Sorts each query's hits by score again, best first for the metric.</summary>
    private static void Rerank(MetricType metric, int nq, int topK, int[] offsets, float[] scores)
    {
        var higherIsBetter = metric.HigherIsBetter();
        for (var q = 0; q < nq; q++)
        {
            var start = q * topK;
            var count = 0;
            while (count < topK && offsets[start + count] >= 0)
            {
                count++;
            }

            var keys = scores.AsSpan(start, count);
            var items = offsets.AsSpan(start, count);
            if (higherIsBetter)
            {
                keys.Sort(items, static (a, b) => b.CompareTo(a));
            }
            else
            {
                keys.Sort(items);
            }
        }
    }

    /// <summary>
    /// A number in [0, 1) from a 64-bit key and seed, the one Milvus's boost random score takes: MurmurHash3 x64's
    /// 128-bit hash of the 16 bytes (key, seed) with key ^ seed as its first lane, whose low 52 bits become a double's mantissa.
    /// </summary>
    public static double RandomUnit(ulong key, ulong seed)
    {
        const ulong c1 = 0x87c37b91114253d5;
        const ulong c2 = 0x4cf5ad432745937f;
        var h1 = key ^ seed;
        var h2 = seed;

        var k1 = ulong.RotateLeft(key * c1, 31) * c2;
        h1 ^= k1;
        h1 = (ulong.RotateLeft(h1, 27) + h2) * 5 + 0x52dce729;
        var k2 = ulong.RotateLeft(seed * c2, 33) * c1;
        h2 ^= k2;
        h2 = (ulong.RotateLeft(h2, 31) + h1) * 5 + 0x38495ab5;

        h1 ^= 16;
        h2 ^= 16;
        h1 += h2;
        h2 += h1;
        h1 = Mix(h1);
        h2 = Mix(h2);
        h1 += h2;

        return BitConverter.UInt64BitsToDouble((0x3FFUL << 52) | (h1 & 0xFFFFFFFFFFFFF)) - 1.0;
    }

    private static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccd;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53;
        k ^= k >> 33;
        return k;
    }
}
