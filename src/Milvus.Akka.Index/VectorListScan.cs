using System.Runtime.InteropServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// Exact search of a struct's vector field, whose rows each hold a list of vectors (one per struct element, packed as
/// <see cref="VectorArrayColumn"/> keeps them). Two searches, as in Milvus:
/// <list type="bullet">
/// <item>embedding lists (<c>queryLengths</c> set, a MAX_SIM metric): a row scores the sum, over the query list's
/// vectors, of each one's best element score under the element metric; the row is the hit;</item>
/// <item>element level (a plain metric): every element is scored against the query vector and is a hit of its own, so a
/// row may be hit by several of its elements; <c>elements</c> receives each hit's position in its row.</item>
/// </list>
/// Results are best first per query in fixed-width slots of <c>topK</c> (row -1 marks an empty slot), as the indexes fill them.
/// <c>allowElements</c> (elements numbered row after row, element after element) limits an element-level search to
/// those elements (Milvus's element_filter).
/// </summary>
public static class VectorListScan
{
    public static void Search(VectorArrayColumn rows, MetricType metric, ReadOnlySpan<float> queries, byte[][]? rawQueries,
        int[]? queryLengths, int nq, int topK, Bitset? allow, Span<int> offsets, Span<float> scores, Span<int> elements, Bitset? allowElements = null)
    {
        var binary = rows.ElementType == DataType.BinaryVector;
        var elementMetric = metric.ElementMetric();
        var higherIsBetter = elementMetric.HigherIsBetter();
        // Where each row's elements start in one numbering of all elements: an element-level hit's id.
        var starts = rows.ElementStarts();

        var decoded = binary || rows.ElementType == DataType.FloatVector ? [] : new float[MaxLength(rows) * rows.Dim];
        var firstVector = 0;
        for (var q = 0; q < nq; q++)
        {
            var vectorCount = queryLengths?[q] ?? 1;
            var ids = offsets.Slice(q * topK, topK);
            var best = scores.Slice(q * topK, topK);
            var top = new TopK(ids, best);
            for (var row = 0; row < rows.Count; row++)
            {
                if (starts[row + 1] == starts[row] || (allow is not null && !allow[row]))
                {
                    continue;
                }

                var floats = binary ? default : FloatsOf(rows, row, decoded);
                var length = starts[row + 1] - starts[row];
                if (queryLengths is null)
                {
                    for (var element = 0; element < length; element++)
                    {
                        if (allowElements is not null && !allowElements[starts[row] + element])
                        {
                            continue;
                        }

                        var score = ElementScore(rows, elementMetric, row, element, floats, queries, rawQueries, firstVector);
                        top.Push(starts[row] + element, higherIsBetter ? -score : score);
                    }
                }
                else
                {
                    var total = 0f;
                    for (var v = 0; v < vectorCount; v++)
                    {
                        var bestOfVector = higherIsBetter ? float.NegativeInfinity : float.PositiveInfinity;
                        for (var element = 0; element < length; element++)
                        {
                            var score = ElementScore(rows, elementMetric, row, element, floats, queries, rawQueries, firstVector + v);
                            bestOfVector = higherIsBetter ? Math.Max(bestOfVector, score) : Math.Min(bestOfVector, score);
                        }

                        total += bestOfVector;
                    }

                    top.Push(row, higherIsBetter ? -total : total);
                }
            }

            var found = top.SortBestFirst();
            for (var i = 0; i < topK; i++)
            {
                if (i >= found)
                {
                    ids[i] = -1;
                    continue;
                }

                if (higherIsBetter)
                {
                    best[i] = -best[i];
                }

                if (queryLengths is null)
                {
                    // The element's row: the last row starting at or before it.
                    var row = Array.BinarySearch(starts, ids[i]);
                    row = row >= 0 ? LastStartingAt(starts, row) : ~row - 1;
                    elements[q * topK + i] = ids[i] - starts[row];
                    ids[i] = row;
                }
            }

            firstVector += vectorCount;
        }
    }

    /// <summary>
    /// The score of element <paramref name="element"/> of <paramref name="row"/> (its vectors as float32 in
    /// <paramref name="floats"/>, unless binary) against query vector <paramref name="vector"/>.
    /// </summary>
    private static float ElementScore(VectorArrayColumn rows, MetricType metric, int row, int element, ReadOnlySpan<float> floats,
        ReadOnlySpan<float> queries, byte[][]? rawQueries, int vector) => rows.ElementType == DataType.BinaryVector
        ? Distances.Score(metric, rawQueries![vector], rows.Values[row].AsSpan(element * rows.VectorBytes, rows.VectorBytes))
        : Distances.Score(metric, queries.Slice(vector * rows.Dim, rows.Dim), floats.Slice(element * rows.Dim, rows.Dim));

    /// <summary>Rows without elements share their start with the next row; the element belongs to the last of them.</summary>
    private static int LastStartingAt(int[] starts, int index)
    {
        while (index + 1 < starts.Length - 1 && starts[index + 1] == starts[index])
        {
            index++;
        }

        return index;
    }

    private static int MaxLength(VectorArrayColumn rows)
    {
        var max = 0;
        for (var row = 0; row < rows.Count; row++)
        {
            max = Math.Max(max, rows.Length(row));
        }

        return max;
    }

    /// <summary>The row's vectors as float32: FloatVector rows as they are, the packed types converted into <paramref name="scratch"/>.</summary>
    private static ReadOnlySpan<float> FloatsOf(VectorArrayColumn rows, int row, float[] scratch)
    {
        var packed = rows.Values[row];
        if (rows.ElementType == DataType.FloatVector)
        {
            return MemoryMarshal.Cast<byte, float>(packed);
        }

        var floats = scratch.AsSpan(0, rows.Length(row) * rows.Dim);
        for (var element = 0; element < rows.Length(row); element++)
        {
            PackedVectors.ToSingle(rows.ElementType, packed.AsSpan(element * rows.VectorBytes, rows.VectorBytes), floats.Slice(element * rows.Dim, rows.Dim));
        }

        return floats;
    }
}
