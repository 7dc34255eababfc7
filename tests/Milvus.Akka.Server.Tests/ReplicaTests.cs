using System.Diagnostics;
using Akka.Actor;
using Grpc.Net.Client;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;
using Xunit.Abstractions;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using QueryRequest = Milvus.Akka.Proxy.QueryRequest;
using SearchRequest = Milvus.Akka.Proxy.SearchRequest;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// A collection loaded with replica_number 2 on the three-node cluster (two query nodes): each replica holds every
/// flushed segment on its own query node, reads take the replicas in turn, and when one replica's query node stops
/// the reads go to the other replica within the same request.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    /// <summary>No node leaves here (one actor stops): a busy machine's late heartbeats must not get a node downed.</summary>
    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(
        StandaloneNode.TestConfig + "\nakka.cluster.failure-detector.acceptable-heartbeat-pause = 20s\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Two_replicas_serve_on_disjoint_query_nodes_and_reads_keep_succeeding_when_one_stops()
    {
        var proxy = _cluster.Front.Proxy!;
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_cluster.Front.GrpcPort}");
        var client = new MilvusService.MilvusServiceClient(channel);
        var collection = new OracleCollection(proxy, "two_replicas", seed: 71);

        // Three replicas on two query nodes: refused with Milvus's error, and nothing is loaded.
        var refused = await Assert.ThrowsAsync<MilvusException>(() => collection.CreateAndLoadAsync(shards: 2, replicaNumber: 3));
        Assert.Equal(ErrorCode.ResourceGroupNodeNotEnough, refused.Code);
        var viaGrpc = await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = collection.Name, ReplicaNumber = 3 });
        Assert.Equal((int)ErrorCode.ResourceGroupNodeNotEnough, viaGrpc.Code);
        Assert.Contains("resource group node not enough[rg=__default_resource_group][currentNodeNum=2][expectedNodeNum=3]", viaGrpc.Reason);
        Assert.False((await collection.DescribeAsync()).Loaded);

        await proxy.LoadCollectionAsync(null, collection.Name, replicaNumber: 2);
        for (var batch = 0; batch < 4; batch++)
        {
            await collection.InsertAsync(batch * 500L, 500);
            await proxy.FlushAsync(null, collection.Name);
        }

        await collection.WaitUntilServedAsync();
        var info = await collection.DescribeAsync();
        var distribution = await proxy.GetDistributionAsync(info.Id);
        Assert.Equal(2, distribution.Replicas.Length);
        var nodesOf = distribution.Replicas.ToDictionary(r => r.ReplicaId, r => Assert.Single(r.NodeIds));
        Assert.NotEqual(nodesOf.Values.First(), nodesOf.Values.Last());
        foreach (var copies in distribution.Segments.GroupBy(s => s.Segment.SegmentId))
        {
            // Every segment is served once in each replica, on that replica's node.
            Assert.Equal(nodesOf.OrderBy(r => r.Key), copies.Select(c => KeyValuePair.Create(c.ReplicaId, c.NodeId)).OrderBy(c => c.Key));
        }

        var replicas = await client.GetReplicasAsync(new GetReplicasRequest { CollectionID = info.Id });
        Assert.Equal(2, replicas.Replicas.Count);
        Assert.Empty(replicas.Replicas[0].NodeIds.Intersect(replicas.Replicas[1].NodeIds));
        Assert.All(replicas.Replicas, r => Assert.Equal(info.AllShardNames.Order(), r.ShardReplicas.Select(s => s.DmChannelName).Order()));
        Assert.All(replicas.Replicas, r => Assert.Equal("__default_resource_group", r.ResourceGroupName));
        Assert.Equal(nodesOf.Keys.Order(), replicas.Replicas.Select(r => r.ReplicaID).Order());
        await collection.AssertMatchesOracleAsync();

        // A reader checks every search and count against the oracle while one replica's query node stops.
        var reads = await collection.ReadWhileAsync(async () =>
        {
            var queryNode = await _cluster.Streaming[0].System.ActorSelection("/user/query-node").ResolveOne(TimeSpan.FromSeconds(10));
            await queryNode.GracefulStop(TimeSpan.FromSeconds(10));
        }, readsAfter: 60);
        var rate = 100.0 * reads.Succeeded / reads.Total;
        output.WriteLine($"replica_number 2, one query node stopped: {reads.Succeeded} of {reads.Total} reads succeeded ({rate:0.0} %), "
            + $"{reads.Failed} failed; first failure: {reads.FirstFailure ?? "none"}");
        Assert.True(rate >= 99, $"only {rate:0.0} % of the reads succeeded; first failure: {reads.FirstFailure}");
        await collection.AssertMatchesOracleAsync();
        Assert.Equal(100, (await proxy.GetLoadProgressAsync(null, collection.Name)).Percent);

        // The replica number of a loaded collection does not change; released, it loads with another.
        var changed = await Assert.ThrowsAsync<MilvusException>(() => proxy.LoadCollectionAsync(null, collection.Name, wait: false, replicaNumber: 1));
        Assert.Equal(ErrorCode.ParameterInvalid, changed.Code);
        Assert.Contains("can't change the replica number for loaded collection", changed.Message);
        await proxy.ReleaseCollectionAsync(null, collection.Name);
        Assert.Empty((await client.GetReplicasAsync(new GetReplicasRequest { CollectionID = info.Id })).Replicas);
        await proxy.LoadCollectionAsync(null, collection.Name, replicaNumber: 1);
        var reloaded = Assert.Single((await client.GetReplicasAsync(new GetReplicasRequest { CollectionID = info.Id })).Replicas);
        Assert.DoesNotContain(reloaded.ReplicaID, nodesOf.Keys);
        await collection.AssertMatchesOracleAsync();
    }
}
