using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy;

/// <summary>
/// One level of Milvus 3.0's search aggregation as a search names it (common.SearchAggregationSpec): buckets keyed by
/// <see cref="Fields"/>' values, at most <see cref="Size"/> of them, with metrics, an order and top hits; a level's
/// sub-aggregation is the next level of the list.
/// </summary>
public sealed record SearchAggregationLevel(
    ImmutableArray<string> Fields,
    long Size,
    ImmutableArray<AggregationMetricRequest> Metrics,
    ImmutableArray<BucketOrderRequest> Order,
    TopHitsRequest? TopHits,
    long SearchSize = 0);

/// <summary>A bucket metric: <see cref="Op"/> (count, sum, avg, min, max) of <see cref="Field"/>, <c>*</c> (count only) or <c>_score</c>.</summary>
public sealed record AggregationMetricRequest(string Alias, string Op, string Field);

/// <summary>Buckets ordered by <see cref="Key"/>: a metric alias of the level, <c>_count</c> or <c>_key</c>; "asc" or "desc" (the default).</summary>
public sealed record BucketOrderRequest(string Key, string Direction);

/// <summary>The hits a bucket shows: its best <see cref="Size"/> by <see cref="Sort"/>, else by score.</summary>
public sealed record TopHitsRequest(long Size, ImmutableArray<TopHitsSortRequest> Sort);

public sealed record TopHitsSortRequest(string Field, string Direction, bool NullFirst);

/// <summary>A bucket of a search aggregation: its key, the retained hits in it, its metrics, top hits and sub-buckets.</summary>
public sealed record AggregationBucket(
    ImmutableArray<(FieldSchema Field, object? Value)> Key,
    long Count,
    ImmutableArray<(string Alias, object? Value)> Metrics,
    ImmutableArray<AggregationHit> Hits,
    ImmutableArray<AggregationBucket> SubGroups);

/// <summary>One top hit of a bucket: its primary key, score and the search's output fields.</summary>
public sealed record AggregationHit(object Pk, float Score, ImmutableArray<(FieldSchema Field, object? Value)> Fields);

/// <summary>
/// Milvus 3.0's search aggregation, bound to a collection. The search behind it is a grouping search by the composite
/// key of every level's fields: <see cref="TopK"/> keys (the product of the levels' search sizes) of up to
/// <see cref="GroupSize"/> hits each (the largest top-hits size, else 1). <see cref="Buckets"/> then builds each
/// query's bucket tree from those retained hits, as Milvus's proxy does: a level groups its rows by its own fields in
/// the order the rows come (best first), computes each bucket's count and metrics over its rows, orders the buckets
/// (by the level's order, else as found), keeps <c>size</c> of them, and gives each its top hits and the next level's
/// buckets of its rows. Counts and metrics describe the retained hits, not the whole collection.
/// </summary>
public sealed class SearchAggregator
{
    /// <summary>Milvus's default <c>proxy.maxSearchAggregationResultEntries</c>: nq × top-k × group size.</summary>
    public const long MaxResultEntries = 10_000;

    /// <summary>Milvus's limit on nesting: a root and up to three sub-aggregations.</summary>
    public const int MaxLevels = 4;

    /// <summary>Milvus's limit on the fields of all levels' keys together.</summary>
    public const int MaxKeyFields = 10;

    /// <summary>The column the hits' scores take among a level's inputs (no field id is negative).</summary>
    private const long ScoreFieldId = -2;

    private static readonly FieldSchema ScoreField = new() { FieldId = ScoreFieldId, Name = "_score", DataType = DataType.Float };

    private readonly ImmutableArray<Level> _levels;
    private readonly ImmutableArray<FieldSchema> _hitFields;
    private readonly bool _higherIsBetter;

    private SearchAggregator(ImmutableArray<Level> levels, ImmutableArray<FieldSchema> hitFields, bool higherIsBetter, int topK, int groupSize)
    {
        _levels = levels;
        _hitFields = hitFields;
        _higherIsBetter = higherIsBetter;
        TopK = topK;
        GroupSize = groupSize;
    }

    /// <summary>The composite keys the search retains per query.</summary>
    public int TopK { get; }

    /// <summary>The hits retained per composite key.</summary>
    public int GroupSize { get; }

    /// <summary>The grouping search behind the aggregation.</summary>
    public SearchGrouping Grouping => new([.. KeyFieldIds], GroupSize, Strict: false);

    /// <summary>Every level's key fields in order: the composite key.</summary>
    private IEnumerable<long> KeyFieldIds => _levels.SelectMany(l => l.Fields).Select(f => f.FieldId);

    /// <summary>The fields the hits must bring: keys, metric sources, top-hit sort fields and the hits' own output fields.</summary>
    public IEnumerable<long> InputFieldIds => _levels.SelectMany(l => l.AllInputs)
        .Concat(_hitFields.Select(f => f.FieldId))
        .Where(id => id != ScoreFieldId)
        .Distinct();

    /// <summary>
    /// Binds <paramref name="levels"/> (root first) to <paramref name="schema"/> for a search of <paramref name="nq"/>
    /// queries under <paramref name="metric"/>, whose top hits show <paramref name="outputFieldIds"/>; refused with
    /// Milvus's reasons where Milvus refuses.
    /// </summary>
    public static SearchAggregator Bind(CollectionSchema schema, ImmutableArray<SearchAggregationLevel> levels, int nq, MetricType metric,
        ImmutableArray<long> outputFieldIds)
    {
        if (levels.Length > MaxLevels)
        {
            throw Invalid($"search_aggregation nesting exceeds max {MaxLevels} levels");
        }

        var keyFields = new HashSet<long>();
        var bound = ImmutableArray.CreateBuilder<Level>(levels.Length);
        long topK = 1;
        long groupSize = 1;
        foreach (var level in levels)
        {
            if (level.Fields.IsDefaultOrEmpty)
            {
                throw Invalid("group_by level has no fields");
            }

            if (level.Size < 0 || level.SearchSize < 0)
            {
                throw Invalid("search_aggregation size must be non-negative");
            }

            var fields = ImmutableArray.CreateBuilder<FieldSchema>();
            foreach (var name in level.Fields)
            {
                var field = KeyField(schema, name);
                if (fields.Any(f => f.FieldId == field.FieldId))
                {
                    throw Invalid($"duplicated group_by field \"{name}\" in one level");
                }

                if (!keyFields.Add(field.FieldId))
                {
                    throw Invalid($"duplicated group_by field \"{name}\" across levels");
                }

                fields.Add(field);
            }

            if (keyFields.Count > MaxKeyFields)
            {
                throw Invalid($"search_aggregation groups by at most {MaxKeyFields} fields over all its levels");
            }

            var size = Math.Max(1, level.Size);
            // In doubles, so huge sizes saturate instead of wrapping past the entries check.
            topK = (long)Math.Min(long.MaxValue / 2, (double)topK * (level.SearchSize > 0 ? level.SearchSize : size));
            var topHits = level.TopHits is { } hits ? BindTopHits(schema, hits) : null;
            groupSize = Math.Max(groupSize, topHits?.Size ?? 1);
            var aggregates = BindMetrics(schema, level.Metrics);
            // The level's fields group its rows; the aggregates, named by their aliases, are its metrics.
            var aggregation = new QueryAggregation(fields.ToImmutable(), aggregates, [.. aggregates.Select(a => a.Name)]);
            bound.Add(new Level(aggregation, (int)Math.Min(size, int.MaxValue), BindOrder(level.Order, aggregates), topHits));
        }

        if ((double)nq * topK * groupSize > MaxResultEntries)
        {
            throw Invalid("number of search_aggregation result entries is too large");
        }

        var hitFields = outputFieldIds.Select(id => schema.FindField(id)!).Where(f => f.StructFieldId == 0).ToImmutableArray();
        return new SearchAggregator(bound.ToImmutable(), hitFields, metric.HigherIsBetter(), (int)topK, (int)groupSize);
    }

    /// <summary>Each query's buckets, from the hits of the grouping search (with <see cref="InputFieldIds"/> among their fields).</summary>
    public ImmutableArray<ImmutableArray<AggregationBucket>> Buckets(SearchHits hits)
    {
        var answer = ImmutableArray.CreateBuilder<ImmutableArray<AggregationBucket>>(hits.Nq);
        var fields = hits.Fields ?? new RowBatch(ImmutableDictionary<long, Column>.Empty);
        var columns = fields.Columns.SetItem(ScoreFieldId, new ScalarColumn<float>(DataType.Float, hits.Scores));
        for (var q = 0; q < hits.Nq; q++)
        {
            var rows = Enumerable.Range(hits.Offsets[q], hits.Count(q)).ToArray();
            answer.Add(rows.Length == 0 ? [] : BucketsOf(0, rows, hits, columns));
        }

        return answer.MoveToImmutable();
    }

    private ImmutableArray<AggregationBucket> BucketsOf(int depth, int[] rows, SearchHits hits, ImmutableDictionary<long, Column> columns)
    {
        var level = _levels[depth];
        var inputs = level.Aggregation.Plan.InputFieldIds.ToImmutableDictionary(id => id, id => columns[id].Gather(rows));
        var states = AggregationStates.Partial(level.Aggregation.Plan, new RowBatch(inputs), out var groupOfRow);
        var metrics = level.Aggregation.Finish(states);
        var members = new List<int>[states.RowCount];
        for (var i = 0; i < rows.Length; i++)
        {
            (members[groupOfRow[i]] ??= []).Add(rows[i]);
        }

        var found = Enumerable.Range(0, members.Length).Select(g => new Found(
            [.. level.Fields.Select(f => (f, columns[f.FieldId].GetValue(members[g][0])))],
            members[g],
            [.. metrics.Select(m => (m.Field.Name, m.Column.GetValue(g)))])).ToList();
        // Stable: equal buckets keep the order they were found in.
        var ordered = level.Order.IsEmpty ? found : [.. found.Order(Comparer<Found>.Create((a, b) => CompareBuckets(a, b, level.Order)))];
        return [.. ordered.Take(level.Size).Select(bucket => new AggregationBucket(bucket.Key, bucket.Rows.Count, bucket.Metrics,
            level.TopHits is { } topHits ? TopHitsOf(bucket.Rows, topHits, hits, columns) : [],
            depth + 1 < _levels.Length ? BucketsOf(depth + 1, [.. bucket.Rows], hits, columns) : []))];
    }

    private ImmutableArray<AggregationHit> TopHitsOf(List<int> rows, TopHits topHits, SearchHits hits, ImmutableDictionary<long, Column> columns)
    {
        // A top-hits sort is an ORDER BY over the hits' columns (the score's among them).
        var bySort = RowOrdering.RowComparer(new RowBatch(columns), topHits.Sort);
        var sorted = rows.Order(Comparer<int>.Create((a, b) =>
        {
            if (bySort(a, b) is var byValue and not 0)
            {
                return byValue;
            }

            // Then the better score (a bucket's rows come group by group, not in score order), then the earlier hit.
            var byScore = hits.Scores[a].CompareTo(hits.Scores[b]);
            return byScore != 0 ? (_higherIsBetter ? -byScore : byScore) : a.CompareTo(b);
        }));
        return [.. sorted.Take(topHits.Size).Select(row => new AggregationHit(hits.Pks.GetValue(row)!, hits.Scores[row],
            [.. _hitFields.Select(f => (f, columns[f.FieldId].GetValue(row)))]))];
    }

    private static int CompareBuckets(Found a, Found b, ImmutableArray<(string Key, bool Descending)> order)
    {
        foreach (var (key, descending) in order)
        {
            var compared = key switch
            {
                CountKey => a.Rows.Count.CompareTo(b.Rows.Count),
                KeyKey => CompareKeys(a.Key, b.Key),
                _ => ValueOrder.Compare(a.Metrics.First(m => m.Alias == key).Value, b.Metrics.First(m => m.Alias == key).Value),
            };
            if (compared != 0)
            {
                return descending ? -compared : compared;
            }
        }

        return 0;
    }

    private static int CompareKeys(ImmutableArray<(FieldSchema Field, object? Value)> a, ImmutableArray<(FieldSchema Field, object? Value)> b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var compared = ValueOrder.Compare(a[i].Value, b[i].Value);
            if (compared != 0)
            {
                return compared;
            }
        }

        return 0;
    }

    private const string CountKey = "_count";
    private const string KeyKey = "_key";

    private static readonly ImmutableHashSet<DataType> KeyTypes =
        [DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.VarChar, DataType.Timestamptz];

    private static FieldSchema KeyField(CollectionSchema schema, string name)
    {
        var field = FieldOf(schema, name, "group_by field");
        if (field.DataType is DataType.Float or DataType.Double)
        {
            throw Invalid($"group_by field \"{name}\": FLOAT / DOUBLE fields are not supported with search_aggregation");
        }

        if (field.DataType == DataType.Json || field.IsDynamic)
        {
            throw Invalid($"group_by field \"{name}\": JSON / dynamic fields are not yet supported with search_aggregation");
        }

        return KeyTypes.Contains(field.DataType)
            ? field
            : throw Invalid($"group_by field \"{name}\" is {field.DataType}: search_aggregation keys are Bool, integer, VarChar and Timestamptz fields");
    }

    private static FieldSchema FieldOf(CollectionSchema schema, string name, string what)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0)
        {
            throw Invalid($"{what} is empty");
        }

        if (trimmed.Contains('['))
        {
            throw Invalid($"{what} \"{name}\": JSON paths are not yet supported with search_aggregation");
        }

        return schema.FindField(trimmed) is { StructFieldId: 0 } field
            ? field
            : throw Invalid($"invalid {what} \"{name}\": field \"{trimmed}\" not found in schema");
    }

    /// <summary>The level's metrics as aggregates named by their aliases, in alias order (as Milvus computes them).</summary>
    private static ImmutableArray<AggregateColumn> BindMetrics(CollectionSchema schema, ImmutableArray<AggregationMetricRequest> metrics)
    {
        var columns = ImmutableArray.CreateBuilder<AggregateColumn>();
        foreach (var metric in (metrics.IsDefault ? [] : metrics).OrderBy(m => m.Alias, StringComparer.Ordinal))
        {
            if (metric.Alias.Trim().Length == 0)
            {
                throw Invalid("metric alias cannot be empty");
            }

            var op = metric.Op.Trim().ToLowerInvariant();
            if (op is not ("count" or "sum" or "avg" or "min" or "max"))
            {
                throw Invalid($"invalid metric \"{metric.Alias}\": unsupported metric op \"{metric.Op}\"");
            }

            var source = metric.Field.Trim();
            if (source.Length == 0)
            {
                throw Invalid($"invalid metric \"{metric.Alias}\": metric field_name is empty");
            }

            if (source is not ("*" or "_score"))
            {
                var field = FieldOf(schema, source, "metric field");
                if (field.DataType == DataType.Json || field.IsDynamic || field.DataType.IsVector())
                {
                    throw Invalid($"invalid metric \"{metric.Alias}\": {field.DataType} field \"{source}\" cannot be aggregated");
                }
            }

            try
            {
                columns.Add(QueryAggregation.Aggregate(source == ScoreField.Name ? ScoreSchema : schema, metric.Alias, op, source));
            }
            catch (MilvusException e)
            {
                throw Invalid($"invalid metric \"{metric.Alias}\": {(source == "*" ? "field_name '*' only supports count op" : e.Message)}");
            }
        }

        return columns.ToImmutable();
    }

    /// <summary>A schema of the score alone, against which a _score metric's operator is checked like a Float field's.</summary>
    private static readonly CollectionSchema ScoreSchema = new() { Name = "_score", Fields = [ScoreField] };

    private static ImmutableArray<(string Key, bool Descending)> BindOrder(ImmutableArray<BucketOrderRequest> order, ImmutableArray<AggregateColumn> metrics) =>
        [.. (order.IsDefault ? [] : order).Select(o =>
        {
            var key = o.Key.Trim();
            if (key.Length == 0)
            {
                throw Invalid("order key is empty");
            }

            if (key is not (CountKey or KeyKey) && !metrics.Any(a => a.Name == key))
            {
                throw Invalid($"order key \"{key}\" is neither reserved key nor metric alias");
            }

            return (key, Descending(o.Direction, $"invalid order direction for key \"{key}\""));
        })];

    private static TopHits BindTopHits(CollectionSchema schema, TopHitsRequest topHits)
    {
        if (topHits.Size < 0)
        {
            throw Invalid("top_hits size must be non-negative");
        }

        var sort = (topHits.Sort.IsDefault ? [] : topHits.Sort).Select(s =>
        {
            var name = s.Field.Trim();
            if (name.Length == 0)
            {
                throw Invalid("top_hits.sort field_name is empty");
            }

            var descending = Descending(s.Direction, $"invalid top_hits.sort direction for \"{name}\"");
            if (name == ScoreField.Name)
            {
                return new OrderKey(ScoreFieldId, descending, s.NullFirst);
            }

            var field = FieldOf(schema, name, "top_hits.sort field");
            return OrderKey.IsSortable(field.DataType) || field.DataType == DataType.Timestamptz
                ? new OrderKey(field.FieldId, descending, s.NullFirst)
                : throw Invalid($"invalid top_hits.sort field \"{name}\": {field.DataType} fields cannot sort top hits");
        }).ToImmutableArray();
        return new TopHits((int)Math.Clamp(topHits.Size, 1, int.MaxValue), sort);
    }

    private static bool Descending(string direction, string refusal) => direction.Trim().ToLowerInvariant() switch
    {
        "" or "desc" => true,
        "asc" => false,
        _ => throw Invalid($"{refusal}: direction must be asc or desc"),
    };

    private static MilvusException Invalid(string message) => new(ErrorCode.ParameterInvalid, message);

    /// <param name="Aggregation">Groups the level's rows by its key fields and computes its metrics.</param>
    private sealed record Level(QueryAggregation Aggregation, int Size, ImmutableArray<(string Key, bool Descending)> Order, TopHits? TopHits)
    {
        public ImmutableArray<FieldSchema> Fields => Aggregation.GroupBy;

        /// <summary>The columns the level reads: keys, metric sources (the score among them) and top-hit sort fields.</summary>
        public IEnumerable<long> AllInputs => Aggregation.Plan.InputFieldIds.Concat(TopHits?.Sort.Select(s => s.FieldId) ?? []);
    }

    private sealed record TopHits(int Size, ImmutableArray<OrderKey> Sort);

    /// <summary>A bucket as found, before ordering and cutting.</summary>
    private sealed record Found(ImmutableArray<(FieldSchema Field, object? Value)> Key, List<int> Rows, ImmutableArray<(string Alias, object? Value)> Metrics);
}
