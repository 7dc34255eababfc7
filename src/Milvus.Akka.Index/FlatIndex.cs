using System.Buffers;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Kernels;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index;

/// <summary>
/// FLAT: exact search over the raw (for COSINE, normalised) vectors. The oracle for every other index. A batch
/// scans the rows once per block of queries (<see cref="BatchScanner"/>) instead of once per query.
/// </summary>
internal sealed class FlatIndex : FloatIndexBase
{
    /// <summary>Queries sharing one pass over the rows: 64 queries of 784 floats (~200 KB) stay in L2 beside a row tile.</summary>
    private const int QueryBlock = 64;

    private readonly FloatRows _rows;
    private readonly ScratchPool<BatchScanner> _scanners = new(() => new BatchScanner());

    public FlatIndex(IndexSpec spec, FloatRows rows)
        : base(spec, rows.Dim)
    {
        _rows = rows;
    }

    public override int Count => _rows.Count;

    public static FlatIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader) =>
        new(spec, new FloatRows(spec.Metric, dim, reader.ReadArray<float>((long)count * dim), count));

    protected override bool SearchesInBatches => true;

    protected override void SearchChunk(ReadOnlySpan<float> queries, int nq, int k, int width, in QueryFilter filter, Span<int> offsets, Span<float> scores)
    {
        if (nq == 1 || filter.AllowedCount == 0)
        {
            base.SearchChunk(queries, nq, k, width, filter, offsets, scores);
            return;
        }

        var dim = Dim;
        var prepared = ArrayPool<float>.Shared.Rent(nq * dim);
        var scanner = _scanners.Rent();
        try
        {
            PrepareQueries(queries, prepared.AsSpan(0, nq * dim));
            for (var first = 0; first < nq; first += QueryBlock)
            {
                var count = Math.Min(QueryBlock, nq - first);
                scanner.Candidates.Reset(count, k);
                scanner.Scan(Metric == MetricType.L2, _rows.Data, [], 0, Count, dim, prepared.AsSpan(first * dim, count * dim),
                    scanner.Sequence(count), filter);
                for (var q = 0; q < count; q++)
                {
                    var results = (first + q) * k;
                    var top = new TopK(offsets.Slice(results, k), scores.Slice(results, k));
                    scanner.Candidates.DrainInto(q, ref top);
                    WriteResults(ref top, offsets.Slice(results, k), scores.Slice(results, k));
                }
            }
        }
        finally
        {
            _scanners.Return(scanner);
            ArrayPool<float>.Shared.Return(prepared);
        }
    }

    protected override void SearchOne(ReadOnlySpan<float> query, int width, in QueryFilter filter, ref TopK top) =>
        _rows.Scan(query, filter, ref top);

    protected override void WritePayload(IndexFileWriter writer) => writer.WriteArray<float>(_rows.Data.AsSpan(0, _rows.Count * _rows.Dim));
}
