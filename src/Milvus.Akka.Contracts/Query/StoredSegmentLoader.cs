using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Index;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Query;

/// <summary>Reads a flushed segment back from object storage into a searchable <see cref="Segment"/>.</summary>
public static class StoredSegmentLoader
{
    /// <summary>
    /// The segment's rows with the deletes of its delete logs applied, and its vector indexes when
    /// <paramref name="withIndexes"/> (without them searches over it are exact scans).
    /// </summary>
    public static async Task<Segment> LoadAsync(IObjectStore objects, CollectionSchema schema, SegmentInfo info, bool withIndexes)
    {
        var manifest = await SegmentStore.ReadManifestAsync(objects, info.CollectionId, info.PartitionId, info.SegmentId);
        var data = await SegmentStore.ReadAsync(objects, schema, manifest);
        var indexes = new Dictionary<long, IFieldIndex>();
        if (withIndexes)
        {
            foreach (var (fieldId, key) in info.IndexFiles)
            {
                indexes[fieldId] = VectorIndexes.LoadAny(await objects.GetAsync(key));
            }
        }

        var segment = Segment.Load(info.SegmentId, info.PartitionId, schema, data.Rows, data.Timestamps, indexes);
        foreach (var log in await SegmentStore.ReadDeleteLogsAsync(objects, manifest))
        {
            segment.Delete(log.PrimaryKeys, log.Timestamps);
        }

        return segment;
    }
}
