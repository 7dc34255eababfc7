using System.Collections.Immutable;
using Grpc.Core;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using Rg = Milvus.Akka.Grpc.Protocol.ResourceGroups;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus's resource groups: named sets of query nodes that replicas are placed on (LoadCollection's resource_groups,
/// TransferReplica), sized by each group's requests and limits (UpdateResourceGroups, the deprecated TransferNode).
/// </summary>
public sealed partial class MilvusGrpcService
{
    public override async Task<MilvusStatus> CreateResourceGroup(CreateResourceGroupRequest request, ServerCallContext context)
    {
        // A request without a configuration (older clients) asks for an empty group, as in Milvus.
        var config = request.Config is null ? new ResourceGroupConfig(0, 0) : ConfigOf(request.ResourceGroup, request.Config);
        await proxy.CreateResourceGroupAsync(request.ResourceGroup, config, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropResourceGroup(DropResourceGroupRequest request, ServerCallContext context)
    {
        await proxy.DropResourceGroupAsync(request.ResourceGroup, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> UpdateResourceGroups(UpdateResourceGroupsRequest request, ServerCallContext context)
    {
        var groups = request.ResourceGroups.ToImmutableSortedDictionary(g => g.Key, g => ConfigOf(g.Key, g.Value), StringComparer.Ordinal);
        await proxy.UpdateResourceGroupsAsync(groups, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> TransferNode(TransferNodeRequest request, ServerCallContext context)
    {
        await proxy.TransferNodeAsync(request.SourceResourceGroup, request.TargetResourceGroup, request.NumNode, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> TransferReplica(TransferReplicaRequest request, ServerCallContext context)
    {
        var replicas = (int)Math.Clamp(request.NumReplica, int.MinValue, int.MaxValue);
        await proxy.TransferReplicaAsync(request.SourceResourceGroup, request.TargetResourceGroup, Database(request.DbName, context), request.CollectionName,
            replicas, context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<ListResourceGroupsResponse> ListResourceGroups(ListResourceGroupsRequest request, ServerCallContext context) =>
        new() { Status = MilvusStatuses.Success, ResourceGroups = { await proxy.ListResourceGroupsAsync(context.CancellationToken) } };

    public override async Task<DescribeResourceGroupResponse> DescribeResourceGroup(DescribeResourceGroupRequest request, ServerCallContext context)
    {
        var group = await proxy.DescribeResourceGroupAsync(request.ResourceGroup, context.CancellationToken);
        return new DescribeResourceGroupResponse
        {
            Status = MilvusStatuses.Success,
            ResourceGroup = new ResourceGroup
            {
                Name = group.Name,
                Capacity = group.Capacity,
                NumAvailableNode = group.Nodes.Length,
                NumLoadedReplica = { group.LoadedReplicas },
                NumOutgoingNode = { group.OutgoingNodes },
                NumIncomingNode = { group.IncomingNodes },
                Config = ToProto(group.Config),
                Nodes = { group.Nodes.Select(n => new NodeInfo { NodeId = n.NodeId, Address = n.Address, Hostname = n.Hostname }) },
            },
        };
    }

    /// <summary>A configuration as the coordinator takes it; Milvus requires both requests and limits.</summary>
    private static ResourceGroupConfig ConfigOf(string group, Rg.ResourceGroupConfig config)
    {
        if (config.Requests is null || config.Limits is null)
        {
            throw new MilvusException(ErrorCode.ResourceGroupIllegalConfig, $"resource group illegal config[rg={group}]: requests or limits is required");
        }

        return new ResourceGroupConfig(config.Requests.NodeNum, config.Limits.NodeNum)
        {
            TransferFrom = [.. config.TransferFrom.Select(t => t.ResourceGroup)],
            TransferTo = [.. config.TransferTo.Select(t => t.ResourceGroup)],
            NodeLabels = [.. (config.NodeFilter?.NodeLabels ?? []).Select(l => new NodeLabel(l.Key, l.Value))],
        };
    }

    private static Rg.ResourceGroupConfig ToProto(ResourceGroupConfig config) => new()
    {
        Requests = new Rg.ResourceGroupLimit { NodeNum = config.Requests },
        Limits = new Rg.ResourceGroupLimit { NodeNum = config.Limits },
        TransferFrom = { config.TransferFrom.Select(g => new Rg.ResourceGroupTransfer { ResourceGroup = g }) },
        TransferTo = { config.TransferTo.Select(g => new Rg.ResourceGroupTransfer { ResourceGroup = g }) },
        NodeFilter = new Rg.ResourceGroupNodeFilter { NodeLabels = { config.NodeLabels.Select(l => new Milvus.Akka.Grpc.Protocol.Common.KeyValuePair { Key = l.Key, Value = l.Value }) } },
    };
}
