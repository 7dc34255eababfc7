using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class FlatIndexTests(FloatDataFixture data) : IClassFixture<FloatDataFixture>
{
    private const int Dim = FloatDataFixture.Dim;
    private const int K = FloatDataFixture.K;

    [Theory]
    [InlineData(MetricType.L2)]
    [InlineData(MetricType.IP)]
    [InlineData(MetricType.Cosine)]
    public void Flat_search_equals_brute_force(MetricType metric)
    {
        var index = VectorIndexes.Build(new IndexSpec(IndexType.Flat, metric), Dim, data.Data);
        var (ids, scores) = Searches.Run(index, data.Queries, K);
        var exact = data.Exact(metric);
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            var query = data.Query(q).ToArray();
            TestData.AssertExact(exact[q], ids.AsSpan(q * K, K), id => TestData.Score(metric, query, data.Data.AsSpan(id * Dim, Dim)));
            for (var i = 0; i < K; i++)
            {
                Assert.Equal(exact[q][i].Score, scores[(q * K) + i], (Math.Abs(exact[q][i].Score) * 1e-4) + 1e-4);
            }
        }
    }

    [Fact]
    public void Batch_search_matches_one_query_at_a_time()
    {
        var index = VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.L2), Dim, data.Data);
        var (batchIds, batchScores) = Searches.Run(index, data.Queries, K);
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            var (ids, scores) = Searches.Run(index, data.Query(q).ToArray(), K);
            Assert.Equal(ids, batchIds.AsSpan(q * K, K).ToArray());
            Assert.Equal(scores, batchScores.AsSpan(q * K, K).ToArray());
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.01)]
    public void Filtered_flat_search_is_exact_within_the_allow_list(double selectivity)
    {
        var allow = TestData.RandomAllow(FloatDataFixture.Rows, selectivity, seed: 3);
        var index = VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.IP), Dim, data.Data);
        var (ids, _) = Searches.Run(index, data.Queries, K, new SearchOptions { Allow = allow });
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            var exact = TestData.ExactFloat(MetricType.IP, data.Data, Dim, data.Query(q), K, allow);
            var query = data.Query(q).ToArray();
            Assert.All(ids.AsSpan(q * K, K).ToArray(), id => Assert.True(allow[id]));
            TestData.AssertExact(exact, ids.AsSpan(q * K, K), id => TestData.Score(MetricType.IP, query, data.Data.AsSpan(id * Dim, Dim)));
        }
    }

    [Theory]
    [InlineData(MetricType.L2, true)]
    [InlineData(MetricType.L2, false)]
    [InlineData(MetricType.IP, true)]
    [InlineData(MetricType.Cosine, true)]
    public void Range_search_on_flat_is_exact(MetricType metric, bool withRangeFilter)
    {
        var (radius, window) = data.Window(metric, 5, 60);
        float? rangeFilter = withRangeFilter ? window : null;
        var index = VectorIndexes.Build(new IndexSpec(IndexType.Flat, metric), Dim, data.Data);
        const int k = 50;
        var (ids, scores) = Searches.Run(index, data.Queries, k, new SearchOptions { Radius = radius, RangeFilter = rangeFilter });
        // Float rounding may move a row sitting within 1e-4 of a bound across it: such rows may go either way.
        const double slack = 1e-4;
        var lower = metric.HigherIsBetter() ? radius : rangeFilter ?? double.NegativeInfinity;
        var upper = metric.HigherIsBetter() ? rangeFilter ?? double.PositiveInfinity : radius;
        bool Inside(double s, double margin) => s > lower + margin && s < upper - margin;
        var nonEmpty = 0;
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            var query = data.Query(q).ToArray();
            var all = TestData.ExactFloat(metric, data.Data, Dim, query, FloatDataFixture.Rows);
            var sure = all.Where(hit => Inside(hit.Score, slack)).ToArray();
            var possible = all.Where(hit => Inside(hit.Score, -slack)).ToArray();
            nonEmpty += sure.Length > 0 ? 1 : 0;
            var got = ids.AsSpan(q * k, k).ToArray().Where(id => id >= 0).ToArray();
            var possibleIds = possible.Select(p => p.Id).ToHashSet();
            Assert.All(got, id => Assert.Contains(id, possibleIds));
            Assert.Equal(Math.Min(k, sure.Length), Math.Min(Math.Min(k, sure.Length), got.Length));
            Assert.True(got.Length <= Math.Min(k, possible.Length));
            if (possible.Length <= k)
            {
                Assert.All(sure, hit => Assert.Contains(hit.Id, got));
            }

            Assert.All(scores.AsSpan(q * k, got.Length).ToArray(), s => Assert.True(Inside(s, -slack), $"score {s} is outside the range"));
        }

        Assert.True(nonEmpty > FloatDataFixture.QueryCount / 4, "the range should match rows for a fair share of the queries");
    }

    [Fact]
    public void Unfilled_slots_get_offset_minus_one_and_the_worst_score()
    {
        var index = VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.IP), 4, new float[] { 1, 0, 0, 0, 0, 1, 0, 0 });
        var (ids, scores) = Searches.Run(index, new float[] { 1, 0, 0, 0 }, 4);
        Assert.Equal(new[] { 0, 1, -1, -1 }, ids);
        Assert.Equal(new[] { 1f, 0f, float.NegativeInfinity, float.NegativeInfinity }, scores);
    }

    [Fact]
    public void Invalid_search_arguments_are_rejected_with_clear_errors()
    {
        var index = VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.L2), 4, new float[8]);
        var ids = new int[10];
        var scores = new float[10];
        Assert.Contains("radius", Assert.Throws<MilvusException>(() =>
            index.Search(new float[4], 1, new SearchOptions { RangeFilter = 1 }, ids, scores)).Message);
        Assert.Contains("range_filter", Assert.Throws<MilvusException>(() =>
            index.Search(new float[4], 1, new SearchOptions { Radius = 1, RangeFilter = 2 }, ids, scores)).Message);
        Assert.Contains("bitset", Assert.Throws<MilvusException>(() =>
            index.Search(new float[4], 1, new SearchOptions { Allow = new Bitset(3) }, ids, scores)).Message);
        Assert.Contains("dim-4", Assert.Throws<MilvusException>(() =>
            index.Search(new float[5], 1, SearchOptions.Default, ids, scores)).Message);
        Assert.Contains("topk", Assert.Throws<MilvusException>(() =>
            index.Search(new float[4], 0, SearchOptions.Default, ids, scores)).Message);
    }
}
