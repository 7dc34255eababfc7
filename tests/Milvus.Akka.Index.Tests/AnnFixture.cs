using System.Collections.Concurrent;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

/// <summary>The shared data set plus each approximate index built once, with the test parameters documented in the README.</summary>
public sealed class AnnFixture
{
    private readonly ConcurrentDictionary<(IndexType, MetricType), Lazy<IVectorIndex>> _indexes = new();

    public FloatDataFixture Data { get; } = new();

    public static IndexSpec Spec(IndexType type, MetricType metric) => type switch
    {
        IndexType.Hnsw => new IndexSpec(type, metric, Searches.Params(("M", "16"), ("efConstruction", "100"))),
        IndexType.IvfPq => new IndexSpec(type, metric, Searches.Params(("nlist", "64"), ("m", "24"), ("nbits", "8"))),
        _ => new IndexSpec(type, metric, Searches.Params(("nlist", "64"))),
    };

    public IVectorIndex Index(IndexType type, MetricType metric) => _indexes.GetOrAdd(
        (type, metric),
        key => new Lazy<IVectorIndex>(() => VectorIndexes.Build(Spec(key.Item1, key.Item2), FloatDataFixture.Dim, Data.Data, seed: 42))).Value;

    public double Recall(MetricType metric, int[] ids, IReadOnlyList<(int Id, double Score)[]> exact, int k) =>
        TestData.RecallFloat(metric, Data.Data, Data.Queries, FloatDataFixture.Dim, ids, exact, k);
}
