using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index.Sparse;

namespace Milvus.Akka.Segments;

/// <summary>
/// One vector search as every node executes it: <paramref name="Queries"/> holds nq row-major float32 vectors of the
/// field's dimension for the float-family types (Float16, BFloat16 and Int8 queries converted by the proxy), and
/// <paramref name="RawQueries"/> the nq query rows of BinaryVector and SparseFloatVector fields as the client sent them; each node returns its best <paramref name="TopK"/> per query (the proxy asks for offset + limit), with
/// the <paramref name="OutputFieldIds"/> columns of each hit that <paramref name="Filter"/> (bound at the proxy) selects.
/// Rows inserted before <paramref name="ExpiredBefore"/> have outlived the collection's TTL and are not searched.
/// A BM25 search carries <paramref name="Bm25"/> (k1, b and the collection's average document length) and query
/// rows of term weights (see <see cref="Bm25Scoring"/>). With <paramref name="IgnoreGrowing"/> (Milvus's ignore_growing)
/// only flushed segments are searched: a shard leaves out those still taking rows or being written.
/// </summary>
public sealed record SearchPlan(
    long CollectionId,
    long FieldId,
    MetricType Metric,
    int TopK,
    int Nq,
    float[] Queries,
    FilterPlan? Filter,
    ImmutableDictionary<string, string> Params,
    ImmutableArray<long> PartitionIds,
    ulong ReadTimestamp,
    float? Radius = null,
    float? RangeFilter = null,
    ImmutableArray<long> OutputFieldIds = default,
    byte[][]? RawQueries = null,
    SearchGrouping? Grouping = null,
    ulong ExpiredBefore = 0,
    Bm25Scoring? Bm25 = null,
    bool IgnoreGrowing = false)
{
    public ImmutableArray<long> OutputFieldIds { get; init; } = OutputFieldIds.IsDefault ? [] : OutputFieldIds;

    /// <summary>The bound filter: the proxy's when the plan came in process, else rebuilt here from the plan.</summary>
    public FilterExpression? FilterFor(CollectionSchema schema) => Filter?.For(schema);
}

/// <summary>
/// A grouping search: hits are grouped by the value of a scalar field; TopK counts groups (ranked by their best hit)
/// and each group keeps its best <paramref name="Size"/> hits. <paramref name="Strict"/> asks each segment to keep
/// searching until its top groups are full rather than stopping at the first TopK groups. The field's column travels
/// with the hits (the plan's output fields include it), so every reducer can group.
/// </summary>
public sealed record SearchGrouping(long FieldId, int Size, bool Strict);

/// <summary>
/// A retrieval: rows matching <paramref name="Filter"/> (bound at the proxy) visible at <paramref name="ReadTimestamp"/>, ordered by primary key,
/// or by <paramref name="OrderBy"/> and then primary key (the key fields are among <paramref name="OutputFieldIds"/>, so
/// every reducer can order). <paramref name="Limit"/> = null means all; <paramref name="CountOnly"/> answers count(*) without materialising rows.
/// <paramref name="PrimaryKeys"/>, when set, restricts the rows to those keys (fetching fields of known hits).
/// Rows inserted before <paramref name="ExpiredBefore"/> have outlived the collection's TTL and are not returned.
/// </summary>
public sealed record QueryPlan(
    long CollectionId,
    FilterPlan? Filter,
    ImmutableArray<long> OutputFieldIds,
    ImmutableArray<long> PartitionIds,
    ulong ReadTimestamp,
    int? Limit,
    bool CountOnly,
    Column? PrimaryKeys = null,
    ulong ExpiredBefore = 0,
    ImmutableArray<OrderKey> OrderBy = default,
    bool IgnoreGrowing = false)
{
    public ImmutableArray<OrderKey> OrderBy { get; init; } = OrderBy.IsDefault ? [] : OrderBy;

    /// <summary>The bound filter: the proxy's when the plan came in process, else rebuilt here from the plan.</summary>
    public FilterExpression? FilterFor(CollectionSchema schema) => Filter?.For(schema);
}

/// <summary>
/// Search results for nq queries, best first per query: hits of query q are at [Offsets[q], Offsets[q+1]).
/// <see cref="Pks"/> is an Int64 or VarChar column aligned with <see cref="Scores"/>, and so are the rows of
/// <see cref="Fields"/>: the plan's output fields, null when it asked for none.
/// </summary>
public sealed record SearchHits(int Nq, int[] Offsets, Column Pks, float[] Scores, RowBatch? Fields = null)
{
    /// <summary>Rows of the segments searched, pruned partitions excluded (Milvus's all_search_count).</summary>
    public long SearchedRows { get; init; }

    public int Count(int query) => Offsets[query + 1] - Offsets[query];

    public static SearchHits Empty(int nq, DataType pkType) =>
        new(nq, new int[nq + 1], PrimaryKeys.EmptyColumn(pkType), []);
}

/// <summary>Rows of a retrieval: primary keys ascending, the version timestamp of each row and the requested fields.</summary>
public sealed record QueryRows(Column Pks, ulong[] Timestamps, RowBatch Fields, long Count)
{
    public static QueryRows CountOnly(DataType pkType, long count) =>
        new(PrimaryKeys.EmptyColumn(pkType), [], new RowBatch(ImmutableDictionary<long, Column>.Empty), count);
}
