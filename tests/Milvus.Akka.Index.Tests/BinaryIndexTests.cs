using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class BinaryIndexTests
{
    private const int Dim = 256;
    private const int Rows = 4000;
    private const int K = 10;
    private static readonly byte[] Data = TestData.Bits(Rows, Dim, seed: 11);
    private static readonly byte[] Queries = TestData.Bits(40, Dim, seed: 12);

    [Theory]
    [InlineData(MetricType.Hamming)]
    [InlineData(MetricType.Jaccard)]
    public void Bin_flat_equals_brute_force(MetricType metric)
    {
        var index = VectorIndexes.BuildBinary(new IndexSpec(IndexType.BinFlat, metric), Dim, Data);
        var (ids, scores) = Searches.Run(index, Queries, K);
        for (var q = 0; q < 40; q++)
        {
            var query = Queries.AsSpan(q * Dim / 8, Dim / 8).ToArray();
            var exact = TestData.ExactBinary(metric, Data, Dim, query, K);
            TestData.AssertExact(exact, ids.AsSpan(q * K, K), id => TestData.Score(metric, query, Data.AsSpan(id * Dim / 8, Dim / 8)), 1e-6);
            Assert.Equal(exact.Select(e => e.Score), scores.AsSpan(q * K, K).ToArray().Select(s => (double)s), new ToleranceComparer(1e-6));
        }
    }

    /// <summary>MinHash signatures (values from a small range, so rows agree in some places) ranked by MHJACCARD, best first, under a range too.</summary>
    [Fact]
    public void Bin_flat_ranks_minhash_signatures_by_the_share_of_agreeing_values()
    {
        const int dim = 32 * 32;
        var random = new Random(3);
        byte[] Signatures(int rows) => [.. Enumerable.Range(0, rows * 32).SelectMany(_ => BitConverter.GetBytes((uint)random.Next(3)))];
        var data = Signatures(2000);
        var queries = Signatures(20);
        var index = VectorIndexes.BuildBinary(new IndexSpec(IndexType.BinFlat, MetricType.MhJaccard), dim, data);
        var (ids, scores) = Searches.Run(index, queries, K);
        var (inRange, _) = Searches.Run(index, queries, 2000, new SearchOptions { Radius = 0.4f, RangeFilter = 0.5f });
        for (var q = 0; q < 20; q++)
        {
            var query = queries.AsSpan(q * dim / 8, dim / 8).ToArray();
            var exact = TestData.ExactBinary(MetricType.MhJaccard, data, dim, query, K);
            TestData.AssertExact(exact, ids.AsSpan(q * K, K), id => TestData.Score(MetricType.MhJaccard, query, data.AsSpan(id * dim / 8, dim / 8)), 1e-6);
            Assert.Equal(exact.Select(e => e.Score), scores.AsSpan(q * K, K).ToArray().Select(s => (double)s), new ToleranceComparer(1e-6));
            var band = TestData.ExactBinary(MetricType.MhJaccard, data, dim, query, 2000, keep: s => s > 0.4 && s <= 0.5);
            Assert.Equal(band.Select(e => e.Id).Order(), inRange.AsSpan(q * 2000, 2000).ToArray().Where(id => id >= 0).Order());
        }

        Assert.Throws<MilvusException>(() => VectorIndexes.BuildBinary(new IndexSpec(IndexType.BinIvfFlat, MetricType.MhJaccard), dim, data));
    }

    [Fact]
    public void Bin_flat_range_and_filter_follow_the_oracle()
    {
        var allow = TestData.RandomAllow(Rows, 0.3, seed: 5);
        var index = VectorIndexes.BuildBinary(new IndexSpec(IndexType.BinFlat, MetricType.Hamming), Dim, Data);
        const int k = 40;
        var (ids, _) = Searches.Run(index, Queries, k, new SearchOptions { Allow = allow, Radius = 40, RangeFilter = 10 });
        for (var q = 0; q < 40; q++)
        {
            var exact = TestData.ExactBinary(MetricType.Hamming, Data, Dim, Queries.AsSpan(q * Dim / 8, Dim / 8), k, allow, s => s >= 10 && s < 40);
            Assert.Equal(exact.Select(e => e.Id), ids.AsSpan(q * k, k).ToArray().Where(id => id >= 0));
        }
    }

    [Theory]
    [InlineData(MetricType.Hamming)]
    [InlineData(MetricType.Jaccard)]
    public void Bin_ivf_flat_recall_is_high(MetricType metric)
    {
        var spec = new IndexSpec(IndexType.BinIvfFlat, metric, Searches.Params(("nlist", "32")));
        var index = VectorIndexes.BuildBinary(spec, Dim, Data);
        var (ids, _) = Searches.Run(index, Queries, K, Searches.With(("nprobe", "8")));
        var exact = Enumerable.Range(0, 40).Select(q => TestData.ExactBinary(metric, Data, Dim, Queries.AsSpan(q * Dim / 8, Dim / 8), K)).ToArray();
        var recall = TestData.Recall(metric, ids, exact, K, (q, id) => TestData.Score(metric, Queries.AsSpan(q * Dim / 8, Dim / 8), Data.AsSpan(id * Dim / 8, Dim / 8)));
        Assert.True(recall >= 0.95, $"recall {recall}");
    }
}

internal sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

    public int GetHashCode(double obj) => 0;
}
