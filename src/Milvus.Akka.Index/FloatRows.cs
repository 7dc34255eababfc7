using System.Runtime.CompilerServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// Row-major float vectors in one array with the engine's internal distance: squared L2, or the negated dot
/// product for IP and COSINE (COSINE rows are stored normalised). The exact scan behind FLAT and every fallback.
/// </summary>
internal sealed class FloatRows
{
    private readonly bool _l2;

    public FloatRows(MetricType metric, int dim, float[] data, int count)
    {
        Metric = metric;
        Dim = dim;
        Data = data;
        Count = count;
        _l2 = metric == MetricType.L2;
    }

    public MetricType Metric { get; }

    public int Dim { get; }

    public int Count { get; }

    public float[] Data { get; }

    /// <summary>Copies <paramref name="vectors"/>, normalising them for COSINE.</summary>
    public static FloatRows Copy(MetricType metric, int dim, ReadOnlySpan<float> vectors)
    {
        var data = vectors.ToArray();
        if (metric == MetricType.Cosine)
        {
            Distances.NormalizeRows(data, dim);
        }

        return new FloatRows(metric, dim, data, data.Length / dim);
    }

    public ReadOnlySpan<float> Row(int id) => new(Data, id * Dim, Dim);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(ReadOnlySpan<float> query, int id) => Distance(_l2, query, Row(id));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Distance(bool l2, ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        l2 ? Distances.L2Squared(a, b) : -Distances.InnerProduct(a, b);

    /// <summary>Exact search: every allowed row (iterating set bits when the filter is restrictive), within range.</summary>
    public void Scan(ReadOnlySpan<float> query, in QueryFilter filter, ref TopK top)
    {
        if (filter.IsRestricted)
        {
            foreach (var id in filter.Allow!)
            {
                Offer(query, id, filter, ref top);
            }

            return;
        }

        for (var id = 0; id < Count; id++)
        {
            Offer(query, id, filter, ref top);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Offer(ReadOnlySpan<float> query, int id, in QueryFilter filter, ref TopK top)
    {
        var distance = Distance(query, id);
        if (filter.InRange(distance))
        {
            top.Push(id, distance);
        }
    }
}
