using System.Numerics.Tensors;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Ivf;

/// <summary>
/// IVF_PQ: each row's residual to its list centroid is split into m sub-vectors, each replaced by the nearest of
/// 2^nbits trained codewords (m bytes per row). A scan sums per-sub-vector distances from a lookup table built
/// once per probed list (L2) or once per query (IP/COSINE, where the centroid term is a constant per list).
/// </summary>
internal sealed class IvfPqIndex : IvfIndexBase
{
    private readonly int _m;
    private readonly int _subDim;
    private readonly int _nbits;
    private readonly int _codewords;
    private readonly float[] _codebooks;
    private readonly byte[] _codes;

    private IvfPqIndex(IndexSpec spec, InvertedLists lists, int m, int nbits, float[] codebooks, byte[] codes)
        : base(spec, lists, m << nbits)
    {
        _m = m;
        _subDim = lists.Dim / m;
        _nbits = nbits;
        _codewords = 1 << nbits;
        _codebooks = codebooks;
        _codes = codes;
    }

    public static IvfPqIndex Build(IndexSpec spec, FloatRows rows, int seed, ParallelOptions parallel)
    {
        var lists = InvertedLists.Build(rows, IndexParams.NList(spec.Params), seed, parallel);
        var dim = rows.Dim;
        var m = IndexParams.PqSubQuantizers(spec.Params, dim);
        var nbits = IndexParams.PqBits(spec.Params);
        var codewords = 1 << nbits;
        var subDim = dim / m;
        var n = rows.Count;

        // Residuals in list order, then one k-means per sub-space on its column block.
        var residuals = new float[n * dim];
        for (var list = 0; list < lists.NList; list++)
        {
            for (var p = lists.Offsets[list]; p < lists.Offsets[list + 1]; p++)
            {
                TensorPrimitives.Subtract(rows.Row(lists.Ids[p]), lists.Centroid(list), residuals.AsSpan(p * dim, dim));
            }
        }

        var codebooks = new float[m * codewords * subDim];
        var codes = new byte[n * m];
        Parallel.For(0, m, parallel, j =>
        {
            var sub = new float[n * subDim];
            for (var p = 0; p < n; p++)
            {
                residuals.AsSpan((p * dim) + (j * subDim), subDim).CopyTo(sub.AsSpan(p * subDim, subDim));
            }

            var book = codebooks.AsSpan(j * codewords * subDim, codewords * subDim);
            var trained = Math.Min(codewords, n);
            if (trained > 0)
            {
                // Sub-spaces are trained one per task; a nested parallel assignment would only add contention.
                KMeans.Train(sub, subDim, trained, seed + j + 1, new ParallelOptions { MaxDegreeOfParallelism = 1 }).CopyTo(book);
            }

            for (var p = 0; p < n; p++)
            {
                codes[(p * m) + j] = (byte)KMeans.Nearest(sub.AsSpan(p * subDim, subDim), book, subDim, codewords);
            }
        });

        return new IvfPqIndex(spec, lists, m, nbits, codebooks, codes);
    }

    public static IvfPqIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader)
    {
        var lists = InvertedLists.Read(dim, count, ref reader);
        var m = reader.ReadInt32();
        var nbits = reader.ReadInt32();
        if (m <= 0 || dim % m != 0 || nbits is < 1 or > 8)
        {
            throw IndexFile.Corrupt($"corrupt index file: invalid product quantizer shape m={m}, nbits={nbits} for dim {dim}");
        }

        var codebooks = reader.ReadArray<float>((long)dim << nbits);
        return new IvfPqIndex(spec, lists, m, nbits, codebooks, reader.ReadArray<byte>((long)count * m));
    }

    protected override void BeginQuery(ReadOnlySpan<float> query, IvfScratch scratch)
    {
        if (!IsL2)
        {
            // -<q, c + r> = -<q, c> - sum_j <q_j, r_j>: the table does not depend on the list.
            FillTable(query, scratch.Table.AsSpan(0, _m * _codewords));
        }
    }

    protected override void ScanList(ReadOnlySpan<float> query, int list, in QueryFilter filter, IvfScratch scratch, ref TopK top)
    {
        var table = scratch.Table.AsSpan(0, _m * _codewords);
        float bias;
        if (IsL2)
        {
            // Residual query against residual codewords.
            var residual = scratch.Work.AsSpan(0, Dim);
            TensorPrimitives.Subtract(query, Lists.Centroid(list), residual);
            FillTable(residual, table);
            bias = 0;
        }
        else
        {
            bias = -Distances.InnerProduct(query, Lists.Centroid(list));
        }

        var ids = Lists.Ids;
        for (int p = Lists.Offsets[list], end = Lists.Offsets[list + 1]; p < end; p++)
        {
            var id = ids[p];
            if (!filter.Allows(id))
            {
                continue;
            }

            var code = _codes.AsSpan(p * _m, _m);
            var distance = bias;
            for (var j = 0; j < code.Length; j++)
            {
                distance += table[(j * _codewords) + code[j]];
            }

            if (filter.InRange(distance))
            {
                top.Push(id, distance);
            }
        }
    }

    protected override void WriteCodes(IndexFileWriter writer)
    {
        writer.WriteInt32(_m);
        writer.WriteInt32(_nbits);
        writer.WriteArray<float>(_codebooks);
        writer.WriteArray<byte>(_codes);
    }

    private void FillTable(ReadOnlySpan<float> query, Span<float> table)
    {
        for (var j = 0; j < _m; j++)
        {
            var part = query.Slice(j * _subDim, _subDim);
            for (var c = 0; c < _codewords; c++)
            {
                var codeword = _codebooks.AsSpan(((j * _codewords) + c) * _subDim, _subDim);
                table[(j * _codewords) + c] = FloatRows.Distance(IsL2, part, codeword);
            }
        }
    }
}
