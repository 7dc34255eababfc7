using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class AnnIndexTests(AnnFixture fixture) : IClassFixture<AnnFixture>
{
    private const int Dim = FloatDataFixture.Dim;
    private const int K = FloatDataFixture.K;

    [Theory]
    [InlineData(IndexType.Hnsw, MetricType.L2, "ef", "64", 0.95)]
    [InlineData(IndexType.Hnsw, MetricType.Cosine, "ef", "64", 0.95)]
    [InlineData(IndexType.Hnsw, MetricType.IP, "ef", "64", 0.95)]
    [InlineData(IndexType.IvfFlat, MetricType.L2, "nprobe", "16", 0.95)]
    [InlineData(IndexType.IvfFlat, MetricType.Cosine, "nprobe", "16", 0.95)]
    [InlineData(IndexType.IvfSq8, MetricType.L2, "nprobe", "16", 0.95)]
    [InlineData(IndexType.IvfPq, MetricType.L2, "nprobe", "16", 0.85)]
    [InlineData(IndexType.IvfPq, MetricType.IP, "nprobe", "16", 0.8)]
    public void Recall_at_10_against_flat(IndexType type, MetricType metric, string key, string value, double minimum)
    {
        var (ids, _) = Searches.Run(fixture.Index(type, metric), fixture.Data.Queries, K, Searches.With((key, value)));
        var recall = fixture.Recall(metric, ids, fixture.Data.Exact(metric), K);
        Assert.True(recall >= minimum, $"{type} {metric} recall@10 {recall:F3} < {minimum}");
    }

    [Fact]
    public void Ivf_flat_probing_every_list_is_exact()
    {
        var (ids, _) = Searches.Run(fixture.Index(IndexType.IvfFlat, MetricType.L2), fixture.Data.Queries, K, Searches.With(("nprobe", "64")));
        Assert.Equal(1.0, fixture.Recall(MetricType.L2, ids, fixture.Data.Exact(MetricType.L2), K));
    }

    [Theory]
    [InlineData(IndexType.Hnsw, 0.5)]
    [InlineData(IndexType.Hnsw, 0.1)]
    [InlineData(IndexType.Hnsw, 0.05)]
    [InlineData(IndexType.Hnsw, 0.01)]
    [InlineData(IndexType.IvfFlat, 0.3)]
    [InlineData(IndexType.IvfFlat, 0.01)]
    [InlineData(IndexType.IvfSq8, 0.05)]
    public void Filtered_search_stays_inside_the_bitset_with_high_recall(IndexType type, double selectivity)
    {
        var allow = TestData.RandomAllow(FloatDataFixture.Rows, selectivity, seed: 17);
        var (ids, _) = Searches.Run(fixture.Index(type, MetricType.L2), fixture.Data.Queries, K, new SearchOptions
        {
            Allow = allow,
            Params = Searches.Params(("ef", "64"), ("nprobe", "16")),
        });
        Assert.All(ids, id => Assert.True(id >= 0 && allow[id], $"row {id} is outside the allow-list"));
        var exact = Enumerable.Range(0, FloatDataFixture.QueryCount)
            .Select(q => TestData.ExactFloat(MetricType.L2, fixture.Data.Data, Dim, fixture.Data.Query(q), K, allow))
            .ToArray();
        var recall = fixture.Recall(MetricType.L2, ids, exact, K);
        Assert.True(recall >= 0.9, $"{type} filtered recall {recall:F3} at selectivity {selectivity}");
    }

    [Theory]
    [InlineData(IndexType.Hnsw)]
    [InlineData(IndexType.IvfFlat)]
    public void Range_search_returns_only_rows_in_range_with_high_recall(IndexType type)
    {
        // Per query, the window runs from its 5th to its 40th nearest row, so the 20 best in range are ranks 5..25.
        const int k = 20;
        var index = fixture.Index(type, MetricType.L2);
        var ids = new int[FloatDataFixture.QueryCount * k];
        var exact = new (int Id, double Score)[FloatDataFixture.QueryCount][];
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            var ranked = TestData.ExactFloat(MetricType.L2, fixture.Data.Data, Dim, fixture.Data.Query(q), 41);
            var rangeFilter = (float)ranked[5].Score;
            var radius = (float)ranked[40].Score;
            var (found, scores) = Searches.Run(index, fixture.Data.Query(q).ToArray(), k, new SearchOptions
            {
                Radius = radius,
                RangeFilter = rangeFilter,
                Params = Searches.Params(("ef", "128"), ("nprobe", "16")),
            });
            for (var i = 0; i < k; i++)
            {
                Assert.True(found[i] < 0 || (scores[i] >= rangeFilter && scores[i] < radius), $"score {scores[i]} is outside [{rangeFilter}, {radius})");
            }

            found.CopyTo(ids, q * k);
            exact[q] = TestData.ExactFloat(MetricType.L2, fixture.Data.Data, Dim, fixture.Data.Query(q), k, keep: s => s >= rangeFilter && s < radius);
        }

        var recall = fixture.Recall(MetricType.L2, ids, exact, k);
        Assert.True(recall >= 0.9, $"{type} range recall {recall:F3}");
    }

    [Fact]
    public void Hnsw_build_is_deterministic_for_a_seed_whatever_the_thread_count()
    {
        var data = fixture.Data.Data.AsMemory(0, 2000 * Dim);
        var spec = AnnFixture.Spec(IndexType.Hnsw, MetricType.L2);
        var single = Save(VectorIndexes.Build(spec, Dim, data, seed: 5, threads: 1));
        var parallel = Save(VectorIndexes.Build(spec, Dim, data, seed: 5, threads: 2));
        var otherSeed = Save(VectorIndexes.Build(spec, Dim, data, seed: 6, threads: 2));
        Assert.Equal(single, parallel);
        Assert.NotEqual(single, otherSeed);
    }

    [Fact]
    public void Ivf_build_is_deterministic_for_a_seed_whatever_the_thread_count()
    {
        var data = fixture.Data.Data.AsMemory(0, 2000 * Dim);
        var spec = AnnFixture.Spec(IndexType.IvfPq, MetricType.L2);
        Assert.Equal(
            Save(VectorIndexes.Build(spec, Dim, data, seed: 5, threads: 1)),
            Save(VectorIndexes.Build(spec, Dim, data, seed: 5, threads: 2)));
    }

    private static byte[] Save(IVectorIndex index)
    {
        using var stream = new MemoryStream();
        index.Save(stream);
        return stream.ToArray();
    }
}
