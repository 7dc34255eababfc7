using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Query;

/// <summary>Reads a flushed segment back from object storage into a searchable <see cref="Segment"/>.</summary>
public static class StoredSegmentLoader
{
    /// <summary>
    /// The segment's rows with the deletes of its delete logs applied, its scalar indexes, and its vector indexes when
    /// <paramref name="withVectorIndexes"/> (without them searches over it are exact scans; scalar indexes are small,
    /// and filters without them scan the column).
    /// </summary>
    public static async Task<Segment> LoadAsync(IObjectStore objects, CollectionSchema schema, SegmentInfo info, bool withVectorIndexes)
    {
        var manifest = await SegmentStore.ReadManifestAsync(objects, info.CollectionId, info.PartitionId, info.SegmentId);
        var data = await SegmentStore.ReadAsync(objects, schema, manifest);
        var segment = Segment.Load(info.SegmentId, info.PartitionId, schema, data.Rows, data.Timestamps);
        foreach (var (fieldId, key) in info.IndexFiles)
        {
            // Only fields of the schema: a partial load's schema leaves the others (and their indexes) out.
            if (schema.FindField(fieldId) is { } field && (withVectorIndexes || !field.DataType.IsVector()))
            {
                LoadedIndex.Read(fieldId, await objects.GetAsync(key)).AttachTo(segment);
            }
        }

        foreach (var log in await SegmentStore.ReadDeleteLogsAsync(objects, manifest))
        {
            segment.Delete(log.PrimaryKeys, log.Timestamps);
        }

        return segment;
    }
}
