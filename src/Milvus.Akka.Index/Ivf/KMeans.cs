using System.Numerics.Tensors;
using Milvus.Akka.Index.Kernels;

namespace Milvus.Akka.Index.Ivf;

/// <summary>
/// Seeded Lloyd k-means (squared L2) on a sample, as faiss trains IVF quantizers: at most
/// <see cref="MaxPointsPerCentroid"/> points per centroid, random distinct initial centroids, empty clusters
/// re-seeded by splitting the largest one. Assignment runs in parallel; sums are accumulated in point order,
/// so the result depends only on the seed.
/// </summary>
internal static class KMeans
{
    public const int MaxPointsPerCentroid = 256;
    public const int Iterations = 12;
    private const float SplitEpsilon = 1f / 1024;

    /// <summary>Trains <paramref name="k"/> centroids (row-major, k*dim) on a sample of the <c>data.Length / dim</c> points.</summary>
    public static float[] Train(ReadOnlySpan<float> data, int dim, int k, int seed, ParallelOptions parallel)
    {
        var n = data.Length / dim;
        var random = new Random(seed);
        var sample = Sample(data, dim, n, Math.Min(n, k * MaxPointsPerCentroid), random);
        var sampleCount = sample.Length / dim;
        var centroids = new float[k * dim];
        sample.AsSpan(0, k * dim).CopyTo(centroids);

        var assignment = new int[sampleCount];
        var counts = new int[k];
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            Assign(sample, sampleCount, centroids, dim, assignment, parallel);
            Array.Clear(centroids);
            Array.Clear(counts);
            for (var i = 0; i < sampleCount; i++)
            {
                var c = assignment[i];
                counts[c]++;
                var target = centroids.AsSpan(c * dim, dim);
                TensorPrimitives.Add(target, sample.AsSpan(i * dim, dim), target);
            }

            for (var c = 0; c < k; c++)
            {
                if (counts[c] > 0)
                {
                    var target = centroids.AsSpan(c * dim, dim);
                    TensorPrimitives.Divide(target, counts[c], target);
                }
            }

            SplitLargestIntoEmpty(centroids, counts, dim);
        }

        return centroids;
    }

    /// <summary>
    /// Index of the nearest centroid (squared L2, first on ties) for each point, in parallel blocks of points
    /// scored against tiles of centroids by the batch kernel (bit-identical to <see cref="Nearest"/>).
    /// </summary>
    public static void Assign(float[] points, int n, float[] centroids, int dim, int[] assignment, ParallelOptions parallel)
    {
        const int block = 256;
        const int tile = BatchScanner.TileRows;
        var k = centroids.Length / dim;
        var sequence = new int[Math.Max(n, k)];
        for (var i = 0; i < sequence.Length; i++)
        {
            sequence[i] = i;
        }

        Parallel.For(0, (n + block - 1) / block, parallel, b =>
        {
            var first = b * block;
            var count = Math.Min(block, n - first);
            var nearest = assignment.AsSpan(first, count);
            var nearestDistance = new float[count];
            var distances = new float[count * tile];
            nearest.Clear();
            Array.Fill(nearestDistance, float.PositiveInfinity);
            for (var c = 0; c < k; c += tile)
            {
                var width = Math.Min(tile, k - c);
                BlockKernels.Compute(true, centroids, sequence.AsSpan(c, width), points, sequence.AsSpan(first, count), dim, distances, width);
                for (var i = 0; i < count; i++)
                {
                    for (var t = 0; t < width; t++)
                    {
                        var distance = distances[(i * width) + t];
                        if (distance < nearestDistance[i])
                        {
                            nearestDistance[i] = distance;
                            nearest[i] = c + t;
                        }
                    }
                }
            }
        });
    }

    public static int Nearest(ReadOnlySpan<float> point, ReadOnlySpan<float> centroids, int dim, int k)
    {
        var best = 0;
        var bestDistance = float.PositiveInfinity;
        for (var c = 0; c < k; c++)
        {
            var distance = Distances.L2Squared(point, centroids.Slice(c * dim, dim));
            if (distance < bestDistance)
            {
                (best, bestDistance) = (c, distance);
            }
        }

        return best;
    }

    /// <summary>A seeded sample of <paramref name="size"/> distinct points (partial Fisher-Yates over the indexes).</summary>
    private static float[] Sample(ReadOnlySpan<float> data, int dim, int n, int size, Random random)
    {
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var sample = new float[size * dim];
        for (var i = 0; i < size; i++)
        {
            var j = random.Next(i, n);
            (order[i], order[j]) = (order[j], order[i]);
            data.Slice(order[i] * dim, dim).CopyTo(sample.AsSpan(i * dim, dim));
        }

        return sample;
    }

    private static void SplitLargestIntoEmpty(float[] centroids, int[] counts, int dim)
    {
        for (var empty = 0; empty < counts.Length; empty++)
        {
            if (counts[empty] > 0)
            {
                continue;
            }

            var largest = 0;
            for (var c = 1; c < counts.Length; c++)
            {
                if (counts[c] > counts[largest])
                {
                    largest = c;
                }
            }

            // Two slightly displaced copies of the largest centroid: the next assignment divides its points.
            for (var d = 0; d < dim; d++)
            {
                var value = centroids[(largest * dim) + d];
                var sign = d % 2 == 0 ? 1 : -1;
                centroids[(empty * dim) + d] = value * (1 + (sign * SplitEpsilon));
                centroids[(largest * dim) + d] = value * (1 - (sign * SplitEpsilon));
            }

            counts[empty] = counts[largest] / 2;
            counts[largest] -= counts[empty];
        }
    }
}
