using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class KernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(128)]
    [InlineData(785)]
    public void Float_kernels_match_scalar_double_precision(int dim)
    {
        var random = new Random(dim);
        var a = Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var tolerance = 1e-4 * dim;
        Assert.Equal(TestData.Score(MetricType.L2, a, b), Distances.L2Squared(a, b), tolerance);
        Assert.Equal(TestData.Score(MetricType.IP, a, b), Distances.InnerProduct(a, b), tolerance);
        Assert.Equal(TestData.Score(MetricType.Cosine, a, b), Distances.Cosine(a, b), 1e-4);
        Assert.Equal(TestData.Score(MetricType.Cosine, a, b), Distances.Score(MetricType.Cosine, a, b), 1e-4);
    }

    [Fact]
    public void Normalize_yields_unit_length_and_keeps_zero_vectors()
    {
        var v = new float[] { 3, 4, 0 };
        Distances.Normalize(v);
        Assert.Equal(new[] { 0.6f, 0.8f, 0f }, v);
        var zero = new float[5];
        Distances.Normalize(zero);
        Assert.All(zero, x => Assert.Equal(0f, x));
        Assert.Equal(0f, Distances.Cosine(zero, v));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(136)]
    [InlineData(1024)]
    public void Binary_kernels_match_bit_by_bit_counts(int dim)
    {
        var random = new Random(dim);
        var a = new byte[dim / 8];
        var b = new byte[dim / 8];
        random.NextBytes(a);
        random.NextBytes(b);
        Assert.Equal(TestData.Score(MetricType.Hamming, a, b), Distances.Hamming(a, b));
        Assert.Equal(TestData.Score(MetricType.Jaccard, a, b), Distances.Jaccard(a, b), 1e-6);
        Assert.Equal(0f, Distances.Jaccard(new byte[dim / 8], new byte[dim / 8]));
    }

    [Fact]
    public void Kernels_reject_mismatched_lengths()
    {
        Assert.Throws<ArgumentException>(() => Distances.L2Squared(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => Distances.Hamming(new byte[3], new byte[4]));
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(10, 1000)]
    [InlineData(50, 30)]
    public void TopK_keeps_the_k_smallest_best_first_with_ties_by_id(int k, int n)
    {
        var random = new Random(k * 1000 + n);
        // Few distinct values force many ties.
        var distances = Enumerable.Range(0, n).Select(_ => (float)random.Next(20)).ToArray();
        var ids = new int[k];
        var kept = new float[k];
        var top = new TopK(ids, kept);
        for (var i = 0; i < n; i++)
        {
            top.Push(i, distances[i]);
        }

        var found = top.SortBestFirst();
        var expected = distances.Select((d, i) => (d, i)).OrderBy(x => x.d).ThenBy(x => x.i).Take(k).ToArray();
        Assert.Equal(expected.Length, found);
        Assert.Equal(expected.Select(x => x.i), ids.Take(found));
        Assert.Equal(expected.Select(x => x.d), kept.Take(found));
    }

    [Fact]
    public void TopK_threshold_is_infinite_until_full()
    {
        var top = new TopK(new int[2], new float[2]);
        Assert.Equal(float.PositiveInfinity, top.Threshold);
        top.Push(1, 5);
        top.Push(2, 3);
        Assert.Equal(5, top.Threshold);
        Assert.False(top.Push(3, 6));
        Assert.True(top.Push(4, 1));
        Assert.Equal(3, top.Threshold);
    }
}
