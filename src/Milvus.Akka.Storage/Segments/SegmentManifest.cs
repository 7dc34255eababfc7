using System.Text.Json;
using System.Text.Json.Serialization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Segments;

/// <summary>The rows of a segment (primary key included) and each row's insert timestamp.</summary>
public sealed record SegmentData(RowBatch Rows, ulong[] Timestamps);

/// <summary>The insert log of one field (or of the row timestamps, field <see cref="SegmentStore.TimestampFieldId"/>).</summary>
public sealed record FieldBinlog(long FieldId, SegmentFile File);

/// <summary>
/// Everything needed to load a sealed segment: every file with its size and checksum. Written last, so a manifest
/// only ever names complete files; stored as JSON at <see cref="ObjectPaths.SegmentManifest"/>.
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
    public const int CurrentFormatVersion = 1;

    /// <summary>The version of the file formats the manifest describes; readers refuse versions they don't know.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public FieldBinlog? FindField(long fieldId) => Fields.FirstOrDefault(f => f.FieldId == fieldId);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, SegmentManifestJsonContext.Default.SegmentManifest);

    public static SegmentManifest FromJson(ReadOnlySpan<byte> json, string source)
    {
        SegmentManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, SegmentManifestJsonContext.Default.SegmentManifest);
        }
        catch (JsonException e)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed, $"segment manifest '{source}' is not valid: {e.Message}", e);
        }

        if (manifest is null || manifest.Fields is null || manifest.Stats is null || manifest.DeltaLogs is null)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed, $"segment manifest '{source}' is incomplete");
        }

        if (manifest.FormatVersion != CurrentFormatVersion)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed,
                $"segment manifest '{source}' has format version {manifest.FormatVersion}; this build reads version {CurrentFormatVersion}");
        }

        return manifest;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(SegmentManifest))]
internal sealed partial class SegmentManifestJsonContext : JsonSerializerContext;
