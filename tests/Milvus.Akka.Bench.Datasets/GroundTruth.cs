using System.Runtime.InteropServices;

using Milvus.Akka.Index;

namespace Milvus.Akka.Bench.Datasets;

/// <summary>
/// Exact k nearest neighbours of every query by brute force, computed independently of the engine's FLAT index
/// (blocked so a tile of queries and a tile of rows share the cache, then plain sorted insertion), cached in the
/// work directory. Recall is tie-aware like ann-benchmarks': a returned row counts when its distance is within the
/// k-th true distance, so engines are not punished for picking a different one of several equidistant rows.
/// </summary>
public sealed class GroundTruth
{
    private const int QueryTile = 32;
    private const int RowTile = 64;

    private readonly Dataset _data;
    private readonly int _k;
    private readonly float[] _distances;

    private GroundTruth(Dataset data, int k, float[] distances)
    {
        _data = data;
        _k = k;
        _distances = distances;
    }

    public static GroundTruth Load(Dataset data, int k, string workDirectory)
    {
        var path = Path.Combine(workDirectory, $"ground-truth-{data.Name}-{data.BaseCount}x{data.QueryCount}-k{k}.f32");
        var expected = data.QueryCount * k;
        if (File.Exists(path) && new FileInfo(path).Length == expected * sizeof(float))
        {
            var cached = new float[expected];
            using var file = File.OpenRead(path);
            file.ReadExactly(MemoryMarshal.AsBytes(cached.AsSpan()));
            return new GroundTruth(data, k, cached);
        }

        var distances = Compute(data, k);
        using (var file = File.Create(path))
        {
            file.Write(MemoryMarshal.AsBytes(distances.AsSpan()));
        }

        return new GroundTruth(data, k, distances);
    }

    /// <summary>Mean recall@k over the first <c>ids.Length / k</c> queries; -1 and repeated ids count as misses.</summary>
    public double Recall(ReadOnlySpan<int> ids)
    {
        var queries = ids.Length / _k;
        long hits = 0;
        for (var q = 0; q < queries; q++)
        {
            var row = ids.Slice(q * _k, _k);
            var kth = _distances[(q * _k) + _k - 1];
            for (var i = 0; i < _k; i++)
            {
                var id = row[i];
                if (id >= 0 && id < _data.BaseCount && !row[..i].Contains(id)
                    && Distances.L2Squared(_data.Query(q), _data.BaseRow(id)) <= kth)
                {
                    hits++;
                }
            }
        }

        return (double)hits / (queries * _k);
    }

    /// <summary>Per query, the k smallest squared distances ascending.</summary>
    private static float[] Compute(Dataset data, int k)
    {
        var nq = data.QueryCount;
        var n = data.BaseCount;
        var nearest = new float[nq * k];
        Array.Fill(nearest, float.PositiveInfinity);
        Parallel.For(0, (nq + QueryTile - 1) / QueryTile, tile =>
        {
            var firstQuery = tile * QueryTile;
            var lastQuery = Math.Min(nq, firstQuery + QueryTile);
            for (var firstRow = 0; firstRow < n; firstRow += RowTile)
            {
                var lastRow = Math.Min(n, firstRow + RowTile);
                for (var q = firstQuery; q < lastQuery; q++)
                {
                    var best = nearest.AsSpan(q * k, k);
                    for (var row = firstRow; row < lastRow; row++)
                    {
                        var distance = Distances.L2Squared(data.Query(q), data.BaseRow(row));
                        if (distance < best[k - 1])
                        {
                            var slot = k - 1;
                            for (; slot > 0 && best[slot - 1] > distance; slot--)
                            {
                                best[slot] = best[slot - 1];
                            }

                            best[slot] = distance;
                        }
                    }
                }
            }
        });
        return nearest;
    }
}
