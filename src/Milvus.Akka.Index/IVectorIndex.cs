namespace Milvus.Akka.Index;

/// <summary>A built, immutable index over one field's rows, whatever the vector type. Save is thread-safe.</summary>
public interface IFieldIndex
{
    IndexSpec Spec { get; }

    int Count { get; }

    /// <summary>Writes the versioned, checksummed index file; <see cref="VectorIndexes.LoadAny"/> reads it back.</summary>
    void Save(Stream destination);
}

/// <summary>
/// A built, immutable index over float vectors. Rows are identified by their offset 0..Count-1 in build order.
/// Search and Save are thread-safe.
/// </summary>
public interface IVectorIndex : IFieldIndex
{
    int Dim { get; }

    /// <summary>
    /// Searches <c>nq = queries.Length / Dim</c> row-major queries. For each query q, up to k hits are written best
    /// first into <c>offsets[q*k..]</c> and <c>scores[q*k..]</c>: squared distance for L2 (ascending), dot product for
    /// IP and cosine similarity for COSINE (descending). Unused slots get offset -1 and the worst possible score
    /// (+∞ for L2, -∞ for IP/COSINE).
    /// </summary>
    void Search(ReadOnlySpan<float> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores);
}

/// <summary>
/// A built, immutable index over packed binary vectors (Dim bits, Dim/8 bytes per row, bit i of a row in byte i/8,
/// least significant bit first). Scores: HAMMING bit distance, JACCARD distance; both ascending.
/// </summary>
public interface IBinaryVectorIndex : IFieldIndex
{
    int Dim { get; }

    /// <summary>Same shape as <see cref="IVectorIndex.Search"/> with <c>nq = queries.Length / (Dim / 8)</c>.</summary>
    void Search(ReadOnlySpan<byte> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores);
}

/// <summary>
/// A built, immutable index over sparse float vectors (rows in Milvus's wire form, see <see cref="Sparse.SparseVectors"/>).
/// Scores: IP, descending; rows sharing no index with a query are not returned.
/// </summary>
public interface ISparseVectorIndex : IFieldIndex
{
    /// <summary>Same result shape as <see cref="IVectorIndex.Search"/>, one query row per element of <paramref name="queries"/>.</summary>
    void Search(IReadOnlyList<byte[]> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores);
}
