using System.Runtime.InteropServices;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Ivf;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index;

/// <summary>
/// The interim index of a growing segment: append-only, every row searchable as soon as <see cref="Add"/> returns.
/// Up to <see cref="TrainThreshold"/> rows it scans exactly; at the threshold it trains an IVF quantizer of
/// <see cref="InterimNList"/> lists on the rows so far and assigns every later row on arrival, so a search probes
/// <see cref="InterimNProbe"/> lists (Milvus's interim defaults: nlist 128, nprobe 16) instead of scanning all rows.
/// One writer and any number of concurrent searchers are safe.
/// </summary>
public sealed class GrowingVectorIndex
{
    public const int InterimNList = 128;
    public const int InterimNProbe = 16;
    public const int TrainThreshold = InterimNList * 32;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Searcher _searcher;
    private readonly int _seed;
    private float[] _data;
    private int _count;
    private FloatRows _rows;
    private float[]? _centroids;
    private List<int>[]? _lists;

    public GrowingVectorIndex(int dim, MetricType metric, int seed = 42)
    {
        if (!IndexType.Flat.Supports(metric))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metric.ToMilvusName()} does not apply to float vectors");
        }

        new IndexSpec(IndexType.Flat, metric).Validate(dim);
        Dim = dim;
        Metric = metric;
        _seed = seed;
        _data = new float[dim * 1024];
        _rows = new FloatRows(metric, dim, _data, 0);
        _searcher = new Searcher(this);
    }

    public int Dim { get; }

    public MetricType Metric { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Appends <c>vectors.Length / Dim</c> rows; their offsets continue from <see cref="Count"/>.</summary>
    public void Add(ReadOnlySpan<float> vectors) => Add(vectors.Length, vectors, DataType.FloatVector, default);

    /// <summary>Appends rows of a packed float-family type (Float16Vector, BFloat16Vector, Int8Vector), converted to float32 in place.</summary>
    public void Add(DataType type, ReadOnlySpan<byte> packed) => Add(packed.Length / type.VectorRowWidth(1), default, type, packed);

    private void Add(int elements, ReadOnlySpan<float> vectors, DataType type, ReadOnlySpan<byte> packed)
    {
        if (elements % Dim != 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"vector data of {elements} elements is not a whole number of dim-{Dim} vectors");
        }

        _lock.EnterWriteLock();
        try
        {
            var added = elements / Dim;
            var needed = (_count + added) * Dim;
            if (needed > _data.Length)
            {
                Array.Resize(ref _data, Math.Max(needed, _data.Length * 2));
            }

            var target = _data.AsSpan(_count * Dim, elements);
            if (type == DataType.FloatVector)
            {
                vectors.CopyTo(target);
            }
            else
            {
                PackedVectors.ToSingle(type, packed, target);
            }

            if (Metric == MetricType.Cosine)
            {
                Distances.NormalizeRows(target, Dim);
            }

            var first = _count;
            Volatile.Write(ref _count, _count + added);
            _rows = new FloatRows(Metric, Dim, _data, _count);
            if (_lists is not null)
            {
                AssignToLists(first, _count);
            }
            else if (_count >= TrainThreshold)
            {
                TrainLists();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Same contract as <see cref="IVectorIndex.Search"/>, except that an allow-list may cover fewer rows than
    /// <see cref="Count"/>: rows past it are not allowed, so a reader's view taken before later appends sees only its rows.
    /// </summary>
    public void Search(ReadOnlySpan<float> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores)
    {
        _lock.EnterReadLock();
        try
        {
            if (options.Allow is { } allow && allow.Length < _count)
            {
                options = options with { Allow = allow.Extend(_count) };
            }

            _searcher.Search(queries, k, options, offsets, scores);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Writes the rows so far as a FLAT index file (what a segment seals with before its real index is built).</summary>
    public void Save(Stream destination)
    {
        _lock.EnterReadLock();
        try
        {
            _searcher.Save(destination);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void TrainLists()
    {
        var lists = InvertedLists.Build(_rows, InterimNList, _seed, new ParallelOptions());
        _centroids = lists.Centroids;
        _lists = new List<int>[lists.NList];
        for (var list = 0; list < lists.NList; list++)
        {
            _lists[list] = [.. lists.Ids.AsSpan(lists.Offsets[list], lists.Offsets[list + 1] - lists.Offsets[list])];
        }
    }

    private void AssignToLists(int first, int end)
    {
        var nlist = _lists!.Length;
        for (var id = first; id < end; id++)
        {
            var row = _data.AsSpan(id * Dim, Dim);
            var best = 0;
            var bestDistance = float.PositiveInfinity;
            for (var list = 0; list < nlist; list++)
            {
                var distance = FloatRows.Distance(Metric == MetricType.L2, row, _centroids.AsSpan(list * Dim, Dim));
                if (distance < bestDistance)
                {
                    (best, bestDistance) = (list, distance);
                }
            }

            _lists[best].Add(id);
        }
    }

    /// <summary>The search and save machinery over the growing rows; the outer read lock keeps them stable.</summary>
    private sealed class Searcher(GrowingVectorIndex owner) : FloatIndexBase(new IndexSpec(IndexType.Flat, owner.Metric), owner.Dim)
    {
        private readonly ScratchPool<IvfScratch> _scratch = new(() => new IvfScratch(InterimNList, 0, 0));

        public override int Count => owner._count;

        protected override int SearchWidth(IReadOnlyDictionary<string, string> parameters, int k) =>
            IndexParams.GetInt(parameters, IndexParams.NProbeName, InterimNProbe, 1, 65536);

        protected override void SearchOne(ReadOnlySpan<float> query, int nprobe, in QueryFilter filter, ref TopK top)
        {
            var rows = owner._rows;
            var lists = owner._lists;
            if (lists is null || filter.PrefersExactScan)
            {
                rows.Scan(query, filter, ref top);
                return;
            }

            var scratch = _scratch.Rent();
            try
            {
                var l2 = owner.Metric == MetricType.L2;
                var ranked = filter.ListsToRank(nprobe, lists.Length);
                var order = new TopK(scratch.ListIds.AsSpan(0, ranked), scratch.ListDistances.AsSpan(0, ranked));
                for (var list = 0; list < lists.Length; list++)
                {
                    order.Push(list, FloatRows.Distance(l2, query, owner._centroids.AsSpan(list * Dim, Dim)));
                }

                ranked = order.SortBestFirst();
                for (var i = 0; i < ranked && filter.ShouldProbe(i, nprobe, top.IsFull); i++)
                {
                    foreach (var id in CollectionsMarshal.AsSpan(lists[scratch.ListIds[i]]))
                    {
                        if (!filter.Allows(id))
                        {
                            continue;
                        }

                        var distance = rows.Distance(query, id);
                        if (filter.InRange(distance))
                        {
                            top.Push(id, distance);
                        }
                    }
                }
            }
            finally
            {
                _scratch.Return(scratch);
            }
        }

        protected override void WritePayload(IndexFileWriter writer) => writer.WriteArray<float>(owner._data.AsSpan(0, owner._count * Dim));
    }
}
