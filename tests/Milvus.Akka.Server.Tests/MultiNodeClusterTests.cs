using Akka.Actor;
using Akka.Cluster.Sharding;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// The split-role <see cref="LocalCluster"/> runs the end-to-end check; the two shards live on different streaming
/// nodes, so every message crosses remoting through its wire serializer, an added field's schema included.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class MultiNodeClusterTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(StandaloneNode.TestConfig);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Split_roles_answer_like_the_oracle_with_shards_on_both_streaming_nodes()
    {
        var proxy = _cluster.Front.Proxy!;
        var collection = new OracleCollection(proxy, "clustered", seed: 21);
        await collection.CreateAndLoadAsync(shards: 2);

        // The coordinator places the two shards on the two streaming nodes; wait until sharding has started them there.
        var region = ClusterSharding.Get(_cluster.Front.System).ShardRegion(MilvusNode.ShardTypeName);
        var streamingNodes = _cluster.Streaming.Select(n => n.Address).ToHashSet();
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

        // AddCollectionField reaches the shards on both streaming nodes and the query node serving the flushed rows.
        await proxy.AddCollectionFieldsAsync(null, collection.Name, [new FieldSchema { FieldId = 0, Name = "added", DataType = DataType.Int64, Nullable = true, DefaultValue = 5L }]);
        var addedId = (await proxy.DescribeCollectionAsync(null, collection.Name)).Schema.FindField("added")!.FieldId;
        var read = await proxy.QueryAsync(new QueryRequest
        {
            Collection = collection.Name, Filter = "added == 5", OutputFields = ["added"], Consistency = ConsistencyLevel.Strong,
        });
        Assert.Equal(collection.Rows.Visible.Count(), read.Ids.Count);
        Assert.All(((ScalarColumn<long>)read.Fields[addedId]).Values, value => Assert.Equal(5L, value));
        await collection.InsertAsync(20_000, 100);
        await collection.AssertMatchesOracleAsync();
    }
}
