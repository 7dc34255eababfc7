using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Compaction, segment information, replicas, flush-all and metrics: what administration tools and the SDKs' utilities ask.</summary>
public sealed partial class MilvusGrpcService
{
    private const string SystemInfoMetric = "system_info";
    private const string CoordinatorComponent = "mixcoord";
    private const string ProxyComponent = "proxy";

    /// <summary>Milvus's component type of each Milvus.Akka role.</summary>
    private static readonly ImmutableDictionary<string, string> ComponentTypes = new Dictionary<string, string>
    {
        ["coordinator"] = CoordinatorComponent,
        ["proxy"] = ProxyComponent,
        ["streaming"] = "streamingnode",
        ["query"] = "querynode",
        ["data"] = "datanode",
    }.ToImmutableDictionary();

    // Compaction.

    /// <summary>
    /// Compacts a whole collection; the SDKs send its id, other clients its name. With a target_size (MB), merged
    /// segments may grow to it (a target below the configured merge size is refused, as in Milvus). A major
    /// (clustering) compaction of a collection without a clustering key has nothing to do, and answers as Milvus does
    /// then: no compaction, no plans.
    /// </summary>
    public override async Task<ManualCompactionResponse> ManualCompaction(ManualCompactionRequest request, ServerCallContext context)
    {
        if (request.L0Compaction)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                "L0 compaction is not supported by Milvus.Akka: it keeps no L0 segments (deletes go to the segments' delete logs); omit the flag to merge segments and purge deleted rows");
        }

        if (request.PartitionId != 0 || request.SegmentIds.Count > 0 || request.Channel.Length > 0)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                "compacting one partition, channel or chosen segments is not supported by Milvus.Akka: compaction covers the whole collection");
        }

        var described = request.CollectionID != 0
            ? null
            : await proxy.DescribeCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        var collectionId = described?.Id ?? request.CollectionID;
        if (request.MajorCompaction)
        {
            var info = described ?? await proxy.DescribeCollectionAsync(collectionId, context.CancellationToken);
            return info.Schema.Fields.Any(f => f.IsClusteringKey)
                ? throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"clustering (major) compaction is not supported by Milvus.Akka: collection {info.Name} keeps its clustering key's rows where they were written; omit majorCompaction to merge segments")
                : new ManualCompactionResponse { Status = MilvusStatuses.Success, CompactionID = -1, CompactionPlanCount = 0 };
        }

        var scheduled = await proxy.CompactAsync(collectionId, context.CancellationToken, request.TargetSize);
        return new ManualCompactionResponse { Status = MilvusStatuses.Success, CompactionID = scheduled.CompactionId, CompactionPlanCount = scheduled.Tasks };
    }

    public override async Task<GetCompactionStateResponse> GetCompactionState(GetCompactionStateRequest request, ServerCallContext context)
    {
        var compaction = await proxy.GetCompactionAsync(request.CompactionID, context.CancellationToken);
        return new GetCompactionStateResponse
        {
            Status = MilvusStatuses.Success,
            State = StateOf(compaction),
            ExecutingPlanNo = compaction.Count(CompactionPlanState.Executing),
            CompletedPlanNo = compaction.Count(CompactionPlanState.Completed),
            FailedPlanNo = compaction.Count(CompactionPlanState.Failed),
        };
    }

    public override async Task<GetCompactionPlansResponse> GetCompactionStateWithPlans(GetCompactionPlansRequest request, ServerCallContext context)
    {
        var compaction = await proxy.GetCompactionAsync(request.CompactionID, context.CancellationToken);
        var response = new GetCompactionPlansResponse { Status = MilvusStatuses.Success, State = StateOf(compaction) };
        response.MergeInfos.Add(compaction.Plans.Select(p => new CompactionMergeInfo { Sources = { p.Sources }, Target = p.Target }));
        return response;
    }

    /// <summary>Milvus reports a compaction without executing plans, including an unknown id, as completed.</summary>
    private static Milvus.Akka.Grpc.Protocol.Common.CompactionState StateOf(CompactionRecord compaction) =>
        compaction.Executing ? Milvus.Akka.Grpc.Protocol.Common.CompactionState.Executing : Milvus.Akka.Grpc.Protocol.Common.CompactionState.Completed;

    // Segments and replicas.

    /// <summary>The collection's flushed segments (growing data lives in the streaming shards and is not listed).</summary>
    public override async Task<GetPersistentSegmentInfoResponse> GetPersistentSegmentInfo(GetPersistentSegmentInfoRequest request, ServerCallContext context)
    {
        var segments = await proxy.GetFlushedSegmentsAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        var response = new GetPersistentSegmentInfoResponse { Status = MilvusStatuses.Success };
        response.Infos.Add(segments.OrderBy(s => s.SegmentId).Select(s => new PersistentSegmentInfo
        {
            SegmentID = s.SegmentId,
            CollectionID = s.CollectionId,
            PartitionID = s.PartitionId,
            NumRows = s.RowCount,
            State = SegmentState.Flushed,
            Level = SegmentLevel.L1,
        }));
        return response;
    }

    /// <summary>The flushed segments query nodes serve, with the node and the vector index they search.</summary>
    public override async Task<GetQuerySegmentInfoResponse> GetQuerySegmentInfo(GetQuerySegmentInfoRequest request, ServerCallContext context)
    {
        var info = await LoadedCollectionAsync(request.DbName, request.CollectionName, context);
        var distribution = await proxy.GetDistributionAsync(info.Id, context.CancellationToken);
        var index = info.Schema.VectorFields.Select(f => info.IndexOnField(f.FieldId)).FirstOrDefault(i => i is not null);
        var response = new GetQuerySegmentInfoResponse { Status = MilvusStatuses.Success };
        // One entry per segment, with every node serving a copy of it (one per replica).
        response.Infos.Add(distribution.Segments.Where(s => s.NodeId != 0).GroupBy(s => s.Segment.SegmentId).Select(copies => new QuerySegmentInfo
        {
            SegmentID = copies.First().Segment.SegmentId,
            CollectionID = copies.First().Segment.CollectionId,
            PartitionID = copies.First().Segment.PartitionId,
            NumRows = copies.First().Segment.RowCount,
            IndexName = index?.Name ?? "",
            IndexID = index?.IndexId ?? 0,
            NodeID = copies.First().NodeId,
            NodeIds = { copies.Select(c => c.NodeId).Distinct() },
            State = SegmentState.Sealed,
            Level = SegmentLevel.L1,
        }));
        return response;
    }

    /// <summary>
    /// The replicas of a loaded collection (as many as its load's replica_number), each with its own query nodes: each
    /// shard is led by the streaming node running it (the delegator of every replica), and served by it and the
    /// replica's query nodes holding its segments. A replica with no query node (one replica on a cluster without
    /// query nodes: the shards serve) lists the shard leaders. A collection that is not loaded has no replica.
    /// </summary>
    public override async Task<GetReplicasResponse> GetReplicas(GetReplicasRequest request, ServerCallContext context)
    {
        var info = request.CollectionID != 0
            ? await proxy.DescribeCollectionAsync(request.CollectionID, context.CancellationToken)
            : await proxy.DescribeCollectionAsync(Database(request.DbName, context), request.CollectionName, context.CancellationToken);
        var response = new GetReplicasResponse { Status = MilvusStatuses.Success };
        if (!info.Loaded)
        {
            return response;
        }

        var distribution = await proxy.GetDistributionAsync(info.Id, context.CancellationToken);
        foreach (var group in distribution.Replicas)
        {
            var replica = new ReplicaInfo { ReplicaID = group.ReplicaId, CollectionID = info.Id, ResourceGroupName = info.ResourceGroupOf(group.ReplicaId) };
            replica.PartitionIds.Add(info.Partitions.Select(p => p.Id).Where(info.IsPartitionLoaded));
            foreach (var shard in distribution.Shards)
            {
                var nodes = distribution.Segments
                    .Where(s => s.Segment.ShardName == shard.ShardName && s.ReplicaId == group.ReplicaId && s.NodeId != 0).Select(s => s.NodeId)
                    .Prepend(shard.NodeId).Where(id => id != 0).Distinct().ToList();
                replica.ShardReplicas.Add(new ShardReplica { LeaderID = shard.NodeId, LeaderAddr = shard.Address, DmChannelName = shard.ShardName, NodeIds = { nodes } });
            }

            replica.NodeIds.Add(group.NodeIds.IsEmpty ? replica.ShardReplicas.Select(s => s.LeaderID).Where(id => id != 0).Distinct().Order() : group.NodeIds);
            response.Replicas.Add(replica);
        }

        return response;
    }

    /// <summary>
    /// The coordinator places segments on query nodes itself, so manual moves are refused; the collection is checked
    /// first, as Milvus does (a request without one answers CollectionNotFound).
    /// </summary>
    public override async Task<MilvusStatus> LoadBalance(LoadBalanceRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.CollectionName))
        {
            throw new MilvusException(ErrorCode.CollectionNotFound, "collection not found[collection=]");
        }

        var info = await LoadedCollectionAsync(request.DbName, request.CollectionName, context);
        throw new MilvusException(ErrorCode.OperationNotSupported,
            $"manual load balance is not supported by Milvus.Akka: the coordinator places the segments of collection {info.Name}");
    }

    private async Task<CollectionInfo> LoadedCollectionAsync(string requestDatabase, string collection, ServerCallContext context)
    {
        var info = await proxy.DescribeCollectionAsync(Database(requestDatabase, context), collection, context.CancellationToken);
        return info.Loaded ? info : throw new MilvusException(ErrorCode.CollectionNotLoaded, $"collection not loaded[collection={info.Name}]");
    }

    // Flush all.

    /// <summary>
    /// Flushes the targets' collections, else every collection of db_name, else of every database. Like Flush it
    /// returns once the segments are in object storage.
    /// </summary>
    public override async Task<FlushAllResponse> FlushAll(FlushAllRequest request, ServerCallContext context)
    {
        List<(string, ImmutableArray<string>)> targets = request.FlushTargets.Count > 0
            ? [.. request.FlushTargets.Select(t => (t.DbName, t.CollectionNames.ToImmutableArray()))]
            : request.DbName.Length > 0 ? [(request.DbName, [])] : [];
        var flushed = await proxy.FlushAllAsync(targets, context.CancellationToken);
        var response = new FlushAllResponse
        {
            Status = MilvusStatuses.Success,
            FlushAllTs = flushed.IsEmpty ? await proxy.AllocateTimestampAsync(context.CancellationToken) : flushed.Max(f => f.FlushTimestamp),
        };
        foreach (var database in flushed.GroupBy(f => f.Database))
        {
            var result = new FlushAllResult { DbName = database.Key };
            result.CollectionResults.Add(database.Select(f => new FlushCollectionResult
            {
                CollectionName = f.Collection,
                SegmentIds = new LongArray { Data = { f.SegmentIds } },
                FlushSegmentIds = new LongArray { Data = { f.SegmentIds } },
                FlushTs = f.FlushTimestamp,
                SealTime = HybridTimestamp.Physical(f.FlushTimestamp) / 1000,
            }));
            response.FlushResults.Add(result);
        }

        return response;
    }

    /// <summary>FlushAll returns only once everything it flushed is in object storage.</summary>
    public override Task<GetFlushAllStateResponse> GetFlushAllState(GetFlushAllStateRequest request, ServerCallContext context) =>
        Task.FromResult(new GetFlushAllStateResponse { Status = MilvusStatuses.Success, Flushed = true });

    // Metrics.

    /// <summary>
    /// {"metric_type":"system_info"} answers the topology as Milvus does: one entry per component (a node with
    /// several roles runs several components), named by role and node id, and the coordinator's links to the workers.
    /// </summary>
    public override async Task<GetMetricsResponse> GetMetrics(GetMetricsRequest request, ServerCallContext context)
    {
        var metricType = ParseMetricType(request.Request);
        if (metricType != SystemInfoMetric)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"metric type {metricType} is not supported by Milvus.Akka; only {SystemInfoMetric} is");
        }

        var topology = await proxy.GetClusterTopologyAsync(context.CancellationToken);
        var components = topology.Nodes.SelectMany(n => n.Roles.Where(ComponentTypes.ContainsKey).Select(role => (Node: n, Type: ComponentTypes[role]))).ToList();
        var coordinator = components.FirstOrDefault(c => c.Node.NodeId == topology.CoordinatorNodeId && c.Type == CoordinatorComponent);
        var nodes = new JsonArray();
        foreach (var (node, type) in components)
        {
            var connected = new JsonArray();
            if (type == CoordinatorComponent)
            {
                foreach (var worker in components.Where(c => c.Type is not (CoordinatorComponent or ProxyComponent)))
                {
                    connected.Add(Link(worker.Node.NodeId, worker.Type));
                }
            }
            else if (type == ProxyComponent && coordinator.Node is not null)
            {
                connected.Add(Link(coordinator.Node.NodeId, CoordinatorComponent));
            }

            nodes.Add(new JsonObject
            {
                ["identifier"] = node.NodeId,
                ["connected"] = connected,
                ["infos"] = new JsonObject
                {
                    ["has_error"] = node.Status != "Up",
                    ["error_reason"] = node.Status == "Up" ? "" : $"cluster member is {node.Status}",
                    ["name"] = ComponentName(type, node.NodeId),
                    ["type"] = type,
                    ["id"] = node.NodeId,
                    ["address"] = node.Address,
                    ["system_info"] = new JsonObject
                    {
                        ["system_version"] = MilvusVersion,
                        ["deploy_mode"] = serverInfo.DeployMode,
                        ["build_version"] = MilvusVersion,
                    },
                },
            });
        }

        var proxyNode = components.FirstOrDefault(c => c.Type == ProxyComponent).Node;
        return new GetMetricsResponse
        {
            Status = MilvusStatuses.Success,
            Response = new JsonObject { ["nodes_info"] = nodes }.ToJsonString(),
            ComponentName = ComponentName(ProxyComponent, proxyNode?.NodeId ?? 0),
        };
    }

    private static string ComponentName(string type, long nodeId) => type + nodeId.ToString(CultureInfo.InvariantCulture);

    private static JsonObject Link(long nodeId, string type) =>
        new() { ["connected_identifier"] = nodeId, ["type"] = "manage", ["target_type"] = type };

    private static string ParseMetricType(string request)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(request) ? "{}" : request);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("metric_type", out var type) && type.ValueKind == JsonValueKind.String)
            {
                return type.GetString()!;
            }
        }
        catch (JsonException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the metrics request is not valid JSON ({e.Message}): {request}");
        }

        throw new MilvusException(ErrorCode.ParameterInvalid, $"the metrics request must be a JSON object with a string metric_type, such as {{\"metric_type\":\"{SystemInfoMetric}\"}}: {request}");
    }
}
