using Milvus.Akka.Common;
using Milvus.Akka.Index.Sparse;

namespace Milvus.Akka.Segments;

/// <summary>
/// The first round of a BM25 search: the corpus statistics of a BM25 output field over every row visible at
/// <paramref name="ReadTimestamp"/> (deleted and expired rows excluded, every partition counted), with the document
/// frequency of each of <paramref name="Terms"/> (term ids, increasing).
/// </summary>
public sealed record Bm25StatsPlan(long CollectionId, long FieldId, uint[] Terms, ulong ReadTimestamp, ulong ExpiredBefore = 0);

/// <summary>
/// Corpus statistics: how many documents, their total length, and per term of the plan how many documents hold it.
/// Statistics of disjoint row sets add up, so segments, shards and query nodes each count their own and the sums are
/// the collection's.
/// </summary>
public sealed record Bm25Stats(long Documents, double TotalLength, long[] DocumentFrequencies)
{
    public static Bm25Stats Empty(int terms) => new(0, 0, new long[terms]);

    public static Bm25Stats Sum(IReadOnlyList<Bm25Stats> parts, int terms)
    {
        var frequencies = new long[terms];
        long documents = 0;
        double length = 0;
        foreach (var part in parts)
        {
            documents += part.Documents;
            length += part.TotalLength;
            for (var t = 0; t < terms; t++)
            {
                frequencies[t] += part.DocumentFrequencies[t];
            }
        }

        return new Bm25Stats(documents, length, frequencies);
    }

    /// <summary>The statistics of the rows of <paramref name="column"/> set in <paramref name="rows"/>.</summary>
    public static Bm25Stats Count(SparseVectorColumn column, Bitset rows, uint[] terms)
    {
        var frequencies = new long[terms.Length];
        long documents = 0;
        double length = 0;
        foreach (var row in rows)
        {
            var values = column.Values[row];
            documents++;
            length += Bm25Scoring.DocLength(values);
            for (var i = 0; i < SparseVectors.Length(values); i++)
            {
                var t = Array.BinarySearch(terms, SparseVectors.Index(values, i));
                if (t >= 0)
                {
                    frequencies[t]++;
                }
            }
        }

        return new Bm25Stats(documents, length, frequencies);
    }

    /// <summary>The average document length BM25 normalises by (1 for an empty corpus, where nothing is scored anyway).</summary>
    public float AverageDocLength => Documents == 0 || TotalLength <= 0 ? 1f : (float)(TotalLength / Documents);
}
