using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Storage.Formats;

namespace Milvus.Akka.Storage.Segments;

/// <summary>
/// The stored form of a <see cref="SegmentManifest"/> (Formats/segment_manifest.proto). Writes format version 2
/// (protobuf); reads it and the JSON manifests of version 1 that earlier versions wrote, and refuses any version it
/// does not know with an error naming it, instead of loading a segment it would misread.
/// </summary>
public static class SegmentManifestCodec
{
    public const uint FormatVersion = 2;

    /// <summary>The version of the JSON manifests written before the protobuf schema.</summary>
    public const uint JsonFormatVersion = 1;

    public static byte[] Encode(SegmentManifest manifest)
    {
        var entry = new SegmentManifestEntry
        {
            CollectionId = manifest.CollectionId,
            PartitionId = manifest.PartitionId,
            SegmentId = manifest.SegmentId,
            RowCount = manifest.RowCount,
            MinTimestamp = manifest.MinTimestamp,
            MaxTimestamp = manifest.MaxTimestamp,
            Stats = Encode(manifest.Stats),
            FormatVersion = FormatVersion,
        };
        entry.Fields.AddRange(manifest.Fields.Select(f => new FieldBinlogEntry { FieldId = f.FieldId, File = Encode(f.File) }));
        entry.DeltaLogs.AddRange(manifest.DeltaLogs.Select(Encode));
        return entry.ToByteArray();
    }

    /// <summary>Reads a manifest of any version this build knows; <paramref name="source"/> names it in errors.</summary>
    public static SegmentManifest Decode(ReadOnlySpan<byte> stored, string source) =>
        stored.Length > 0 && stored[0] == (byte)'{' ? DecodeJson(stored, source) : DecodeProtobuf(stored, source);

    private static SegmentManifest DecodeProtobuf(ReadOnlySpan<byte> stored, string source)
    {
        SegmentManifestEntry entry;
        try
        {
            entry = SegmentManifestEntry.Parser.ParseFrom(stored);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Invalid(source, e.Message, e);
        }

        if (entry.FormatVersion > FormatVersion)
        {
            throw Newer(source, entry.FormatVersion);
        }

        // Every protobuf manifest was written with its version; one without is not a manifest.
        if (entry.FormatVersion < FormatVersion || entry.Stats is null || entry.Fields.Any(f => f.File is null))
        {
            throw Invalid(source, "it is incomplete");
        }

        return new SegmentManifest(entry.CollectionId, entry.PartitionId, entry.SegmentId, checked((int)entry.RowCount),
            entry.MinTimestamp, entry.MaxTimestamp,
            [.. entry.Fields.Select(f => new FieldBinlog(f.FieldId, Decode(f.File)))],
            Decode(entry.Stats),
            [.. entry.DeltaLogs.Select(Decode)]);
    }

    private static SegmentManifest DecodeJson(ReadOnlySpan<byte> stored, string source)
    {
        JsonManifest? json;
        try
        {
            json = JsonSerializer.Deserialize(stored, JsonManifestContext.Default.JsonManifest);
        }
        catch (JsonException e)
        {
            throw Invalid(source, e.Message, e);
        }

        if (json is not null && json.FormatVersion != JsonFormatVersion)
        {
            throw json.FormatVersion > JsonFormatVersion ? Newer(source, json.FormatVersion) : Invalid(source, $"its JSON format version is {json.FormatVersion}");
        }

        if (json?.Fields is null || json.Stats is null || json.DeltaLogs is null)
        {
            throw Invalid(source, "it is incomplete");
        }

        return new SegmentManifest(json.CollectionId, json.PartitionId, json.SegmentId, json.RowCount, json.MinTimestamp, json.MaxTimestamp,
            json.Fields, json.Stats, json.DeltaLogs);
    }

    private static SegmentFileEntry Encode(SegmentFile file) => new() { Key = file.Key, Size = file.Size, XxHash64 = file.XxHash64 };

    private static SegmentFile Decode(SegmentFileEntry file) => new(file.Key, file.Size, file.XxHash64);

    private static MilvusException Invalid(string source, string why, Exception? cause = null) =>
        new(ErrorCode.SegmentLoadFailed, $"segment manifest '{source}' is not valid: {why}", cause);

    private static MilvusException Newer(string source, uint version) =>
        new(ErrorCode.SegmentLoadFailed,
            $"segment manifest '{source}' has format version {version}, but this build reads versions up to {FormatVersion}: upgrade the node");

    /// <summary>The JSON layout of format version 1, field for field as it was written.</summary>
    internal sealed record JsonManifest(
        long CollectionId,
        long PartitionId,
        long SegmentId,
        int RowCount,
        ulong MinTimestamp,
        ulong MaxTimestamp,
        IReadOnlyList<FieldBinlog>? Fields,
        SegmentFile? Stats,
        IReadOnlyList<SegmentFile>? DeltaLogs,
        uint FormatVersion);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SegmentManifestCodec.JsonManifest))]
internal sealed partial class JsonManifestContext : JsonSerializerContext;
