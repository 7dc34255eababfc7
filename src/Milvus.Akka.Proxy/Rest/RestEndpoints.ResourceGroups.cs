using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.ResourceGroups;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>Resource groups, with configs in Milvus's snake_case form (<c>requests.node_num</c>, <c>transfer_from</c>, <c>node_filter.node_labels</c>).</summary>
internal static partial class RestEndpoints
{
    private static readonly JsonFormatter ProtoNames = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    private static Task<JsonNode?> CreateResourceGroupAsync(RestCall call)
    {
        var request = new CreateResourceGroupRequest { ResourceGroup = call.String("name") };
        if (call.Optional("config") is { } config)
        {
            request.Config = ResourceGroupConfigOf(config, "config");
        }

        return call.NoDataAsync(request, call.Service.CreateResourceGroup);
    }

    private static Task<JsonNode?> DropResourceGroupAsync(RestCall call) =>
        call.NoDataAsync(new DropResourceGroupRequest { ResourceGroup = call.String("name") }, call.Service.DropResourceGroup);

    private static async Task<JsonNode?> ListResourceGroupsAsync(RestCall call) =>
        Strings((await call.RunAsync(new ListResourceGroupsRequest(), call.Service.ListResourceGroups)).ResourceGroups);

    /// <summary>Milvus answers the group beside the code, as <c>resource_group</c> in the proto's own field names.</summary>
    private static async Task<JsonNode?> DescribeResourceGroupAsync(RestCall call)
    {
        var described = await call.RunAsync(new DescribeResourceGroupRequest { ResourceGroup = call.String("name") }, call.Service.DescribeResourceGroup);
        call.Extra["resource_group"] = JsonNode.Parse(ProtoNames.Format(described.ResourceGroup));
        return null;
    }

    private static Task<JsonNode?> AlterResourceGroupsAsync(RestCall call)
    {
        var groups = call.Required("resource_groups");
        if (groups.ValueKind != JsonValueKind.Object)
        {
            throw RestCall.WrongType("resource_groups", "an object of configs by group name");
        }

        var request = new UpdateResourceGroupsRequest();
        foreach (var group in groups.EnumerateObject())
        {
            request.ResourceGroups[group.Name] = ResourceGroupConfigOf(group.Value, $"resource_groups.{group.Name}");
        }

        return call.NoDataAsync(request, call.Service.UpdateResourceGroups);
    }

    private static Task<JsonNode?> TransferReplicaAsync(RestCall call) => call.NoDataAsync(new TransferReplicaRequest
    {
        DbName = call.Database,
        SourceResourceGroup = call.String("sourceRgName"),
        TargetResourceGroup = call.String("targetRgName"),
        CollectionName = call.String("collectionName"),
        NumReplica = call.OptionalInteger("replicaNum") ?? throw RestCall.Missing("replicaNum"),
    }, call.Service.TransferReplica);

    private static ResourceGroupConfig ResourceGroupConfigOf(JsonElement json, string key)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw RestCall.WrongType(key, "a resource group config object");
        }

        var config = new ResourceGroupConfig();
        if (json.TryGetProperty("requests", out var requests))
        {
            config.Requests = new ResourceGroupLimit { NodeNum = NodeNum(requests, $"{key}.requests") };
        }

        if (json.TryGetProperty("limits", out var limits))
        {
            config.Limits = new ResourceGroupLimit { NodeNum = NodeNum(limits, $"{key}.limits") };
        }

        config.TransferFrom.Add(Transfers(json, "transfer_from", key));
        config.TransferTo.Add(Transfers(json, "transfer_to", key));
        if (json.TryGetProperty("node_filter", out var filter) && filter.ValueKind == JsonValueKind.Object
            && filter.TryGetProperty("node_labels", out var labels) && labels.ValueKind == JsonValueKind.Object)
        {
            config.NodeFilter = new ResourceGroupNodeFilter();
            config.NodeFilter.NodeLabels.Add(RestSchema.PairsOf(labels));
        }

        return config;
    }

    private static int NodeNum(JsonElement limit, string key) =>
        limit.ValueKind == JsonValueKind.Object && limit.TryGetProperty("node_num", out var n) && n.TryGetInt32(out var number)
            ? number
            : throw RestCall.WrongType($"{key}.node_num", "an integer");

    private static IEnumerable<ResourceGroupTransfer> Transfers(JsonElement json, string name, string key) =>
        !json.TryGetProperty(name, out var transfers) || transfers.ValueKind == JsonValueKind.Null ? []
        : transfers.ValueKind == JsonValueKind.Array
            ? [.. transfers.EnumerateArray().Select(t => new ResourceGroupTransfer
            {
                ResourceGroup = t.ValueKind == JsonValueKind.Object && t.TryGetProperty("resource_group", out var g) && g.ValueKind == JsonValueKind.String
                    ? g.GetString()
                    : throw RestCall.WrongType($"{key}.{name}[].resource_group", "a group name"),
            })]
            : throw RestCall.WrongType($"{key}.{name}", "an array");
}
