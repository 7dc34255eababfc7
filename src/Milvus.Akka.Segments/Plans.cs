using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>
/// One vector search as every node executes it: <paramref name="Queries"/> holds nq row-major vectors of the field's
/// dimension; each node returns its best <paramref name="TopK"/> per query (the proxy asks for offset + limit).
/// </summary>
public sealed record SearchPlan(
    long CollectionId,
    long FieldId,
    MetricType Metric,
    int TopK,
    int Nq,
    float[] Queries,
    string? Filter,
    ImmutableDictionary<string, string> Params,
    ImmutableArray<long> PartitionIds,
    ulong ReadTimestamp,
    float? Radius = null,
    float? RangeFilter = null);

/// <summary>
/// A retrieval: rows matching <paramref name="Filter"/> visible at <paramref name="ReadTimestamp"/>, ordered by primary key.
/// <paramref name="Limit"/> = null means all; <paramref name="CountOnly"/> answers count(*) without materialising rows.
/// </summary>
public sealed record QueryPlan(
    long CollectionId,
    string? Filter,
    ImmutableArray<long> OutputFieldIds,
    ImmutableArray<long> PartitionIds,
    ulong ReadTimestamp,
    int? Limit,
    bool CountOnly);

/// <summary>
/// Search results for nq queries, best first per query: hits of query q are at [Offsets[q], Offsets[q+1]).
/// <see cref="Pks"/> is an Int64 or VarChar column aligned with <see cref="Scores"/>.
/// </summary>
public sealed record SearchHits(int Nq, int[] Offsets, Column Pks, float[] Scores)
{
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
