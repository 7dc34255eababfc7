using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;
using Xunit.Abstractions;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using Rg = Milvus.Akka.Grpc.Protocol.ResourceGroups;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Resource groups on the three-node cluster (two query nodes), through the Milvus gRPC API: a node transferred to a
/// new group, a collection loaded with one replica in each group, a replica transferred back and the group emptied and
/// dropped, while a reader checks every search and count against the oracle: no read fails while replicas and nodes
/// change groups.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ResourceGroupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string DefaultGroup = "__default_resource_group";
    private const string Group = "rg_a";

    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(
        StandaloneNode.TestConfig + "\nakka.cluster.failure-detector.acceptable-heartbeat-pause = 20s\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Replicas_follow_their_resource_groups_and_reads_never_fail_while_nodes_and_replicas_move()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_cluster.Front.GrpcPort}");
        var client = new MilvusService.MilvusServiceClient(channel);
        await WaitForNodesAsync(client, DefaultGroup, 2);

        Assert.Equal(0, (await client.CreateResourceGroupAsync(new CreateResourceGroupRequest { ResourceGroup = Group })).Code);
        Assert.Equal([DefaultGroup, Group], (await client.ListResourceGroupsAsync(new ListResourceGroupsRequest())).ResourceGroups);
        Assert.Equal(0, (await client.TransferNodeAsync(new TransferNodeRequest
        {
            SourceResourceGroup = DefaultGroup, TargetResourceGroup = Group, NumNode = 1,
        })).Code);
        var inGroup = Assert.Single((await WaitForNodesAsync(client, Group, 1)).Nodes).NodeId;
        await WaitForNodesAsync(client, DefaultGroup, 1);
        var described = (await client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = Group })).ResourceGroup;
        Assert.Equal((1, 1, 1), (described.Capacity, described.Config.Requests.NodeNum, described.Config.Limits.NodeNum));

        // One replica in each group, each on its group's node.
        var collection = new OracleCollection(_cluster.Front.Proxy!, "placed_replicas", seed: 73);
        await collection.CreateAndLoadAsync(shards: 2, replicaNumber: 2, resourceGroups: [DefaultGroup, Group]);
        for (var batch = 0; batch < 3; batch++)
        {
            await collection.InsertAsync(batch * 400L, 400);
            await _cluster.Front.Proxy!.FlushAsync(null, collection.Name);
        }

        await collection.WaitUntilServedAsync();
        var replicas = (await client.GetReplicasAsync(new GetReplicasRequest { CollectionName = collection.Name })).Replicas;
        Assert.Equal([DefaultGroup, Group], replicas.Select(r => r.ResourceGroupName).Order(StringComparer.Ordinal));
        Assert.Equal([inGroup], replicas.Single(r => r.ResourceGroupName == Group).NodeIds);
        Assert.DoesNotContain(inGroup, replicas.Single(r => r.ResourceGroupName == DefaultGroup).NodeIds);
        described = (await client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = Group })).ResourceGroup;
        Assert.Equal(1, described.NumLoadedReplica[collection.Name]);
        var refused = await client.DropResourceGroupAsync(new DropResourceGroupRequest { ResourceGroup = Group });
        Assert.Contains("some replicas still loaded in resource group[rg_a]", refused.Reason);

        // The rg_a replica moves to the default group, whose one node holds the other replica: the rg_a node keeps
        // serving it (an outgoing node of the default group, an incoming one of rg_a).
        var transferred = await collection.ReadWhileAsync(async () =>
        {
            Assert.Equal(0, (await client.TransferReplicaAsync(new TransferReplicaRequest
            {
                SourceResourceGroup = Group, TargetResourceGroup = DefaultGroup, CollectionName = collection.Name, NumReplica = 1,
            })).Code);
            var outgoing = (await client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = DefaultGroup })).ResourceGroup;
            Assert.Equal(2, outgoing.NumLoadedReplica[collection.Name]);
            Assert.Equal(1, outgoing.NumOutgoingNode[collection.Name]);
        });

        // rg_a gives its node back: it joins the default group and the replica it already serves.
        var returned = await collection.ReadWhileAsync(async () =>
        {
            await EmptyGroupAsync(client);
            await WaitForNodesAsync(client, DefaultGroup, 2);
            await Eventually.UntilAsync(async () =>
                (await client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = DefaultGroup })).ResourceGroup.NumOutgoingNode.Count == 0,
                "no node serves a replica outside its group");
        });
        AssertNoFailedRead("replica transferred", transferred);
        AssertNoFailedRead("node returned", returned);

        replicas = (await client.GetReplicasAsync(new GetReplicasRequest { CollectionName = collection.Name })).Replicas;
        Assert.All(replicas, r => Assert.Equal(DefaultGroup, r.ResourceGroupName));
        Assert.Empty(replicas[0].NodeIds.Intersect(replicas[1].NodeIds));
        await collection.AssertMatchesOracleAsync();

        // One replica over both nodes, then one node moves to rg_a: the segments it served move to the other node, each
        // read there only once loaded, and the moved node unloads them.
        await _cluster.Front.Proxy!.ReleaseCollectionAsync(null, collection.Name);
        await _cluster.Front.Proxy!.LoadCollectionAsync(null, collection.Name);
        await collection.WaitUntilServedAsync();
        var info = await collection.DescribeAsync();
        var servingNodes = (await _cluster.Front.Proxy!.GetDistributionAsync(info.Id)).Segments.Select(s => s.NodeId).Distinct().ToList();
        Assert.Equal(2, servingNodes.Count);
        var moves = await collection.ReadWhileAsync(async () =>
        {
            Assert.Equal(0, (await client.TransferNodeAsync(new TransferNodeRequest
            {
                SourceResourceGroup = DefaultGroup, TargetResourceGroup = Group, NumNode = 1,
            })).Code);
            var moved = Assert.Single((await WaitForNodesAsync(client, Group, 1)).Nodes).NodeId;
            await Eventually.UntilAsync(async () =>
                    (await _cluster.Front.Proxy!.GetDistributionAsync(info.Id)).Segments.All(s => s.NodeId != 0 && s.NodeId != moved),
                "every segment is served by the node left in the default group", seconds: 60);
        });
        AssertNoFailedRead("node moved out of a replica", moves);
        await collection.AssertMatchesOracleAsync();
        await EmptyGroupAsync(client);
        await WaitForNodesAsync(client, DefaultGroup, 2);

        Assert.Equal(0, (await client.DropResourceGroupAsync(new DropResourceGroupRequest { ResourceGroup = Group })).Code);
        Assert.Equal([DefaultGroup], (await client.ListResourceGroupsAsync(new ListResourceGroupsRequest())).ResourceGroups);
        var missing = await client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = Group });
        Assert.Equal((int)ErrorCode.ResourceGroupNotFound, missing.Status.Code);
    }

    private void AssertNoFailedRead(string phase, ReadTally reads)
    {
        output.WriteLine($"{phase}: {reads.Succeeded} of {reads.Total} reads succeeded; first failure: {reads.FirstFailure ?? "none"}");
        Assert.Equal(0, reads.Failed);
    }

    /// <summary>rg_a asks for no node and holds none: its nodes return to the default group.</summary>
    private static async Task EmptyGroupAsync(MilvusService.MilvusServiceClient client) =>
        Assert.Equal(0, (await client.UpdateResourceGroupsAsync(new UpdateResourceGroupsRequest
        {
            ResourceGroups = { [Group] = new Rg.ResourceGroupConfig { Requests = new() { NodeNum = 0 }, Limits = new() { NodeNum = 0 } } },
        })).Code);

    private static async Task<ResourceGroup> WaitForNodesAsync(MilvusService.MilvusServiceClient client, string group, int nodes)
    {
        ResourceGroup? described = null;
        await Eventually.UntilAsync(async () =>
        {
            described = (await client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = group })).ResourceGroup;
            return described.NumAvailableNode == nodes;
        }, $"{group} has {nodes} query nodes", seconds: 60);
        return described!;
    }
}
