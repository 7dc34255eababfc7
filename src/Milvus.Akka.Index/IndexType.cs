using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>The vector index types this engine builds; <see cref="IndexTypes"/> maps them to Milvus's names.</summary>
public enum IndexType
{
    Flat,
    IvfFlat,
    IvfSq8,
    IvfPq,
    Hnsw,
    BinFlat,
    BinIvfFlat,
    SparseInvertedIndex,
    SparseWand,
}

public static class IndexTypes
{
    /// <summary>The Milvus name of AUTOINDEX, which resolves to HNSW as in the shipped standalone configuration.</summary>
    public const string AutoIndexName = "AUTOINDEX";

    /// <summary>Milvus's index of MinHash signatures (metric MHJACCARD only), served here by BIN_FLAT's exact scan.</summary>
    public const string MinHashLshName = "MINHASH_LSH";

    public static string ToMilvusName(this IndexType type) => type switch
    {
        IndexType.Flat => "FLAT",
        IndexType.IvfFlat => "IVF_FLAT",
        IndexType.IvfSq8 => "IVF_SQ8",
        IndexType.IvfPq => "IVF_PQ",
        IndexType.Hnsw => "HNSW",
        IndexType.BinFlat => "BIN_FLAT",
        IndexType.BinIvfFlat => "BIN_IVF_FLAT",
        IndexType.SparseInvertedIndex => "SPARSE_INVERTED_INDEX",
        IndexType.SparseWand => "SPARSE_WAND",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>True for the indexes over packed binary vectors (HAMMING, JACCARD).</summary>
    public static bool IsBinary(this IndexType type) => type is IndexType.BinFlat or IndexType.BinIvfFlat;

    /// <summary>True for the indexes over sparse float vectors (IP).</summary>
    public static bool IsSparse(this IndexType type) => type is IndexType.SparseInvertedIndex or IndexType.SparseWand;

    /// <summary>Whether the index type indexes fields of <paramref name="fieldType"/>.</summary>
    public static bool Indexes(this IndexType type, DataType fieldType) => fieldType switch
    {
        DataType.BinaryVector => type.IsBinary(),
        DataType.SparseFloatVector => type.IsSparse(),

        // Milvus builds only HNSW over int8 vectors.
        DataType.Int8Vector => type is IndexType.Hnsw or IndexType.Flat,
        _ => fieldType.IsFloatFamilyVector() && !type.IsBinary() && !type.IsSparse(),
    };

    public static bool TryParse(string? name, out IndexType type)
    {
        switch (name?.Trim().ToUpperInvariant())
        {
            case "FLAT": type = IndexType.Flat; return true;
            case "IVF_FLAT": type = IndexType.IvfFlat; return true;
            case "IVF_SQ8": type = IndexType.IvfSq8; return true;
            case "IVF_PQ": type = IndexType.IvfPq; return true;
            case "HNSW" or AutoIndexName: type = IndexType.Hnsw; return true;

            // Milvus's on-disk graph (Vamana) and its graphs over quantized vectors (HNSW_SQ/PQ/PRQ, which save memory
            // at some recall) are served by the in-memory graph of the same search family over full vectors; ScaNN and
            // IVF_RABITQ (IVF partitions, quantized scan, optional re-ranking on raw data) by IVF_FLAT's exact scan of
            // the probed lists. Their own build params are kept and shown, not acted on.
            case "DISKANN" or "HNSW_SQ" or "HNSW_PQ" or "HNSW_PRQ": type = IndexType.Hnsw; return true;
            case "SCANN" or "IVF_RABITQ": type = IndexType.IvfFlat; return true;
            // MINHASH_LSH's bands (mh_lsh_band...) find candidates to re-rank; the exact MHJACCARD scan needs none, and
            // its params are kept and shown like the others above.
            case "BIN_FLAT" or MinHashLshName: type = IndexType.BinFlat; return true;
            case "BIN_IVF_FLAT": type = IndexType.BinIvfFlat; return true;
            case "SPARSE_INVERTED_INDEX": type = IndexType.SparseInvertedIndex; return true;
            case "SPARSE_WAND": type = IndexType.SparseWand; return true;
            default: type = default; return false;
        }
    }

    public static IndexType Parse(string name) => TryParse(name, out var type)
        ? type
        : throw new MilvusException(ErrorCode.IndexNotSupported,
            $"index type '{name}' is not supported; use FLAT, IVF_FLAT, IVF_SQ8, IVF_PQ, IVF_RABITQ, HNSW, HNSW_SQ, HNSW_PQ, HNSW_PRQ, DISKANN, SCANN, BIN_FLAT, BIN_IVF_FLAT, MINHASH_LSH, SPARSE_INVERTED_INDEX, SPARSE_WAND or AUTOINDEX");

    /// <summary>Whether <paramref name="metric"/> is valid for <paramref name="type"/> (float metrics for float indexes, bit metrics for binary ones, IP for sparse ones).</summary>
    public static bool Supports(this IndexType type, MetricType metric) => type.IsBinary()
        ? metric is MetricType.Hamming or MetricType.Jaccard || (metric == MetricType.MhJaccard && type == IndexType.BinFlat)
        : type.IsSparse()
            ? metric is MetricType.IP or MetricType.Bm25
            : metric is MetricType.L2 or MetricType.IP or MetricType.Cosine;
}
