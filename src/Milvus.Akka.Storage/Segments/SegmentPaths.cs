using System.Globalization;

namespace Milvus.Akka.Storage.Segments;

/// <summary>Where <see cref="SegmentStore"/> writes a segment's files: the collection's layout, or a snapshot's own copy.</summary>
/// <param name="InsertLog">The key of a field's insert log (or of the row timestamps), by field id.</param>
/// <param name="StatsLog">The key of the primary-key stats, by the primary key's field id.</param>
public sealed record SegmentPaths(Func<long, string> InsertLog, Func<long, string> StatsLog, string Manifest)
{
    public static SegmentPaths OfCollection(long collectionId, long partitionId, long segmentId) => new(
        fieldId => ObjectPaths.InsertLog(collectionId, partitionId, segmentId, fieldId),
        fieldId => ObjectPaths.StatsLog(collectionId, partitionId, segmentId, fieldId),
        ObjectPaths.SegmentManifest(collectionId, partitionId, segmentId));

    /// <summary>A snapshot's copy of a segment, under the snapshot's prefix: no collection drop or compaction touches it.</summary>
    public static SegmentPaths OfSnapshot(long collectionId, long snapshotId, long segmentId) => new(
        fieldId => ObjectPaths.SnapshotFile(collectionId, snapshotId, Name(segmentId, $"insert.{fieldId.ToString(CultureInfo.InvariantCulture)}")),
        fieldId => ObjectPaths.SnapshotFile(collectionId, snapshotId, Name(segmentId, $"stats.{fieldId.ToString(CultureInfo.InvariantCulture)}")),
        ObjectPaths.SnapshotFile(collectionId, snapshotId, Name(segmentId, "manifest.json")));

    private static string Name(long segmentId, string file) => $"{segmentId.ToString(CultureInfo.InvariantCulture)}.{file}";
}
