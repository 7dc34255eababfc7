using Milvus.Akka.Common;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Ivf;

/// <summary>
/// Search shared by IVF_FLAT, IVF_SQ8 and IVF_PQ: rank the lists by centroid distance, scan the nprobe nearest.
/// With an allow-list, scanning continues past nprobe until k allowed hits are found, and below the exact-scan
/// selectivity every list is scanned, so filtered recall does not collapse.
/// </summary>
internal abstract class IvfIndexBase : FloatIndexBase
{
    private readonly ScratchPool<IvfScratch> _scratch;

    protected IvfIndexBase(IndexSpec spec, InvertedLists lists, int tableSize)
        : base(spec, lists.Dim)
    {
        Lists = lists;
        IsL2 = spec.Metric == MetricType.L2;
        _scratch = new ScratchPool<IvfScratch>(() => new IvfScratch(lists.NList, lists.Dim, tableSize));
    }

    public override int Count => Lists.Ids.Length;

    protected InvertedLists Lists { get; }

    protected bool IsL2 { get; }

    protected override int SearchWidth(IReadOnlyDictionary<string, string> parameters, int k) => IndexParams.NProbe(parameters);

    protected override void SearchOne(ReadOnlySpan<float> query, int nprobe, in QueryFilter filter, ref TopK top)
    {
        var scratch = _scratch.Rent();
        try
        {
            var nlist = Lists.NList;
            var ranked = filter.ListsToRank(nprobe, nlist);
            var order = new TopK(scratch.ListIds.AsSpan(0, ranked), scratch.ListDistances.AsSpan(0, ranked));
            for (var list = 0; list < nlist; list++)
            {
                order.Push(list, FloatRows.Distance(IsL2, query, Lists.Centroid(list)));
            }

            ranked = order.SortBestFirst();
            BeginQuery(query, scratch);
            for (var i = 0; i < ranked; i++)
            {
                if (!filter.ShouldProbe(i, nprobe, top.IsFull))
                {
                    break;
                }

                ScanList(query, scratch.ListIds[i], filter, scratch, ref top);
            }
        }
        finally
        {
            _scratch.Return(scratch);
        }
    }

    /// <summary>Prepares per-query state shared by all lists (the PQ table for inner products).</summary>
    protected virtual void BeginQuery(ReadOnlySpan<float> query, IvfScratch scratch)
    {
    }

    /// <summary>Offers the allowed, in-range rows of <paramref name="list"/> to <paramref name="top"/>.</summary>
    protected abstract void ScanList(ReadOnlySpan<float> query, int list, in QueryFilter filter, IvfScratch scratch, ref TopK top);

    protected override void WritePayload(IndexFileWriter writer)
    {
        Lists.Write(writer);
        WriteCodes(writer);
    }

    protected abstract void WriteCodes(IndexFileWriter writer);
}

/// <summary>Per-query buffers of the IVF family, pooled.</summary>
internal sealed class IvfScratch(int nlist, int dim, int tableSize)
{
    public int[] ListIds { get; } = new int[nlist];

    public float[] ListDistances { get; } = new float[nlist];

    /// <summary>A decoded row or a residual query.</summary>
    public float[] Work { get; } = new float[dim];

    /// <summary>The PQ distance lookup table.</summary>
    public float[] Table { get; } = new float[tableSize];
}
