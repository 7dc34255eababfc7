using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Sparse;

/// <summary>
/// Okapi BM25 over the rows a BM25 function wrote (term id → term frequency, so a row's values sum to its document
/// length). A query row holds, per query term, its count in the query text times the term's IDF over the whole
/// collection, so a document scores Σ weight(t) · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl)), the formula of
/// Milvus (knowhere). <see cref="AverageDocLength"/> and the IDFs are collection-wide, given by the caller, so a
/// segment's scores do not depend on what else is in the segment.
/// </summary>
public sealed record Bm25Scoring(float K1, float B, float AverageDocLength)
{
    public const string K1Param = "bm25_k1";
    public const string BParam = "bm25_b";
    public const string AlgorithmParam = "inverted_index_algo";
    public const float DefaultK1 = 1.2f;
    public const float DefaultB = 0.75f;

    /// <summary>The inverted index algorithms Milvus accepts; all answer the same exact top-k here.</summary>
    public static readonly IReadOnlySet<string> Algorithms = new HashSet<string>(StringComparer.Ordinal) { "DAAT_MAXSCORE", "DAAT_WAND", "TAAT_NAIVE" };

    /// <summary>One term's part of a document's score, before the query weight.</summary>
    public float TermScore(float tf, float docLength) =>
        tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * docLength / AverageDocLength))));

    /// <summary>The score of one row for a query row of term weights, and whether they share a term (a merge of the sorted term lists).</summary>
    public (float Score, bool Overlaps) Score(ReadOnlySpan<byte> query, ReadOnlySpan<byte> row)
    {
        var docLength = DocLength(row);
        int i = 0, j = 0, nq = SparseVectors.Length(query), nr = SparseVectors.Length(row);
        var score = 0f;
        var overlaps = false;
        while (i < nq && j < nr)
        {
            var term = SparseVectors.Index(query, i);
            var other = SparseVectors.Index(row, j);
            if (term == other)
            {
                score += SparseVectors.Value(query, i++) * TermScore(SparseVectors.Value(row, j++), docLength);
                overlaps = true;
            }
            else if (term < other)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return (score, overlaps);
    }

    /// <summary>The inverse document frequency of a term found in <paramref name="df"/> of <paramref name="docs"/> documents.</summary>
    public static float Idf(long docs, long df) => (float)Math.Log(1 + ((docs - df + 0.5) / (df + 0.5)));

    /// <summary>The sum of a sparse row's values: the length of the document it was made from.</summary>
    public static float DocLength(ReadOnlySpan<byte> row)
    {
        var length = 0f;
        for (var i = 0; i < SparseVectors.Length(row); i++)
        {
            length += SparseVectors.Value(row, i);
        }

        return length;
    }

    /// <summary>k1 and b from an index's build params (Milvus's defaults when absent), checked against Milvus's ranges.</summary>
    public static (float K1, float B) Parameters(IReadOnlyDictionary<string, string> parameters) =>
        (Parameter(parameters, K1Param, DefaultK1, 1.2f, 2.0f), Parameter(parameters, BParam, DefaultB, 0f, 1f));

    /// <summary>Throws ParameterInvalid unless the build params of a BM25 index are valid.</summary>
    public static void Validate(IReadOnlyDictionary<string, string> parameters)
    {
        Parameters(parameters);
        if (parameters.TryGetValue(AlgorithmParam, out var algorithm) && !Algorithms.Contains(algorithm))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"{AlgorithmParam} '{algorithm}' is invalid; use one of {string.Join(", ", Algorithms.Order(StringComparer.Ordinal))}");
        }
    }

    private static float Parameter(IReadOnlyDictionary<string, string> parameters, string key, float fallback, float min, float max)
    {
        if (!parameters.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"{key} must be a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}], got '{text}'");
    }
}
