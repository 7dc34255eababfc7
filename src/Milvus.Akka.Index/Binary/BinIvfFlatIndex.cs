using Milvus.Akka.Index.Ivf;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Binary;

/// <summary>
/// BIN_IVF_FLAT: binary centroids trained by k-modes (Hamming assignment, per-bit majority update, as faiss's
/// binary IVF), rows stored list by list, exact HAMMING/JACCARD within the nprobe nearest lists.
/// </summary>
internal sealed class BinIvfFlatIndex : IndexBase<byte>, IBinaryVectorIndex
{
    private const int Iterations = 10;

    private readonly byte[] _centroids;
    private readonly int[] _offsets;
    private readonly int[] _ids;
    private readonly BinaryRows _listRows;
    private readonly ScratchPool<IvfScratch> _scratch;

    private BinIvfFlatIndex(IndexSpec spec, int dim, byte[] centroids, int[] offsets, int[] ids, BinaryRows listRows)
        : base(spec, dim, dim / 8)
    {
        _centroids = centroids;
        _offsets = offsets;
        _ids = ids;
        _listRows = listRows;
        _scratch = new ScratchPool<IvfScratch>(() => new IvfScratch(offsets.Length - 1, 0, 0));
    }

    public override int Count => _ids.Length;

    private int NList => _offsets.Length - 1;

    public static BinIvfFlatIndex Build(IndexSpec spec, int dim, BinaryRows rows, int seed, ParallelOptions parallel)
    {
        var rowBytes = dim / 8;
        var n = rows.Count;
        var k = Math.Max(1, Math.Min(IndexParams.NList(spec.Params), n));
        var centroids = n == 0 ? new byte[rowBytes] : Train(rows, dim, k, seed, parallel);
        var assignment = new int[n];
        Assign(rows, centroids, rowBytes, assignment, parallel);
        var (offsets, ids) = InvertedLists.GroupByList(assignment, k);
        var data = new byte[n * rowBytes];
        for (var p = 0; p < n; p++)
        {
            rows.Row(ids[p]).CopyTo(data.AsSpan(p * rowBytes, rowBytes));
        }

        return new BinIvfFlatIndex(spec, dim, centroids, offsets, ids, new BinaryRows(spec.Metric, rowBytes, data, n));
    }

    public static BinIvfFlatIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader)
    {
        var rowBytes = dim / 8;
        var nlist = reader.ReadInt32();
        var centroids = reader.ReadArray<byte>((long)nlist * rowBytes);
        var offsets = reader.ReadArray<int>(nlist + 1);
        var ids = reader.ReadArray<int>(count);
        if (offsets[0] != 0 || offsets[^1] != count)
        {
            throw IndexFile.Corrupt("corrupt index file: inverted list offsets do not cover the rows");
        }

        var data = reader.ReadArray<byte>((long)count * rowBytes);
        return new BinIvfFlatIndex(spec, dim, centroids, offsets, ids, new BinaryRows(spec.Metric, rowBytes, data, count));
    }

    protected override int SearchWidth(IReadOnlyDictionary<string, string> parameters, int k) => IndexParams.NProbe(parameters);

    protected override void SearchOne(ReadOnlySpan<byte> query, int nprobe, in QueryFilter filter, ref TopK top)
    {
        var scratch = _scratch.Rent();
        try
        {
            var ranked = filter.ListsToRank(nprobe, NList);
            var order = new TopK(scratch.ListIds.AsSpan(0, ranked), scratch.ListDistances.AsSpan(0, ranked));
            for (var list = 0; list < NList; list++)
            {
                order.Push(list, Distances.Hamming(query, Centroid(list)));
            }

            ranked = order.SortBestFirst();
            for (var i = 0; i < ranked; i++)
            {
                if (!filter.ShouldProbe(i, nprobe, top.IsFull))
                {
                    break;
                }

                var list = scratch.ListIds[i];
                for (var p = _offsets[list]; p < _offsets[list + 1]; p++)
                {
                    var id = _ids[p];
                    if (!filter.Allows(id))
                    {
                        continue;
                    }

                    var distance = _listRows.Distance(query, _listRows.Row(p));
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

    protected override void WritePayload(IndexFileWriter writer)
    {
        writer.WriteInt32(NList);
        writer.WriteArray<byte>(_centroids);
        writer.WriteArray<int>(_offsets);
        writer.WriteArray<int>(_ids);
        writer.WriteArray<byte>(_listRows.Data);
    }

    private ReadOnlySpan<byte> Centroid(int list) => _centroids.AsSpan(list * RowWidth, RowWidth);

    private static byte[] Train(BinaryRows rows, int dim, int k, int seed, ParallelOptions parallel)
    {
        var rowBytes = dim / 8;
        var random = new Random(seed);
        var sampleSize = Math.Min(rows.Count, k * KMeans.MaxPointsPerCentroid);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        random.Shuffle(order);
        var sampleData = new byte[sampleSize * rowBytes];
        for (var i = 0; i < sampleSize; i++)
        {
            rows.Row(order[i]).CopyTo(sampleData.AsSpan(i * rowBytes, rowBytes));
        }

        var sample = new BinaryRows(Common.MetricType.Hamming, rowBytes, sampleData, sampleSize);
        var centroids = sampleData.AsSpan(0, k * rowBytes).ToArray();
        var assignment = new int[sampleSize];
        var bitCounts = new int[k * dim];
        var sizes = new int[k];
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            Assign(sample, centroids, rowBytes, assignment, parallel);
            Array.Clear(bitCounts);
            Array.Clear(sizes);
            for (var i = 0; i < sampleSize; i++)
            {
                var c = assignment[i];
                sizes[c]++;
                var row = sample.Row(i);
                for (var bit = 0; bit < dim; bit++)
                {
                    bitCounts[(c * dim) + bit] += (row[bit >> 3] >> (bit & 7)) & 1;
                }
            }

            for (var c = 0; c < k; c++)
            {
                var centroid = centroids.AsSpan(c * rowBytes, rowBytes);
                if (sizes[c] == 0)
                {
                    // An empty cluster restarts from a random sample point.
                    sample.Row(random.Next(sampleSize)).CopyTo(centroid);
                    continue;
                }

                centroid.Clear();
                for (var bit = 0; bit < dim; bit++)
                {
                    if (2 * bitCounts[(c * dim) + bit] > sizes[c])
                    {
                        centroid[bit >> 3] |= (byte)(1 << (bit & 7));
                    }
                }
            }
        }

        return centroids;
    }

    private static void Assign(BinaryRows rows, byte[] centroids, int rowBytes, int[] assignment, ParallelOptions parallel)
    {
        var k = centroids.Length / rowBytes;
        Parallel.For(0, rows.Count, parallel, i =>
        {
            var row = rows.Row(i);
            var best = 0;
            var bestDistance = int.MaxValue;
            for (var c = 0; c < k; c++)
            {
                var distance = Distances.Hamming(row, centroids.AsSpan(c * rowBytes, rowBytes));
                if (distance < bestDistance)
                {
                    (best, bestDistance) = (c, distance);
                }
            }

            assignment[i] = best;
        });
    }
}
