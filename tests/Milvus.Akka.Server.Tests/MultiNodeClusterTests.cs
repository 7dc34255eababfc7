using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Three ActorSystems on loopback with the roles split — coordinator+proxy / streaming+query / streaming+query+data —
/// run the end-to-end check; the two shards live on different streaming nodes, so every message crosses remoting
/// through its wire serializer.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class MultiNodeClusterTests : IAsyncLifetime
{
    private readonly string _dataDir = StandaloneNode.NewDataDir();
    private readonly List<MilvusNode> _nodes = [];

    public async Task InitializeAsync()
    {
        // One machine: the nodes share the data directory, so a shard's journal is readable wherever it runs.
        var front = await StartAsync([Roles.Coordinator, Roles.Proxy], []);
        await StartAsync([Roles.Streaming, Roles.Query], [front.Address.ToString()]);
        await StartAsync([Roles.Streaming, Roles.Query, Roles.Data], [front.Address.ToString()]);
        // Shards are placed on the streaming nodes the coordinator sees as up when a collection is created.
        var cluster = global::Akka.Cluster.Cluster.Get(front.System);
        await Eventually.UntilAsync(() => Task.FromResult(cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 3),
            "the coordinator sees all three nodes up", seconds: 30);
    }

    private async Task<MilvusNode> StartAsync(ImmutableArray<string> roles, ImmutableArray<string> seeds)
    {
        var node = await MilvusNode.StartAsync(new NodeOptions
        {
            Roles = roles,
            DataDir = _dataDir,
            Seeds = seeds,
            ExtraConfig = StandaloneNode.TestConfig,
        });
        _nodes.Add(node);
        return node;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Split_roles_answer_like_the_oracle_with_shards_on_both_streaming_nodes()
    {
        var proxy = _nodes[0].Proxy!;
        var collection = new OracleCollection(proxy, "clustered", seed: 21);
        await collection.CreateAndLoadAsync(shards: 2);

        // The coordinator places the two shards on the two streaming nodes; wait until sharding has started them there.
        var region = ClusterSharding.Get(_nodes[0].System).ShardRegion(MilvusNode.ShardTypeName);
        var streamingNodes = new HashSet<Address> { _nodes[1].Address, _nodes[2].Address };
        await Eventually.UntilAsync(async () =>
        {
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(10));
            return stats.Regions.Where(r => r.Value.Stats.Count > 0).Select(r => r.Key).ToHashSet().SetEquals(streamingNodes);
        }, "one shard runs on each streaming node", seconds: 60);

        await collection.InsertAsync(0, 2000);
        await collection.AssertMatchesOracleAsync();

        var deleted = collection.Rows.Visible.Select(r => r.Id).Where(id => id % 9 == 4).ToList();
        await proxy.DeleteAsync(null, collection.Name, $"id in [{string.Join(",", deleted)}]");
        collection.Rows.Delete(deleted);
        await proxy.FlushAsync(null, collection.Name);
        await collection.WaitUntilServedAsync();
        await collection.InsertAsync(10_000, 500);
        await collection.AssertMatchesOracleAsync();
        Assert.Equal(2000, (await proxy.GetFlushedSegmentsAsync(null, collection.Name)).Sum(s => s.RowCount));
    }
}
