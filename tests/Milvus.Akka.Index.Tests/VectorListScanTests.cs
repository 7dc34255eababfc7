using System.Runtime.InteropServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Tests;

/// <summary>Exact search of struct vector lists, checked against scores worked out here element by element.</summary>
public class VectorListScanTests
{
    private const int Dim = 3;

    /// <summary>Rows of 2, 0, 3 and 1 vectors: row 1 has no struct elements and is never a hit.</summary>
    private static readonly float[][][] Rows =
    [
        [[1, 0, 0], [0, 1, 0]],
        [],
        [[0, 0, 1], [1, 1, 0], [-1, 0, 0]],
        [[0.5f, 0.5f, 0.5f]],
    ];

    private static VectorArrayColumn FloatRows() =>
        new(DataType.FloatVector, Dim, [.. Rows.Select(row => MemoryMarshal.AsBytes(row.SelectMany(v => v).ToArray().AsSpan()).ToArray())]);

    private static float Dot(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static float Cosine(float[] a, float[] b) => Dot(a, b) / MathF.Sqrt(Dot(a, a) * Dot(b, b));

    private static float L2(float[] a, float[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    private static (int[] Rows, float[] Scores, int[] Elements) Search(VectorArrayColumn rows, MetricType metric, float[][] queries, int[]? lengths,
        int topK, Bitset? allow = null)
    {
        var nq = lengths?.Length ?? queries.Length;
        var offsets = new int[nq * topK];
        var scores = new float[nq * topK];
        var elements = new int[nq * topK];
        VectorListScan.Search(rows, metric, queries.SelectMany(q => q).ToArray(), null, lengths, nq, topK, allow, offsets, scores, elements);
        return (offsets, scores, elements);
    }

    [Fact]
    public void Max_sim_cosine_scores_each_list_by_the_sum_of_each_query_vectors_best_element()
    {
        float[][] query = [[1, 0.2f, 0], [0, 0, 2]];
        var (rows, scores, _) = Search(FloatRows(), MetricType.MaxSimCosine, query, [2], topK: 4);

        var expected = new[] { 0, 2, 3 }
            .Select(r => (Row: r, Score: query.Sum(q => Rows[r].Max(v => Cosine(q, v)))))
            .OrderByDescending(x => x.Score).ToList();
        Assert.Equal([.. expected.Select(x => x.Row), -1], rows);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Score, scores[i], 1e-5);
        }
    }

    [Fact]
    public void Max_sim_l2_sums_each_query_vectors_nearest_element_and_ranks_smaller_first()
    {
        float[][][] lists = [[[1, 0, 0]], [[0, 0, 1], [-1, 0, 0]]];
        var (rows, scores, _) = Search(FloatRows(), MetricType.MaxSimL2, [.. lists.SelectMany(l => l)], [1, 2], topK: 2);

        for (var q = 0; q < lists.Length; q++)
        {
            var expected = new[] { 0, 2, 3 }
                .Select(r => (Row: r, Score: lists[q].Sum(v => Rows[r].Min(e => L2(v, e)))))
                .OrderBy(x => x.Score).Take(2).ToList();
            Assert.Equal(expected.Select(x => x.Row), rows.AsSpan(q * 2, 2).ToArray());
            Assert.Equal(expected.Select(x => x.Score), scores.AsSpan(q * 2, 2).ToArray());
        }

        // Each list finds the row holding exactly its vectors first.
        Assert.Equal((0, 0f), (rows[0], scores[0]));
        Assert.Equal((2, 0f), (rows[2], scores[2]));
    }

    [Fact]
    public void Element_level_hits_are_elements_with_their_position_so_a_row_can_be_hit_twice()
    {
        float[] query = [1, 0.9f, 0];
        var (rows, scores, elements) = Search(FloatRows(), MetricType.IP, [query], null, topK: 4);

        var expected = Rows.SelectMany((row, r) => row.Select((v, e) => (Row: r, Element: e, Score: Dot(query, v))))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Row).Take(4).ToList();
        Assert.Equal(expected.Select(x => x.Row), rows);
        Assert.Equal(expected.Select(x => x.Element), elements);
        Assert.Equal(expected.Select(x => x.Score), scores);
        Assert.Equal(2, rows.Count(r => r == 0));
    }

    [Fact]
    public void Rows_outside_the_allow_list_are_not_hits()
    {
        var allow = new Bitset(Rows.Length);
        allow[3] = true;
        var (rows, _, elements) = Search(FloatRows(), MetricType.Cosine, [[0, 0, 1]], null, topK: 3, allow);

        Assert.Equal([3, -1, -1], rows);
        Assert.Equal(0, elements[0]);
    }

    [Fact]
    public void Packed_float16_elements_are_scored_as_their_float_values()
    {
        var packed = Rows.Select(row =>
        {
            var bytes = new byte[row.Length * Dim * 2];
            for (var e = 0; e < row.Length; e++)
            {
                PackedVectors.FromSingle(DataType.Float16Vector, row[e], bytes.AsSpan(e * Dim * 2, Dim * 2));
            }

            return bytes;
        }).ToArray();
        var halves = new VectorArrayColumn(DataType.Float16Vector, Dim, packed);

        var floats = Search(FloatRows(), MetricType.MaxSimIP, [[0.5f, 1, 0]], [1], topK: 3);
        var converted = Search(halves, MetricType.MaxSimIP, [[0.5f, 1, 0]], [1], topK: 3);
        Assert.Equal(floats.Rows, converted.Rows);
        Assert.Equal(floats.Scores, converted.Scores);
    }

    [Fact]
    public void Binary_elements_are_scored_by_hamming_distance()
    {
        // One byte per vector (dim 8): row 0 holds 0b1111_0000 and 0b0000_0001, row 1 holds 0b1111_1111.
        var rows = new VectorArrayColumn(DataType.BinaryVector, 8, [[0b1111_0000, 0b0000_0001], [0b1111_1111]]);
        var offsets = new int[2];
        var scores = new float[2];
        var elements = new int[2];
        VectorListScan.Search(rows, MetricType.Hamming, [], [[0b0000_0011]], null, 1, 2, null, offsets, scores, elements);

        Assert.Equal([0, 0], offsets);
        Assert.Equal([1, 0], elements);
        Assert.Equal([1f, 6f], scores);
    }
}
