using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Segments;

/// <summary>The rows of a segment (primary key included) and each row's insert timestamp.</summary>
public sealed record SegmentData(RowBatch Rows, ulong[] Timestamps);

/// <summary>The insert log of one field (or of the row timestamps, field <see cref="SegmentStore.TimestampFieldId"/>).</summary>
public sealed record FieldBinlog(long FieldId, SegmentFile File);

/// <summary>
/// Everything needed to load a sealed segment: every file with its size and checksum. Written last, so a manifest
/// only ever names complete files; stored at <see cref="ObjectPaths.SegmentManifest"/> by <see cref="SegmentManifestCodec"/>.
/// </summary>
public sealed record SegmentManifest(
    long CollectionId,
    long PartitionId,
    long SegmentId,
    int RowCount,
    ulong MinTimestamp,
    ulong MaxTimestamp,
    IReadOnlyList<FieldBinlog> Fields,
    SegmentFile Stats,
    IReadOnlyList<SegmentFile> DeltaLogs)
{
    public FieldBinlog? FindField(long fieldId) => Fields.FirstOrDefault(f => f.FieldId == fieldId);
}
