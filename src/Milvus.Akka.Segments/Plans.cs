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
/// only flushed segments are searched: a shard leaves out those still taking rows or being written. With
/// <paramref name="Boost"/> (Milvus's boost rankers) each segment rescores its own top-k before the hits are merged.
/// On an array-of-struct vector field (<see cref="DataType.ArrayOfVector"/>), <paramref name="QueryLengths"/> makes
/// each query an embedding list of that many vectors scored against each row's list by a MAX_SIM metric; without it
/// each query vector is searched against every struct element (element-level search), and the hits carry the
/// element's position in the <see cref="ElementOffsetsFieldId"/> column of <see cref="SearchHits.Fields"/>.
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
    bool IgnoreGrowing = false,
    SearchBoost? Boost = null,
    int[]? QueryLengths = null)
{
    /// <summary>The pseudo field of element-level hits' element positions (no field id is negative).</summary>
    public const long ElementOffsetsFieldId = -1;

    public ImmutableArray<long> OutputFieldIds { get; init; } = OutputFieldIds.IsDefault ? [] : OutputFieldIds;

    /// <summary>The bound filter: the proxy's when the plan came in process, else rebuilt here from the plan.</summary>
    public FilterExpression? FilterFor(CollectionSchema schema) => Filter?.For(schema);
}

/// <summary>
/// Milvus 2.6's boost rankers (function_score functions with reranker "boost"), applied by each segment to its top-k
/// as Milvus's segments do: every scorer whose filter a hit matches (all hits without a filter) gives it a boost, the
/// boosts of one hit combine by <paramref name="FunctionMode"/>, and the hit's score becomes score × boost or
/// score + boost (<paramref name="Mode"/>); the segment then re-ranks its hits by the new scores. Hits no scorer
/// matches keep their score.
/// </summary>
public sealed record SearchBoost(ImmutableArray<BoostScorer> Scorers, BoostCombination Mode, BoostCombination FunctionMode);

/// <summary>
/// One boost ranker: <paramref name="Weight"/> itself, or with <paramref name="Random"/> a pseudo-random number in
/// [0, 1) times it, for the hits <paramref name="Filter"/> (bound at the proxy) selects, or for every hit without one.
/// </summary>
public sealed record BoostScorer(FilterPlan? Filter, float Weight, BoostRandom? Random = null);

/// <summary>
/// The random part of a boost: a hash of <paramref name="Seed"/> with the Int64 field <paramref name="FieldId"/>'s value
/// (a null value counting as 0), or without a field with the row's position in its segment and the segment's id, so the
/// same row scores the same for the same seed.
/// </summary>
public sealed record BoostRandom(long Seed, long? FieldId);

/// <summary>How boosts combine with each other and with a hit's score: Milvus's "Multiply" and "Sum".</summary>
public enum BoostCombination { Multiply, Sum }

/// <summary>
/// A grouping search: hits are grouped by the values of scalar fields (one field, or several forming a composite key:
/// Milvus's group_by_fields and search aggregation); TopK counts groups (ranked by their best hit) and each group keeps
/// its best <paramref name="Size"/> hits. <paramref name="Strict"/> asks each segment to keep searching until its top
/// groups are full rather than stopping at the first TopK groups. The fields' columns travel with the hits (the plan's
/// output fields include them), so every reducer can group.
/// </summary>
public sealed record SearchGrouping(ImmutableArray<long> FieldIds, int Size, bool Strict)
{
    public SearchGrouping(long fieldId, int size, bool strict)
        : this([fieldId], size, strict)
    {
    }
}

/// <summary>
/// A retrieval: rows matching <paramref name="Filter"/> (bound at the proxy) visible at <paramref name="ReadTimestamp"/>, ordered by primary key,
/// or by <paramref name="OrderBy"/> and then primary key (the key fields are among <paramref name="OutputFieldIds"/>, so
/// every reducer can order). <paramref name="Limit"/> = null means all; <paramref name="CountOnly"/> answers count(*) without materialising rows.
/// <paramref name="PrimaryKeys"/>, when set, restricts the rows to those keys (fetching fields of known hits).
/// Rows inserted before <paramref name="ExpiredBefore"/> have outlived the collection's TTL and are not returned.
/// <paramref name="IncludeDeleted"/> reads rows deleted or replaced by an upsert as well, as long as a segment still holds them
/// (until compaction drops them): the rows Milvus's collection statistics count. With an <paramref name="Aggregation"/>
/// each segment answers the partial states of its matching rows' groups (<see cref="AggregationStates"/>) instead of rows.
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
    bool IgnoreGrowing = false,
    bool IncludeDeleted = false,
    AggregationPlan? Aggregation = null)
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
