using Milvus.Akka.Index.Kernels;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Ivf;

/// <summary>IVF_FLAT: raw vectors stored list by list; distances within probed lists are exact.</summary>
internal sealed class IvfFlatIndex : IvfIndexBase
{
    private readonly float[] _vectors;

    private IvfFlatIndex(IndexSpec spec, InvertedLists lists, float[] vectors)
        : base(spec, lists, 0)
    {
        _vectors = vectors;
    }

    public static IvfFlatIndex Build(IndexSpec spec, FloatRows rows, int seed, ParallelOptions parallel)
    {
        var lists = InvertedLists.Build(rows, IndexParams.NList(spec.Params), seed, parallel);
        var vectors = new float[rows.Count * rows.Dim];
        for (var p = 0; p < lists.Ids.Length; p++)
        {
            rows.Row(lists.Ids[p]).CopyTo(vectors.AsSpan(p * rows.Dim, rows.Dim));
        }

        return new IvfFlatIndex(spec, lists, vectors);
    }

    public static IvfFlatIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader)
    {
        var lists = InvertedLists.Read(dim, count, ref reader);
        return new IvfFlatIndex(spec, lists, reader.ReadArray<float>((long)count * dim));
    }

    protected override bool ScansListsInBatches => true;

    protected override void ScanListBatch(int list, ReadOnlySpan<float> queries, ReadOnlySpan<int> queryIndexes, in QueryFilter filter, BatchScanner scanner) =>
        scanner.Scan(IsL2, _vectors, Lists.Ids, Lists.Offsets[list], Lists.Offsets[list + 1], Dim, queries, queryIndexes, filter);

    protected override void ScanList(ReadOnlySpan<float> query, int list, in QueryFilter filter, IvfScratch scratch, ref TopK top)
    {
        var ids = Lists.Ids;
        for (int p = Lists.Offsets[list], end = Lists.Offsets[list + 1]; p < end; p++)
        {
            var id = ids[p];
            if (!filter.Allows(id))
            {
                continue;
            }

            var distance = FloatRows.Distance(IsL2, query, _vectors.AsSpan(p * Dim, Dim));
            if (filter.InRange(distance))
            {
                top.Push(id, distance);
            }
        }
    }

    protected override void WriteCodes(IndexFileWriter writer) => writer.WriteArray<float>(_vectors);
}
