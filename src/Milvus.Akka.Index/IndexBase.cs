using System.Buffers;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index;

/// <summary>
/// What every index shares: argument checks, the filter, per-query scratch, multi-threaded batches and the
/// conversion from internal distances (lower is better) to Milvus scores. Element type T is float or packed bytes.
/// </summary>
internal abstract class IndexBase<T>
    where T : unmanaged
{
    protected IndexBase(IndexSpec spec, int dim, int rowWidth)
    {
        Spec = spec;
        Dim = dim;
        RowWidth = rowWidth;
    }

    public IndexSpec Spec { get; }

    public int Dim { get; }

    public abstract int Count { get; }

    /// <summary>Elements per row: Dim for float vectors, Dim/8 for packed binary ones.</summary>
    protected int RowWidth { get; }

    protected MetricType Metric => Spec.Metric;

    public unsafe void Search(ReadOnlySpan<T> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (k <= 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"topk must be positive, got {k}");
        }

        if (queries.Length % RowWidth != 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"query data of {queries.Length} elements is not a whole number of dim-{Dim} vectors");
        }

        var nq = queries.Length / RowWidth;
        if (offsets.Length < nq * k || scores.Length < nq * k)
        {
            throw new ArgumentException($"result buffers must hold nq*k = {nq * k} entries", nameof(offsets));
        }

        if (options.Threads < 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"search threads must be 0 (all cores) or positive, got {options.Threads}");
        }

        var filter = QueryFilter.Create(options, Metric, Count);
        var width = SearchWidth(options.Params, k);
        if (nq <= 1)
        {
            SearchChunk(queries, nq, k, width, filter, offsets, scores);
            return;
        }

        // Batch-mode indexes get one contiguous chunk per thread, so each chunk's queries share their row scans;
        // the others get single queries, which balances best when another tenant holds a core.
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var chunk = SearchesInBatches ? (nq + threads - 1) / threads : 1;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };

        // Spans cannot cross into the parallel body; the buffers stay pinned for the (synchronous) loop.
        fixed (T* queryBase = queries)
        fixed (int* offsetBase = offsets)
        fixed (float* scoreBase = scores)
        {
            var (qp, op, sp) = ((nint)queryBase, (nint)offsetBase, (nint)scoreBase);
            Parallel.For(0, (nq + chunk - 1) / chunk, parallel, c =>
            {
                var first = c * chunk;
                var count = Math.Min(chunk, nq - first);
                SearchChunk(
                    new ReadOnlySpan<T>((T*)qp + ((long)first * RowWidth), count * RowWidth),
                    count,
                    k,
                    width,
                    filter,
                    new Span<int>((int*)op + ((long)first * k), count * k),
                    new Span<float>((float*)sp + ((long)first * k), count * k));
            });
        }
    }

    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var writer = new IndexFileWriter(destination, Spec, Dim, Count);
        WritePayload(writer);
        writer.Complete();
    }

    /// <summary>Parses the index-specific search breadth (ef, nprobe); 0 when the index has none.</summary>
    protected virtual int SearchWidth(IReadOnlyDictionary<string, string> parameters, int k) => 0;

    /// <summary>Turns the query into the form rows are stored in (unit length for COSINE).</summary>
    protected virtual void PrepareQuery(Span<T> query)
    {
    }

    /// <summary>Whether <see cref="SearchChunk"/> searches its queries together (batch mode) rather than one by one.</summary>
    protected virtual bool SearchesInBatches => false;

    /// <summary>Searches <paramref name="nq"/> consecutive queries on one thread; results as for <see cref="Search"/>.</summary>
    protected virtual void SearchChunk(ReadOnlySpan<T> queries, int nq, int k, int width, in QueryFilter filter, Span<int> offsets, Span<float> scores)
    {
        for (var q = 0; q < nq; q++)
        {
            SearchQuery(queries.Slice(q * RowWidth, RowWidth), k, width, filter, offsets.Slice(q * k, k), scores.Slice(q * k, k));
        }
    }

    /// <summary>Copies <paramref name="queries"/> into <paramref name="prepared"/> in the form rows are stored in.</summary>
    protected void PrepareQueries(ReadOnlySpan<T> queries, Span<T> prepared)
    {
        queries.CopyTo(prepared);
        for (var offset = 0; offset < queries.Length; offset += RowWidth)
        {
            PrepareQuery(prepared.Slice(offset, RowWidth));
        }
    }

    /// <summary>Writes the selection best first as Milvus scores, padding unused slots with offset -1 and the worst score.</summary>
    protected void WriteResults(ref TopK top, Span<int> offsets, Span<float> scores)
    {
        var found = top.SortBestFirst();
        var higherIsBetter = Metric.HigherIsBetter();
        if (higherIsBetter)
        {
            for (var i = 0; i < found; i++)
            {
                scores[i] = -scores[i];
            }
        }

        offsets[found..].Fill(-1);
        scores[found..].Fill(higherIsBetter ? float.NegativeInfinity : float.PositiveInfinity);
    }

    /// <summary>Offers every allowed, in-range candidate the index finds to <paramref name="top"/> with its internal distance.</summary>
    protected abstract void SearchOne(ReadOnlySpan<T> query, int width, in QueryFilter filter, ref TopK top);

    protected abstract void WritePayload(IndexFileWriter writer);

    private void SearchQuery(ReadOnlySpan<T> query, int k, int width, in QueryFilter filter, Span<int> offsets, Span<float> scores)
    {
        var top = new TopK(offsets, scores);
        if (filter.AllowedCount > 0)
        {
            var scratch = ArrayPool<T>.Shared.Rent(RowWidth);
            try
            {
                var prepared = scratch.AsSpan(0, RowWidth);
                PrepareQueries(query, prepared);
                SearchOne(prepared, width, filter, ref top);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        }

        WriteResults(ref top, offsets, scores);
    }
}
