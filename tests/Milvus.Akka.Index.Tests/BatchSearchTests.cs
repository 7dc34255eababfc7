using Milvus.Akka.Common;
using Milvus.Akka.Index.Kernels;

namespace Milvus.Akka.Index.Tests;

/// <summary>
/// Batch mode (IVF_FLAT lists and FLAT rows scanned once for many queries) against the one-query path, which is
/// the reference: same hits, same scores to the bit, whatever the thread count.
/// </summary>
public class BatchSearchTests(AnnFixture fixture) : IClassFixture<AnnFixture>
{
    private const int Dim = FloatDataFixture.Dim;

    public static TheoryData<IndexType, MetricType, double, int, int> Cases()
    {
        var cases = new TheoryData<IndexType, MetricType, double, int, int>();
        foreach (var metric in new[] { MetricType.L2, MetricType.IP, MetricType.Cosine })
        {
            // No filter; a filter that still fills the top-k; one so sparse (with one probe and a wide k) that
            // lists past nprobe must be probed; one below the exact-scan selectivity.
            cases.Add(IndexType.IvfFlat, metric, 1.0, 4, 10);
            cases.Add(IndexType.IvfFlat, metric, 0.3, 4, 10);
            cases.Add(IndexType.IvfFlat, metric, 0.1, 1, 50);
            cases.Add(IndexType.IvfFlat, metric, 0.03, 4, 10);
            cases.Add(IndexType.Flat, metric, 1.0, 0, 10);
            cases.Add(IndexType.Flat, metric, 0.3, 0, 100);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_search_equals_one_query_at_a_time(IndexType type, MetricType metric, double allowed, int nprobe, int k)
    {
        var options = new SearchOptions
        {
            Params = Searches.Params(("nprobe", nprobe.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            Allow = allowed < 1 ? TestData.RandomAllow(FloatDataFixture.Rows, allowed, seed: 23) : null,
        };
        AssertBatchEqualsSingle(Index(type, metric), k, options);
    }

    [Theory]
    [InlineData(IndexType.IvfFlat, MetricType.L2)]
    [InlineData(IndexType.IvfFlat, MetricType.IP)]
    [InlineData(IndexType.Flat, MetricType.Cosine)]
    public void Batch_range_search_equals_one_query_at_a_time(IndexType type, MetricType metric)
    {
        var (radius, rangeFilter) = fixture.Data.Window(metric, nearRank: 3, farRank: 30);
        var options = new SearchOptions
        {
            Params = Searches.Params(("nprobe", "8")),
            Radius = radius,
            RangeFilter = rangeFilter,
            Allow = TestData.RandomAllow(FloatDataFixture.Rows, 0.5, seed: 29),
        };
        var (ids, _) = AssertBatchEqualsSingle(Index(type, metric), 20, options);
        Assert.Contains(ids, id => id >= 0);
    }

    [Fact]
    public void Batch_ivf_flat_probing_every_list_equals_brute_force()
    {
        var (ids, scores) = Searches.Run(Index(IndexType.IvfFlat, MetricType.IP), fixture.Data.Queries, FloatDataFixture.K, Searches.With(("nprobe", "64")));
        var exact = fixture.Data.Exact(MetricType.IP);
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            var query = fixture.Data.Query(q).ToArray();
            var hits = ids.AsSpan(q * FloatDataFixture.K, FloatDataFixture.K);
            TestData.AssertExact(exact[q], hits, id => TestData.Score(MetricType.IP, query, fixture.Data.Data.AsSpan(id * Dim, Dim)));
            for (var i = 0; i < FloatDataFixture.K; i++)
            {
                Assert.Equal(exact[q][i].Score, scores[(q * FloatDataFixture.K) + i], (Math.Abs(exact[q][i].Score) * 1e-4) + 1e-4);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(23)]
    [InlineData(37)]
    [InlineData(48)]
    public void Block_kernel_scores_equal_the_pair_kernels_bit_for_bit(int dim)
    {
        var random = new Random(dim);
        var rows = Enumerable.Range(0, 9 * dim).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var queries = Enumerable.Range(0, 6 * dim).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        int[] positions = [8, 0, 3, 3, 5];
        int[] queryIndexes = [5, 1, 0, 2, 4];
        const int stride = 7;
        foreach (var l2 in new[] { true, false })
        {
            var output = new float[queryIndexes.Length * stride];
            BlockKernels.Compute(l2, rows, positions, queries, queryIndexes, dim, output, stride);
            for (var j = 0; j < queryIndexes.Length; j++)
            {
                var query = queries.AsSpan(queryIndexes[j] * dim, dim);
                for (var r = 0; r < positions.Length; r++)
                {
                    var row = rows.AsSpan(positions[r] * dim, dim);
                    var expected = l2 ? Distances.L2Squared(query, row) : -Distances.InnerProduct(query, row);
                    Assert.Equal(expected, output[(j * stride) + r]);
                    Assert.Equal(TestData.Score(l2 ? MetricType.L2 : MetricType.IP, query, row), l2 ? expected : -expected, 1e-4);
                }
            }
        }
    }

    private IVectorIndex Index(IndexType type, MetricType metric) => type == IndexType.Flat
        ? VectorIndexes.Build(new IndexSpec(IndexType.Flat, metric), Dim, fixture.Data.Data)
        : fixture.Index(type, metric);

    private (int[] Ids, float[] Scores) AssertBatchEqualsSingle(IVectorIndex index, int k, SearchOptions options)
    {
        var queries = fixture.Data.Queries;
        var single = (Ids: new int[FloatDataFixture.QueryCount * k], Scores: new float[FloatDataFixture.QueryCount * k]);
        for (var q = 0; q < FloatDataFixture.QueryCount; q++)
        {
            index.Search(fixture.Data.Query(q), k, options, single.Ids.AsSpan(q * k, k), single.Scores.AsSpan(q * k, k));
        }

        foreach (var threads in new[] { 1, 3 })
        {
            var batch = Searches.Run(index, queries, k, options with { Threads = threads });
            Assert.Equal(single.Ids, batch.Ids);
            Assert.Equal(single.Scores, batch.Scores);
        }

        if (options.Allow is { } allow)
        {
            Assert.All(single.Ids, id => Assert.True(id == -1 || allow[id], $"row {id} is outside the allow-list"));
        }

        return single;
    }
}
