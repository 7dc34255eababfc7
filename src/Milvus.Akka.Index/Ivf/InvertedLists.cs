using Milvus.Akka.Common;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Ivf;

/// <summary>
/// The coarse quantizer of the IVF family: nlist centroids and, per list, the row offsets assigned to it, stored
/// contiguously (CSR: list l holds positions Offsets[l]..Offsets[l+1] of <see cref="Ids"/>). Codes of the
/// variants are stored in the same position order so a list scan reads memory sequentially.
/// </summary>
internal sealed class InvertedLists
{
    private InvertedLists(int dim, float[] centroids, int[] offsets, int[] ids)
    {
        Dim = dim;
        Centroids = centroids;
        Offsets = offsets;
        Ids = ids;
    }

    public int Dim { get; }

    public int NList => Offsets.Length - 1;

    public float[] Centroids { get; }

    public int[] Offsets { get; }

    public int[] Ids { get; }

    public ReadOnlySpan<float> Centroid(int list) => Centroids.AsSpan(list * Dim, Dim);

    /// <summary>Trains nlist centroids (capped at the row count) on a sample and assigns every row to its nearest one.</summary>
    public static InvertedLists Build(FloatRows rows, int nlist, int seed, ParallelOptions parallel)
    {
        var dim = rows.Dim;
        var n = rows.Count;
        var k = Math.Max(1, Math.Min(nlist, n));
        var centroids = n == 0 ? new float[dim] : KMeans.Train(rows.Data.AsSpan(0, n * dim), dim, k, seed, parallel);
        if (rows.Metric == MetricType.Cosine)
        {
            // Rows are unit vectors, so unit centroids make the probe's inner product a cosine.
            Distances.NormalizeRows(centroids, dim);
        }

        var assignment = new int[n];
        KMeans.Assign(rows.Data, n, centroids, dim, assignment, parallel);
        var (offsets, ids) = GroupByList(assignment, k);
        return new InvertedLists(dim, centroids, offsets, ids);
    }

    /// <summary>Turns a row-to-list assignment into CSR offsets and row ids, rows of a list in ascending order.</summary>
    public static (int[] Offsets, int[] Ids) GroupByList(int[] assignment, int nlist)
    {
        var offsets = new int[nlist + 1];
        foreach (var list in assignment)
        {
            offsets[list + 1]++;
        }

        for (var l = 0; l < nlist; l++)
        {
            offsets[l + 1] += offsets[l];
        }

        var ids = new int[assignment.Length];
        var next = offsets[..^1];
        for (var i = 0; i < assignment.Length; i++)
        {
            ids[next[assignment[i]]++] = i;
        }

        return (offsets, ids);
    }

    public static InvertedLists Read(int dim, int count, ref IndexFileReader reader)
    {
        var nlist = reader.ReadInt32();
        var centroids = reader.ReadArray<float>((long)nlist * dim);
        var offsets = reader.ReadArray<int>(nlist + 1);
        var ids = reader.ReadArray<int>(count);
        if (offsets[0] != 0 || offsets[^1] != count)
        {
            throw IndexFile.Corrupt("corrupt index file: inverted list offsets do not cover the rows");
        }

        return new InvertedLists(dim, centroids, offsets, ids);
    }

    public void Write(IndexFileWriter writer)
    {
        writer.WriteInt32(NList);
        writer.WriteArray<float>(Centroids);
        writer.WriteArray<int>(Offsets);
        writer.WriteArray<int>(Ids);
    }
}
