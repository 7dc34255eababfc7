using System.Globalization;
using Akka.Cluster.Sharding;
using Milvus.Akka.Cluster;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.Streaming;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// A shard writes the deletes it buffers for flushed segments into their delete logs and then drops them, so the buffer
/// stays bounded, while no deleted row reappears: not after a restart (query nodes load every segment from storage
/// with only what is left in the buffer), nor after a compaction.
/// </summary>
public sealed class DeleteBufferPruningTests() : StandaloneNodeTest(Config)
{
    private const string Config = """
        milvus.coordinator.compaction.auto = off
        milvus.streaming.seal-check-interval = 300ms
        milvus.streaming.compaction-delete-hold = 1s
        """;


    [Fact]
    public async Task Persisted_deletes_leave_the_buffer_and_stay_deleted_across_restarts_and_compaction()
    {
        var collection = new OracleCollection(Proxy, "pruned", seed: 41);
        await collection.CreateAndLoadAsync(shards: 1);
        var shard = ShardNames.ForCollection((await collection.DescribeAsync()).Id, 0);
        await collection.InsertAsync(0, 1500);
        await Proxy.FlushAsync(null, collection.Name);

        // The only segment is flushed: its deletes live in the buffer alone.
        var firstDeletes = await DeleteAsync(collection, id => id % 10 == 1);
        Assert.Equal(firstDeletes, (await DescribeBufferAsync(shard)).Rows);
        await collection.WaitUntilServedAsync();
        await collection.AssertMatchesOracleAsync();

        // The next flush writes them into the first segment's delete log and drops them.
        await collection.InsertAsync(1500, 1500);
        await Proxy.FlushAsync(null, collection.Name);
        await WaitUntilBufferEmptyAsync(shard);
        var first = (await Proxy.GetFlushedSegmentsAsync(null, collection.Name)).MinBy(s => s.SegmentId)!;
        await using (var objects = new LocalObjectStore(Path.Combine(DataDir, "objects")))
        {
            Assert.NotEmpty(await objects.ListAsync(
                $"{ObjectPaths.DeltaLogRoot}/{first.CollectionId.ToString(CultureInfo.InvariantCulture)}/{first.PartitionId.ToString(CultureInfo.InvariantCulture)}/{first.SegmentId.ToString(CultureInfo.InvariantCulture)}/"));
        }

        // Query nodes loading the segments again get no buffered delete: the delete logs must carry them.
        collection = await RestartAsync(collection);
        Assert.Equal(0, (await DescribeBufferAsync(shard)).Rows);
        await collection.AssertMatchesOracleAsync();

        // Deletes hitting both flushed segments, then a restart: the WAL brings the buffer back until it is written out.
        var secondDeletes = await DeleteAsync(collection, id => id % 10 == 2);
        collection = await RestartAsync(collection);
        Assert.Equal(secondDeletes, (await DescribeBufferAsync(shard)).Rows);
        await collection.AssertMatchesOracleAsync();
        await Proxy.FlushAsync(null, collection.Name);
        await WaitUntilBufferEmptyAsync(shard);
        collection = await RestartAsync(collection);
        await collection.AssertMatchesOracleAsync();

        // A merged segment gets the deletes that follow the merge written to its own delete log.
        await Proxy.CompactAsync(null, collection.Name);
        await Eventually.UntilAsync(async () => (await Proxy.GetCompactionStateAsync(null, collection.Name)) is { Completed: 1, Pending: 0, Running: 0 },
            "the compaction completes", seconds: 60);
        await collection.WaitUntilServedAsync();
        await DeleteAsync(collection, id => id % 10 == 3);
        await Proxy.FlushAsync(null, collection.Name);
        await WaitUntilBufferEmptyAsync(shard);
        collection = await RestartAsync(collection);
        await collection.AssertMatchesOracleAsync();
    }

    private async Task<long> DeleteAsync(OracleCollection collection, Func<long, bool> which)
    {
        var ids = collection.Rows.Visible.Select(r => r.Id).Where(which).ToList();
        await Proxy.DeleteAsync(null, collection.Name, $"id in [{string.Join(",", ids)}]");
        collection.Rows.Delete(ids);
        return ids.Count;
    }

    private async Task<OracleCollection> RestartAsync(OracleCollection collection)
    {
        await RestartNodeAsync();
        collection = collection.Through(Proxy);
        await collection.WaitUntilServedAsync();
        return collection;
    }

    private Task WaitUntilBufferEmptyAsync(string shard) =>
        Eventually.UntilAsync(async () => (await DescribeBufferAsync(shard)).Rows == 0, $"shard {shard} drops its persisted deletes", seconds: 30);

    private Task<DeleteBufferDescribed> DescribeBufferAsync(string shard) =>
        ClusterSharding.Get(Node.System).ShardRegion(MilvusNode.ShardTypeName)
            .AskFor<DeleteBufferDescribed>(new DescribeDeleteBuffer(shard), TimeSpan.FromSeconds(10));
}
