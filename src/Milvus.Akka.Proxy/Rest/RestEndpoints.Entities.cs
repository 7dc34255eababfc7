using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Proxy.Grpc;
using Milvus.Akka.Proxy.Import;
using DataType = Milvus.Akka.Common.DataType;
using ConsistencyLevel = Milvus.Akka.Grpc.Protocol.Common.ConsistencyLevel;
using CollectionInfo = Milvus.Akka.Coordinator.CollectionInfo;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>Insert, upsert, delete, query, get, search and hybrid search, with rows as JSON objects.</summary>
internal static partial class RestEndpoints
{
    /// <summary>Milvus's REST default limit of a search or hybrid search.</summary>
    private const int DefaultSearchLimit = 100;

    private static Task<JsonNode?> InsertAsync(RestCall call) => WriteRowsAsync(call, upsert: false);

    private static Task<JsonNode?> UpsertAsync(RestCall call) => WriteRowsAsync(call, upsert: true);

    /// <summary>
    /// The rows are read as an import file's rows are (the same conversions and errors: keys outside the schema go to the
    /// dynamic field, a missing key is a null or the default), then sent as the gRPC Insert or Upsert.
    /// </summary>
    private static async Task<JsonNode?> WriteRowsAsync(RestCall call, bool upsert)
    {
        var name = call.String("collectionName");
        var rows = call.Required("data") is { ValueKind: JsonValueKind.Array } data && data.GetArrayLength() > 0
            ? data
            : throw new RestFailure(MissingRequiredParameters, "data must be a non-empty array of row objects");
        var info = await call.Proxy.DescribeCollectionAsync(call.Database, name, call.CancellationToken);
        var timezone = Timestamptz.ZoneOf(info.Properties);
        var columns = JsonImportRows.ReadRows(rows, info.Schema, timezone, int.MaxValue).Single();
        var fields = new List<FieldData>();
        foreach (var (fieldName, column) in columns)
        {
            if (info.Schema.FindField(fieldName) is { StructFieldId: 0 } field)
            {
                fields.Add(FieldDataConverter.ToFieldData(field, column, timezone));
            }
        }

        foreach (var structField in info.Schema.StructFields)
        {
            var subFields = info.Schema.SubFields(structField.FieldId).Where(f => columns.ContainsKey(f.Name)).Select(f => (f, columns[f.Name])).ToList();
            if (subFields.Count > 0)
            {
                fields.Add(FieldDataConverter.StructToFieldData(structField, subFields, timezone));
            }
        }

        var partition = call.OptionalString("partitionName") ?? "";
        var count = (uint)rows.GetArrayLength();
        if (upsert)
        {
            var request = new UpsertRequest { DbName = call.Database, CollectionName = name, PartitionName = partition, NumRows = count };
            request.FieldsData.Add(fields);
            var result = await call.RunAsync(request, call.Service.Upsert);
            return new JsonObject { ["upsertCount"] = result.UpsertCnt, ["upsertIds"] = Ids(call, result.IDs) };
        }
        else
        {
            var request = new InsertRequest { DbName = call.Database, CollectionName = name, PartitionName = partition, NumRows = count };
            request.FieldsData.Add(fields);
            var result = await call.RunAsync(request, call.Service.Insert);
            return new JsonObject { ["insertCount"] = result.InsertCnt, ["insertIds"] = Ids(call, result.IDs) };
        }
    }

    private static JsonArray Ids(RestCall call, IDs? ids) => ids?.IdFieldCase switch
    {
        IDs.IdFieldOneofCase.IntId => new JsonArray([.. ids.IntId.Data.Select(call.Int64)]),
        IDs.IdFieldOneofCase.StrId => Strings(ids.StrId.Data),
        _ => [],
    };

    private static async Task<JsonNode?> DeleteAsync(RestCall call)
    {
        var filter = call.OptionalString("filter") ?? "";
        if (filter.Length == 0)
        {
            throw new RestFailure(MissingRequiredParameters,
                "missing required parameters, error: 'filter' is required (a delete by primary keys is a filter: id in [...])");
        }

        var request = new DeleteRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            PartitionName = call.OptionalString("partitionName") ?? "",
            Expr = filter,
        };
        RestTemplateValues.Add(call.Optional("exprParams"), request.ExprTemplateValues);
        return await call.NoDataAsync(request, call.Service.Delete);
    }

    private static async Task<JsonNode?> QueryAsync(RestCall call)
    {
        var request = new ProtoQueryRequest { DbName = call.Database, CollectionName = call.String("collectionName"), Expr = call.OptionalString("filter") ?? "" };
        RestTemplateValues.Add(call.Optional("exprParams"), request.ExprTemplateValues);
        // Milvus's REST query takes a limit unless it counts (count(*) has no limit).
        if (call.OptionalInteger("limit") is { } limit && !call.Strings("outputFields").Any(f => f.Equals("count(*)", StringComparison.OrdinalIgnoreCase)))
        {
            request.QueryParams.Add(new KeyValuePair { Key = "limit", Value = limit.ToString(CultureInfo.InvariantCulture) });
        }

        if (call.OptionalInteger("offset") is { } offset)
        {
            request.QueryParams.Add(new KeyValuePair { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        }

        if (call.Strings("orderByFields").ToList() is { Count: > 0 } orderBy)
        {
            request.QueryParams.Add(new KeyValuePair { Key = OrderByFields.Key, Value = string.Join(',', orderBy) });
        }

        return await QueryRowsAsync(call, request);
    }

    /// <summary>Rows by primary key: <c>id</c> is one key or an array of them, int64 as numbers or strings.</summary>
    private static async Task<JsonNode?> GetAsync(RestCall call)
    {
        var name = call.String("collectionName");
        var info = await call.Proxy.DescribeCollectionAsync(call.Database, name, call.CancellationToken);
        var key = info.Schema.PrimaryKey;
        var ids = call.Required("id");
        var values = ids.ValueKind == JsonValueKind.Array ? [.. ids.EnumerateArray()] : new[] { ids };
        var literals = values.Select(value => key.DataType == DataType.Int64
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n.ToString(CultureInfo.InvariantCulture)
                : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), CultureInfo.InvariantCulture, out n)
                    ? n.ToString(CultureInfo.InvariantCulture)
                : throw RestCall.WrongType("id", "an int64 primary key or an array of them")
            : value.ValueKind == JsonValueKind.String ? "\"" + value.GetString()!.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""
                : throw RestCall.WrongType("id", "a string primary key or an array of them"));
        var request = new ProtoQueryRequest
        {
            DbName = call.Database,
            CollectionName = name,
            Expr = $"{key.Name} in [{string.Join(',', literals)}]",
        };
        return await QueryRowsAsync(call, request);
    }

    /// <summary>A query with the body's consistency, output fields and partitions; its rows are the answer.</summary>
    private static async Task<JsonNode?> QueryRowsAsync(RestCall call, ProtoQueryRequest request)
    {
        (request.ConsistencyLevel, request.UseDefaultConsistency) = Consistency(call);
        request.OutputFields.Add(call.Strings("outputFields"));
        request.PartitionNames.Add(call.Strings("partitionNames"));
        var result = await call.RunAsync(request, call.Service.Query);
        call.Rows = RestRows.Of(result.FieldsData, call.Int64AsNumbers);
        return null;
    }

    private static async Task<JsonNode?> SearchAsync(RestCall call)
    {
        // Milvus's RESTful answer to these is its own bucket or chain shape: refused rather than answered as plain hits.
        foreach (var unserved in new[] { "searchAggregation", "functionChains" })
        {
            if (call.Optional(unserved) is { ValueKind: not JsonValueKind.Null })
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"{unserved} in a RESTful search is not supported by Milvus.Akka; send it through the gRPC API (the SDKs' search_aggregation and function_chains)");
            }
        }

        var name = call.String("collectionName");
        var info = await call.Proxy.DescribeCollectionAsync(call.Database, name, call.CancellationToken);
        var request = SearchRequest(call, call.Body, info);
        if (call.Optional("functionScore") is { ValueKind: JsonValueKind.Object } score)
        {
            request.FunctionScore = RestSchema.FunctionScore(score);
        }

        request.OutputFields.Add(call.Strings("outputFields"));
        request.PartitionNames.Add(call.Strings("partitionNames"));
        (request.ConsistencyLevel, request.UseDefaultConsistency) = Consistency(call);
        var result = await call.RunAsync(request, call.Service.Search);
        return Hits(call, result.Results);
    }

    /// <summary>A hybrid search: its sub-searches under <c>search</c>, fused by <c>rerank</c> (rrf with k, or weighted with weights).</summary>
    private static async Task<JsonNode?> HybridSearchAsync(RestCall call)
    {
        var name = call.String("collectionName");
        var info = await call.Proxy.DescribeCollectionAsync(call.Database, name, call.CancellationToken);
        var request = new ProtoHybridSearchRequest { DbName = call.Database, CollectionName = name };
        var searches = call.Required("search");
        if (searches.ValueKind != JsonValueKind.Array || searches.GetArrayLength() == 0)
        {
            throw RestCall.WrongType("search", "a non-empty array of searches");
        }

        foreach (var search in searches.EnumerateArray())
        {
            request.Requests.Add(SearchRequest(call, search, info));
        }

        request.OutputFields.Add(call.Strings("outputFields"));
        request.PartitionNames.Add(call.Strings("partitionNames"));
        (request.ConsistencyLevel, request.UseDefaultConsistency) = Consistency(call);
        var limit = call.OptionalInteger("limit") ?? DefaultSearchLimit;
        request.RankParams.Add(new KeyValuePair { Key = "limit", Value = limit.ToString(CultureInfo.InvariantCulture) });
        if (call.OptionalInteger("offset") is { } offset)
        {
            request.RankParams.Add(new KeyValuePair { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        }

        if (call.Optional("rerank") is { ValueKind: JsonValueKind.Object } rerank)
        {
            var strategy = rerank.TryGetProperty("strategy", out var s) && s.ValueKind == JsonValueKind.String
                ? s.GetString()!
                : throw RestCall.Missing("rerank.strategy");
            request.RankParams.Add(new KeyValuePair { Key = "strategy", Value = strategy });
            request.RankParams.Add(new KeyValuePair
            {
                Key = "params",
                Value = rerank.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object ? p.GetRawText() : "{}",
            });
        }

        if (call.OptionalString("groupingField") is { Length: > 0 } grouping)
        {
            request.RankParams.Add(new KeyValuePair { Key = "group_by_field", Value = grouping });
            request.RankParams.Add(new KeyValuePair { Key = "group_size", Value = (call.OptionalInteger("groupSize") ?? 1).ToString(CultureInfo.InvariantCulture) });
            request.RankParams.Add(new KeyValuePair { Key = "strict_group_size", Value = call.Bool("strictGroupSize", false) ? "true" : "false" });
        }

        if (call.Optional("functionScore") is { ValueKind: JsonValueKind.Object } score)
        {
            request.FunctionScore = RestSchema.FunctionScore(score);
        }

        var result = await call.RunAsync(request, call.Service.HybridSearch);
        return Hits(call, result.Results);
    }

    /// <summary>
    /// One search as Milvus's REST body gives it: <c>data</c> (vectors, or texts for a BM25 field), <c>annsField</c>,
    /// <c>filter</c>, <c>limit</c>, <c>offset</c>, <c>groupingField</c>, and <c>searchParams</c> (<c>metricType</c>,
    /// <c>params</c>), or in a hybrid search's sub-search <c>metricType</c> and <c>params</c> beside the rest.
    /// </summary>
    private static ProtoSearchRequest SearchRequest(RestCall call, JsonElement search, CollectionInfo info)
    {
        string? Text(string key) => search.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? Integer(string key) => search.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

        var data = search.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Array && d.GetArrayLength() > 0
            ? d
            : throw new RestFailure(MissingRequiredParameters, "data must be a non-empty array of query vectors");
        var field = MilvusProxy.VectorFieldOf(info, Text("annsField"));
        var request = new ProtoSearchRequest
        {
            DbName = call.Database,
            CollectionName = info.Name,
            Dsl = Text("filter") ?? "",
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = Placeholders(data, field, Timestamptz.ZoneOf(info.Properties)),
            Nq = data.GetArrayLength(),
        };
        RestTemplateValues.Add(search.TryGetProperty("exprParams", out var exprParams) ? exprParams : null, request.ExprTemplateValues);
        var searchParams = search.TryGetProperty("searchParams", out var sp) && sp.ValueKind == JsonValueKind.Object ? sp : (JsonElement?)null;
        var metric = searchParams is { } p1 && p1.TryGetProperty("metricType", out var m1) && m1.ValueKind == JsonValueKind.String ? m1.GetString()
            : Text("metricType");
        var parameters = searchParams is { } p2 && p2.TryGetProperty("params", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner.GetRawText()
            : search.TryGetProperty("params", out var own) && own.ValueKind == JsonValueKind.Object ? own.GetRawText()
            : "{}";
        request.SearchParams.Add(new KeyValuePair { Key = "anns_field", Value = field.Name });
        request.SearchParams.Add(new KeyValuePair { Key = "topk", Value = (Integer("limit") ?? DefaultSearchLimit).ToString(CultureInfo.InvariantCulture) });
        request.SearchParams.Add(new KeyValuePair { Key = "params", Value = parameters });
        if (metric is { Length: > 0 })
        {
            request.SearchParams.Add(new KeyValuePair { Key = "metric_type", Value = metric });
        }

        if (Integer("offset") is { } offset)
        {
            request.SearchParams.Add(new KeyValuePair { Key = "offset", Value = offset.ToString(CultureInfo.InvariantCulture) });
        }

        if (Text("groupingField") is { Length: > 0 } grouping)
        {
            request.SearchParams.Add(new KeyValuePair { Key = "group_by_field", Value = grouping });
            if (Integer("groupSize") is { } size)
            {
                request.SearchParams.Add(new KeyValuePair { Key = "group_size", Value = size.ToString(CultureInfo.InvariantCulture) });
            }

            if (search.TryGetProperty("strictGroupSize", out var strict) && strict.ValueKind == JsonValueKind.True)
            {
                request.SearchParams.Add(new KeyValuePair { Key = "strict_group_size", Value = "true" });
            }
        }

        if (search.TryGetProperty("ignoreGrowing", out var ignore) && ignore.ValueKind == JsonValueKind.True)
        {
            request.SearchParams.Add(new KeyValuePair { Key = "ignore_growing", Value = "true" });
        }

        return request;
    }

    /// <summary>
    /// The query vectors as a serialized placeholder group, of the field's vector type (each converted as an insert
    /// converts that field's values), or texts for a full-text search when <c>data</c> holds strings.
    /// </summary>
    private static ByteString Placeholders(JsonElement data, Common.FieldSchema field, TimeZoneInfo timezone)
    {
        var placeholder = new PlaceholderValue { Tag = "$0" };
        if (data.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) && field.DataType != DataType.BinaryVector)
        {
            placeholder.Type = PlaceholderType.VarChar;
            placeholder.Values.Add(data.EnumerateArray().Select(v => ByteString.CopyFromUtf8(v.GetString()!)));
        }
        else
        {
            if (!field.DataType.IsVector() || field.DataType == DataType.ArrayOfVector)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"searching field '{field.Name}' ({field.DataType}) is not supported through the RESTful API by Milvus.Akka; search a vector field");
            }

            var column = JsonImportRows.Values(data, field, timezone);
            if (column.Validity is { } validity && validity.Contains(false))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, "a query vector is null");
            }

            placeholder.Type = (PlaceholderType)(int)field.DataType;
            for (var i = 0; i < column.Count; i++)
            {
                placeholder.Values.Add(column switch
                {
                    VectorColumn<float> floats => ByteString.CopyFrom(MemoryMarshal.AsBytes(floats.Row(i))),
                    VectorColumn<byte> packed => ByteString.CopyFrom(packed.Row(i)),
                    SparseVectorColumn sparse => ByteString.CopyFrom(sparse.Values[i]),
                    _ => throw new MilvusException(ErrorCode.OperationNotSupported,
                        $"query vectors of {field.DataType} are not supported through the RESTful API"),
                });
            }
        }

        var group = new PlaceholderGroup();
        group.Placeholders.Add(placeholder);
        return group.ToByteString();
    }

    /// <summary>The request's <c>consistencyLevel</c>, else the collection's (Milvus's use_default_consistency).</summary>
    private static (ConsistencyLevel Level, bool UseDefault) Consistency(RestCall call) =>
        call.OptionalString("consistencyLevel") is { Length: > 0 } name ? (ConsistencyLevelOf(name), false) : (ConsistencyLevel.Bounded, true);

    /// <summary>Every query's hits in one flat list (each with its <c>distance</c>), and <c>topks</c>: how many belong to each query, in order.</summary>
    private static JsonNode? Hits(RestCall call, SearchResultData? results)
    {
        if (results is null)
        {
            call.Extra["topks"] = new JsonArray();
            return new JsonArray();
        }

        var keyName = results.PrimaryFieldName is { Length: > 0 } primary ? primary : "id";
        call.Rows = new RestRows(results.FieldsData, results.Scores.Count, call.Int64AsNumbers, new RestRows.SearchHits(results.Ids, results.Scores, keyName));
        call.Extra["topks"] = new JsonArray([.. results.Topks.Select(t => (JsonNode)JsonValue.Create(t))]);
        return null;
    }
}
