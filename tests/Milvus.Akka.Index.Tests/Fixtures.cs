using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

/// <summary>One seeded float data set with its queries and exact top-10 per metric, shared by a test class.</summary>
public sealed class FloatDataFixture
{
    public const int Dim = 48;
    public const int Rows = 6000;
    public const int QueryCount = 64;
    public const int K = 10;

    private readonly Dictionary<MetricType, (int Id, double Score)[][]> _exact = [];

    public FloatDataFixture()
    {
        Data = TestData.Embeddings(Rows, Dim, seed: 7);
        Queries = TestData.Embeddings(QueryCount, Dim, seed: 7_000_001);
    }

    public float[] Data { get; }

    public float[] Queries { get; }

    public ReadOnlySpan<float> Query(int q) => Queries.AsSpan(q * Dim, Dim);

    /// <summary>
    /// A range window taken from the data: the median, over the first queries, of the scores at the given ranks,
    /// so range tests hold rows for most queries whatever the data's scale. Returned as Milvus's (radius, range_filter).
    /// </summary>
    public (float Radius, float RangeFilter) Window(MetricType metric, int nearRank, int farRank)
    {
        var near = new List<double>();
        var far = new List<double>();
        for (var q = 0; q < 16; q++)
        {
            var ranked = TestData.ExactFloat(metric, Data, Dim, Query(q), farRank + 1);
            near.Add(ranked[nearRank].Score);
            far.Add(ranked[farRank].Score);
        }

        near.Sort();
        far.Sort();
        return ((float)far[far.Count / 2], (float)near[near.Count / 2]);
    }

    public (int Id, double Score)[][] Exact(MetricType metric)
    {
        lock (_exact)
        {
            if (!_exact.TryGetValue(metric, out var answers))
            {
                answers = Enumerable.Range(0, QueryCount).Select(q => TestData.ExactFloat(metric, Data, Dim, Query(q), K)).ToArray();
                _exact[metric] = answers;
            }

            return answers;
        }
    }
}

internal static class Searches
{
    public static (int[] Ids, float[] Scores) Run(IVectorIndex index, float[] queries, int k, SearchOptions? options = null)
    {
        var nq = queries.Length / index.Dim;
        var ids = new int[nq * k];
        var scores = new float[nq * k];
        index.Search(queries, k, options ?? SearchOptions.Default, ids, scores);
        return (ids, scores);
    }

    public static (int[] Ids, float[] Scores) Run(IBinaryVectorIndex index, byte[] queries, int k, SearchOptions? options = null)
    {
        var nq = queries.Length / (index.Dim / 8);
        var ids = new int[nq * k];
        var scores = new float[nq * k];
        index.Search(queries, k, options ?? SearchOptions.Default, ids, scores);
        return (ids, scores);
    }

    public static SearchOptions With(params (string Key, string Value)[] parameters) =>
        new() { Params = parameters.ToDictionary(p => p.Key, p => p.Value) };

    public static Dictionary<string, string> Params(params (string Key, string Value)[] parameters) =>
        parameters.ToDictionary(p => p.Key, p => p.Value);
}
