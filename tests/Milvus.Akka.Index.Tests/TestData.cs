using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

/// <summary>Seeded data sets and an independent brute-force oracle (plain scalar loops in double precision).</summary>
internal static class TestData
{
    /// <summary>
    /// Vectors with a low intrinsic dimension, like real embeddings: an 8-dimensional Gaussian latent mapped to
    /// <paramref name="dim"/> dimensions by a random matrix, plus small noise.
    /// </summary>
    public static float[] Embeddings(int count, int dim, int seed)
    {
        var random = new Random(seed);
        const int latent = 8;
        var projection = new double[latent * dim];
        for (var i = 0; i < projection.Length; i++)
        {
            projection[i] = Gaussian(random);
        }

        var data = new float[count * dim];
        var z = new double[latent];
        for (var row = 0; row < count; row++)
        {
            for (var j = 0; j < latent; j++)
            {
                z[j] = Gaussian(random);
            }

            for (var d = 0; d < dim; d++)
            {
                var value = 0.1 * Gaussian(random);
                for (var j = 0; j < latent; j++)
                {
                    value += z[j] * projection[(j * dim) + d];
                }

                data[(row * dim) + d] = (float)value;
            }
        }

        return data;
    }

    public static byte[] Bits(int count, int dim, int seed)
    {
        // Rows drawn around 32 random prototypes with 10% of bits flipped, so neighbourhoods exist.
        var random = new Random(seed);
        var rowBytes = dim / 8;
        var prototypes = new byte[32 * rowBytes];
        random.NextBytes(prototypes);
        var data = new byte[count * rowBytes];
        for (var row = 0; row < count; row++)
        {
            var prototype = random.Next(32);
            for (var bit = 0; bit < dim; bit++)
            {
                var value = (prototypes[(prototype * rowBytes) + (bit >> 3)] >> (bit & 7)) & 1;
                if (random.NextDouble() < 0.1)
                {
                    value ^= 1;
                }

                data[(row * rowBytes) + (bit >> 3)] |= (byte)(value << (bit & 7));
            }
        }

        return data;
    }

    public static Bitset RandomAllow(int count, double fraction, int seed)
    {
        var random = new Random(seed);
        var allow = new Bitset(count);
        for (var i = 0; i < count; i++)
        {
            allow[i] = random.NextDouble() < fraction;
        }

        return allow;
    }

    public static double Score(MetricType metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, aa = 0, bb = 0, l2 = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
            l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        }

        return metric switch
        {
            MetricType.L2 => l2,
            MetricType.IP => dot,
            MetricType.Cosine => aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb),
            _ => throw new ArgumentOutOfRangeException(nameof(metric)),
        };
    }

    public static double Score(MetricType metric, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (metric == MetricType.MhJaccard)
        {
            // Whole 4-byte values compared byte by byte.
            var agree = 0;
            for (var v = 0; v < a.Length; v += 4)
            {
                agree += a.Slice(v, 4).SequenceEqual(b.Slice(v, 4)) ? 1 : 0;
            }

            return agree / (a.Length / 4.0);
        }

        // Byte-wise population counts: independent of the library's word-wise kernel.
        int differ = 0, both = 0, either = 0;
        for (var i = 0; i < a.Length; i++)
        {
            differ += System.Numerics.BitOperations.PopCount((uint)(a[i] ^ b[i]));
            both += System.Numerics.BitOperations.PopCount((uint)(a[i] & b[i]));
            either += System.Numerics.BitOperations.PopCount((uint)(a[i] | b[i]));
        }

        return metric == MetricType.Hamming ? differ : either == 0 ? 0 : 1 - ((double)both / either);
    }

    /// <summary>The exact answer: allowed rows whose score passes <paramref name="keep"/>, best first (ties by offset), at most k.</summary>
    public static (int Id, double Score)[] Exact(MetricType metric, int count, Func<int, double> score, int k, Bitset? allow = null, Func<double, bool>? keep = null)
    {
        var hits = new List<(int Id, double Score)>();
        for (var i = 0; i < count; i++)
        {
            if (allow is not null && !allow[i])
            {
                continue;
            }

            var s = score(i);
            if (keep is null || keep(s))
            {
                hits.Add((i, s));
            }
        }

        var higher = metric.HigherIsBetter();
        return hits
            .OrderBy(h => higher ? -h.Score : h.Score)
            .ThenBy(h => h.Id)
            .Take(k)
            .ToArray();
    }

    public static (int Id, double Score)[] ExactFloat(MetricType metric, float[] data, int dim, ReadOnlySpan<float> query, int k, Bitset? allow = null, Func<double, bool>? keep = null)
    {
        var q = query.ToArray();
        return Exact(metric, data.Length / dim, i => Score(metric, q, data.AsSpan(i * dim, dim)), k, allow, keep);
    }

    public static (int Id, double Score)[] ExactBinary(MetricType metric, byte[] data, int dim, ReadOnlySpan<byte> query, int k, Bitset? allow = null, Func<double, bool>? keep = null)
    {
        var q = query.ToArray();
        var rowBytes = dim / 8;
        return Exact(metric, data.Length / rowBytes, i => Score(metric, q, data.AsSpan(i * rowBytes, rowBytes)), k, allow, keep);
    }

    /// <summary>
    /// Mean recall@k over all queries, tie-aware: a returned row counts when its true score is at least as good as
    /// the exact k-th score (integer Hamming distances tie often, and any tied row is a correct answer).
    /// </summary>
    public static double Recall(MetricType metric, int[] returned, IReadOnlyList<(int Id, double Score)[]> exact, int k, Func<int, int, double> trueScore)
    {
        double found = 0, total = 0;
        for (var q = 0; q < exact.Count; q++)
        {
            total += exact[q].Length;
            if (exact[q].Length == 0)
            {
                continue;
            }

            var kth = exact[q][^1].Score;
            foreach (var id in returned.AsSpan(q * k, k).ToArray().Where(id => id >= 0).Distinct())
            {
                var score = trueScore(q, id);
                if (metric.HigherIsBetter() ? score >= kth - 1e-6 : score <= kth + 1e-6)
                {
                    found++;
                }
            }
        }

        return total == 0 ? 1 : Math.Min(1, found / total);
    }

    public static double RecallFloat(MetricType metric, float[] data, float[] queries, int dim, int[] returned, IReadOnlyList<(int Id, double Score)[]> exact, int k) =>
        Recall(metric, returned, exact, k, (q, id) => Score(metric, queries.AsSpan(q * dim, dim), data.AsSpan(id * dim, dim)));

    /// <summary>
    /// Exactness up to float rounding: position by position the returned row's true score equals the exact one,
    /// rows are distinct, and the result has the exact length (ties may come in any order).
    /// </summary>
    public static void AssertExact(IReadOnlyList<(int Id, double Score)> exact, ReadOnlySpan<int> ids, Func<int, double> trueScore, double tolerance = 1e-4)
    {
        var got = ids.ToArray().Where(id => id >= 0).ToArray();
        Assert.Equal(exact.Count, got.Length);
        Assert.Equal(got.Length, got.Distinct().Count());
        for (var i = 0; i < got.Length; i++)
        {
            Assert.Equal(exact[i].Score, trueScore(got[i]), (Math.Abs(exact[i].Score) * tolerance) + tolerance);
        }
    }

    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
