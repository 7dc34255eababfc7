using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Column = Milvus.Akka.Common.Column;
using ConsistencyLevel = Milvus.Akka.Common.ConsistencyLevel;
using DataType = Milvus.Akka.Common.DataType;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoMutationResult = Milvus.Akka.Grpc.Protocol.Milvus.MutationResult;
using ProtoDataType = Milvus.Akka.Grpc.Protocol.Schema.DataType;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Insert, upsert, delete, search, hybrid search, query and flush.</summary>
public sealed partial class MilvusGrpcService
{
    private const string PlaceholderTag = "$0";
    private const string GroupByFieldKey = "group_by_field";

    /// <summary>The search param naming which of a BM25 input field's multi-language analyzers analyzes the query texts.</summary>
    private const string AnalyzerNameKey = "analyzer_name";

    private const string IgnoreGrowingKey = "ignore_growing";

    internal const string NamespacesNotSupported = "namespaces (enable_namespace) are not supported by Milvus.Akka";

    /// <summary>
    /// What a function_score asks for: nothing without functions, boost rankers (<see cref="BoostRankers"/>) when every
    /// function is one, else a decay or model reranker (<see cref="FunctionScoreRanker"/>).
    /// </summary>
    private static (HybridRanker? Rerank, SearchBoostRequest? Boost) FunctionScoreOf(FunctionScore? score)
    {
        if (score is not { Functions.Count: > 0 })
        {
            return default;
        }

        var boosts = score.Functions.Count(BoostRankers.IsBoost);
        if (boosts == score.Functions.Count)
        {
            return (null, BoostRankers.Parse(score));
        }

        return boosts == 0
            ? (FunctionScoreRanker(score), null)
            : throw new MilvusException(ErrorCode.OperationNotSupported,
                "boost rankers combined with other rerankers in one function_score are not supported by Milvus.Akka; use boost functions alone or one decay or model reranker");
    }

    /// <summary>
    /// The decay or model reranker a function_score of other functions than boosts asks for; the others (several
    /// functions combined, other rerankers) would change the ranking and are refused rather than ignored.
    /// </summary>
    private static HybridRanker FunctionScoreRanker(FunctionScore score)
    {
        var function = score.Functions[0];
        var parameters = function.Params.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        var reranker = parameters.GetValueOrDefault("reranker", "").ToLowerInvariant();
        if (score.Functions.Count > 1 || reranker is not ("decay" or "model"))
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, score.Functions.Count > 1
                ? "several function_score functions combined are not supported by Milvus.Akka; rerank with one decay or model function"
                : $"the '{reranker}' reranker of function_score is not supported by Milvus.Akka; rerank with a decay or model function or rank a hybrid search with rank_params (rrf or weighted)");
        }

        if (reranker == "model")
        {
            return function.InputFieldNames.Count == 1
                ? new ModelRanker(function.Name, function.InputFieldNames[0], SchemaConverter.ToDictionary(function.Params))
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"Rerank model only supports single input, but gets [{string.Join(",", function.InputFieldNames)}] input");
        }

        if (function.InputFieldNames.Count != 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"Decay function only supports single input, but gets [{string.Join(",", function.InputFieldNames)}] input");
        }

        double Number(string key, double? fallback)
        {
            if (!parameters.TryGetValue(key, out var text))
            {
                return fallback ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"Decay function lost param: {key}");
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"Param {key}:{text} is not a number");
        }

        return DecayRanker.Of(parameters.GetValueOrDefault("function", ""), function.InputFieldNames[0], Number("origin", null), Number("scale", null),
            Number("offset", 0), Number("decay", 0.5));
    }

    /// <summary>Milvus's group_by_fields, comma-separated: a query's aggregation groups, a search's composite grouping key.</summary>
    private const string GroupByFieldsKey = "group_by_fields";

    private static ImmutableArray<string> GroupByFieldsOf(IReadOnlyDictionary<string, string> parameters) =>
        [.. parameters.GetValueOrDefault(GroupByFieldsKey, "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>A hybrid search's function chains (its merge and rerank stages) would change its answer: refused, never ignored.</summary>
    private static void RefuseFunctionChains(RepeatedField<FunctionChain> chains)
    {
        if (chains.Count > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "function chains (function_chains) are not supported by Milvus.Akka; rerank with function_score");
        }
    }

    /// <summary>A request scoped to a namespace is refused, not answered for the whole collection.</summary>
    private static void RefuseNamespace(bool hasNamespace, string name)
    {
        if (hasNamespace && name.Length > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, $"{NamespacesNotSupported}: the request names namespace '{name}'");
        }
    }

    // Writes.

    public override async Task<ProtoMutationResult> Insert(InsertRequest request, ServerCallContext context)
    {
        RefuseNamespace(request.HasNamespace, request.Namespace);
        var database = Database(request.DbName, context);
        var info = await proxy.ResolveCollectionAsync(database, request.CollectionName, cancellationToken: context.CancellationToken);
        CheckSchemaTimestamp(info, request.SchemaTimestamp);
        var columns = Columns(info, request.FieldsData, (int)request.NumRows);
        var result = await proxy.InsertAsync(database, request.CollectionName, columns, NullIfEmpty(request.PartitionName), context.CancellationToken);
        return Mutation(result, result.InsertCount);
    }

    public override async Task<ProtoMutationResult> Upsert(UpsertRequest request, ServerCallContext context)
    {
        var arrayUpdates = ArrayUpdatesOf(request.FieldOps);
        RefuseNamespace(request.HasNamespace, request.Namespace);
        var database = Database(request.DbName, context);
        var info = await proxy.ResolveCollectionAsync(database, request.CollectionName, cancellationToken: context.CancellationToken);
        CheckSchemaTimestamp(info, request.SchemaTimestamp);
        var columns = Columns(info, request.FieldsData, (int)request.NumRows);
        var result = await proxy.UpsertAsync(database, request.CollectionName, columns, NullIfEmpty(request.PartitionName), context.CancellationToken,
            partialUpdate: request.PartialUpdate, arrayUpdates: arrayUpdates);
        return Mutation(result, result.UpsertCount);
    }

    /// <summary>
    /// Milvus's schema check of a write: one built against a schema older than the collection's (the SDKs send the
    /// update_timestamp of the describe they cached) is refused with SchemaMismatch, on which the SDKs describe the
    /// collection again and resend, instead of writing a new field's values into the dynamic field or dropping them.
    /// </summary>
    private static void CheckSchemaTimestamp(CollectionInfo info, ulong schemaTimestamp)
    {
        if (schemaTimestamp != 0 && schemaTimestamp < info.UpdateTimestamp)
        {
            throw new MilvusException(ErrorCode.CollectionSchemaMismatch,
                $"collection schema mismatch[collection={info.Name}]: the request was built for the schema of {schemaTimestamp}, " +
                $"the collection's schema changed at {info.UpdateTimestamp}; describe the collection again");
        }
    }

    /// <summary>field_ops by field name; REPLACE is what an upsert does anyway.</summary>
    private static Dictionary<string, ArrayUpdate> ArrayUpdatesOf(IEnumerable<FieldPartialUpdateOp> ops)
    {
        var updates = new Dictionary<string, ArrayUpdate>();
        foreach (var op in ops)
        {
            if (op.FieldName.Length == 0)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, "a field_ops entry names no field");
            }

            ArrayUpdate? update = op.Op switch
            {
                FieldPartialUpdateOp.Types.OpType.Replace => null,
                FieldPartialUpdateOp.Types.OpType.ArrayAppend => ArrayUpdate.Append,
                FieldPartialUpdateOp.Types.OpType.ArrayRemove => ArrayUpdate.Remove,
                _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"unsupported partial update op: {op.Op}"),
            };
            if (update is { } arrayUpdate && !updates.TryAdd(op.FieldName, arrayUpdate))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field \"{op.FieldName}\" carries more than one partial-update op");
            }
        }

        return updates;
    }

    public override async Task<ProtoMutationResult> Delete(DeleteRequest request, ServerCallContext context)
    {
        RefuseNamespace(request.HasNamespace, request.Namespace);
        // A filter other than a key list is evaluated at Strong consistency whatever the level, but an unknown level is refused.
        Consistency(request.ConsistencyLevel);
        var result = await proxy.DeleteAsync(Database(request.DbName, context), request.CollectionName, request.Expr,
            NullIfEmpty(request.PartitionName), context.CancellationToken, filterValues: FilterValues(request.ExprTemplateValues));
        // As Milvus since 2.3.2, a delete answers its count without its keys: pymilvus returns the keys, when there
        // are any, in place of {"delete_count": n}.
        return new ProtoMutationResult { Status = MilvusStatuses.Success, IDs = new(), DeleteCnt = result.DeleteCount, Timestamp = result.Timestamp };
    }

    private static ProtoMutationResult Mutation(MutationResult result, long rows)
    {
        var response = new ProtoMutationResult
        {
            Status = MilvusStatuses.Success,
            IDs = FieldDataConverter.ToIds(result.Ids),
            InsertCnt = result.InsertCount,
            DeleteCnt = result.DeleteCount,
            UpsertCnt = result.UpsertCount,
            Timestamp = result.Timestamp,
        };
        response.SuccIndex.Add(Enumerable.Range(0, (int)rows).Select(i => (uint)i));
        return response;
    }

    /// <summary>The request's columns by field name; the dynamic field arrives as "$meta" (is_dynamic).</summary>
    private static Dictionary<string, Column> Columns(CollectionInfo info, IEnumerable<FieldData> fields, int rows)
    {
        var schema = info.Schema;
        var timezone = Timestamptz.ZoneOf(info.Properties);
        var columns = new Dictionary<string, Column>();
        foreach (var data in fields.SelectMany(data => SubFieldsOf(schema, data)))
        {
            var field = (data.IsDynamic ? schema.DynamicField : schema.FindField(data.FieldName))
                ?? throw new MilvusException(ErrorCode.ParameterInvalid, data.IsDynamic
                    ? $"collection {schema.Name} has no dynamic field, but the request carries dynamic data"
                    : $"field '{data.FieldName}' does not exist in collection {schema.Name}");
            if (!columns.TryAdd(field.Name, FieldDataConverter.FromFieldData(data, field, rows, timezone)))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field.Name}' appears twice in the request");
            }
        }

        return columns;
    }

    /// <summary>
    /// An array-of-struct field's data as the data of its sub-fields, named as the schema names them (<c>struct[sub]</c>);
    /// any other field's data as it is.
    /// </summary>
    private static IEnumerable<FieldData> SubFieldsOf(Common.CollectionSchema schema, FieldData data)
    {
        if (data.FieldCase != FieldData.FieldOneofCase.StructArrays)
        {
            return [data];
        }

        var structField = schema.FindStruct(data.FieldName)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{data.FieldName}' is not an array-of-struct field of collection {schema.Name}");
        return data.StructArrays.Fields.Select(sub =>
        {
            var named = sub.Clone();
            named.FieldName = StructFieldSchema.SubFieldName(structField.Name, sub.FieldName);
            return named;
        });
    }

    // Reads.

    public override async Task<SearchResults> Search(ProtoSearchRequest request, ServerCallContext context)
    {
        var (rerank, boost) = FunctionScoreOf(request.FunctionScore);
        var highlighter = LexicalHighlighter.Parse(request.Highlighter);

        RefuseNamespace(request.HasNamespace, request.Namespace);
        var database = Database(request.DbName, context);
        var info = await proxy.ResolveCollectionAsync(database, request.CollectionName, cancellationToken: context.CancellationToken);
        // The Node SDK sends the iterator keys inside the "params" JSON, other SDKs as top-level pairs.
        var topLevel = SearchParameters(request.SearchParams);
        var indexParams = IndexParams(topLevel);
        var parameters = new Dictionary<string, string>(topLevel);
        foreach (var (key, value) in indexParams)
        {
            parameters.TryAdd(key, value);
        }

        var iterator = IsTrue(parameters.GetValueOrDefault("search_iter_v2"));
        var consistency = RequestConsistency(request.ConsistencyLevel, request.UseDefaultConsistency);
        var guarantee = GuaranteeTimestamp(request.GuaranteeTimestamp, parameters);
        if (request.SearchInputCase == ProtoSearchRequest.SearchInputOneofCase.Ids)
        {
            request = await WithStoredVectorsAsync(database, info, request, parameters.GetValueOrDefault("anns_field"), consistency, guarantee, context);
        }

        var search = ToSearch(info, request, topLevel, indexParams) with
        {
            Database = database,
            Partitions = [.. request.PartitionNames],
            Consistency = consistency,
            GuaranteeTimestamp = guarantee,
            Iterator = iterator || IsTrue(parameters.GetValueOrDefault(IteratorKey)),
            Boost = boost,
        };
        var highlight = highlighter?.For(info, search);
        if (highlight is not null && !search.Aggregation.IsEmpty)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "search_aggregation cannot be combined with a highlighter");
        }

        if (highlight is not null)
        {
            search = search with { OutputFields = highlight.WithTextFields(search.OutputFields) };
        }

        if (iterator && search.Grouped)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "a search iterator cannot group its hits; search without group_by_field");
        }

        if (search.OrderBy is not null && (boost is not null || rerank is not null))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{OrderByFields.Key} and function_score cannot be used together: both set the hits' order");
        }

        if (!search.FunctionChain.IsEmpty && (boost is not null || rerank is not null))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "function_chains and function_score cannot be used together");
        }

        float? lastBound = null;
        if (iterator && parameters.TryGetValue("search_iter_last_bound", out var bound))
        {
            lastBound = float.Parse(bound, CultureInfo.InvariantCulture);
        }

        // Iterator v2 pages continue strictly after the previous page's last score: a range search whose inner bound
        // is that score, with hits tying it dropped (they were on the previous page).
        var result = rerank is not null ? await RerankedSearchAsync(search, rerank, context)
            : lastBound is null ? await proxy.SearchAsync(search, context.CancellationToken)
            : await NextPageAsync(search, info, lastBound.Value, context);
        var data = SearchData(info, result, search.OutputFields, search.Limit, OutputZone(parameters, info), search.GroupByFields.Length > 0);
        if (highlight is not null)
        {
            data.HighlightResults.AddRange(highlight.Highlight(result));
        }

        if (iterator)
        {
            var count = result.Count(0);
            data.SearchIteratorV2Results = new SearchIteratorV2Results
            {
                Token = parameters.GetValueOrDefault("search_iter_id") is { Length: > 0 } token ? token : Guid.NewGuid().ToString("N"),
                LastBound = count > 0 ? result.Scores[count - 1] : lastBound ?? 0,
            };
        }

        return new SearchResults { Status = MilvusStatuses.Success, CollectionName = info.Name, Results = data, SessionTs = result.SessionTimestamp };
    }

    /// <summary>
    /// A search reranked by a decay or model function: its best offset + limit hits, rescored and ordered by the ranker,
    /// as a hybrid search of that one search (Milvus reranks the same candidates).
    /// </summary>
    private async Task<SearchResult> RerankedSearchAsync(SearchRequest search, HybridRanker rerank, ServerCallContext context)
    {
        if (search.Iterator || search.Grouped || !search.Aggregation.IsEmpty)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "a decay or model reranker cannot rank a search iterator, a grouping search or a search aggregation");
        }

        return await proxy.HybridSearchAsync(new HybridSearchRequest
        {
            Database = search.Database,
            Collection = search.Collection,
            Searches = [search with { Limit = search.Offset + search.Limit, Offset = 0, OutputFields = [], Partitions = [], RoundDecimal = -1 }],
            Ranker = rerank,
            Limit = search.Limit,
            Offset = search.Offset,
            RoundDecimal = search.RoundDecimal,
            OutputFields = search.OutputFields,
            Partitions = search.Partitions,
            Consistency = search.Consistency,
            GuaranteeTimestamp = search.GuaranteeTimestamp,
        }, context.CancellationToken);
    }

    /// <summary>
    /// A search by primary keys as the same search by vectors: the stored vectors of those rows, in the order of the ids,
    /// become the placeholder group (so they are checked and converted like vectors a client sends).
    /// </summary>
    private async Task<ProtoSearchRequest> WithStoredVectorsAsync(string database, CollectionInfo info, ProtoSearchRequest request, string? vectorField,
        ConsistencyLevel? consistency, ulong guarantee, ServerCallContext context)
    {
        var pk = info.Schema.PrimaryKey;
        Column keys = (request.Ids.IdFieldCase, pk.DataType) switch
        {
            (IDs.IdFieldOneofCase.IntId, DataType.Int64) => new ScalarColumn<long>(DataType.Int64, [.. request.Ids.IntId.Data]),
            (IDs.IdFieldOneofCase.StrId, DataType.VarChar) => new StringColumn([.. request.Ids.StrId.Data]),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid,
                $"the ids to search by must be {pk.DataType} values of primary key field '{pk.Name}', got {request.Ids.IdFieldCase}"),
        };
        var (field, vectors) = await proxy.StoredVectorsAsync(database, info.Name, vectorField, keys, consistency, guarantee, context.CancellationToken);
        // A struct's vectors search by the row's list of them: an embedding list.
        var placeholder = new PlaceholderValue
        {
            Tag = PlaceholderTag,
            Type = (PlaceholderType)(field.DataType == DataType.ArrayOfVector ? (int)field.ElementType + EmbListPlaceholderOffset : (int)field.DataType),
        };
        for (var row = 0; row < vectors.Count; row++)
        {
            placeholder.Values.Add(vectors switch
            {
                VectorColumn<float> floats => ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.Row(row))),
                VectorColumn<byte> packed => ByteString.CopyFrom(packed.Row(row)),
                SparseVectorColumn sparse => ByteString.CopyFrom(sparse.Values[row]),
                VectorArrayColumn lists => ByteString.CopyFrom(lists.Values[row]),
                _ => throw new MilvusException(ErrorCode.ServiceInternal, $"field '{field.Name}' holds no vectors"),
            });
        }

        var bySearch = request.Clone();
        bySearch.PlaceholderGroup = new PlaceholderGroup { Placeholders = { placeholder } }.ToByteString();
        bySearch.Nq = keys.Count;
        return bySearch;
    }

    /// <summary>
    /// The next iterator page: hits at or beyond the previous page's last score (range_filter is that inner bound for
    /// every metric), minus the hits tying it, which the previous page returned.
    /// </summary>
    private async Task<SearchResult> NextPageAsync(SearchRequest search, CollectionInfo info, float lastBound, ServerCallContext context)
    {
        if (search.Nq != 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"a search iterator takes one query vector, got {search.Nq}");
        }

        var field = info.Schema.FindField(search.VectorField!)!;
        var metric = MetricTypes.Parse(search.Metric is { Length: > 0 } m ? m
            : info.IndexOnField(field.FieldId)?.MetricType is { Length: > 0 } indexMetric ? indexMetric : IndexSpec.DefaultMetric(field));
        // A range search needs an outer bound too: the worst possible score.
        var outer = metric.HigherIsBetter() ? float.MinValue : float.MaxValue;
        var page = await proxy.SearchAsync(search with { RangeFilter = lastBound, Radius = outer, Limit = search.Limit + 1 }, context.CancellationToken);
        var keep = Enumerable.Range(0, page.Count(0)).Where(i => page.Scores[i] != lastBound).Take(search.Limit).ToArray();
        return page with
        {
            Offsets = [0, keep.Length],
            Ids = page.Ids.Gather(keep),
            Scores = [.. keep.Select(i => page.Scores[i])],
            Fields = page.Fields.Gather(keep),
        };
    }

    public override async Task<SearchResults> HybridSearch(ProtoHybridSearchRequest request, ServerCallContext context)
    {
        RefuseFunctionChains(request.FunctionChains);
        var (rerank, boost) = FunctionScoreOf(request.FunctionScore);
        if (boost is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "a boost ranker cannot rank a hybrid search; give it to the function_score of its sub-requests");
        }

        RefuseNamespace(request.HasNamespace, request.Namespace);
        var database = Database(request.DbName, context);
        var info = await proxy.ResolveCollectionAsync(database, request.CollectionName, cancellationToken: context.CancellationToken);
        var rank = request.RankParams.ToDictionary(p => p.Key, p => p.Value);
        var limit = IntParam(rank, "limit", 10);
        var consistency = RequestConsistency(request.ConsistencyLevel, request.UseDefaultConsistency);
        var requests = new List<ProtoSearchRequest>(request.Requests.Count);
        foreach (var sub in request.Requests)
        {
            // A sub-request may search by primary keys, as a search does: their stored vectors are the queries.
            requests.Add(sub.SearchInputCase == ProtoSearchRequest.SearchInputOneofCase.Ids
                ? await WithStoredVectorsAsync(database, info, sub, SearchParameters(sub.SearchParams).GetValueOrDefault("anns_field"), consistency,
                    request.GuaranteeTimestamp, context)
                : sub);
        }

        var searches = requests.Select(r => ToSearch(info, r)).ToImmutableArray();
        if (rank.ContainsKey(OrderByFields.Key) || searches.Any(s => s.OrderBy is not null))
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, $"{OrderByFields.Key} in a hybrid search is not supported by Milvus.Akka; order a single search or a query");
        }

        var hybrid = new HybridSearchRequest
        {
            Database = database,
            Collection = request.CollectionName,
            Searches = searches,
            Ranker = rerank ?? Ranker(rank),
            Limit = limit,
            Offset = IntParam(rank, "offset", 0),
            RoundDecimal = IntParam(rank, "round_decimal", -1),
            OutputFields = [.. request.OutputFields],
            Partitions = [.. request.PartitionNames],
            Consistency = consistency,
            GuaranteeTimestamp = request.GuaranteeTimestamp,
            GroupByField = HybridGroupField(rank, searches),
            GroupSize = IntParam(rank, "group_size", searches.FirstOrDefault(s => s.GroupByField is not null)?.GroupSize ?? 1),
            StrictGroupSize = IsTrue(rank.GetValueOrDefault("strict_group_size")) || searches.Any(s => s.StrictGroupSize),
        };
        var result = await proxy.HybridSearchAsync(hybrid, context.CancellationToken);
        return new SearchResults
        {
            Status = MilvusStatuses.Success,
            CollectionName = info.Name,
            Results = SearchData(info, result, hybrid.OutputFields, limit, Timestamptz.ZoneOf(info.Properties)),
            SessionTs = result.SessionTimestamp,
        };
    }

    /// <summary>
    /// The field a hybrid search groups by: from rank_params (where pymilvus puts it) or from its sub-requests' search
    /// params (where the Node SDK copies it), which must then agree.
    /// </summary>
    private static string? HybridGroupField(Dictionary<string, string> rank, ImmutableArray<SearchRequest> searches)
    {
        if (NullIfEmpty(rank.GetValueOrDefault(GroupByFieldKey)) is { } field)
        {
            return field;
        }

        var fields = searches.Select(s => s.GroupByField).Where(f => f is not null).Distinct().ToList();
        return fields.Count <= 1
            ? fields.SingleOrDefault()
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"the sub-requests of a hybrid search group by different fields: {string.Join(", ", fields)}");
    }

    private static HybridRanker Ranker(Dictionary<string, string> rank)
    {
        var strategy = rank.GetValueOrDefault("strategy", "rrf").ToLowerInvariant();
        var parameters = rank.TryGetValue(ParamsKey, out var json) ? ParseJsonObject(json, "rank params") : [];
        switch (strategy)
        {
            case "rrf":
                var k = IntParam(parameters, "k", 60);
                return k is > 0 and < 16_384 ? new RrfRanker(k) : throw new MilvusException(ErrorCode.ParameterInvalid, $"RRF k must be in (0, 16384), got {k}");
            case "weighted":
                var weights = parameters.TryGetValue("weights", out var list)
                    ? System.Text.Json.JsonSerializer.Deserialize<float[]>(list) ?? []
                    : throw new MilvusException(ErrorCode.ParameterInvalid, "the weighted ranker needs params.weights");
                var normalize = !parameters.TryGetValue("norm_score", out var norm) || norm is "true" or "True";
                return new WeightedRanker([.. weights], normalize);
            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"rerank strategy '{strategy}' is not supported; use rrf or weighted");
        }
    }

    public override async Task<QueryResults> Query(ProtoQueryRequest request, ServerCallContext context)
    {
        RefuseNamespace(request.HasNamespace, request.Namespace);
        var database = Database(request.DbName, context);
        var info = await proxy.ResolveCollectionAsync(database, request.CollectionName, cancellationToken: context.CancellationToken);
        var parameters = request.QueryParams.ToDictionary(p => p.Key, p => p.Value);
        int? limit = parameters.ContainsKey("limit") ? IntParam(parameters, "limit", 0) : null;
        var groupBy = GroupByFieldsOf(parameters);
        // Without output fields a query answers every field, an aggregating one its groups.
        var outputs = request.OutputFields.Count > 0 ? [.. request.OutputFields] : groupBy.IsEmpty ? ImmutableArray.Create("*") : groupBy;
        var result = await proxy.QueryAsync(new QueryRequest
        {
            Database = database,
            Collection = request.CollectionName,
            Filter = NullIfEmpty(request.Expr),
            FilterValues = FilterValues(request.ExprTemplateValues),
            OutputFields = outputs,
            Partitions = [.. request.PartitionNames],
            Limit = limit,
            Offset = IntParam(parameters, "offset", 0),
            Consistency = RequestConsistency(request.ConsistencyLevel, request.UseDefaultConsistency),
            GuaranteeTimestamp = GuaranteeTimestamp(request.GuaranteeTimestamp, parameters),
            Iterator = IsTrue(parameters.GetValueOrDefault(IteratorKey)),
            OrderBy = NullIfEmpty(parameters.GetValueOrDefault(OrderByFields.Key)),
            IgnoreGrowing = IsTrue(parameters.GetValueOrDefault(IgnoreGrowingKey)),
            GroupBy = groupBy,
        }, context.CancellationToken);

        var response = new QueryResults
        {
            Status = MilvusStatuses.Success,
            CollectionName = info.Name,
            PrimaryFieldName = info.Schema.PrimaryKey.Name,
            SessionTs = result.SessionTimestamp,
        };
        if (result.Aggregated is { } aggregated)
        {
            var zone = OutputZone(parameters, info);
            response.FieldsData.Add(aggregated.Select(output => FieldDataConverter.ToFieldData(output.Field, output.Column, zone)));
            response.OutputFields.Add(aggregated.Select(output => output.Field.Name));
            return response;
        }

        if (result.IsCount)
        {
            response.FieldsData.Add(new FieldData
            {
                FieldName = MilvusProxy.CountStar,
                Type = ProtoDataType.Int64,
                Scalars = new ScalarField { LongData = new LongArray { Data = { result.Count } } },
            });
            response.OutputFields.Add(MilvusProxy.CountStar);
            return response;
        }

        var pk = info.Schema.PrimaryKey;
        var fields = result.Fields.Columns.SetItem(pk.FieldId, result.Ids);
        response.FieldsData.Add(OutputColumns(info.Schema, fields, outputs, OutputZone(parameters, info)));
        response.OutputFields.Add(response.FieldsData.Select(f => f.FieldName));
        if (result.ElementOffsets is { } elements)
        {
            response.ElementIndices.Add(elements.Values.Select(row => new ElementIndices { Indices = new LongArray { Data = { ((int[])row).Select(e => (long)e) } } }));
        }

        return response;
    }

    public override async Task<FlushResponse> Flush(FlushRequest request, ServerCallContext context)
    {
        var database = Database(request.DbName, context);
        var response = new FlushResponse { Status = MilvusStatuses.Success, DbName = database };
        // Answered once the segments are in object storage or flush-wait is over, whichever is first, and before the
        // client's deadline: the SDKs then poll GetFlushState.
        var wait = context.Deadline == DateTime.MaxValue
            ? proxy.Settings.FlushWait
            : TimeSpan.FromTicks(Math.Clamp((context.Deadline - DateTime.UtcNow - TimeSpan.FromSeconds(2)).Ticks, 0, proxy.Settings.FlushWait.Ticks));
        foreach (var name in request.CollectionNames)
        {
            var (segments, timestamp) = await proxy.SealAsync(database, name, wait, context.CancellationToken);
            response.CollSegIDs[name] = new LongArray { Data = { segments } };
            response.FlushCollSegIDs[name] = new LongArray { Data = { segments } };
            response.CollFlushTs[name] = timestamp;
            response.CollSealTimes[name] = HybridTimestamp.Physical(timestamp) / 1000;
        }

        return response;
    }

    /// <summary>Whether the segments a Flush answered are in object storage (flush_ts is not needed: the segments say it).</summary>
    public override async Task<GetFlushStateResponse> GetFlushState(GetFlushStateRequest request, ServerCallContext context) => new()
    {
        Status = MilvusStatuses.Success,
        Flushed = await proxy.IsFlushedAsync(Database(request.DbName, context), NullIfEmpty(request.CollectionName), [.. request.SegmentIDs], context.CancellationToken),
    };

    // Translation helpers.

    /// <summary>One vector search of a Search or HybridSearch request: the field, vectors, limits and params from search_params.</summary>
    private static SearchRequest ToSearch(CollectionInfo info, ProtoSearchRequest request)
    {
        RefuseFunctionChains(request.FunctionChains);
        if (request.SearchAggregation is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "search_aggregation is not supported in a hybrid search");
        }

        var (rerank, boost) = FunctionScoreOf(request.FunctionScore);
        if (rerank is not null)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "a decay or model reranker in a hybrid search's sub-request is not supported by Milvus.Akka; give it to the hybrid search's function_score");
        }

        var parameters = SearchParameters(request.SearchParams);
        var search = ToSearch(info, request, parameters, IndexParams(parameters)) with { Boost = boost };
        return search.GroupByFields.IsEmpty
            ? search
            : throw new MilvusException(ErrorCode.OperationNotSupported,
                "grouping a hybrid search by several fields (group_by_fields) is not supported by Milvus.Akka; group it by one with group_by_field");
    }

    /// <summary>
    /// <see cref="ToSearch(CollectionInfo, ProtoSearchRequest)"/> with the request's search_params and its "params" JSON
    /// already parsed (a Search has them at hand: parsing them once is a measurable share of a small search's CPU).
    /// </summary>
    private static SearchRequest ToSearch(CollectionInfo info, ProtoSearchRequest request, Dictionary<string, string> parameters,
        Dictionary<string, string> indexParams)
    {
        var fieldName = parameters.GetValueOrDefault("anns_field");
        var field = string.IsNullOrEmpty(fieldName)
            ? info.Schema.VectorFields.FirstOrDefault()
            : info.Schema.FindField(fieldName) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"failed to get field schema by name: fieldName({fieldName}) not found");
        if (field is null || !field.DataType.IsVector())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field '{field?.Name}' is not a vector field");
        }

        var (vectors, rawVectors, texts, lengths) = QueryVectors(request.PlaceholderGroup, field, request.Nq);
        return new SearchRequest
        {
            Collection = info.Name,
            Vectors = vectors,
            RawVectors = rawVectors,
            Texts = texts,
            AnalyzerName = NullIfEmpty(parameters.GetValueOrDefault(AnalyzerNameKey) ?? indexParams.GetValueOrDefault(AnalyzerNameKey)),
            QueryLengths = lengths,
            Nq = lengths?.Length ?? texts?.Length ?? rawVectors?.Length ?? vectors.Length / field.Dim,
            VectorField = field.Name,
            Metric = NullIfEmpty(parameters.GetValueOrDefault("metric_type")),
            Limit = IntParam(parameters, "topk", IntParam(parameters, "limit", 10)),
            Offset = IntParam(parameters, "offset", 0),
            Filter = NullIfEmpty(request.Dsl),
            FilterValues = FilterValues(request.ExprTemplateValues),
            OutputFields = [.. request.OutputFields],
            RoundDecimal = IntParam(parameters, "round_decimal", -1),
            Radius = FloatParam(indexParams, "radius"),
            RangeFilter = FloatParam(indexParams, "range_filter"),
            Params = indexParams.Where(p => p.Key is not ("radius" or "range_filter" or AnalyzerNameKey)).ToImmutableDictionary(),
            GroupByField = NullIfEmpty(parameters.GetValueOrDefault(GroupByFieldKey)),
            GroupByFields = GroupByFieldsOf(parameters),
            Aggregation = AggregationLevels(request.SearchAggregation),
            FunctionChain = ChainSteps(request.FunctionChains),
            GroupSize = IntParam(parameters, "group_size", 1),
            StrictGroupSize = IsTrue(parameters.GetValueOrDefault("strict_group_size")),
            OrderBy = NullIfEmpty(parameters.GetValueOrDefault(OrderByFields.Key)),
            IgnoreGrowing = IsTrue(parameters.GetValueOrDefault(IgnoreGrowingKey)),
        };
    }

    private static (float[] Floats, byte[][]? Raw, string[]? Texts, int[]? Lengths) QueryVectors(ByteString placeholderBytes, Common.FieldSchema field, long nq)
    {
        var bytes = placeholderBytes.Span;
        var placeholder = QueryPlaceholder.Read(bytes);
        if (placeholder.Placeholders != 1 || placeholder.Tag != PlaceholderTag)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"placeholder_group must hold exactly one placeholder tagged \"{PlaceholderTag}\", got {placeholder.Placeholders}");
        }

        var isText = placeholder.Type == PlaceholderType.VarChar;
        if (!isText && field.DataType != DataType.ArrayOfVector && (int)placeholder.Type != (int)field.DataType)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"query vectors of type {placeholder.Type} cannot search {field.DataType} field '{field.Name}'");
        }

        var values = placeholder.Values;
        if (values.Length == 0 || (nq != 0 && nq != values.Length))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"nq ({nq}) does not match the {values.Length} query vectors sent");
        }

        if (field.DataType == DataType.ArrayOfVector)
        {
            return StructQueryVectors(bytes, placeholder, field);
        }

        if (isText)
        {
            // Query texts of a full-text search or of a text embedding function's output; the proxy checks which the field is.
            var texts = new string[values.Length];
            for (var q = 0; q < texts.Length; q++)
            {
                texts[q] = Encoding.UTF8.GetString(bytes[values[q]]);
            }

            return ([], null, texts, null);
        }

        var (floats, raw) = FieldDataConverter.QueryVectors(bytes, values, field);
        return (floats, raw, null, null);
    }

    /// <summary>
    /// The queries of a struct's vector field: vectors of its element type (an element-level search), or embedding
    /// lists (EmbList placeholders: each value holds a list's vectors one after another).
    /// </summary>
    private static (float[] Floats, byte[][]? Raw, string[]? Texts, int[]? Lengths) StructQueryVectors(ReadOnlySpan<byte> bytes,
        QueryPlaceholder placeholder, Common.FieldSchema field)
    {
        var elementField = field.ElementField;
        var isList = (int)placeholder.Type == (int)field.ElementType + EmbListPlaceholderOffset;
        if (!isList && (int)placeholder.Type != (int)field.ElementType)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"query vectors of type {placeholder.Type} cannot search field '{field.Name}', an array of {field.ElementType}: send {field.ElementType} vectors or EmbList{field.ElementType}s");
        }

        var values = placeholder.Values;
        if (!isList)
        {
            var (single, singleRaw) = FieldDataConverter.QueryVectors(bytes, values, elementField);
            return (single, singleRaw, null, null);
        }

        var width = field.ElementType.VectorRowBytes(field.Dim);
        var lengths = new int[values.Length];
        var vectors = new List<Range>();
        for (var q = 0; q < values.Length; q++)
        {
            var (start, length) = values[q].GetOffsetAndLength(bytes.Length);
            if (length == 0 || length % width != 0)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"embedding list {q} has {length} bytes, not a whole number of {field.ElementType} vectors of dim {field.Dim} ({width} bytes each)");
            }

            lengths[q] = length / width;
            for (var v = 0; v < lengths[q]; v++)
            {
                vectors.Add(new Range(start + v * width, start + (v + 1) * width));
            }
        }

        var (floats, raw) = FieldDataConverter.QueryVectors(bytes, [.. vectors], elementField);
        return (floats, raw, null, lengths);
    }

    /// <summary>Milvus numbers the EmbList placeholder of a vector type 200 above the type (EmbListFloatVector = 301).</summary>
    private const int EmbListPlaceholderOffset = 200;

    /// <summary>The zone Timestamptz outputs are shown in: the request's <c>timezone</c> parameter, else the collection's.</summary>
    private static TimeZoneInfo OutputZone(IReadOnlyDictionary<string, string> parameters, CollectionInfo info) =>
        parameters.TryGetValue(Timestamptz.TimezoneKey, out var name) ? Timestamptz.Zone(name) : Timestamptz.ZoneOf(info.Properties);

    /// <param name="severalGroupFields">Whether the search named group_by_fields, whose values Milvus answers in group_by_field_values.</param>
    private static SearchResultData SearchData(CollectionInfo info, SearchResult result, ImmutableArray<string> requested, int limit, TimeZoneInfo timezone,
        bool severalGroupFields = false)
    {
        var data = new SearchResultData
        {
            NumQueries = result.Nq,
            TopK = limit,
            Ids = FieldDataConverter.ToIds(result.Ids),
            PrimaryFieldName = result.PrimaryKey.Name,
            AllSearchCount = result.SearchedRows,
        };
        data.Scores.Add(result.Scores);
        data.Topks.Add(Enumerable.Range(0, result.Nq).Select(q => (long)result.Count(q)));
        if (result.ElementOffsets is { } elements)
        {
            data.ElementIndices = new LongArray { Data = { elements.Values.Select(e => (long)e) } };
        }

        if (severalGroupFields)
        {
            data.GroupByFieldValues.Add(result.Groups.Select(g => FieldDataConverter.ToFieldData(g.Field, g.Values, timezone)));
        }
        else if (result.Groups is [var group])
        {
            data.GroupByFieldValue = FieldDataConverter.ToFieldData(group.Field, group.Values, timezone);
        }

        AddBuckets(data, result.Buckets);

        if (!requested.IsDefaultOrEmpty)
        {
            data.FieldsData.Add(OutputColumns(info.Schema, result.Fields.Columns, requested, timezone));
            var names = OutputNames(info, requested).ToList();
            // Milvus always returns the primary key with search hits; SDKs label each hit's id from it.
            if (!names.Contains(result.PrimaryKey.Name) && !result.Fields.Columns.ContainsKey(result.PrimaryKey.FieldId))
            {
                data.FieldsData.Add(FieldDataConverter.ToFieldData(result.PrimaryKey, result.Ids, timezone));
                names.Add(result.PrimaryKey.Name);
            }

            data.OutputFields.Add(names);
        }

        return data;
    }

    /// <summary>Output columns in schema order, with $meta reduced to the dynamic keys asked for.</summary>
    private static IEnumerable<FieldData> OutputColumns(Common.CollectionSchema schema, IReadOnlyDictionary<long, Column> columns, IEnumerable<string> requested,
        TimeZoneInfo timezone)
    {
        var keys = DynamicFields.RequestedKeys(schema, requested);
        foreach (var field in schema.Fields.Where(f => f.StructFieldId == 0))
        {
            if (!columns.TryGetValue(field.FieldId, out var column))
            {
                continue;
            }

            if (field.IsDynamic && keys is not null && column is JsonColumn json)
            {
                column = DynamicFields.Project(json, keys);
            }

            yield return FieldDataConverter.ToFieldData(field, column, timezone);
        }

        // A struct's sub-fields answer together, as one field named for the struct.
        foreach (var structField in schema.StructFields)
        {
            var subFields = schema.SubFields(structField.FieldId)
                .Where(f => columns.ContainsKey(f.FieldId)).Select(f => (f, columns[f.FieldId])).ToList();
            if (subFields.Count > 0)
            {
                yield return FieldDataConverter.StructToFieldData(structField, subFields, timezone);
            }
        }
    }

    /// <summary>
    /// The names SDKs label hits with: "*" expands to every field a client may read (no BM25 outputs, and only the
    /// loaded fields after a partial load); dynamic keys stay as asked.
    /// </summary>
    private static IEnumerable<string> OutputNames(CollectionInfo info, IEnumerable<string> requested) =>
        requested.SelectMany(name => name.Trim() == "*"
            ? info.Schema.Fields.Where(f => !f.IsBm25Output && f.StructFieldId == 0 && info.IsFieldLoaded(f.FieldId)).Select(f => f.Name)
                .Concat(info.Schema.StructFields.Select(s => s.Name))
            : [OutputName(info.Schema, name.Trim())]).Distinct();

    /// <summary>A struct's sub-field (<c>struct[sub]</c>) answers inside its struct's field, under the struct's name.</summary>
    private static string OutputName(Common.CollectionSchema schema, string name) =>
        schema.FindField(name) is { StructFieldId: not 0 } sub ? schema.FindStruct(sub.StructFieldId)!.Name : name;

    /// <summary>The index parameters of a search: its "params" JSON object.</summary>
    private static Dictionary<string, string> IndexParams(Dictionary<string, string> parameters) =>
        parameters.TryGetValue(ParamsKey, out var json) ? ParseJsonObject(json, "search params") : [];

    private static Dictionary<string, string> SearchParameters(IEnumerable<KeyValuePair> pairs)
    {
        var parameters = new Dictionary<string, string>();
        foreach (var pair in pairs)
        {
            parameters[pair.Key] = pair.Value;
        }

        return parameters;
    }

    private static int IntParam(IReadOnlyDictionary<string, string> parameters, string key, int fallback) =>
        !parameters.TryGetValue(key, out var text) || string.IsNullOrEmpty(text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"parameter {key} must be an integer, got '{text}'");

    private static float? FloatParam(IReadOnlyDictionary<string, string> parameters, string key) =>
        !parameters.TryGetValue(key, out var text) ? null
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"parameter {key} must be a number, got '{text}'");

    private const string IteratorKey = "iterator";
    private const string GuaranteeTimestampKey = "guarantee_timestamp";

    private static bool IsTrue(string? value) => value is "true" or "True";

    /// <summary>The request's guarantee_timestamp; the Node SDK's search iterator sends it among the search params instead.</summary>
    private static ulong GuaranteeTimestamp(ulong field, IReadOnlyDictionary<string, string> parameters)
    {
        if (field != 0 || !parameters.TryGetValue(GuaranteeTimestampKey, out var value))
        {
            return field;
        }

        return ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            ? timestamp
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"guarantee_timestamp must be a non-negative integer timestamp, got '{value}'");
    }

    private static ConsistencyLevel? RequestConsistency(Milvus.Akka.Grpc.Protocol.Common.ConsistencyLevel level, bool useDefault) =>
        useDefault ? null : Consistency(level);

    /// <summary>A request's expr_template_values as the filter parser binds them; null when it has none.</summary>
    private static Dictionary<string, object?>? FilterValues(IDictionary<string, TemplateValue> templates) =>
        templates.Count == 0 ? null : templates.ToDictionary(t => t.Key, t => TemplateObject(t.Value));

    private static object? TemplateObject(TemplateValue value) => value.ValCase switch
    {
        TemplateValue.ValOneofCase.BoolVal => value.BoolVal,
        TemplateValue.ValOneofCase.Int64Val => value.Int64Val,
        TemplateValue.ValOneofCase.FloatVal => value.FloatVal,
        TemplateValue.ValOneofCase.StringVal => value.StringVal,
        TemplateValue.ValOneofCase.ArrayVal => TemplateArray(value.ArrayVal),
        // Milvus 3.0's bytes templates stand for values of types (Mol) that collections here cannot hold.
        TemplateValue.ValOneofCase.BytesVal => throw new MilvusException(ErrorCode.OperationNotSupported,
            "a bytes value in expr_template_values is not supported by Milvus.Akka"),
        _ => null,
    };

    private static object? TemplateArray(TemplateArrayValue array) => array.DataCase switch
    {
        TemplateArrayValue.DataOneofCase.BoolData => array.BoolData.Data.ToArray(),
        TemplateArrayValue.DataOneofCase.LongData => array.LongData.Data.ToArray(),
        TemplateArrayValue.DataOneofCase.DoubleData => array.DoubleData.Data.ToArray(),
        TemplateArrayValue.DataOneofCase.StringData => array.StringData.Data.ToArray(),
        TemplateArrayValue.DataOneofCase.ArrayData => array.ArrayData.Data.Select(TemplateArray).ToArray(),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"template array values of kind {array.DataCase} are not supported in filters"),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
