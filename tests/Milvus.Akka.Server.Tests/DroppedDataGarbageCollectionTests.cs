using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>The coordinator deletes a dropped collection's objects once the drop tolerance has passed, and nothing else.</summary>
public sealed class DroppedDataGarbageCollectionTests() : StandaloneNodeTest(GcConfig)
{
    private const string GcConfig = """
        milvus.coordinator.gc.interval = 300ms
        milvus.coordinator.gc.drop-tolerance = 4s
        """;


    [Fact]
    public async Task A_dropped_collection_loses_its_objects_after_the_drop_tolerance()
    {
        var kept = new OracleCollection(Proxy, "kept", seed: 31);
        var dropped = new OracleCollection(Proxy, "dropped", seed: 32);
        foreach (var collection in new[] { kept, dropped })
        {
            await collection.CreateAndLoadAsync(shards: 1);
            await collection.InsertAsync(0, 1500);
            await Proxy.FlushAsync(null, collection.Name);
        }

        await using var objects = new LocalObjectStore(Path.Combine(DataDir, "objects"));
        var droppedId = (await dropped.DescribeAsync()).Id;
        Assert.NotEmpty(await ObjectsOfAsync(objects, droppedId));

        await Proxy.DropCollectionAsync(null, dropped.Name);
        Assert.NotEmpty(await ObjectsOfAsync(objects, droppedId));
        await Eventually.UntilAsync(async () => (await ObjectsOfAsync(objects, droppedId)).Count == 0,
            "the garbage collection of the dropped collection", seconds: 30);

        await StoredSegments.AssertCompleteAsync(objects, await kept.DescribeAsync(), await Proxy.GetFlushedSegmentsAsync(null, kept.Name));
        await kept.WaitUntilServedAsync();
        await kept.AssertMatchesOracleAsync();
    }

    private static async Task<List<ObjectInfo>> ObjectsOfAsync(IObjectStore objects, long collectionId)
    {
        var all = new List<ObjectInfo>();
        foreach (var prefix in ObjectPaths.CollectionPrefixes(collectionId))
        {
            all.AddRange(await objects.ListAsync(prefix));
        }

        return all;
    }
}
