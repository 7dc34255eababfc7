using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy;

/// <summary>The outcome of an insert, upsert or delete: the primary keys written and the timestamp they carry.</summary>
public sealed record MutationResult(Column Ids, long InsertCount, long DeleteCount, long UpsertCount, ulong Timestamp);

/// <summary>
/// A vector search. <see cref="Vectors"/> holds nq row-major float32 query vectors (Float16, BFloat16 and Int8 queries
/// converted), <see cref="RawVectors"/> the nq query rows of a BinaryVector or SparseFloatVector field as sent instead;
/// <see cref="VectorField"/> may be omitted
/// when the collection has one vector field; <see cref="Metric"/> defaults to the index's metric.
/// </summary>
public sealed record SearchRequest
{
    public string Database { get; init; } = "";
    public required string Collection { get; init; }
    public required float[] Vectors { get; init; }
    public byte[][]? RawVectors { get; init; }

    /// <summary>The nq query texts of a full-text search of a BM25 function's output field, instead of vectors.</summary>
    public string[]? Texts { get; init; }

    /// <summary>Which of the BM25 input field's multi-language analyzers analyzes <see cref="Texts"/> (search param analyzer_name; the default when null).</summary>
    public string? AnalyzerName { get; init; }

    /// <summary>
    /// An embedding-list search of a struct's vector field: the vectors of each of the nq query lists, which
    /// <see cref="Vectors"/> (or <see cref="RawVectors"/>, one per vector) holds one list after another.
    /// </summary>
    public int[]? QueryLengths { get; init; }
    public int Nq { get; init; } = 1;
    public string? VectorField { get; init; }
    public string? Metric { get; init; }
    public required int Limit { get; init; }
    public int Offset { get; init; }
    public string? Filter { get; init; }

    /// <summary>The values of the filter's template placeholders (<c>{name}</c>; expr_template_values), bound as it is parsed.</summary>
    public IReadOnlyDictionary<string, object?>? FilterValues { get; init; }

    public ImmutableArray<string> OutputFields { get; init; } = [];
    public ImmutableArray<string> Partitions { get; init; } = [];
    public ImmutableDictionary<string, string> Params { get; init; } = ImmutableDictionary<string, string>.Empty;
    public ConsistencyLevel? Consistency { get; init; }

    /// <summary>The client's guarantee_timestamp (0: none); see <see cref="ReadConsistency"/>.</summary>
    public ulong GuaranteeTimestamp { get; init; }

    /// <summary>A search iterator's page: a later page reads at <see cref="GuaranteeTimestamp"/>, the first page's session timestamp.</summary>
    public bool Iterator { get; init; }

    /// <summary>Set by a hybrid search, whose searches read one snapshot.</summary>
    public ReadTimestamps? ReadAt { get; init; }
    public float? Radius { get; init; }
    public float? RangeFilter { get; init; }
    public int RoundDecimal { get; init; } = -1;

    /// <summary>Milvus's order_by_fields (<see cref="OrderByFields"/>): the page's hits ordered by scalar fields instead of score.</summary>
    public string? OrderBy { get; init; }

    /// <summary>Groups hits by this scalar field: Limit and Offset then count groups of up to <see cref="GroupSize"/> hits.</summary>
    public string? GroupByField { get; init; }

    /// <summary>Milvus 3.0's group_by_fields: hits grouped by these fields' values together (a composite key), as by <see cref="GroupByField"/>.</summary>
    public ImmutableArray<string> GroupByFields { get; init; } = [];
    public int GroupSize { get; init; } = 1;
    public bool StrictGroupSize { get; init; }

    /// <summary>Whether the hits are grouped (<see cref="GroupByField"/> or <see cref="GroupByFields"/>).</summary>
    public bool Grouped => GroupByField is not null || !GroupByFields.IsDefaultOrEmpty;

    /// <summary>Milvus 3.0's search aggregation, root level first: the search answers buckets (<see cref="SearchResult.Buckets"/>), not hits.</summary>
    public ImmutableArray<SearchAggregationLevel> Aggregation { get; init; } = [];

    /// <summary>Milvus 3.0's function chain at the L2 rerank stage: steps run over the page's hits (<see cref="RerankChain"/>).</summary>
    public ImmutableArray<ChainStep> FunctionChain { get; init; } = [];

    /// <summary>Milvus's ignore_growing: rows not yet flushed are left out.</summary>
    public bool IgnoreGrowing { get; init; }

    /// <summary>Milvus's boost rankers (a function_score of "boost" functions): each segment rescores its top-k.</summary>
    public SearchBoostRequest? Boost { get; init; }
}

/// <summary>
/// Boost rankers as a search names them: each boosts the hits <see cref="BoostRankerRequest.Filter"/> matches (every
/// hit without one); <see cref="Mode"/> combines a hit's boost with its score, <see cref="FunctionMode"/> the boosts of
/// several rankers (see <see cref="Segments.SearchBoost"/>).
/// </summary>
public sealed record SearchBoostRequest(ImmutableArray<BoostRankerRequest> Rankers, BoostCombination Mode, BoostCombination FunctionMode);

/// <summary>
/// One boost ranker: <see cref="Weight"/>, or with <see cref="Random"/> a pseudo-random number in [0, 1) times it,
/// seeded by <see cref="RandomSeed"/> and hashed with the Int64 field <see cref="RandomField"/>'s value when one is named.
/// </summary>
public sealed record BoostRankerRequest(string? Filter, float Weight, bool Random = false, long RandomSeed = 0, string? RandomField = null);

/// <summary>
/// Hits of query q are at [Offsets[q], Offsets[q+1]); <see cref="Fields"/> holds the output fields aligned with the hits,
/// and <see cref="Groups"/> the values of the grouping fields of each hit in a grouping search.
/// </summary>
public sealed record SearchResult(int Nq, int[] Offsets, Column Ids, float[] Scores, RowBatch Fields, FieldSchema PrimaryKey, ulong SessionTimestamp,
    ImmutableArray<(FieldSchema Field, Column Values)> Groups = default)
{
    public ImmutableArray<(FieldSchema Field, Column Values)> Groups { get; init; } = Groups.IsDefault ? [] : Groups;

    /// <summary>A search aggregation's answer: each query's buckets (its hits are none).</summary>
    public ImmutableArray<ImmutableArray<AggregationBucket>> Buckets { get; init; } = [];

    /// <summary>Rows of the segments searched, pruned partitions excluded (Milvus's all_search_count).</summary>
    public long SearchedRows { get; init; }

    /// <summary>The MVCC timestamp the search read at (<see cref="ulong.MaxValue"/>: the newest data).</summary>
    public ulong ReadTimestamp { get; init; } = ulong.MaxValue;

    /// <summary>An element-level search's hits: the position of the struct element each hit is, aligned with the hits.</summary>
    public ScalarColumn<int>? ElementOffsets { get; init; }

    public int Count(int query) => Offsets[query + 1] - Offsets[query];
}

public sealed record QueryRequest
{
    public string Database { get; init; } = "";
    public required string Collection { get; init; }
    public string? Filter { get; init; }

    /// <summary>The values of the filter's template placeholders (<c>{name}</c>; expr_template_values), bound as it is parsed.</summary>
    public IReadOnlyDictionary<string, object?>? FilterValues { get; init; }

    public ImmutableArray<string> OutputFields { get; init; } = [];
    public ImmutableArray<string> Partitions { get; init; } = [];
    public int? Limit { get; init; }
    public int Offset { get; init; }
    public ConsistencyLevel? Consistency { get; init; }

    /// <summary>The client's guarantee_timestamp (0: none); see <see cref="ReadConsistency"/>.</summary>
    public ulong GuaranteeTimestamp { get; init; }

    /// <summary>A query iterator's page: a later page reads at <see cref="GuaranteeTimestamp"/>.</summary>
    public bool Iterator { get; init; }

    /// <summary>Milvus's order_by_fields (<see cref="OrderByFields"/>): rows ordered by scalar fields instead of primary key.</summary>
    public string? OrderBy { get; init; }

    /// <summary>Milvus's ignore_growing: rows not yet flushed are left out.</summary>
    public bool IgnoreGrowing { get; init; }

    /// <summary>Milvus's group_by_fields: the rows are aggregated per distinct value of these fields (see <see cref="QueryAggregation"/>).</summary>
    public ImmutableArray<string> GroupBy { get; init; } = [];

    /// <summary>
    /// Rows deleted, replaced by an upsert or past the TTL are read too while a segment still holds them (until compaction):
    /// what Milvus's collection and partition statistics count.
    /// </summary>
    public bool IncludeDeleted { get; init; }
}

/// <summary>Rows ordered by primary key; for count(*) only <see cref="Count"/> is set.</summary>
public sealed record QueryResult(Column Ids, RowBatch Fields, long Count, bool IsCount)
{
    /// <summary>The timestamp of the data read, reported to clients as session_ts.</summary>
    public ulong SessionTimestamp { get; init; }

    /// <summary>An element-level query (an <c>element_filter</c>): each row's matching struct elements (int[] per row).</summary>
    public ArrayColumn? ElementOffsets { get; init; }

    /// <summary>An aggregating query's answer: one column per output, named as requested, in the request's order.</summary>
    public IReadOnlyList<(FieldSchema Field, Column Column)>? Aggregated { get; init; }
}

/// <summary>One collection of a flush-all: the segments it sealed and the flush timestamp.</summary>
public sealed record FlushedCollection(string Database, string Collection, ImmutableArray<long> SegmentIds, ulong FlushTimestamp);

/// <summary>Which fields a load holds: Milvus's load_fields (empty for every field) and skip_load_dynamic_field.</summary>
public sealed record LoadFieldSelection(ImmutableArray<string> Names, bool SkipDynamicField)
{
    public static readonly LoadFieldSelection All = new([], false);
}
