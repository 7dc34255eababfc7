using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>Data nodes merge small flushed segments and drop deleted rows; reads stay exact before, during and after.</summary>
public sealed class CompactionTests() : StandaloneNodeTest("milvus.coordinator.compaction { auto = off, small-segment-rows = 10000 }")
{

    [Fact]
    public async Task Manual_compaction_merges_segments_and_purges_deleted_rows()
    {
        var collection = new OracleCollection(Proxy, "compacted", seed: 5);
        await collection.CreateAndLoadAsync(shards: 1);
        for (var batch = 0; batch < 3; batch++)
        {
            await collection.InsertAsync(batch * 1500, 1500);
            await Proxy.FlushAsync(null, collection.Name);
        }

        var deleted = collection.Rows.Visible.Select(r => r.Id).Where(id => id % 10 == 1).ToList();
        await Proxy.DeleteAsync(null, collection.Name, $"id in [{string.Join(",", deleted)}]");
        collection.Rows.Delete(deleted);
        await collection.WaitUntilServedAsync();
        var before = await Proxy.GetFlushedSegmentsAsync(null, collection.Name);
        Assert.Equal(3, before.Length);
        await collection.AssertMatchesOracleAsync();

        var scheduled = await Proxy.CompactAsync(null, collection.Name);
        Assert.Equal(1, scheduled.Tasks);
        await Eventually.UntilAsync(async () => (await Proxy.GetCompactionStateAsync(null, collection.Name)) is { Completed: 1, Pending: 0, Running: 0 },
            "the compaction completes");
        await collection.WaitUntilServedAsync();

        var after = Assert.Single(await Proxy.GetFlushedSegmentsAsync(null, collection.Name));
        Assert.DoesNotContain(after.SegmentId, before.Select(s => s.SegmentId));
        Assert.Equal(collection.Rows.Visible.Count, after.RowCount);
        await collection.AssertMatchesOracleAsync();

        // Deletes after the merge reach the merged segment.
        var more = collection.Rows.Visible.Select(r => r.Id).Where(id => id % 10 == 2).ToList();
        await Proxy.DeleteAsync(null, collection.Name, $"id in [{string.Join(",", more)}]");
        collection.Rows.Delete(more);
        await collection.AssertMatchesOracleAsync();
    }

    [Fact]
    public async Task Small_segments_are_merged_automatically()
    {
        await RestartNodeAsync("milvus.coordinator.compaction { auto = on, small-segment-rows = 10000 }");
        var collection = new OracleCollection(Proxy, "auto_compacted", seed: 9);
        await collection.CreateAndLoadAsync(shards: 1);
        for (var batch = 0; batch < 2; batch++)
        {
            await collection.InsertAsync(batch * 1000, 1000);
            await Proxy.FlushAsync(null, collection.Name);
        }

        await Eventually.UntilAsync(async () => (await Proxy.GetFlushedSegmentsAsync(null, collection.Name)).Length == 1, "two small segments become one");
        await collection.WaitUntilServedAsync();
        Assert.Equal(2000, Assert.Single(await Proxy.GetFlushedSegmentsAsync(null, collection.Name)).RowCount);
        await collection.AssertMatchesOracleAsync();
    }
}
