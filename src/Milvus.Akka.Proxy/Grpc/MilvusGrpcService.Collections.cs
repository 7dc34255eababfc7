using System.Collections.Immutable;
using System.Text.Json;
using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using ConsistencyLevel = Milvus.Akka.Common.ConsistencyLevel;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using ProtoConsistencyLevel = Milvus.Akka.Grpc.Protocol.Common.ConsistencyLevel;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Collections, partitions, aliases, indexes and load management.</summary>
public sealed partial class MilvusGrpcService
{
    private const string ParamsKey = "params";

    // Collections.

    public override async Task<MilvusStatus> CreateCollection(CreateCollectionRequest request, ServerCallContext context)
    {
        var properties = SchemaConverter.ToDictionary(request.Properties);
        var database = Database(request.DbName, context);
        // Milvus 2.6 records the time zone its Timestamptz values are read and shown in: the collection's own, else its
        // database's, else UTC. Only a collection with a Timestamptz field gets it, so 2.5-style collections stay unchanged.
        var zone = properties.GetValueOrDefault(Timestamptz.TimezoneKey) ?? await DatabaseTimezoneAsync(database, context.CancellationToken);
        var schema = SchemaConverter.FromBytes(request.Schema, request.CollectionName, Timestamptz.Zone(zone));
        if (schema.Fields.Any(f => f.DataType == DataType.Timestamptz))
        {
            properties = properties.SetItem(Timestamptz.TimezoneKey, zone);
        }

        await proxy.CreateCollectionAsync(database, schema, request.ShardsNum <= 0 ? 1 : request.ShardsNum,
            Consistency(request.ConsistencyLevel), (int)request.NumPartitions, properties, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    /// <summary>The <c>timezone</c> property of a database, else UTC; an unknown database is left to the create to refuse.</summary>
    private async Task<string> DatabaseTimezoneAsync(string database, CancellationToken cancellationToken) =>
        (await proxy.ListDatabasesAsync(cancellationToken)).FirstOrDefault(d => d.Name == database)?.Properties
            .GetValueOrDefault(Timestamptz.TimezoneKey) ?? Timestamptz.DefaultTimezone;

    public override async Task<MilvusStatus> DropCollection(DropCollectionRequest request, ServerCallContext context)
    {
        await proxy.DropCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<TruncateCollectionResponse> TruncateCollection(TruncateCollectionRequest request, ServerCallContext context)
    {
        await proxy.TruncateCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        return new TruncateCollectionResponse { Status = MilvusStatuses.Success };
    }

    public override async Task<BoolResponse> HasCollection(HasCollectionRequest request, ServerCallContext context) =>
        new()
        {
            Status = MilvusStatuses.Success,
            Value = await proxy.HasCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken),
        };

    /// <summary>By name, or by id when the name is empty (as Milvus).</summary>
    public override async Task<DescribeCollectionResponse> DescribeCollection(DescribeCollectionRequest request, ServerCallContext context) =>
        Described(request.CollectionName.Length == 0 && request.CollectionID != 0
            ? await proxy.DescribeCollectionAsync(request.CollectionID, context.CancellationToken)
            : await proxy.DescribeCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken));

    /// <summary>Each collection named, then each collection id given, described as DescribeCollection would; one missing fails the batch.</summary>
    public override async Task<BatchDescribeCollectionResponse> BatchDescribeCollection(BatchDescribeCollectionRequest request, ServerCallContext context)
    {
        if (request.CollectionName.Count == 0 && request.CollectionID.Count == 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "BatchDescribeCollection needs at least one collection name or collection id");
        }

        var database = Database(request.DbName, context);
        var response = new BatchDescribeCollectionResponse { Status = MilvusStatuses.Success };
        foreach (var name in request.CollectionName)
        {
            response.Responses.Add(Described(await proxy.DescribeCollectionAsync(database, name, context.CancellationToken)));
        }

        foreach (var id in request.CollectionID)
        {
            response.Responses.Add(Described(await proxy.DescribeCollectionAsync(id, context.CancellationToken)));
        }

        return response;
    }

    private static DescribeCollectionResponse Described(CollectionInfo info)
    {
        var created = (ulong)HybridTimestamp.Physical(info.CreatedTimestamp);
        var response = new DescribeCollectionResponse
        {
            Status = MilvusStatuses.Success,
            Schema = SchemaConverter.ToProto(info.Schema, Timestamptz.ZoneOf(info.Properties)),
            CollectionID = info.Id,
            CollectionName = info.Name,
            DbName = info.Database,
            ShardsNum = info.ShardsNum,
            ConsistencyLevel = (ProtoConsistencyLevel)info.Consistency,
            NumPartitions = info.Partitions.Length,
            CreatedTimestamp = info.CreatedTimestamp,
            CreatedUtcTimestamp = created,
            // Schema alterations (AlterCollectionField) are not timestamped, so the update time stays the creation time.
            UpdateTimestamp = info.UpdateTimestamp,
            UpdateTimestampStr = info.UpdateTimestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Aliases = { info.Aliases },
            VirtualChannelNames = { info.AllShardNames },
            PhysicalChannelNames = { info.AllShardNames },
        };
        response.Properties.Add(SchemaConverter.ToPairs(info.Properties));
        return response;
    }

    public override async Task<ShowCollectionsResponse> ShowCollections(ShowCollectionsRequest request, ServerCallContext context)
    {
        var collections = await proxy.ListCollectionsAsync(Database(request.DbName, context), context.CancellationToken);
        var response = new ShowCollectionsResponse { Status = MilvusStatuses.Success };
        foreach (var info in collections.OrderBy(c => c.Id))
        {
            if ((request.CollectionNames.Count > 0 && !request.CollectionNames.Contains(info.Name))
                || (request.Type == ShowType.InMemory && !info.Loaded))
            {
                continue;
            }

            response.CollectionNames.Add(info.Name);
            response.CollectionIds.Add(info.Id);
            response.CreatedTimestamps.Add(info.CreatedTimestamp);
            response.CreatedUtcTimestamps.Add((ulong)HybridTimestamp.Physical(info.CreatedTimestamp));
            response.InMemoryPercentages.Add(info.Loaded ? 100 : 0);
            response.QueryServiceAvailable.Add(info.Loaded);
            response.ShardsNum.Add(info.ShardsNum);
        }

        return response;
    }

    public override async Task<MilvusStatus> AlterCollection(AlterCollectionRequest request, ServerCallContext context)
    {
        var properties = SchemaConverter.ToDictionary(request.Properties);
        Timestamptz.ZoneOf(properties); // an unknown time zone is refused before it is stored
        await proxy.AlterCollectionAsync(Database(request.DbName, context), request.CollectionName, properties,
            [.. request.DeleteKeys], context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> AlterCollectionField(AlterCollectionFieldRequest request, ServerCallContext context)
    {
        await proxy.AlterCollectionFieldAsync(Database(request.DbName, context), request.CollectionName, request.FieldName,
            SchemaConverter.ToDictionary(request.Properties), [.. request.DeleteKeys], context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> AddCollectionField(AddCollectionFieldRequest request, ServerCallContext context)
    {
        var database = Database(request.DbName, context);
        var collection = await proxy.DescribeCollectionAsync(database, request.CollectionName, context.CancellationToken);
        var field = SchemaConverter.FieldFromBytes(request.Schema, Timestamptz.ZoneOf(collection.Properties));
        await proxy.AddCollectionFieldsAsync(database, request.CollectionName, [field], context.CancellationToken);
        return MilvusStatuses.Success;
    }

    /// <summary>
    /// Milvus 3.0's schema change, which the Node SDK 3.x sends for addCollectionField before falling back to
    /// AddCollectionField. Its fields are added as AddCollectionField adds them, in order, once all of them are checked;
    /// functions alone as AddCollectionFunction adds them. A function with its output field, an index built with the
    /// field and dropping fields are refused.
    /// </summary>
    public override async Task<AlterCollectionSchemaResponse> AlterCollectionSchema(AlterCollectionSchemaRequest request, ServerCallContext context)
    {
        var add = request.Action?.OpCase switch
        {
            AlterCollectionSchemaRequest.Types.Action.OpOneofCase.AddRequest => request.Action.AddRequest,
            AlterCollectionSchemaRequest.Types.Action.OpOneofCase.DropRequest =>
                throw new MilvusException(ErrorCode.OperationNotSupported, "dropping a field or a function (AlterCollectionSchema drop_request) is not supported by Milvus.Akka"),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, "AlterCollectionSchema needs an action: add_request or drop_request"),
        };
        if (add.FuncSchema.Count > 0)
        {
            if (add.FieldInfos.Count > 0)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    "adding fields and functions at once (field_infos with func_schema) is not supported by Milvus.Akka: add the fields, then the functions");
            }

            foreach (var function in add.FuncSchema)
            {
                await proxy.AddCollectionFunctionAsync(Database(request.DbName, context), request.CollectionName, SchemaConverter.FromProto(function),
                    context.CancellationToken);
            }

            return new AlterCollectionSchemaResponse { AlterStatus = MilvusStatuses.Success };
        }

        if (add.FieldInfos.Any(f => f.IndexName.Length > 0 || f.ExtraParams.Count > 0))
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                "building an index with a new field (index_name, extra_params) is not supported by Milvus.Akka: add the field, then create its index");
        }

        var database = Database(request.DbName, context);
        var collection = await proxy.DescribeCollectionAsync(database, request.CollectionName, context.CancellationToken);
        var timezone = Timestamptz.ZoneOf(collection.Properties);
        ImmutableArray<Common.FieldSchema> fields = [.. add.FieldInfos.Select(f => SchemaConverter.FieldFrom(
            f.FieldSchema ?? throw new MilvusException(ErrorCode.ParameterInvalid, "a field to add has no field_schema"), timezone))];
        if (fields.IsEmpty)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "AlterCollectionSchema add_request names no field to add");
        }

        await proxy.AddCollectionFieldsAsync(database, request.CollectionName, fields, context.CancellationToken);

        return new AlterCollectionSchemaResponse { AlterStatus = MilvusStatuses.Success };
    }

    public override async Task<MilvusStatus> AddCollectionFunction(AddCollectionFunctionRequest request, ServerCallContext context)
    {
        var function = request.FunctionSchema ?? throw new MilvusException(ErrorCode.ParameterInvalid, "AddCollectionFunction needs functionSchema");
        await proxy.AddCollectionFunctionAsync(Database(request.DbName, context), request.CollectionName, SchemaConverter.FromProto(function),
            context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> AlterCollectionFunction(AlterCollectionFunctionRequest request, ServerCallContext context)
    {
        var name = FunctionName(request.FunctionName);
        var function = request.FunctionSchema ?? throw new MilvusException(ErrorCode.ParameterInvalid, "AlterCollectionFunction needs functionSchema");
        await proxy.AlterCollectionFunctionAsync(Database(request.DbName, context), request.CollectionName, name, SchemaConverter.FromProto(function),
            context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropCollectionFunction(DropCollectionFunctionRequest request, ServerCallContext context)
    {
        await proxy.DropCollectionFunctionAsync(Database(request.DbName, context), request.CollectionName, FunctionName(request.FunctionName),
            context.CancellationToken);
        return MilvusStatuses.Success;
    }

    private static string FunctionName(string name) =>
        string.IsNullOrEmpty(name) ? throw new MilvusException(ErrorCode.ParameterInvalid, "function_name is required") : name;

    public override async Task<MilvusStatus> RenameCollection(RenameCollectionRequest request, ServerCallContext context)
    {
        await proxy.RenameCollectionAsync(Database(request.DbName, context), request.OldName, request.NewDBName, request.NewName,
            context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<GetCollectionStatisticsResponse> GetCollectionStatistics(GetCollectionStatisticsRequest request, ServerCallContext context) =>
        Statistics(await proxy.CountRowsAsync(Database(request.DbName, context), request.CollectionName, null, context.CancellationToken));

    public override async Task<GetPartitionStatisticsResponse> GetPartitionStatistics(GetPartitionStatisticsRequest request, ServerCallContext context)
    {
        var rows = await proxy.CountRowsAsync(Database(request.DbName, context), request.CollectionName, request.PartitionName, context.CancellationToken);
        return new GetPartitionStatisticsResponse { Status = MilvusStatuses.Success, Stats = { RowCount(rows) } };
    }

    private static GetCollectionStatisticsResponse Statistics(long rows) => new() { Status = MilvusStatuses.Success, Stats = { RowCount(rows) } };

    private static KeyValuePair RowCount(long rows) =>
        new() { Key = "row_count", Value = rows.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    // Partitions.

    public override async Task<MilvusStatus> CreatePartition(CreatePartitionRequest request, ServerCallContext context)
    {
        await proxy.CreatePartitionAsync(Database(request.DbName, context), request.CollectionName, request.PartitionName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropPartition(DropPartitionRequest request, ServerCallContext context)
    {
        await proxy.DropPartitionAsync(Database(request.DbName, context), request.CollectionName, request.PartitionName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<BoolResponse> HasPartition(HasPartitionRequest request, ServerCallContext context)
    {
        var info = await proxy.DescribeCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        return new BoolResponse { Status = MilvusStatuses.Success, Value = info.FindPartition(request.PartitionName) is not null };
    }

    public override async Task<ShowPartitionsResponse> ShowPartitions(ShowPartitionsRequest request, ServerCallContext context)
    {
        var info = await proxy.DescribeCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        var response = new ShowPartitionsResponse { Status = MilvusStatuses.Success };
        foreach (var partition in info.Partitions)
        {
            var loaded = info.IsPartitionLoaded(partition.Id);
            if ((request.PartitionNames.Count > 0 && !request.PartitionNames.Contains(partition.Name))
                || (request.Type == ShowType.InMemory && !loaded))
            {
                continue;
            }

            response.PartitionNames.Add(partition.Name);
            response.PartitionIDs.Add(partition.Id);
            response.CreatedTimestamps.Add(partition.CreatedTimestamp);
            response.CreatedUtcTimestamps.Add((ulong)HybridTimestamp.Physical(partition.CreatedTimestamp));
            response.InMemoryPercentages.Add(loaded ? 100 : 0);
        }

        return response;
    }

    public override async Task<MilvusStatus> LoadPartitions(LoadPartitionsRequest request, ServerCallContext context)
    {
        await proxy.LoadPartitionsAsync(Database(request.DbName, context), request.CollectionName, [.. request.PartitionNames], context.CancellationToken,
            new LoadFieldSelection([.. request.LoadFields], request.SkipLoadDynamicField), request.ReplicaNumber, [.. request.ResourceGroups]);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> ReleasePartitions(ReleasePartitionsRequest request, ServerCallContext context)
    {
        await proxy.ReleasePartitionsAsync(Database(request.DbName, context), request.CollectionName, [.. request.PartitionNames], context.CancellationToken);
        return MilvusStatuses.Success;
    }

    private static void RequirePartitions(CollectionInfo info, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (info.FindPartition(name) is null)
            {
                throw new MilvusException(ErrorCode.PartitionNotFound, $"partition not found[partition={name}]");
            }
        }
    }

    // Load and release.

    /// <summary>Starts loading and returns, as Milvus does; SDKs poll GetLoadingProgress.</summary>
    public override async Task<MilvusStatus> LoadCollection(LoadCollectionRequest request, ServerCallContext context)
    {
        await proxy.LoadCollectionAsync(Database(request.DbName, context), request.CollectionName, wait: false, context.CancellationToken,
            new LoadFieldSelection([.. request.LoadFields], request.SkipLoadDynamicField), request.ReplicaNumber, [.. request.ResourceGroups]);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> ReleaseCollection(ReleaseCollectionRequest request, ServerCallContext context)
    {
        await proxy.ReleaseCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<GetLoadingProgressResponse> GetLoadingProgress(GetLoadingProgressRequest request, ServerCallContext context)
    {
        var database = Database(request.DbName, context);
        RequirePartitions(await proxy.DescribeCollectionAsync(database, request.CollectionName, context.CancellationToken), request.PartitionNames);
        var progress = await proxy.GetLoadProgressAsync(database, request.CollectionName, context.CancellationToken);
        if (!progress.Loaded)
        {
            throw new MilvusException(ErrorCode.CollectionNotLoaded, $"collection not loaded[collection={request.CollectionName}]");
        }

        return new GetLoadingProgressResponse { Status = MilvusStatuses.Success, Progress = progress.Percent, RefreshProgress = progress.Percent };
    }

    public override async Task<GetLoadStateResponse> GetLoadState(GetLoadStateRequest request, ServerCallContext context)
    {
        var database = Database(request.DbName, context);
        var response = new GetLoadStateResponse { Status = MilvusStatuses.Success };
        if (!await proxy.HasCollectionAsync(database, request.CollectionName, context.CancellationToken))
        {
            response.State = LoadState.NotExist;
            return response;
        }

        var info = await proxy.DescribeCollectionAsync(database, request.CollectionName, context.CancellationToken);
        if (request.PartitionNames.Any(p => info.FindPartition(p) is null))
        {
            response.State = LoadState.NotExist;
            return response;
        }

        if (request.PartitionNames.Any(p => !info.IsPartitionLoaded(info.FindPartition(p)!.Id)))
        {
            response.State = LoadState.NotLoad;
            return response;
        }

        var progress = await proxy.GetLoadProgressAsync(database, request.CollectionName, context.CancellationToken);
        response.State = !progress.Loaded ? LoadState.NotLoad : progress.Percent >= 100 ? LoadState.Loaded : LoadState.Loading;
        return response;
    }

    // Aliases.

    public override async Task<MilvusStatus> CreateAlias(CreateAliasRequest request, ServerCallContext context)
    {
        await proxy.CreateAliasAsync(Database(request.DbName, context), request.Alias, request.CollectionName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> AlterAlias(AlterAliasRequest request, ServerCallContext context)
    {
        await proxy.AlterAliasAsync(Database(request.DbName, context), request.Alias, request.CollectionName, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropAlias(DropAliasRequest request, ServerCallContext context)
    {
        await proxy.DropAliasAsync(Database(request.DbName, context), request.Alias, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<DescribeAliasResponse> DescribeAlias(DescribeAliasRequest request, ServerCallContext context)
    {
        var database = Database(request.DbName, context);
        var info = await proxy.DescribeAliasAsync(database, request.Alias, context.CancellationToken);
        return new DescribeAliasResponse { Status = MilvusStatuses.Success, DbName = database, Alias = request.Alias, Collection = info.Name };
    }

    public override async Task<ListAliasesResponse> ListAliases(ListAliasesRequest request, ServerCallContext context)
    {
        var database = Database(request.DbName, context);
        var response = new ListAliasesResponse { Status = MilvusStatuses.Success, DbName = database, CollectionName = request.CollectionName };
        var collections = string.IsNullOrEmpty(request.CollectionName)
            ? await proxy.ListCollectionsAsync(database, context.CancellationToken)
            : [await proxy.DescribeCollectionAsync(database, request.CollectionName, context.CancellationToken)];
        response.Aliases.Add(collections.SelectMany(c => c.Aliases));
        return response;
    }

    // Indexes.

    /// <summary>extra_params hold index_type, metric_type and a JSON "params" object; the catalog keeps them flat.</summary>
    public override async Task<MilvusStatus> CreateIndex(CreateIndexRequest request, ServerCallContext context)
    {
        var parameters = ImmutableSortedDictionary.CreateBuilder<string, string>();
        foreach (var pair in request.ExtraParams)
        {
            if (pair.Key == ParamsKey)
            {
                foreach (var (key, value) in ParseJsonObject(pair.Value, "index params"))
                {
                    parameters[key] = value;
                }
            }
            else
            {
                parameters[pair.Key] = pair.Value;
            }
        }

        await proxy.CreateIndexAsync(Database(request.DbName, context), request.CollectionName, request.FieldName,
            request.IndexName, parameters.ToImmutable(), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropIndex(DropIndexRequest request, ServerCallContext context)
    {
        await proxy.DropIndexAsync(Database(request.DbName, context), request.CollectionName, request.FieldName, request.IndexName,
            context.CancellationToken);
        return MilvusStatuses.Success;
    }

    /// <summary>extra_params set index properties, delete_keys remove them (SDKs' alter/drop index properties).</summary>
    public override async Task<MilvusStatus> AlterIndex(AlterIndexRequest request, ServerCallContext context)
    {
        await proxy.AlterIndexAsync(Database(request.DbName, context), request.CollectionName, request.IndexName,
            SchemaConverter.ToDictionary(request.ExtraParams), [.. request.DeleteKeys], context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<DescribeIndexResponse> DescribeIndex(DescribeIndexRequest request, ServerCallContext context)
    {
        var response = new DescribeIndexResponse { Status = MilvusStatuses.Success };
        response.IndexDescriptions.Add(await IndexDescriptionsAsync(request.DbName, request.CollectionName, request.FieldName, request.IndexName, context));
        return response;
    }

    /// <summary>Milvus answers GetIndexStatistics with the same descriptions as DescribeIndex, row counts included.</summary>
    public override async Task<GetIndexStatisticsResponse> GetIndexStatistics(GetIndexStatisticsRequest request, ServerCallContext context)
    {
        var response = new GetIndexStatisticsResponse { Status = MilvusStatuses.Success };
        response.IndexDescriptions.Add(await IndexDescriptionsAsync(request.DbName, request.CollectionName, "", request.IndexName, context));
        return response;
    }

    private async Task<IEnumerable<IndexDescription>> IndexDescriptionsAsync(string database, string collection, string fieldName, string indexName,
        ServerCallContext context)
    {
        var (info, indexes, progress) = await IndexesAsync(database, collection, fieldName, indexName, context);
        return indexes.Select(index =>
        {
            var (indexed, total) = progress.ByIndexId.GetValueOrDefault(index.IndexId);
            var description = new IndexDescription
            {
                IndexName = index.Name,
                IndexID = index.IndexId,
                FieldName = info.Schema.FindField(index.FieldId)?.Name ?? "",
                IndexedRows = indexed,
                TotalRows = total,
                PendingIndexRows = total - indexed,
                State = indexed >= total ? IndexState.Finished : IndexState.InProgress,
            };
            description.Params.Add(IndexParams(index));
            return description;
        }).ToList();
    }

    public override async Task<GetIndexStateResponse> GetIndexState(GetIndexStateRequest request, ServerCallContext context)
    {
        var (_, indexes, progress) = await IndexesAsync(request.DbName, request.CollectionName, request.FieldName, request.IndexName, context);
        var finished = indexes.All(i => progress.ByIndexId.GetValueOrDefault(i.IndexId) is var (indexed, total) && indexed >= total);
        return new GetIndexStateResponse { Status = MilvusStatuses.Success, State = finished ? IndexState.Finished : IndexState.InProgress };
    }

    public override async Task<GetIndexBuildProgressResponse> GetIndexBuildProgress(GetIndexBuildProgressRequest request, ServerCallContext context)
    {
        var (_, indexes, progress) = await IndexesAsync(request.DbName, request.CollectionName, request.FieldName, request.IndexName, context);
        var counts = indexes.Select(i => progress.ByIndexId.GetValueOrDefault(i.IndexId)).ToList();
        return new GetIndexBuildProgressResponse
        {
            Status = MilvusStatuses.Success,
            IndexedRows = counts.Sum(c => c.IndexedRows),
            TotalRows = counts.Sum(c => c.TotalRows),
        };
    }

    /// <summary>The indexes a request names (by field and/or index name; all when neither), or IndexNotFound.</summary>
    private async Task<(CollectionInfo Info, List<IndexInfo> Indexes, IndexProgress Progress)> IndexesAsync(string requestDatabase, string collection,
        string fieldName, string indexName, ServerCallContext context)
    {
        var database = Database(requestDatabase, context);
        var info = await proxy.DescribeCollectionAsync(database, collection, context.CancellationToken);
        var indexes = info.Indexes
            .Where(i => string.IsNullOrEmpty(indexName) || i.Name == indexName)
            .Where(i => string.IsNullOrEmpty(fieldName) || info.Schema.FindField(i.FieldId)?.Name == fieldName)
            .ToList();
        if (indexes.Count == 0)
        {
            throw new MilvusException(ErrorCode.IndexNotFound, $"index not found[collection={info.Name}]{(indexName.Length > 0 ? $"[index={indexName}]" : "")}");
        }

        return (info, indexes, await proxy.GetIndexProgressAsync(database, collection, context.CancellationToken));
    }

    /// <summary>
    /// The creation parameters as SDKs send them: index_type, metric_type and the rest as a JSON "params"; then the index
    /// properties as plain pairs, where Milvus lists those it was created or altered with.
    /// </summary>
    private static IEnumerable<KeyValuePair> IndexParams(IndexInfo index)
    {
        var build = index.Params.Where(p => p.Key is not (IndexInfo.IndexTypeKey or IndexInfo.MetricTypeKey)).ToList();
        foreach (var key in new[] { IndexInfo.IndexTypeKey, IndexInfo.MetricTypeKey })
        {
            if (index.Params.TryGetValue(key, out var value))
            {
                yield return new KeyValuePair { Key = key, Value = value };
            }
        }

        if (build.Count > 0)
        {
            yield return new KeyValuePair { Key = ParamsKey, Value = JsonSerializer.Serialize(build.ToDictionary(p => p.Key, p => JsonScalar(p.Value))) };
        }

        foreach (var pair in SchemaConverter.ToPairs(index.Properties))
        {
            yield return pair;
        }
    }

    /// <summary>Numbers and booleans stay JSON literals when echoed back ({"M":16}), other values are strings.</summary>
    private static object JsonScalar(string value) =>
        double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number) ? number
        : bool.TryParse(value, out var flag) ? flag
        : value;

    /// <summary>A JSON object of parameters with every value as a string ({"nprobe":16} gives nprobe="16").</summary>
    internal static Dictionary<string, string> ParseJsonObject(string json, string what)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        return RequestJson.Parse(json, what, JsonValueKind.Object).EnumerateObject().ToDictionary(p => p.Name,
            p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
    }

    private static ConsistencyLevel Consistency(ProtoConsistencyLevel level) =>
        Enum.IsDefined((ConsistencyLevel)level)
            ? (ConsistencyLevel)level
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"unknown consistency level {(int)level}; use Strong, Session, Bounded, Eventually or Customized");
}
