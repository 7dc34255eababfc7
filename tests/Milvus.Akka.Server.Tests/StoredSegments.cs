using System.Globalization;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Server.Tests;

/// <summary>Checks of what a node left in object storage, read back through a separate client of the same store.</summary>
public static class StoredSegments
{
    /// <summary>
    /// Every catalogued segment loads back with every file's size and checksum verified and the catalogued row count,
    /// and the store holds no other manifest of the collection: no segment is lost, half-written or visible twice.
    /// </summary>
    public static async Task AssertCompleteAsync(IObjectStore store, CollectionInfo collection, IReadOnlyCollection<SegmentInfo> segments)
    {
        foreach (var segment in segments)
        {
            var manifest = await SegmentStore.ReadManifestAsync(store, collection.Id, segment.PartitionId, segment.SegmentId);
            var data = await SegmentStore.ReadAsync(store, collection.Schema, manifest);
            Assert.Equal(segment.RowCount, data.Rows.RowCount);
            await SegmentStore.ReadStatsAsync(store, manifest);
            await SegmentStore.ReadDeleteLogsAsync(store, manifest);
        }

        var manifests = await store.ListAsync($"{ObjectPaths.SegmentManifestRoot}/{collection.Id.ToString(CultureInfo.InvariantCulture)}/");
        Assert.Equal(segments.Select(s => s.SegmentId).Order(), manifests.Select(m => SegmentIdOf(m.Key)).Order());
    }

    /// <summary>The segment id of a manifest key, segment_manifest/{collectionId}/{partitionId}/{segmentId}.json.</summary>
    private static long SegmentIdOf(string manifestKey) =>
        long.Parse(Path.GetFileNameWithoutExtension(manifestKey), CultureInfo.InvariantCulture);
}
