using Milvus.Akka.Common;

namespace Milvus.Akka.Index;

/// <summary>
/// Search-time options: Milvus search parameters ("nprobe", "ef"), an allow-list of row offsets and an optional range.
/// Range semantics follow Milvus: for L2, HAMMING and JACCARD keep <c>range_filter &lt;= d &lt; radius</c>;
/// for IP and COSINE keep <c>radius &lt; s &lt;= range_filter</c>. At most k hits are returned, best first.
/// </summary>
public sealed record SearchOptions
{
    public static SearchOptions Default { get; } = new();

    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    /// <summary>Rows that may be returned (deleted rows, scalar filters and partitions already applied); null allows all rows.</summary>
    public Bitset? Allow { get; init; }

    public float? Radius { get; init; }

    public float? RangeFilter { get; init; }

    /// <summary>Threads a batch of queries may use; 0 (the default) uses every core. Results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>Set for a BM25 search of sparse rows: the query values are term weights, the rows term frequencies.</summary>
    public Sparse.Bm25Scoring? Bm25 { get; init; }
}
