using System.Buffers;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Kernels;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Ivf;

/// <summary>
/// Search shared by IVF_FLAT, IVF_SQ8 and IVF_PQ: rank the lists by centroid distance, scan the nprobe nearest.
/// With an allow-list, scanning continues past nprobe until k allowed hits are found, and below the exact-scan
/// selectivity every list is scanned, so filtered recall does not collapse.
/// Variants that scan lists in batches (IVF_FLAT) search a batch of queries list-major: rank every query's lists
/// (the coarse step is one queries × centroids block computation), group the queries by probed list, scan each
/// list once for all of its queries, then finish each query alone (further lists for an unfilled allow-list).
/// The distances are bit-identical to the one-query path's, so the results are too.
/// </summary>
internal abstract class IvfIndexBase : FloatIndexBase
{
    /// <summary>Bound on the per-block buffers (queries × lists, queries × candidates), in elements.</summary>
    private const int BlockBudget = 1 << 20;

    private readonly ScratchPool<IvfScratch> _scratch;
    private readonly ScratchPool<IvfBatchScratch> _batchScratch = new(() => new IvfBatchScratch());

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

    /// <summary>Whether <see cref="ScanListBatch"/> is implemented; other variants search one query at a time.</summary>
    protected virtual bool ScansListsInBatches => false;

    protected override bool SearchesInBatches => ScansListsInBatches;

    protected override int SearchWidth(IReadOnlyDictionary<string, string> parameters, int k) => IndexParams.NProbe(parameters);

    protected override void SearchChunk(ReadOnlySpan<float> queries, int nq, int k, int nprobe, in QueryFilter filter, Span<int> offsets, Span<float> scores)
    {
        if (!ScansListsInBatches || nq == 1 || filter.AllowedCount == 0)
        {
            base.SearchChunk(queries, nq, k, nprobe, filter, offsets, scores);
            return;
        }

        var dim = Dim;
        var nlist = Lists.NList;
        var block = Math.Clamp(BlockBudget / Math.Max(nlist, QueryCandidates.CapacityFor(k)), 1, nq);
        var prepared = ArrayPool<float>.Shared.Rent(nq * dim);
        var batch = _batchScratch.Rent();
        var scratch = _scratch.Rent();
        try
        {
            PrepareQueries(queries, prepared.AsSpan(0, nq * dim));
            for (var first = 0; first < nq; first += block)
            {
                var count = Math.Min(block, nq - first);
                SearchBlock(prepared.AsSpan(first * dim, count * dim), count, k, nprobe, filter, batch, scratch,
                    offsets.Slice(first * k, count * k), scores.Slice(first * k, count * k));
            }
        }
        finally
        {
            _scratch.Return(scratch);
            _batchScratch.Return(batch);
            ArrayPool<float>.Shared.Return(prepared);
        }
    }

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

    /// <summary>
    /// Offers the allowed, in-range rows of <paramref name="list"/> to the candidates of each query in
    /// <paramref name="queryIndexes"/> (rows of the prepared <paramref name="queries"/>).
    /// </summary>
    protected virtual void ScanListBatch(int list, ReadOnlySpan<float> queries, ReadOnlySpan<int> queryIndexes, in QueryFilter filter, BatchScanner scanner) =>
        throw new InvalidOperationException($"{GetType().Name} does not scan lists in batches");

    /// <summary>Batch mode over <paramref name="nq"/> prepared queries whose buffers fit <see cref="BlockBudget"/>.</summary>
    private void SearchBlock(ReadOnlySpan<float> queries, int nq, int k, int nprobe, in QueryFilter filter, IvfBatchScratch batch,
        IvfScratch scratch, Span<int> offsets, Span<float> scores)
    {
        var dim = Dim;
        var nlist = Lists.NList;
        var ranked = filter.ListsToRank(nprobe, nlist);
        var probed = filter.PrefersExactScan ? nlist : Math.Min(nprobe, nlist);
        var scanner = batch.Scanner;
        var sequence = scanner.Sequence(Math.Max(nlist, nq));

        // Coarse step: every query against every centroid, then each query's lists ranked exactly as SearchOne ranks them.
        var coarse = IvfBatchScratch.Grow(ref batch.Coarse, nq * nlist);
        for (var c = 0; c < nlist; c += BatchScanner.TileRows)
        {
            BlockKernels.Compute(IsL2, Lists.Centroids, sequence.Slice(c, Math.Min(BatchScanner.TileRows, nlist - c)), queries,
                sequence[..nq], dim, coarse[c..], nlist);
        }

        var rankedLists = IvfBatchScratch.Grow(ref batch.RankedLists, nq * ranked);
        for (var q = 0; q < nq; q++)
        {
            var order = new TopK(rankedLists.Slice(q * ranked, ranked), scratch.ListDistances.AsSpan(0, ranked));
            var row = coarse.Slice(q * nlist, nlist);
            for (var list = 0; list < nlist; list++)
            {
                order.Push(list, row[list]);
            }

            order.SortBestFirst();
        }

        // Queries grouped by probed list (CSR, ascending query order), then each list scanned once for all of them.
        var starts = IvfBatchScratch.Grow(ref batch.ListStarts, nlist + 1);
        starts.Clear();
        for (var q = 0; q < nq; q++)
        {
            foreach (var list in rankedLists.Slice(q * ranked, probed))
            {
                starts[list + 1]++;
            }
        }

        for (var list = 0; list < nlist; list++)
        {
            starts[list + 1] += starts[list];
        }

        var next = IvfBatchScratch.Grow(ref batch.ListCursors, nlist);
        starts[..nlist].CopyTo(next);
        var members = IvfBatchScratch.Grow(ref batch.ListMembers, nq * probed);
        for (var q = 0; q < nq; q++)
        {
            foreach (var list in rankedLists.Slice(q * ranked, probed))
            {
                members[next[list]++] = q;
            }
        }

        scanner.Candidates.Reset(nq, k);
        for (var list = 0; list < nlist; list++)
        {
            if (starts[list + 1] > starts[list])
            {
                ScanListBatch(list, queries, members[starts[list]..starts[list + 1]], filter, scanner);
            }
        }

        // Each query alone: its final top-k, after further lists while an allow-list leaves it unfilled (SearchOne's rule).
        for (var q = 0; q < nq; q++)
        {
            var top = new TopK(offsets.Slice(q * k, k), scores.Slice(q * k, k));
            scanner.Candidates.DrainInto(q, ref top);
            if (probed < ranked && filter.ShouldProbe(probed, nprobe, top.IsFull))
            {
                var query = queries.Slice(q * dim, dim);
                BeginQuery(query, scratch);
                for (var i = probed; i < ranked && filter.ShouldProbe(i, nprobe, top.IsFull); i++)
                {
                    ScanList(query, rankedLists[(q * ranked) + i], filter, scratch, ref top);
                }
            }

            WriteResults(ref top, offsets.Slice(q * k, k), scores.Slice(q * k, k));
        }
    }

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

/// <summary>Per-thread buffers of batch-mode IVF search, pooled and grown on demand.</summary>
internal sealed class IvfBatchScratch
{
    public float[] Coarse = [];
    public int[] RankedLists = [];
    public int[] ListStarts = [];
    public int[] ListCursors = [];
    public int[] ListMembers = [];

    public BatchScanner Scanner { get; } = new();

    public static Span<T> Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }

        return buffer.AsSpan(0, length);
    }
}
