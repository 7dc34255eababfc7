using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>Float-vector indexes: COSINE rows are stored normalised, so the query is normalised too and IP applies.</summary>
internal abstract class FloatIndexBase : IndexBase<float>, IVectorIndex
{
    protected FloatIndexBase(IndexSpec spec, int dim)
        : base(spec, dim, dim)
    {
    }

    protected override void PrepareQuery(Span<float> query)
    {
        if (Metric == MetricType.Cosine)
        {
            Distances.Normalize(query);
        }
    }
}
