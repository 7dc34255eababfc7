using System.Globalization;

namespace Milvus.Akka.Storage;

/// <summary>
/// The object-storage layout, Milvus-style: one root per kind of file, then positional ids from the collection
/// down, so that everything of a collection, partition or segment shares a listable prefix.
/// <code>
/// insert_log/{collectionId}/{partitionId}/{segmentId}/{fieldId}          one column of a sealed segment (Arrow IPC)
/// stats_log/{collectionId}/{partitionId}/{segmentId}/{fieldId}           primary-key stats: bloom filter, min/max
/// delta_log/{collectionId}/{partitionId}/{segmentId}/{logId}             deletes that hit the segment after it sealed
/// segment_manifest/{collectionId}/{partitionId}/{segmentId}.json         the segment's file list with sizes and checksums
/// index_files/{collectionId}/{segmentId}/{fieldId}/{buildId}/{fileName}  one vector or scalar index build
/// snapshots/{collectionId}/{snapshotId}/{fileName}                       collection snapshots: copies of their segments
/// </code>
/// Ids are written in invariant decimal. Prefixes end with '/' so that segment 1 never matches segment 10.
/// </summary>
public static class ObjectPaths
{
    public const string InsertLogRoot = "insert_log";
    public const string StatsLogRoot = "stats_log";
    public const string DeltaLogRoot = "delta_log";
    public const string SegmentManifestRoot = "segment_manifest";
    public const string IndexFilesRoot = "index_files";
    public const string SnapshotsRoot = "snapshots";

    public static string InsertLog(long collectionId, long partitionId, long segmentId, long fieldId) =>
        Join(InsertLogRoot, collectionId, partitionId, segmentId, fieldId);

    public static string StatsLog(long collectionId, long partitionId, long segmentId, long fieldId) =>
        Join(StatsLogRoot, collectionId, partitionId, segmentId, fieldId);

    public static string DeltaLog(long collectionId, long partitionId, long segmentId, long logId) =>
        Join(DeltaLogRoot, collectionId, partitionId, segmentId, logId);

    public static string SegmentManifest(long collectionId, long partitionId, long segmentId) =>
        Join(SegmentManifestRoot, collectionId, partitionId, segmentId) + ".json";

    public static string IndexFile(long collectionId, long segmentId, long fieldId, long buildId, string fileName) =>
        $"{IndexBuildPrefix(collectionId, segmentId, fieldId, buildId)}{CheckFileName(fileName)}";

    /// <summary>Every file of one index build: listing it finds the build's files, deleting them drops the build.</summary>
    public static string IndexBuildPrefix(long collectionId, long segmentId, long fieldId, long buildId) =>
        Join(IndexFilesRoot, collectionId, segmentId, fieldId, buildId) + "/";

    public static string SnapshotFile(long collectionId, long snapshotId, string fileName) =>
        $"{SnapshotPrefix(collectionId, snapshotId)}{CheckFileName(fileName)}";

    public static string SnapshotPrefix(long collectionId, long snapshotId) => Join(SnapshotsRoot, collectionId, snapshotId) + "/";

    /// <summary>The prefixes holding every file of one segment (its index files included), for garbage collection.</summary>
    public static IReadOnlyList<string> SegmentPrefixes(long collectionId, long partitionId, long segmentId) =>
    [
        Join(InsertLogRoot, collectionId, partitionId, segmentId) + "/",
        Join(StatsLogRoot, collectionId, partitionId, segmentId) + "/",
        Join(DeltaLogRoot, collectionId, partitionId, segmentId) + "/",
        SegmentManifest(collectionId, partitionId, segmentId),
        Join(IndexFilesRoot, collectionId, segmentId) + "/",
    ];

    /// <summary>
    /// The prefixes holding every file of one collection, for garbage collection after a drop. Not its snapshots: a
    /// snapshot outlives its collection (restoring one after a drop is what it is for) until DropSnapshot.
    /// </summary>
    public static IReadOnlyList<string> CollectionPrefixes(long collectionId) =>
    [
        Join(InsertLogRoot, collectionId) + "/",
        Join(StatsLogRoot, collectionId) + "/",
        Join(DeltaLogRoot, collectionId) + "/",
        Join(SegmentManifestRoot, collectionId) + "/",
        Join(IndexFilesRoot, collectionId) + "/",
    ];

    private static string Join(string root, params ReadOnlySpan<long> ids)
    {
        var parts = new string[ids.Length + 1];
        parts[0] = root;
        for (var i = 0; i < ids.Length; i++)
        {
            parts[i + 1] = ids[i].ToString(CultureInfo.InvariantCulture);
        }

        return string.Join('/', parts);
    }

    private static string CheckFileName(string fileName) =>
        fileName.Length == 0 || fileName.Contains('/') || fileName.Contains('\\') || fileName is "." or ".."
            ? throw new ArgumentException($"'{fileName}' is not a plain file name", nameof(fileName))
            : fileName;
}
