namespace Milvus.Akka.Index;

/// <summary>
/// A built, immutable index over float vectors. Rows are identified by their offset 0..Count-1 in build order.
/// Search and Save are thread-safe.
/// </summary>
public interface IVectorIndex
{
    IndexSpec Spec { get; }

    int Dim { get; }

    int Count { get; }

    /// <summary>
    /// Searches <c>nq = queries.Length / Dim</c> row-major queries. For each query q, up to k hits are written best
    /// first into <c>offsets[q*k..]</c> and <c>scores[q*k..]</c>: squared distance for L2 (ascending), dot product for
    /// IP and cosine similarity for COSINE (descending). Unused slots get offset -1 and the worst possible score
    /// (+∞ for L2, -∞ for IP/COSINE).
    /// </summary>
    void Search(ReadOnlySpan<float> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores);

    /// <summary>Writes the versioned, checksummed index file; <see cref="VectorIndexes.Load(ReadOnlySpan{byte})"/> reads it back.</summary>
    void Save(Stream destination);
}

/// <summary>
/// A built, immutable index over packed binary vectors (Dim bits, Dim/8 bytes per row, bit i of a row in byte i/8,
/// least significant bit first). Scores: HAMMING bit distance, JACCARD distance; both ascending.
/// </summary>
public interface IBinaryVectorIndex
{
    IndexSpec Spec { get; }

    int Dim { get; }

    int Count { get; }

    /// <summary>Same shape as <see cref="IVectorIndex.Search"/> with <c>nq = queries.Length / (Dim / 8)</c>.</summary>
    void Search(ReadOnlySpan<byte> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores);

    void Save(Stream destination);
}
