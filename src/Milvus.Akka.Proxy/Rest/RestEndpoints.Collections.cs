using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>Collections, partitions, indexes, aliases and databases.</summary>
internal static partial class RestEndpoints
{
    private const string DefaultMetricType = "COSINE";

    // Collections.

    /// <summary>
    /// A custom schema (<c>schema.fields</c>), or Milvus's quick set-up (<c>dimension</c>: a primary key and a float vector
    /// with an AUTOINDEX, dynamic fields on). Given index parameters, or in the quick set-up, the indexes are built and
    /// the collection loaded, as Milvus's handler does.
    /// </summary>
    private static async Task<JsonNode?> CreateCollectionAsync(RestCall call)
    {
        var name = call.String("collectionName");
        var options = call.Optional("params");
        var schema = new CollectionSchema { Name = name, Description = call.OptionalString("description") ?? "" };
        var indexes = new List<CreateIndexRequest>();
        if (call.Optional("schema") is { } custom)
        {
            RestSchema.Read(custom, schema);
            if (call.Optional("indexParams") is { } indexParams)
            {
                indexes.AddRange(IndexRequests(call, name, indexParams));
            }
        }
        else
        {
            var dimension = call.OptionalInteger("dimension") is { } d and > 0 ? d
                : throw new RestFailure(MissingRequiredParameters, "dimension is required to create a collection without a schema");
            var metric = call.OptionalString("metricType") is { Length: > 0 } m ? m : DefaultMetricType;
            var primary = call.OptionalString("primaryFieldName") is { Length: > 0 } p ? p : "id";
            var vector = call.OptionalString("vectorFieldName") is { Length: > 0 } v ? v : "vector";
            var idType = call.OptionalString("idType") is { Length: > 0 } t ? RestSchema.DataTypeOf(t, "idType") : DataType.Int64;
            var key = new FieldSchema { Name = primary, IsPrimaryKey = true, DataType = idType, AutoID = call.Bool("autoID", false) };
            if (idType == DataType.VarChar)
            {
                key.TypeParams.Add(new KeyValuePair { Key = "max_length", Value = Param(options, "max_length") ?? "65535" });
            }

            var vectorField = new FieldSchema { Name = vector, DataType = DataType.FloatVector };
            vectorField.TypeParams.Add(new KeyValuePair { Key = "dim", Value = dimension.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            schema.Fields.Add(key);
            schema.Fields.Add(vectorField);
            schema.AutoID = key.AutoID;
            schema.EnableDynamicField = Param(options, "enableDynamicField") is not { } dynamic || bool.Parse(dynamic);
            var index = new CreateIndexRequest { DbName = call.Database, CollectionName = name, FieldName = vector, IndexName = vector };
            index.ExtraParams.Add(new KeyValuePair { Key = "index_type", Value = "AUTOINDEX" });
            index.ExtraParams.Add(new KeyValuePair { Key = "metric_type", Value = metric });
            indexes.Add(index);
        }

        var request = new CreateCollectionRequest
        {
            DbName = call.Database,
            CollectionName = name,
            Schema = schema.ToByteString(),
            ShardsNum = Param(options, "shardsNum") is { } shards ? int.Parse(shards, System.Globalization.CultureInfo.InvariantCulture) : 1,
            NumPartitions = Param(options, "partitionsNum") is { } partitions ? long.Parse(partitions, System.Globalization.CultureInfo.InvariantCulture) : 0,
        };
        // Milvus's REST API creates collections Bounded unless params say otherwise (the gRPC default is Strong).
        request.ConsistencyLevel = Param(options, "consistencyLevel") is { Length: > 0 } consistency
            ? ConsistencyLevelOf(consistency)
            : ConsistencyLevel.Bounded;

        request.Properties.Add(CollectionProperties(options));
        await call.RunAsync(request, call.Service.CreateCollection);
        if (indexes.Count > 0)
        {
            foreach (var index in indexes)
            {
                await call.RunAsync(index, call.Service.CreateIndex);
            }

            await call.RunAsync(new LoadCollectionRequest { DbName = call.Database, CollectionName = name }, call.Service.LoadCollection);
        }

        return null;
    }

    /// <summary>The create parameters Milvus keeps as collection properties, under their property keys; others by their own name.</summary>
    private static IEnumerable<KeyValuePair> CollectionProperties(JsonElement? options)
    {
        if (options is not { ValueKind: JsonValueKind.Object } values)
        {
            yield break;
        }

        foreach (var option in values.EnumerateObject())
        {
            var key = option.Name switch
            {
                "shardsNum" or "partitionsNum" or "consistencyLevel" or "enableDynamicField" or "max_length" => null,
                "ttlSeconds" => "collection.ttl.seconds",
                "partitionKeyIsolation" => "partitionkey.isolation",
                "mmap_enabled" or "mmapEnabled" => "mmap.enabled",
                _ => option.Name,
            };
            if (key is not null && option.Value.ValueKind != JsonValueKind.Null)
            {
                yield return new KeyValuePair { Key = key, Value = RestSchema.Text(option.Value) };
            }
        }
    }

    private static string? Param(JsonElement? options, string key) =>
        options is { ValueKind: JsonValueKind.Object } values && values.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? RestSchema.Text(value)
            : null;

    private static ConsistencyLevel ConsistencyLevelOf(string name) =>
        ProtoEnumNames.Number(ProtoEnumNames.ConsistencyLevel, name) is { } value ? (ConsistencyLevel)value
        : throw new RestFailure(IncorrectParameterFormat, $"unknown consistency level '{name}' (Strong, Session, Bounded, Eventually)");

    private static async Task<JsonNode?> DescribeCollectionAsync(RestCall call)
    {
        var name = call.String("collectionName");
        var described = await call.RunAsync(new DescribeCollectionRequest { DbName = call.Database, CollectionName = name },
            call.Service.DescribeCollection);
        var load = await call.RunAsync(new GetLoadStateRequest { DbName = call.Database, CollectionName = name }, call.Service.GetLoadState);
        var indexes = new JsonArray();
        foreach (var index in await IndexDescriptionsAsync(call, name, ""))
        {
            indexes.Add(new JsonObject
            {
                ["fieldName"] = index.FieldName,
                ["indexName"] = index.IndexName,
                ["metricType"] = IndexParam(index, "metric_type"),
            });
        }

        var schema = described.Schema;
        return new JsonObject
        {
            ["collectionName"] = described.CollectionName,
            ["collectionID"] = call.Int64(described.CollectionID),
            ["dbName"] = described.DbName,
            ["description"] = schema.Description,
            ["autoId"] = schema.Fields.Any(f => f.IsPrimaryKey && f.AutoID),
            ["fields"] = new JsonArray([.. schema.Fields.Where(f => !f.IsDynamic).Select(f => RestSchema.Describe(f, call))]),
            ["structArrayFields"] = new JsonArray([.. schema.StructArrayFields.Select(s => RestSchema.Describe(s, call))]),
            ["functions"] = new JsonArray([.. schema.Functions.Select(RestSchema.Describe)]),
            ["indexes"] = indexes,
            ["load"] = ProtoEnumNames.Name(ProtoEnumNames.LoadState, (int)load.State),
            ["shardsNum"] = described.ShardsNum,
            ["partitionsNum"] = described.NumPartitions,
            ["consistencyLevel"] = ProtoEnumNames.Name(ProtoEnumNames.ConsistencyLevel, (int)described.ConsistencyLevel),
            ["enableDynamicField"] = schema.EnableDynamicField,
            ["properties"] = Pairs(described.Properties),
            ["aliases"] = Strings(described.Aliases),
            ["createTime"] = call.Int64((long)described.CreatedTimestamp),
        };
    }

    private static async Task<IEnumerable<IndexDescription>> IndexDescriptionsAsync(RestCall call, string collection, string indexName)
    {
        try
        {
            var described = await call.RunAsync(new DescribeIndexRequest { DbName = call.Database, CollectionName = collection, IndexName = indexName },
                call.Service.DescribeIndex);
            return described.IndexDescriptions;
        }
        catch (RestFailure e) when (e.Code == (int)Common.ErrorCode.IndexNotFound && indexName.Length == 0)
        {
            return [];
        }
    }

    private static async Task<JsonNode?> ListCollectionsAsync(RestCall call) =>
        Strings((await call.RunAsync(new ShowCollectionsRequest { DbName = call.Database }, call.Service.ShowCollections)).CollectionNames);

    private static async Task<JsonNode?> HasCollectionAsync(RestCall call) => new JsonObject
    {
        ["has"] = (await call.RunAsync(new HasCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName") },
            call.Service.HasCollection)).Value,
    };

    private static Task<JsonNode?> DropCollectionAsync(RestCall call) =>
        call.NoDataAsync(new DropCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName") }, call.Service.DropCollection);

    private static Task<JsonNode?> RenameCollectionAsync(RestCall call) => call.NoDataAsync(new RenameCollectionRequest
    {
        DbName = call.Database,
        OldName = call.String("collectionName"),
        NewName = call.String("newCollectionName"),
        NewDBName = call.OptionalString("newDbName") ?? "",
    }, call.Service.RenameCollection);

    private static async Task<JsonNode?> CollectionStatisticsAsync(RestCall call)
    {
        var stats = await call.RunAsync(new GetCollectionStatisticsRequest { DbName = call.Database, CollectionName = call.String("collectionName") },
            call.Service.GetCollectionStatistics);
        return new JsonObject { ["rowCount"] = RowCount(stats.Stats) };
    }

    private static long RowCount(IEnumerable<KeyValuePair> stats) =>
        stats.FirstOrDefault(s => s.Key == "row_count") is { } count ? long.Parse(count.Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static async Task<JsonNode?> LoadStateAsync(RestCall call)
    {
        var name = call.String("collectionName");
        var request = new GetLoadStateRequest { DbName = call.Database, CollectionName = name };
        request.PartitionNames.Add(call.Strings("partitionNames"));
        var state = (await call.RunAsync(request, call.Service.GetLoadState)).State;
        var progress = new GetLoadingProgressRequest { DbName = call.Database, CollectionName = name };
        progress.PartitionNames.Add(request.PartitionNames);
        var percent = state is LoadState.Loaded or LoadState.Loading
            ? (await call.RunAsync(progress, call.Service.GetLoadingProgress)).Progress
            : 0;
        return new JsonObject { ["loadState"] = ProtoEnumNames.Name(ProtoEnumNames.LoadState, (int)state), ["loadProgress"] = percent };
    }

    private static Task<JsonNode?> LoadCollectionAsync(RestCall call) =>
        call.NoDataAsync(new LoadCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName") }, call.Service.LoadCollection);

    private static Task<JsonNode?> RefreshLoadAsync(RestCall call) =>
        call.NoDataAsync(new LoadCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName"), Refresh = true },
            call.Service.LoadCollection);

    private static Task<JsonNode?> ReleaseCollectionAsync(RestCall call) =>
        call.NoDataAsync(new ReleaseCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName") }, call.Service.ReleaseCollection);

    private static async Task<JsonNode?> FlushAsync(RestCall call)
    {
        var request = new FlushRequest { DbName = call.Database };
        request.CollectionNames.Add(call.String("collectionName"));
        return await call.NoDataAsync(request, call.Service.Flush);
    }

    private static async Task<JsonNode?> CompactAsync(RestCall call)
    {
        var compaction = await call.RunAsync(new ManualCompactionRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            MajorCompaction = call.Bool("isClustering", false),
        }, call.Service.ManualCompaction);
        return new JsonObject { ["compactionID"] = call.Int64(compaction.CompactionID) };
    }

    private static async Task<JsonNode?> CompactionStateAsync(RestCall call)
    {
        // Milvus's handler reads jobID; the Node SDK sends compactionID.
        var id = call.Optional("jobID") is not null ? call.Id("jobID") : call.Id("compactionID");
        var state = await call.RunAsync(new GetCompactionStateRequest { CompactionID = id }, call.Service.GetCompactionState);
        return new JsonObject
        {
            ["compactionID"] = call.Int64(id),
            ["state"] = ProtoEnumNames.Name(ProtoEnumNames.CompactionState, (int)state.State),
            ["executingPlanNo"] = state.ExecutingPlanNo,
            ["timeoutPlanNo"] = state.TimeoutPlanNo,
            ["completedPlanNo"] = state.CompletedPlanNo,
            ["failedPlanNo"] = state.FailedPlanNo,
        };
    }

    private static async Task<JsonNode?> AlterCollectionPropertiesAsync(RestCall call)
    {
        var request = new AlterCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName") };
        request.Properties.Add(PropertiesOf(call.Required("properties")));
        return await call.NoDataAsync(request, call.Service.AlterCollection);
    }

    private static async Task<JsonNode?> DropCollectionPropertiesAsync(RestCall call)
    {
        var request = new AlterCollectionRequest { DbName = call.Database, CollectionName = call.String("collectionName") };
        request.DeleteKeys.Add(call.Strings("propertyKeys"));
        return await call.NoDataAsync(request, call.Service.AlterCollection);
    }

    private static async Task<JsonNode?> AddFieldAsync(RestCall call)
    {
        var field = RestSchema.Field(call.Required("schema"));
        await call.RunAsync(new AddCollectionFieldRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            Schema = field.ToByteString(),
        }, call.Service.AddCollectionField);
        return null;
    }

    private static async Task<JsonNode?> AlterFieldPropertiesAsync(RestCall call)
    {
        var request = new AlterCollectionFieldRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            FieldName = call.String("fieldName"),
        };
        request.Properties.Add(PropertiesOf(call.Required("fieldParams")));
        return await call.NoDataAsync(request, call.Service.AlterCollectionField);
    }

    // Partitions.

    private static Task<JsonNode?> CreatePartitionAsync(RestCall call) => call.NoDataAsync(new CreatePartitionRequest
    {
        DbName = call.Database,
        CollectionName = call.String("collectionName"),
        PartitionName = call.String("partitionName"),
    }, call.Service.CreatePartition);

    private static Task<JsonNode?> DropPartitionAsync(RestCall call) => call.NoDataAsync(new DropPartitionRequest
    {
        DbName = call.Database,
        CollectionName = call.String("collectionName"),
        PartitionName = call.String("partitionName"),
    }, call.Service.DropPartition);

    private static async Task<JsonNode?> HasPartitionAsync(RestCall call) => new JsonObject
    {
        ["has"] = (await call.RunAsync(new HasPartitionRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            PartitionName = call.String("partitionName"),
        }, call.Service.HasPartition)).Value,
    };

    private static async Task<JsonNode?> ListPartitionsAsync(RestCall call) =>
        Strings((await call.RunAsync(new ShowPartitionsRequest { DbName = call.Database, CollectionName = call.String("collectionName") },
            call.Service.ShowPartitions)).PartitionNames);

    private static async Task<JsonNode?> LoadPartitionsAsync(RestCall call)
    {
        var request = new LoadPartitionsRequest { DbName = call.Database, CollectionName = call.String("collectionName") };
        request.PartitionNames.Add(RequiredNames(call, "partitionNames"));
        return await call.NoDataAsync(request, call.Service.LoadPartitions);
    }

    private static async Task<JsonNode?> ReleasePartitionsAsync(RestCall call)
    {
        var request = new ReleasePartitionsRequest { DbName = call.Database, CollectionName = call.String("collectionName") };
        request.PartitionNames.Add(RequiredNames(call, "partitionNames"));
        return await call.NoDataAsync(request, call.Service.ReleasePartitions);
    }

    private static List<string> RequiredNames(RestCall call, string key) =>
        call.Strings(key).ToList() is { Count: > 0 } names ? names : throw RestCall.Missing(key);

    private static async Task<JsonNode?> PartitionStatisticsAsync(RestCall call)
    {
        var stats = await call.RunAsync(new GetPartitionStatisticsRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            PartitionName = call.String("partitionName"),
        }, call.Service.GetPartitionStatistics);
        return new JsonObject { ["rowCount"] = RowCount(stats.Stats) };
    }

    // Indexes.

    /// <summary>Milvus's index parameters: fieldName, indexName, metricType and params (index_type and the build parameters).</summary>
    private static IEnumerable<CreateIndexRequest> IndexRequests(RestCall call, string collection, JsonElement indexParams)
    {
        if (indexParams.ValueKind != JsonValueKind.Array)
        {
            throw RestCall.WrongType("indexParams", "an array of index parameters");
        }

        foreach (var index in indexParams.EnumerateArray())
        {
            var field = index.ValueKind == JsonValueKind.Object && index.TryGetProperty("fieldName", out var f) && f.ValueKind == JsonValueKind.String
                ? f.GetString()!
                : throw RestCall.Missing("indexParams[].fieldName");
            var request = new CreateIndexRequest
            {
                DbName = call.Database,
                CollectionName = collection,
                FieldName = field,
                IndexName = index.TryGetProperty("indexName", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : "",
            };
            if (index.TryGetProperty("metricType", out var metric) && metric.ValueKind == JsonValueKind.String)
            {
                request.ExtraParams.Add(new KeyValuePair { Key = "metric_type", Value = metric.GetString() });
            }

            if (index.TryGetProperty("indexType", out var indexType) && indexType.ValueKind == JsonValueKind.String)
            {
                request.ExtraParams.Add(new KeyValuePair { Key = "index_type", Value = indexType.GetString() });
            }

            if (index.TryGetProperty("params", out var parameters))
            {
                var given = PropertiesOf(parameters).Where(p => request.ExtraParams.All(e => e.Key != p.Key)).ToList();
                request.ExtraParams.Add(given);
            }

            if (request.ExtraParams.All(p => p.Key != "index_type"))
            {
                request.ExtraParams.Add(new KeyValuePair { Key = "index_type", Value = "AUTOINDEX" });
            }

            yield return request;
        }
    }

    private static async Task<JsonNode?> CreateIndexAsync(RestCall call)
    {
        var collection = call.String("collectionName");
        foreach (var request in IndexRequests(call, collection, call.Required("indexParams")))
        {
            await call.RunAsync(request, call.Service.CreateIndex);
        }

        return null;
    }

    private static async Task<JsonNode?> DescribeIndexAsync(RestCall call)
    {
        var described = await IndexDescriptionsAsync(call, call.String("collectionName"), call.String("indexName"));
        return new JsonArray([.. described.Select(index => (JsonNode)new JsonObject
        {
            ["indexName"] = index.IndexName,
            ["fieldName"] = index.FieldName,
            ["indexType"] = IndexParam(index, "index_type"),
            ["metricType"] = IndexParam(index, "metric_type"),
            ["indexState"] = ProtoEnumNames.Name(ProtoEnumNames.IndexState, (int)index.State),
            ["totalRows"] = index.TotalRows,
            ["indexedRows"] = index.IndexedRows,
            ["pendingRows"] = index.PendingIndexRows,
            ["failReason"] = index.IndexStateFailReason,
            ["params"] = Pairs(index.Params),
        })]);
    }

    private static string IndexParam(IndexDescription index, string key) => index.Params.FirstOrDefault(p => p.Key == key)?.Value ?? "";

    private static async Task<JsonNode?> ListIndexesAsync(RestCall call) =>
        Strings((await IndexDescriptionsAsync(call, call.String("collectionName"), "")).Select(i => i.IndexName));

    private static Task<JsonNode?> DropIndexAsync(RestCall call) => call.NoDataAsync(new DropIndexRequest
    {
        DbName = call.Database,
        CollectionName = call.String("collectionName"),
        IndexName = call.String("indexName"),
    }, call.Service.DropIndex);

    private static async Task<JsonNode?> AlterIndexPropertiesAsync(RestCall call)
    {
        var request = new AlterIndexRequest { DbName = call.Database, CollectionName = call.String("collectionName"), IndexName = call.String("indexName") };
        request.ExtraParams.Add(PropertiesOf(call.Required("properties")));
        return await call.NoDataAsync(request, call.Service.AlterIndex);
    }

    private static async Task<JsonNode?> DropIndexPropertiesAsync(RestCall call)
    {
        var request = new AlterIndexRequest { DbName = call.Database, CollectionName = call.String("collectionName"), IndexName = call.String("indexName") };
        request.DeleteKeys.Add(call.Strings("propertyKeys"));
        return await call.NoDataAsync(request, call.Service.AlterIndex);
    }

    // Aliases.

    private static Task<JsonNode?> CreateAliasAsync(RestCall call) => call.NoDataAsync(new CreateAliasRequest
    {
        DbName = call.Database,
        CollectionName = call.String("collectionName"),
        Alias = call.String("aliasName"),
    }, call.Service.CreateAlias);

    private static Task<JsonNode?> AlterAliasAsync(RestCall call) => call.NoDataAsync(new AlterAliasRequest
    {
        DbName = call.Database,
        CollectionName = call.String("collectionName"),
        Alias = call.String("aliasName"),
    }, call.Service.AlterAlias);

    private static Task<JsonNode?> DropAliasAsync(RestCall call) =>
        call.NoDataAsync(new DropAliasRequest { DbName = call.Database, Alias = call.String("aliasName") }, call.Service.DropAlias);

    private static async Task<JsonNode?> DescribeAliasAsync(RestCall call)
    {
        var alias = await call.RunAsync(new DescribeAliasRequest { DbName = call.Database, Alias = call.String("aliasName") }, call.Service.DescribeAlias);
        return new JsonObject { ["aliasName"] = alias.Alias, ["collectionName"] = alias.Collection, ["dbName"] = alias.DbName };
    }

    private static async Task<JsonNode?> ListAliasesAsync(RestCall call) =>
        Strings((await call.RunAsync(new ListAliasesRequest { DbName = call.Database, CollectionName = call.OptionalString("collectionName") ?? "" },
            call.Service.ListAliases)).Aliases);

    // Databases.

    private static async Task<JsonNode?> CreateDatabaseAsync(RestCall call)
    {
        var request = new CreateDatabaseRequest { DbName = call.String("dbName") };
        request.Properties.Add(call.Optional("properties") is { } properties ? PropertiesOf(properties) : []);
        return await call.NoDataAsync(request, call.Service.CreateDatabase);
    }

    private static Task<JsonNode?> DropDatabaseAsync(RestCall call) =>
        call.NoDataAsync(new DropDatabaseRequest { DbName = call.String("dbName") }, call.Service.DropDatabase);

    private static async Task<JsonNode?> ListDatabasesAsync(RestCall call) =>
        Strings((await call.RunAsync(new ListDatabasesRequest(), call.Service.ListDatabases)).DbNames);

    private static async Task<JsonNode?> DescribeDatabaseAsync(RestCall call)
    {
        var database = await call.RunAsync(new DescribeDatabaseRequest { DbName = call.String("dbName") }, call.Service.DescribeDatabase);
        return new JsonObject { ["dbName"] = database.DbName, ["dbID"] = call.Int64(database.DbID), ["properties"] = Pairs(database.Properties) };
    }

    private static async Task<JsonNode?> AlterDatabaseAsync(RestCall call)
    {
        var request = new AlterDatabaseRequest { DbName = call.String("dbName") };
        request.Properties.Add(PropertiesOf(call.Required("properties")));
        return await call.NoDataAsync(request, call.Service.AlterDatabase);
    }

    private static async Task<JsonNode?> DropDatabasePropertiesAsync(RestCall call)
    {
        var request = new AlterDatabaseRequest { DbName = call.String("dbName") };
        request.DeleteKeys.Add(call.Strings("propertyKeys"));
        return await call.NoDataAsync(request, call.Service.AlterDatabase);
    }

    // Shapes shared by the actions.

    /// <summary>An object of properties or parameters as Milvus's key-value pairs (<see cref="RestSchema.PairsOf"/>).</summary>
    private static IEnumerable<KeyValuePair> PropertiesOf(JsonElement properties) => properties.ValueKind == JsonValueKind.Object
        ? RestSchema.PairsOf(properties)
        : throw new RestFailure(IncorrectParameterFormat, "properties must be a JSON object");

    /// <summary>Key-value pairs as Milvus's REST API lists them: <c>[{"key": ..., "value": ...}]</c>.</summary>
    internal static JsonArray Pairs(IEnumerable<KeyValuePair> pairs) =>
        new([.. pairs.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value })]);

    internal static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
