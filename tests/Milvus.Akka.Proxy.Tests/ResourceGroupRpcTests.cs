using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.MilvusRpc;
using Rg = Milvus.Akka.Grpc.Protocol.ResourceGroups;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Resource group rpcs through the real gRPC endpoint of the standalone server (one query node, which stays in the
/// default group here): Milvus's validation and messages, and a load that takes its resource groups from its
/// database's properties.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class ResourceGroupRpcTests(GrpcServerFixture server)
{
    private const string DefaultGroup = "__default_resource_group";

    private MilvusService.MilvusServiceClient Client => server.Client;

    private static Rg.ResourceGroupConfig Config(int requests, int limits) =>
        new() { Requests = new Rg.ResourceGroupLimit { NodeNum = requests }, Limits = new Rg.ResourceGroupLimit { NodeNum = limits } };

    [Fact]
    public async Task Resource_groups_are_validated_described_and_dropped_as_Milvus_does()
    {
        var group = "rpc_rg_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateResourceGroupAsync(new CreateResourceGroupRequest { ResourceGroup = group }));
        try
        {
            var described = (await Client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = group })).ResourceGroup;
            Assert.Equal((0, 0, 0, 0), (described.Capacity, described.NumAvailableNode, described.Config.Requests.NodeNum, described.Config.Limits.NodeNum));
            var defaultGroup = (await Client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = DefaultGroup })).ResourceGroup;
            Assert.Equal((1_000_000, 1), (defaultGroup.Capacity, defaultGroup.NumAvailableNode));
            var node = Assert.Single(defaultGroup.Nodes);
            Assert.NotEqual(0, node.NodeId);

            Failed(await Client.CreateResourceGroupAsync(new CreateResourceGroupRequest { ResourceGroup = group, Config = Config(1, 1) }),
                301, $"resource group already exist[rg={group}]");
            Failed(await Client.CreateResourceGroupAsync(new CreateResourceGroupRequest
            {
                ResourceGroup = group + "_x", Config = new Rg.ResourceGroupConfig { Requests = new Rg.ResourceGroupLimit { NodeNum = 1 } },
            }), 303, "requests or limits is required");
            Failed(await Client.CreateResourceGroupAsync(new CreateResourceGroupRequest { ResourceGroup = "1bad" }), 1100, "resource group name");
            Failed(await Client.TransferNodeAsync(new TransferNodeRequest { SourceResourceGroup = group, TargetResourceGroup = DefaultGroup, NumNode = 1 }),
                304, $"resource group node not enough[rg={group}][currentNodeNum=0][expectedNodeNum=1]");
            Failed(await Client.UpdateResourceGroupsAsync(new UpdateResourceGroupsRequest { ResourceGroups = { ["missing_rg"] = Config(0, 0) } }),
                300, "resource group not found[rg=missing_rg]");
            Failed((await Client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = "missing_rg" })).Status,
                300, "resource group not found[rg=missing_rg]");
            Failed(await Client.DropResourceGroupAsync(new DropResourceGroupRequest { ResourceGroup = DefaultGroup }), 1100, "default resource group is not deletable");
            Assert.Contains(group, (await Client.ListResourceGroupsAsync(new ListResourceGroupsRequest())).ResourceGroups);
        }
        finally
        {
            Succeeded(await Client.DropResourceGroupAsync(new DropResourceGroupRequest { ResourceGroup = group }));
        }

        Succeeded(await Client.DropResourceGroupAsync(new DropResourceGroupRequest { ResourceGroup = group }));
        Assert.DoesNotContain(group, (await Client.ListResourceGroupsAsync(new ListResourceGroupsRequest())).ResourceGroups);
    }

    [Fact]
    public async Task A_load_without_replicas_or_groups_takes_them_from_its_databases_properties()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (group, database, name) = ("rpc_cfg_rg_" + suffix, "rpc_cfg_db_" + suffix, "cfg_" + suffix);
        Succeeded(await Client.CreateResourceGroupAsync(new CreateResourceGroupRequest { ResourceGroup = group }));
        Succeeded(await Client.CreateDatabaseAsync(new CreateDatabaseRequest { DbName = database, Properties = { Pair("database.resource_groups", group) } }));
        try
        {
            var schema = new CollectionSchema { Name = name, Fields = { IdAndVector(LineDim) } };
            Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { DbName = database, CollectionName = name, Schema = schema.ToByteString() }));
            Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
            {
                DbName = database, CollectionName = name, FieldName = "vec", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
            }));

            // The database's group has no query node: the load is refused naming it.
            Failed(await Client.LoadCollectionAsync(new LoadCollectionRequest { DbName = database, CollectionName = name }),
                304, $"resource group node not enough[rg={group}][currentNodeNum=0][expectedNodeNum=1]");

            // A load that names its groups is placed as named.
            Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { DbName = database, CollectionName = name, ResourceGroups = { DefaultGroup } }));
            var replica = Assert.Single((await Client.GetReplicasAsync(new GetReplicasRequest { DbName = database, CollectionName = name })).Replicas);
            Assert.Equal(DefaultGroup, replica.ResourceGroupName);
            Succeeded(await Client.ReleaseCollectionAsync(new ReleaseCollectionRequest { DbName = database, CollectionName = name }));
        }
        finally
        {
            Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { DbName = database, CollectionName = name }));
            Succeeded(await Client.DropDatabaseAsync(new DropDatabaseRequest { DbName = database }));
            Succeeded(await Client.DropResourceGroupAsync(new DropResourceGroupRequest { ResourceGroup = group }));
        }
    }
}
