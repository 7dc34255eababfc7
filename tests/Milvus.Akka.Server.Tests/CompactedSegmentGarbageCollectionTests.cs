using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>The coordinator deletes the objects of segments a compaction replaced once the drop tolerance has passed.</summary>
public sealed class CompactedSegmentGarbageCollectionTests() : StandaloneNodeTest(Config)
{
    private const string Config = """
        milvus.coordinator.compaction.auto = off
        milvus.coordinator.gc.interval = 300ms
        milvus.coordinator.gc.drop-tolerance = 2s
        """;


    [Fact]
    public async Task Segments_replaced_by_a_compaction_lose_their_objects_and_the_merged_one_keeps_answering()
    {
        var collection = new OracleCollection(Proxy, "regrouped", seed: 51);
        await collection.CreateAndLoadAsync(shards: 1);
        for (var batch = 0; batch < 3; batch++)
        {
            await collection.InsertAsync(batch * 1000, 1000);
            await Proxy.FlushAsync(null, collection.Name);
        }

        var deleted = collection.Rows.Visible.Select(r => r.Id).Where(id => id % 7 == 3).ToList();
        await Proxy.DeleteAsync(null, collection.Name, $"id in [{string.Join(",", deleted)}]");
        collection.Rows.Delete(deleted);
        await collection.WaitUntilServedAsync();
        var replaced = await Proxy.GetFlushedSegmentsAsync(null, collection.Name);
        Assert.Equal(3, replaced.Length);

        await using var objects = new LocalObjectStore(Path.Combine(DataDir, "objects"));
        foreach (var segment in replaced)
        {
            Assert.NotEmpty(await ObjectsOfAsync(objects, segment));
        }

        Assert.Equal(1, (await Proxy.CompactAsync(null, collection.Name)).Tasks);
        await Eventually.UntilAsync(async () => (await Proxy.GetCompactionStateAsync(null, collection.Name)) is { Completed: 1, Pending: 0, Running: 0 },
            "the compaction completes", seconds: 60);
        foreach (var segment in replaced)
        {
            await Eventually.UntilAsync(async () => (await ObjectsOfAsync(objects, segment)).Count == 0,
                $"the garbage collection of compacted segment {segment.SegmentId}", seconds: 30);
        }

        var merged = await Proxy.GetFlushedSegmentsAsync(null, collection.Name);
        Assert.DoesNotContain(Assert.Single(merged).SegmentId, replaced.Select(s => s.SegmentId));
        await StoredSegments.AssertCompleteAsync(objects, await collection.DescribeAsync(), merged);
        await collection.WaitUntilServedAsync();
        await collection.AssertMatchesOracleAsync();
    }

    private static async Task<List<ObjectInfo>> ObjectsOfAsync(IObjectStore objects, SegmentInfo segment)
    {
        var all = new List<ObjectInfo>();
        foreach (var prefix in ObjectPaths.SegmentPrefixes(segment.CollectionId, segment.PartitionId, segment.SegmentId))
        {
            all.AddRange(await objects.ListAsync(prefix));
        }

        return all;
    }
}
