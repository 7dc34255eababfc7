using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

public class GrowingVectorIndexTests(FloatDataFixture data) : IClassFixture<FloatDataFixture>
{
    private const int Dim = FloatDataFixture.Dim;
    private const int K = FloatDataFixture.K;

    [Fact]
    public void Rows_are_searchable_as_soon_as_they_are_added_and_exact_before_training()
    {
        var growing = new GrowingVectorIndex(Dim, MetricType.L2);
        var rows = 1000;
        for (var start = 0; start < rows; start += 250)
        {
            growing.Add(data.Data.AsSpan(start * Dim, 250 * Dim));
            Assert.Equal(start + 250, growing.Count);
            var ids = new int[K];
            var scores = new float[K];
            growing.Search(data.Query(0), K, SearchOptions.Default, ids, scores);
            var exact = TestData.ExactFloat(MetricType.L2, data.Data.AsSpan(0, (start + 250) * Dim).ToArray(), Dim, data.Query(0), K);
            var query = data.Query(0).ToArray();
            TestData.AssertExact(exact, ids, id => TestData.Score(MetricType.L2, query, data.Data.AsSpan(id * Dim, Dim)));
        }
    }

    [Theory]
    [InlineData(MetricType.L2)]
    [InlineData(MetricType.Cosine)]
    public void Past_the_training_threshold_search_probes_lists_with_high_recall(MetricType metric)
    {
        Assert.True(FloatDataFixture.Rows > GrowingVectorIndex.TrainThreshold);
        var growing = new GrowingVectorIndex(Dim, metric);
        for (var start = 0; start < FloatDataFixture.Rows; start += 1000)
        {
            growing.Add(data.Data.AsSpan(start * Dim, 1000 * Dim));
        }

        var ids = new int[FloatDataFixture.QueryCount * K];
        var scores = new float[ids.Length];
        growing.Search(data.Queries, K, SearchOptions.Default, ids, scores);
        var recall = TestData.RecallFloat(metric, data.Data, data.Queries, Dim, ids, data.Exact(metric), K);
        Assert.True(recall >= 0.9, $"interim recall {recall:F3}");

        // Probing every list covers every row: the answer is then exact.
        growing.Search(data.Queries, K, Searches.With(("nprobe", "128")), ids, scores);
        Assert.Equal(1.0, TestData.RecallFloat(metric, data.Data, data.Queries, Dim, ids, data.Exact(metric), K));
    }

    [Fact]
    public void Filtered_growing_search_stays_inside_the_bitset()
    {
        var growing = new GrowingVectorIndex(Dim, MetricType.IP);
        growing.Add(data.Data);
        var allow = TestData.RandomAllow(FloatDataFixture.Rows, 0.02, seed: 9);
        var ids = new int[FloatDataFixture.QueryCount * K];
        var scores = new float[ids.Length];
        growing.Search(data.Queries, K, new SearchOptions { Allow = allow }, ids, scores);
        Assert.All(ids, id => Assert.True(id >= 0 && allow[id]));
        var exact = Enumerable.Range(0, FloatDataFixture.QueryCount)
            .Select(q => TestData.ExactFloat(MetricType.IP, data.Data, Dim, data.Query(q), K, allow)).ToArray();
        Assert.Equal(1.0, TestData.RecallFloat(MetricType.IP, data.Data, data.Queries, Dim, ids, exact, K));
    }

    [Fact]
    public void Saving_a_growing_index_yields_a_flat_index_of_its_rows()
    {
        var growing = new GrowingVectorIndex(Dim, MetricType.Cosine);
        growing.Add(data.Data.AsSpan(0, 500 * Dim));
        using var stream = new MemoryStream();
        growing.Save(stream);
        var flat = VectorIndexes.Load(stream.ToArray());
        Assert.Equal(IndexType.Flat, flat.Spec.Type);
        Assert.Equal(500, flat.Count);
        var (ids, _) = Searches.Run(flat, data.Queries, K);
        var expected = new int[ids.Length];
        growing.Search(data.Queries, K, SearchOptions.Default, expected, new float[ids.Length]);
        Assert.Equal(expected, ids);
    }
}
