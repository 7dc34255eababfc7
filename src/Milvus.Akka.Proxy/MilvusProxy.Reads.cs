using System.Collections.Immutable;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index;
using Milvus.Akka.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Proxy;

/// <summary>Search and query: validate, pick the read timestamp for the consistency level, fan out, reduce, fetch output fields.</summary>
public sealed partial class MilvusProxy
{
    public const string CountStar = "count(*)";

    public async Task<SearchResult> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(request.Database, request.Collection, mustBeLoaded: true, cancellationToken);
        RequireLoaded(info);
        var field = VectorFieldOf(info, request.VectorField);
        RequireFieldLoaded(info, field);
        CheckLimits(request.Limit, request.Offset, request.Nq);
        request = WithQueryMinHashes(info, field, await WithQueryEmbeddingsAsync(info, field, request, cancellationToken));
        if (field.IsBm25Output || request.Texts is not null)
        {
            CheckTextQueries(info, field, request);
        }
        else
        {
            CheckQueryVectors(field, request);
        }

        var metric = MetricFor(info, field, request.Metric, embeddingLists: request.QueryLengths is not null);
        var filter = ParseFilter(info, request.Filter, request.FilterValues);
        if (PartitionKeyIsolation.IsOn(info.Properties))
        {
            PartitionKeyIsolation.CheckSearch(filter?.TryGetPartitionKeyValues());
        }

        var outputs = ResolveOutputFields(info, request.OutputFields);
        var aggregator = AggregatorOf(info, request, metric, outputs);
        var chain = ChainOf(info, request);
        var (groupFields, grouping) = aggregator is null ? GroupingOf(info, request) : ([], aggregator.Grouping);
        var orderBy = OrderOf(info, request.OrderBy, request.Iterator, search: true);

        // The grouping, ordering and function-chain fields (or an aggregation's inputs) travel with the hits, so every
        // reducer can group them, the page be ordered and the chain read them.
        var planOutputs = WithFields(outputs, aggregator?.InputFieldIds
            ?? orderBy.Select(k => k.FieldId).Concat(grouping?.FieldIds ?? []).Concat(chain?.InputFieldIds ?? []));
        var read = request.ReadAt ?? await ReadTimestampsAsync(request.Consistency ?? info.Consistency, request.GuaranteeTimestamp, request.Iterator, cancellationToken);
        var readTimestamp = read.ReadTimestamp;
        var expiredBefore = ExpiredBefore(info, readTimestamp);
        var (rawQueries, bm25) = request.Texts is { } texts
            ? await Bm25QueriesAsync(info, field, texts, request.AnalyzerName, readTimestamp, expiredBefore, cancellationToken)
            : (request.RawVectors, null);
        // Output fields come back with the hits: each segment gathers them for its own top-k, the reducers carry them.
        var plan = new SearchPlan(info.Id, field.FieldId, metric, aggregator?.TopK ?? request.Offset + request.Limit, request.Nq, request.Vectors, FilterPlan.Of(filter),
            request.Params, ReadPartitions(info, request.Partitions, filter, ErrorCode.OperationNotSupported, requireLoaded: true), readTimestamp, request.Radius, request.RangeFilter,
            planOutputs, rawQueries, grouping, expiredBefore, bm25, request.IgnoreGrowing, BoostOf(info, request), request.QueryLengths);
        var parts = await Task.WhenAll(info.AllShardNames.Select(s => Shard<SearchHits>(new SearchShard(s, plan), cancellationToken)));
        // Ordered, the page is cut from the best offset + limit hits after ordering them (as Milvus).
        var ordered = !orderBy.IsEmpty;
        var reduced = SearchReducer.Reduce(parts, request.Nq, info.Schema.PrimaryKey.DataType, metric, ordered ? 0 : request.Offset,
            aggregator?.TopK ?? (ordered ? request.Offset + request.Limit : request.Limit), grouping);
        if (aggregator is not null)
        {
            return new SearchResult(request.Nq, new int[request.Nq + 1], PrimaryKeys.EmptyColumn(info.Schema.PrimaryKey.DataType), [], NoFields,
                info.Schema.PrimaryKey, SessionTimestamp(read))
            {
                Buckets = aggregator.Buckets(reduced),
                SearchedRows = reduced.SearchedRows,
                ReadTimestamp = readTimestamp,
            };
        }

        var page = ordered ? RowOrdering.OrderPage(reduced, orderBy, request.Offset, request.Limit, grouping?.FieldIds ?? []) : reduced;
        var hits = chain?.Apply(page) ?? page;
        var returned = planOutputs.Length == 0 ? NoFields : hits.Fields ?? Segment.EmptyRows(info.Schema, planOutputs);
        var scores = request.RoundDecimal >= 0
            ? hits.Scores.Select(s => (float)Math.Round(s, request.RoundDecimal, MidpointRounding.AwayFromZero)).ToArray()
            : hits.Scores;
        return new SearchResult(request.Nq, hits.Offsets, hits.Pks, scores, returned.Select(outputs), info.Schema.PrimaryKey, SessionTimestamp(read),
            [.. groupFields.Select(f => (f, returned[f.FieldId]))])
        {
            SearchedRows = hits.SearchedRows,
            ReadTimestamp = readTimestamp,
            ElementOffsets = hits.Fields is { } fields && fields.Columns.TryGetValue(SearchPlan.ElementOffsetsFieldId, out var elements) ? (ScalarColumn<int>)elements : null,
        };
    }

    /// <summary>The query vectors fit the field: its dim, and for a struct's vectors as many as the embedding lists hold.</summary>
    private static void CheckQueryVectors(FieldSchema field, SearchRequest request)
    {
        if (field.DataType == DataType.ArrayOfVector && (request.Radius is not null || request.RangeFilter is not null))
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                $"a range search (radius, range_filter) of struct field '{field.Name}' is not supported by Milvus.Akka; search it by top-k");
        }

        var type = field.DataType == DataType.ArrayOfVector ? field.ElementType : field.DataType;
        var vectors = request.QueryLengths?.Sum() ?? request.Nq;
        if (type is DataType.BinaryVector or DataType.SparseFloatVector)
        {
            if (request.RawVectors?.Length != vectors)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{field.DataType} field '{field.Name}' is searched with {vectors} {type} query vectors");
            }
        }
        else if (request.Vectors.Length != vectors * field.Dim)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"the dim of the query vectors ({(vectors == 0 ? 0 : request.Vectors.Length / vectors)}) doesn't match the dim ({field.Dim}) of field '{field.Name}'");
        }
    }

    /// <summary>The request's boost rankers bound to the collection: filters parsed, the random field resolved.</summary>
    private SearchBoost? BoostOf(CollectionInfo info, SearchRequest request)
    {
        if (request.Boost is not { } boost)
        {
            return null;
        }

        if (request.Grouped || request.Iterator)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "boost rankers cannot be used with group_by_field or a search iterator");
        }

        return new SearchBoost([.. boost.Rankers.Select(ranker => new BoostScorer(FilterPlan.Of(ParseFilter(info, ranker.Filter, request.FilterValues)), ranker.Weight,
            ranker.Random ? new BoostRandom(ranker.RandomSeed, RandomFieldOf(info, ranker.RandomField)) : null))], boost.Mode, boost.FunctionMode);
    }

    private static long? RandomFieldOf(CollectionInfo info, string? name)
    {
        if (name is null)
        {
            return null;
        }

        var field = info.Schema.FindField(name) ?? throw new MilvusException(ErrorCode.FieldNotFound, $"random seed field '{name}' not found");
        return field.DataType == DataType.Int64
            ? field.FieldId
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"only support int64 field as random seed, but got {field.DataType}");
    }

    public Task<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default) =>
        QueryAsync(request, requireLoaded: true, cancellationToken);

    /// <param name="bound">The request's filter when the caller has bound it already (a delete by expression).</param>
    private async Task<QueryResult> QueryAsync(QueryRequest request, bool requireLoaded, CancellationToken cancellationToken, FilterExpression? bound = null)
    {
        var info = await ResolveCollectionAsync(request.Database, request.Collection, requireLoaded, cancellationToken);
        if (requireLoaded)
        {
            RequireLoaded(info);
        }

        var aggregation = QueryAggregation.Of(info.Schema, request.OutputFields, request.GroupBy);
        var countOnly = aggregation is null && request.OutputFields.Any(f => string.Equals(f.Trim(), CountStar, StringComparison.OrdinalIgnoreCase));
        if (countOnly && request.OutputFields.Length > 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "count(*) cannot be combined with other output fields");
        }

        // An aggregation answers one row per group whatever the filter: it needs no limit.
        if (string.IsNullOrWhiteSpace(request.Filter) && request.Limit is null && !countOnly && aggregation is null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "empty expression should be used with limit");
        }

        if (aggregation is not null && request.Iterator)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "an aggregating query (group_by_fields or aggregates) with a query iterator is not supported by Milvus.Akka");
        }

        if (request.Limit is { } limit)
        {
            CheckLimits(limit, request.Offset, 1);
        }

        var filter = bound ?? ParseFilter(info, request.Filter, request.FilterValues);
        foreach (var input in aggregation?.Plan.InputFieldIds ?? [])
        {
            RequireFieldLoaded(info, info.Schema.FindField(input)!);
        }

        var outputs = countOnly || aggregation is not null ? [] : ResolveOutputFields(info, request.OutputFields);
        // An aggregation orders its groups by its outputs at the end; a count has no rows to order: its keys are checked, not applied.
        var orderBy = aggregation is null ? OrderOf(info, request.OrderBy, request.Iterator, search: false) : [];
        var groupOrder = aggregation is null ? [] : OrderByFields.Parse(request.OrderBy, name => (aggregation.OrderId(name), []));
        orderBy = countOnly ? [] : orderBy;
        var read = await ReadTimestampsAsync(request.Consistency ?? info.Consistency, request.GuaranteeTimestamp, request.Iterator, cancellationToken);
        var readTimestamp = read.ReadTimestamp;
        // An element-level query's rows come with the positions of their matching struct elements.
        var elementLevel = !countOnly && filter is { IsElementLevel: true };
        var planOutputs = WithFields(outputs, elementLevel ? orderBy.Select(k => k.FieldId).Append(SearchPlan.ElementOffsetsFieldId) : orderBy.Select(k => k.FieldId));
        var plan = new QueryPlan(info.Id, FilterPlan.Of(filter), planOutputs,
            ReadPartitions(info, request.Partitions, filter, ErrorCode.ParameterInvalid, requireLoaded), readTimestamp,
            request.Limit is null || aggregation is not null ? null : request.Offset + request.Limit, countOnly,
            ExpiredBefore: request.IncludeDeleted ? info.VisibleFrom(readTimestamp, ttlBound: 0) : ExpiredBefore(info, readTimestamp), OrderBy: orderBy,
            IgnoreGrowing: request.IgnoreGrowing, IncludeDeleted: request.IncludeDeleted, Aggregation: aggregation?.Plan);
        var parts = await Task.WhenAll(info.AllShardNames.Select(s => Shard<QueryRows>(new QueryShard(s, plan), cancellationToken)));
        if (aggregation is not null)
        {
            // Shards without segments answer no states; with none at all, the states of no rows (a global count of 0).
            var pushed = aggregation.Plan;
            var states = QueryReducer.Reduce(parts, info.Schema.PrimaryKey.DataType, [], false, 0, null, aggregation: pushed).Fields;
            return new QueryResult(PrimaryKeys.EmptyColumn(info.Schema.PrimaryKey.DataType), NoFields, 0, false)
            {
                SessionTimestamp = SessionTimestamp(read),
                Aggregated = aggregation.Finish(states.Columns.IsEmpty ? AggregationStates.Partial(pushed, Segment.EmptyRows(info.Schema, pushed.InputFieldIds)) : states,
                    request.Offset, request.Limit, groupOrder),
            };
        }

        var rows = QueryReducer.Reduce(parts, info.Schema.PrimaryKey.DataType, planOutputs, countOnly, request.Offset, request.Limit, orderBy);
        return new QueryResult(rows.Pks, rows.Fields.Select(outputs), rows.Count, countOnly)
        {
            SessionTimestamp = SessionTimestamp(read),
            ElementOffsets = rows.Fields.Columns.TryGetValue(SearchPlan.ElementOffsetsFieldId, out var elements) ? (ArrayColumn)elements : null,
        };
    }

    private static readonly RowBatch NoFields = new(ImmutableDictionary<long, Column>.Empty);

    /// <summary>The visibility bound of a read: rows inserted before it have expired or were truncated (0 when none).</summary>
    private static ulong ExpiredBefore(CollectionInfo info, ulong readTimestamp) =>
        info.VisibleFrom(readTimestamp, CollectionTtl.ExpiredBefore(info.Properties, readTimestamp, DateTimeOffset.UtcNow));

    /// <summary>
    /// Fetches output fields of known hits by primary key at the search's timestamp (Milvus's requery), for results
    /// fused from several searches; a plain search has its fields with its hits.
    /// </summary>
    private async Task<RowBatch> FetchFieldsAsync(CollectionInfo info, Column keys, ImmutableArray<long> outputs, ulong readTimestamp,
        CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return Segment.EmptyRows(info.Schema, outputs);
        }

        var (rows, rowOfKey) = await FetchRowsAsync(info, keys, outputs, readTimestamp, cancellationToken);
        var order = new int[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            order[i] = rowOfKey.TryGetValue(keys.GetValue(i)!, out var row)
                ? row
                : throw new MilvusException(ErrorCode.ServiceInternal, $"requery lost primary key {keys.GetValue(i)}: it was deleted while the search ran");
        }

        return rows.Gather(order);
    }

    /// <summary>
    /// Search by primary keys (Milvus 2.6.9): the stored vectors of <paramref name="vectorField"/> (null: the only vector
    /// field) of the rows with <paramref name="keys"/>, in key order, read at the search's consistency; a key without a
    /// visible row is refused.
    /// </summary>
    public async Task<(FieldSchema Field, Column Vectors)> StoredVectorsAsync(string database, string collection, string? vectorField, Column keys,
        ConsistencyLevel? consistency, ulong guaranteeTimestamp, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, collection, mustBeLoaded: true, cancellationToken);
        RequireLoaded(info);
        var field = VectorFieldOf(info, vectorField);
        if (keys.Count == 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "search by primary keys needs at least one id");
        }

        var read = await ReadTimestampsAsync(consistency ?? info.Consistency, guaranteeTimestamp, iterator: false, cancellationToken);
        var (rows, rowOfKey) = await FetchRowsAsync(info, keys, [field.FieldId], read.ReadTimestamp, cancellationToken);
        var order = new int[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            order[i] = rowOfKey.TryGetValue(keys.GetValue(i)!, out var row)
                ? row
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"primary key {keys.GetValue(i)} to search by does not exist in collection {info.Name}");
            if (rows[field.FieldId].IsNull(order[i]))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"primary key {keys.GetValue(i)} to search by has a null {field.Name}: there is no vector to search with");
            }
        }

        return (field, rows[field.FieldId].Gather(order));
    }

    /// <summary>The visible rows of the given primary keys at <paramref name="readTimestamp"/>, and the row of each key found.</summary>
    private async Task<(RowBatch Rows, Dictionary<object, int> RowOfKey)> FetchRowsAsync(CollectionInfo info, Column keys, ImmutableArray<long> outputs,
        ulong readTimestamp, CancellationToken cancellationToken)
    {
        var unique = keys is ScalarColumn<long> longs
            ? (Column)new ScalarColumn<long>(DataType.Int64, longs.Values.Distinct().ToArray())
            : new StringColumn(((StringColumn)keys).Values.Distinct().ToArray());
        var plan = new QueryPlan(info.Id, null, outputs, [], readTimestamp, null, false, unique, ExpiredBefore: ExpiredBefore(info, readTimestamp));
        var parts = await Task.WhenAll(info.AllShardNames.Select(s => Shard<QueryRows>(new QueryShard(s, plan), cancellationToken)));
        var rows = QueryReducer.Reduce(parts, info.Schema.PrimaryKey.DataType, outputs, false, 0, null);
        var rowOfKey = new Dictionary<object, int>();
        for (var i = 0; i < rows.Pks.Count; i++)
        {
            rowOfKey[rows.Pks.GetValue(i)!] = i;
        }

        return (rows.Fields, rowOfKey);
    }

    private static void RequireLoaded(CollectionInfo info)
    {
        if (!info.Loaded)
        {
            throw new MilvusException(ErrorCode.CollectionNotLoaded, $"collection not loaded[collection={info.Name}]");
        }
    }

    private void CheckLimits(int limit, int offset, int nq)
    {
        if (limit <= 0 || limit > settings.MaxTopK)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"limit (topk) should be in range [1, {settings.MaxTopK}], but got {limit}");
        }

        if (offset < 0 || offset + limit > ProxySettings.MilvusResultLimit)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"offset ({offset}) + limit ({limit}) should be in range [1, {ProxySettings.MilvusResultLimit}]");
        }

        if (nq <= 0 || nq > settings.MaxNq)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"nq (number of search vectors per search request) should be in range [1, {settings.MaxNq}], but got {nq}");
        }
    }

    /// <summary>The named vector field, or the collection's only one (Milvus asks for a name when there are several).</summary>
    internal static FieldSchema VectorFieldOf(CollectionInfo info, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            var field = info.Schema.FindField(name) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"failed to get field schema by name: fieldName({name}) not found");
            return field.DataType.IsVector() ? field : throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{name}' is not a vector field");
        }

        // As Milvus, a struct's vector fields are searched only when named.
        var vectors = info.Schema.VectorFields.Where(f => f.StructFieldId == 0).ToList();
        return vectors.Count == 1
            ? vectors[0]
            : throw new MilvusException(ErrorCode.ParameterInvalid, "multiple anns_fields exist, please specify a anns_field in search_params");
    }

    /// <summary>Largest limit × group_size of a grouping search (Milvus's top-k ceiling).</summary>
    private const int MaxGroupedHits = 16_384;

    private static (ImmutableArray<FieldSchema> Fields, SearchGrouping? Grouping) GroupingOf(CollectionInfo info, SearchRequest request)
    {
        if (request.GroupByField is not null && !request.GroupByFields.IsDefaultOrEmpty)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "a search groups by group_by_field or by group_by_fields, not both");
        }

        ImmutableArray<string> names = request.GroupByFields.IsDefaultOrEmpty ? request.GroupByField is { } name ? [name] : [] : request.GroupByFields;
        return GroupingOf(info, names, request.GroupSize, request.StrictGroupSize, request.Offset + request.Limit, request.Radius is not null);
    }

    /// <param name="names">The grouping fields: one, or several forming a composite key; none for a search that does not group.</param>
    /// <param name="hits">The offset + limit of the groups asked for.</param>
    /// <param name="rangeSearch">Whether the search has a radius, which grouping cannot take.</param>
    private static (ImmutableArray<FieldSchema> Fields, SearchGrouping? Grouping) GroupingOf(CollectionInfo info, ImmutableArray<string> names, int groupSize,
        bool strict, int hits, bool rangeSearch)
    {
        if (names.IsEmpty || (names is [var only] && string.IsNullOrEmpty(only)))
        {
            return ([], null);
        }

        var fields = names.Select(name => info.Schema.FindField(name.Trim())
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"groupBy field({name}) not found in schema")).ToImmutableArray();
        foreach (var field in fields)
        {
            if (field.DataType is not (DataType.Bool or DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.VarChar))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"group by field '{field.Name}' is {field.DataType}; grouping supports Bool, Int8, Int16, Int32, Int64 and VarChar fields");
            }
        }

        if (fields.Select(f => f.FieldId).Distinct().Count() != fields.Length)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "group_by_fields names a field twice");
        }

        if (rangeSearch)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "a grouping search cannot be a range search (radius)");
        }

        if (groupSize < 1 || (long)groupSize * hits > MaxGroupedHits)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"group_size ({groupSize}) must be positive and (offset + limit) × group_size at most {MaxGroupedHits}");
        }

        return (fields, new SearchGrouping([.. fields.Select(f => f.FieldId)], groupSize, strict));
    }

    /// <summary>The request's function chain bound to the collection, or null; refused with what it cannot be combined with.</summary>
    private static RerankChain? ChainOf(CollectionInfo info, SearchRequest request)
    {
        if (request.FunctionChain.IsDefaultOrEmpty)
        {
            return null;
        }

        var refusal = request.Grouped ? "group_by_field" : !request.Aggregation.IsDefaultOrEmpty ? "search_aggregation"
            : request.Iterator ? "a search iterator" : request.OrderBy is not null ? OrderByFields.Key : null;
        return refusal is null
            ? RerankChain.Bind(info.Schema, request.FunctionChain)
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"function_chains cannot be combined with {refusal}");
    }

    /// <summary>The request's search aggregation bound to the collection, or null; refused with what it cannot be combined with.</summary>
    private static SearchAggregator? AggregatorOf(CollectionInfo info, SearchRequest request, MetricType metric, ImmutableArray<long> outputs)
    {
        if (request.Aggregation.IsDefaultOrEmpty)
        {
            return null;
        }

        var refusal = request.Grouped ? "group_by_field" : request.Offset != 0 ? "a non-zero offset" : request.Iterator ? "a search iterator"
            : request.OrderBy is not null ? OrderByFields.Key : request.Radius is not null ? "a range search (radius)" : null;
        return refusal is null
            ? SearchAggregator.Bind(info.Schema, request.Aggregation, request.Nq, metric, outputs)
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"search_aggregation cannot be combined with {refusal}");
    }

    /// <summary>
    /// The search's metric: the one requested, which must be the index's, else the index's. A struct's vector field is
    /// searched by embedding lists under a MAX_SIM metric and element by element under any other.
    /// </summary>
    private static MetricType MetricFor(CollectionInfo info, FieldSchema field, string? requested, bool embeddingLists = false)
    {
        var index = info.IndexOnField(field.FieldId);
        var metric = MetricTypes.Parse(string.IsNullOrEmpty(requested)
            ? index?.MetricType is { Length: > 0 } m ? m : IndexSpec.DefaultMetric(field)
            : requested);
        if (field.DataType == DataType.ArrayOfVector && metric.IsMaxSim() != embeddingLists)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, embeddingLists
                ? $"field '{field.Name}' is searched element by element under metric {metric.ToMilvusName()}: an embedding-list search needs a MAX_SIM metric (its index's)"
                : $"field '{field.Name}' is searched by embedding lists under metric {metric.ToMilvusName()}: send an embedding list (EmbList placeholder), or index the field with a plain metric to search its elements");
        }

        var type = field.DataType == DataType.ArrayOfVector ? field.ElementType : field.DataType;
        var applies = type switch
        {
            DataType.BinaryVector => (metric.ElementMetric() is MetricType.Hamming or MetricType.Jaccard && metric != MetricType.MaxSim)
                || (metric == MetricType.MhJaccard && field.DataType == DataType.BinaryVector),
            DataType.SparseFloatVector => metric == (field.IsBm25Output ? MetricType.Bm25 : MetricType.IP),
            _ => metric.ElementMetric() is MetricType.L2 or MetricType.IP or MetricType.Cosine,
        };
        if (!applies)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metric.ToMilvusName()} does not apply to {field.DataType} field '{field.Name}'");
        }

        if (string.IsNullOrEmpty(requested))
        {
            return metric;
        }

        if (index is not null && MetricTypes.Parse(index.MetricType) != metric)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"metric type not match: invalid parameter[expected={index.MetricType}][actual={requested.ToUpperInvariant()}]");
        }

        return metric;
    }

    /// <summary>
    /// The ORDER BY keys of a search or query, each field loaded; a search may also order by JSON paths (ordered at the
    /// proxy), and neither may be an iterator's, which pages in its own order.
    /// </summary>
    private static ImmutableArray<OrderKey> OrderOf(CollectionInfo info, string? orderBy, bool iterator, bool search)
    {
        var keys = OrderByFields.Parse(orderBy, info.Schema, allowJsonPaths: search);
        if (!keys.IsEmpty && iterator)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"{OrderByFields.Key} cannot be used with a {(search ? "search" : "query")} iterator, which returns its pages in its own order");
        }

        foreach (var key in keys)
        {
            RequireFieldLoaded(info, info.Schema.FindField(key.FieldId)!);
        }

        return keys;
    }

    /// <summary><paramref name="outputs"/> and <paramref name="more"/> field ids, each once, ascending as output ids are.</summary>
    private static ImmutableArray<long> WithFields(ImmutableArray<long> outputs, IEnumerable<long> more) =>
        more.All(outputs.Contains) ? outputs : [.. outputs.Union(more).Order()];

    /// <summary>
    /// Field ids for output names; "*" means every loaded field (with $meta when dynamic); unknown names are dynamic
    /// keys when allowed. A field a partial load left out is refused.
    /// </summary>
    private static ImmutableArray<long> ResolveOutputFields(CollectionInfo info, ImmutableArray<string> names)
    {
        var schema = info.Schema;
        var ids = new SortedSet<long>();
        foreach (var raw in names.IsDefault ? [] : names)
        {
            var name = raw.Trim();
            if (name == "*")
            {
                // As Milvus: "*" means every field a client may read, which leaves out BM25 outputs and, after a
                // partial load, the fields it left out.
                ids.UnionWith(schema.Fields.Where(f => !f.IsBm25Output && info.IsFieldLoaded(f.FieldId)).Select(f => f.FieldId));
            }
            else if (schema.FindField(name) is { } field)
            {
                RequireFieldLoaded(info, field);
                ids.Add(field.IsBm25Output
                    ? throw new MilvusException(ErrorCode.OperationNotSupported, $"not allowed to retrieve raw data of field {field.Name}")
                    : field.FieldId);
            }
            else if (schema.FindStruct(name) is { } structField)
            {
                // An array-of-struct field is read through all its sub-fields.
                ids.UnionWith(schema.SubFields(structField.FieldId).Select(f => f.FieldId));
            }
            else if (schema.DynamicField is { } dynamic)
            {
                RequireFieldLoaded(info, dynamic);
                ids.Add(dynamic.FieldId);
            }
            else
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field {name} not exist");
            }
        }

        return [.. ids];
    }

    /// <summary>
    /// The guarantee and read timestamps of a read at <paramref name="level"/> (<see cref="ReadConsistency"/>). A timestamp
    /// the oracle issued after the read began is one round trip shared by the reads waiting for it, never one from a
    /// block taken earlier; every write acknowledged before, by any proxy, is below it (see <see cref="TimestampBatcher"/>).
    /// A shard applies a write before acknowledging it, so a guarantee the oracle has passed holds at once; one ahead of
    /// the oracle (a client's clock or a made-up value) waits until the oracle passes it, up to
    /// <see cref="ProxySettings.GuaranteeTimeout"/>, as Milvus waits for its shards' service time.
    /// </summary>
    private async Task<ReadTimestamps> ReadTimestampsAsync(ConsistencyLevel level, ulong requested, bool iterator, CancellationToken cancellationToken)
    {
        var now = ReadConsistency.NeedsFreshTimestamp(level, requested, iterator)
            ? await FreshReadTimestampAsync(cancellationToken)
            : HybridTimestamp.FromTime(DateTimeOffset.UtcNow);
        var read = ReadConsistency.Resolve(level, requested, iterator, now, settings.GracefulTime);
        // Only a guarantee the client sent can be ahead of the oracle: the others were taken from it or lag the clock.
        if (read.Guarantee == requested && read.Guarantee > Volatile.Read(ref _newestIssued))
        {
            await WaitForOracleAsync(read.Guarantee, cancellationToken);
        }

        return read;
    }

    private ulong _newestIssued;

    private async Task<ulong> FreshReadTimestampAsync(CancellationToken cancellationToken)
    {
        var fresh = await AllocateTimestampAsync(cancellationToken);
        for (var seen = Volatile.Read(ref _newestIssued); fresh > seen; seen = Volatile.Read(ref _newestIssued))
        {
            if (Interlocked.CompareExchange(ref _newestIssued, fresh, seen) == seen)
            {
                break;
            }
        }

        return fresh;
    }

    private async Task WaitForOracleAsync(ulong guarantee, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + settings.GuaranteeTimeout;
        while (true)
        {
            var issued = await FreshReadTimestampAsync(cancellationToken);
            if (issued >= guarantee)
            {
                return;
            }

            var ahead = TimeSpan.FromMilliseconds(Math.Max(1, HybridTimestamp.Physical(guarantee) - HybridTimestamp.Physical(issued)));
            if (DateTimeOffset.UtcNow + ahead > deadline)
            {
                throw new MilvusException(ErrorCode.ServiceTimeTickLongDelay,
                    $"guarantee timestamp {guarantee} is {ahead.TotalMilliseconds:0} ms ahead of the cluster's timestamp {issued}, beyond the wait of {settings.GuaranteeTimeout.TotalMilliseconds:0} ms (milvus.proxy.guarantee-timeout)");
            }

            await Task.Delay(ahead, cancellationToken);
        }
    }

    private static ulong SessionTimestamp(ReadTimestamps read) =>
        ReadConsistency.SessionTimestamp(read, HybridTimestamp.FromTime(DateTimeOffset.UtcNow));
}
