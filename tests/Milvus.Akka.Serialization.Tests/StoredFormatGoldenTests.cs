using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Coordinator.Formats;
using Milvus.Akka.Storage.Formats;
using Milvus.Akka.Storage.Segments;
using Milvus.Akka.Streaming;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Data written by earlier versions still decodes. Each file under Golden/ holds the bytes a version of Milvus.Akka
/// stored (written once by the code of that time, never regenerated) and must decode to the sample it was written from:
/// catalog entries of meta storage, the shard's journal events and snapshots with their manifests, and the segment
/// manifests in object storage. Data of a format
/// version newer than the code knows is refused with an error naming the versions, never read as if it were older.
/// </summary>
public sealed class StoredFormatGoldenTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    /// <summary>The catalog entries the golden files were written from, with the decoder that reads each kind.</summary>
    public static readonly ImmutableSortedDictionary<string, (object Entry, Func<ByteString, object> Decode)> CatalogEntries =
        new Dictionary<string, (object, Func<ByteString, object>)>
        {
            ["database"] = (new DatabaseInfo(3, "analytics", Samples.Collection.Properties, 449_000_000_777), b => CatalogCodec.DecodeDatabase(b)),
            ["collection"] = (Samples.Collection, b => CatalogCodec.DecodeCollection(b)),
            ["collection-geometry-timestamptz"] = (Samples.GeometryTimestamptzCollection, b => CatalogCodec.DecodeCollection(b)),
            ["collection-partitions-loaded"] = (Samples.Collection with { LoadedPartitions = [44] }, b => CatalogCodec.DecodeCollection(b)),
            ["segment"] = (Samples.Segment, b => CatalogCodec.DecodeSegment(b)),
            ["compaction"] = (new CompactionRecord(8001, 42,
                [
                    new CompactionPlan(8002, [7001, 7002], 7200, CompactionPlanState.Completed),
                    new CompactionPlan(8004, [7003], 7201, CompactionPlanState.Failed),
                ],
                DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_123)), b => CompactionCodec.Decode(b)),
            ["import-job"] = (Samples.FinishedImportJob, b => CatalogCodec.DecodeImportJob(b)),
            ["import-job-running"] = (Samples.RunningImportJob, b => CatalogCodec.DecodeImportJob(b)),
            ["import-job-restore"] = (Samples.RestoreJob, b => CatalogCodec.DecodeImportJob(b)),
            ["snapshot"] = (Samples.Snapshot, b => CatalogCodec.DecodeSnapshot(b)),
            ["compaction-executing"] = (new CompactionRecord(8005, 42, [new CompactionPlan(8006, [7001], 7200, CompactionPlanState.Executing)], null),
                b => CompactionCodec.Decode(b)),
        }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>The segment manifest the golden files were written from.</summary>
    public static readonly SegmentManifest Manifest = new(42, 44, 7001, 1500, 449_000_000_001, 449_000_000_777,
        [
            new FieldBinlog(0, new SegmentFile("insert_log/42/44/7001/0", 12_000, 0x0123456789abcdef)),
            new FieldBinlog(100, new SegmentFile("insert_log/42/44/7001/100", 12_000, 0xfedcba9876543210)),
            new FieldBinlog(101, new SegmentFile("insert_log/42/44/7001/101", 768_000, 0x1111222233334444)),
        ],
        new SegmentFile("stats_log/42/44/7001/100", 2048, 0x5555666677778888),
        [new SegmentFile("delta_log/42/44/7001/9001", 640, 0x9999aaaabbbbcccc)]);

    /// <summary>Version 1 is the JSON manifest written before the protobuf schema; version 2 is segment_manifest.proto.</summary>
    public static TheoryData<string> ManifestFiles => ["manifest.v1.json", "manifest.v2.bin"];

    public static TheoryData<string> CatalogNames => [.. CatalogEntries.Keys];

    public static TheoryData<string> JournalNames => [.. JournalSamples().Select(s => s.Name)];

    /// <summary>Every journal event and snapshot sample; the golden files of version 1 were written from these.</summary>
    public static IEnumerable<Sample> JournalSamples() => Samples.Create(ActorRefs.Nobody).Where(s => s.Message is IShardEvent);

    /// <summary>The catalog format version a collection entry is written with.</summary>
    public static uint VersionWritten(CollectionInfo collection) => CollectionEntry.Parser.ParseFrom(CatalogCodec.Encode(collection)).FormatVersion;

    public static string GoldenPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Golden", .. parts]);

    public static string JournalFileName(string sampleName, string manifest) => $"{sampleName.Replace('/', '-')}.{manifest}.bin";

    [Theory]
    [MemberData(nameof(CatalogNames))]
    public void Catalog_entry_written_by_format_version_1_decodes_to_what_was_written(string name)
    {
        var (entry, decode) = CatalogEntries[name];
        var stored = ByteString.CopyFrom(File.ReadAllBytes(GoldenPath("catalog", name + ".v1.bin")));

        Assert.Equal(StructuralDump.Of(entry), StructuralDump.Of(decode(stored)));
    }

    [Theory]
    [MemberData(nameof(JournalNames))]
    public void Journal_event_written_by_format_version_1_decodes_to_what_was_written(string name)
    {
        var sample = JournalSamples().Single(s => s.Name == name).Message;
        var file = Assert.Single(Directory.GetFiles(GoldenPath("journal"), $"{name.Replace('/', '-')}.*.bin"));
        var manifest = Path.GetFileNameWithoutExtension(file)[(name.Length + 1)..];
        var serializer = (SerializerWithStringManifest)fixture.System.Serialization.FindSerializerFor(sample);

        var decoded = serializer.FromBinary(File.ReadAllBytes(file), manifest);

        Assert.Equal(StructuralDump.Of(sample), StructuralDump.Of(decoded));
    }

    [Theory]
    [MemberData(nameof(CatalogNames))]
    public void Catalog_entry_of_a_newer_format_version_is_refused_with_a_clear_error(string name)
    {
        var (_, decode) = CatalogEntries[name];
        var newer = CatalogCodec.FormatVersion + 1;
        // format_version is field 15 of every catalog entry; a later occurrence of a field wins, so this entry claims the newer version.
        var stored = ByteString.CopyFrom([.. File.ReadAllBytes(GoldenPath("catalog", name + ".v1.bin")), .. ToBytes(o =>
        {
            o.WriteTag(15, WireFormat.WireType.Varint);
            o.WriteUInt32(newer);
        }).ToByteArray()]);

        var error = Assert.Throws<InvalidDataException>(() => decode(stored));

        Assert.Contains($"format version {newer}", error.Message);
        Assert.Contains($"reads catalog versions up to {CatalogCodec.FormatVersion}", error.Message);
    }

    [Theory]
    [MemberData(nameof(JournalNames))]
    public void Journal_event_of_a_newer_format_version_is_refused_with_a_clear_error(string name)
    {
        var sample = JournalSamples().Single(s => s.Name == name).Message;
        var serializer = (SerializerWithStringManifest)fixture.System.Serialization.FindSerializerFor(sample);
        var manifest = serializer.Manifest(sample);
        var newer = manifest[..^1] + "2";

        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(serializer.ToBinary(sample), newer));

        Assert.Contains($"'{newer}' has format version 2", error.Message);
        Assert.Contains("reads versions up to 1", error.Message);
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Segment_manifest_written_by_an_earlier_format_version_decodes_to_what_was_written(string file)
    {
        var decoded = SegmentManifestCodec.Decode(File.ReadAllBytes(GoldenPath("segment_manifest", file)), file);

        Assert.Equal(Manifest.Fields, decoded.Fields);
        Assert.Equal(Manifest.DeltaLogs, decoded.DeltaLogs);
        // The lists compared element by element above; the rest field by field.
        Assert.Equal(Manifest, decoded with { Fields = Manifest.Fields, DeltaLogs = Manifest.DeltaLogs });
    }

    [Fact]
    public void Segment_manifest_is_written_in_the_current_format_version()
    {
        Assert.Equal(File.ReadAllBytes(GoldenPath("segment_manifest", $"manifest.v{SegmentManifestCodec.FormatVersion}.bin")),
            SegmentManifestCodec.Encode(Manifest));
    }

    [Fact]
    public void Segment_manifest_of_a_newer_format_version_is_refused_with_a_clear_error()
    {
        var newer = SegmentManifestEntry.Parser.ParseFrom(File.ReadAllBytes(GoldenPath("segment_manifest", "manifest.v2.bin")));
        newer.FormatVersion = SegmentManifestCodec.FormatVersion + 1;

        var error = Assert.Throws<MilvusException>(() => SegmentManifestCodec.Decode(newer.ToByteArray(), "segment_manifest/42/44/7001.json"));

        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains($"'segment_manifest/42/44/7001.json' has format version {newer.FormatVersion}", error.Message);
        Assert.Contains($"reads versions up to {SegmentManifestCodec.FormatVersion}", error.Message);
    }

    [Fact]
    public void JSON_segment_manifest_claiming_a_version_after_JSON_is_refused_with_a_clear_error()
    {
        var json = File.ReadAllText(GoldenPath("segment_manifest", "manifest.v1.json")).Replace("\"format_version\": 1", "\"format_version\": 3");

        var error = Assert.Throws<MilvusException>(() => SegmentManifestCodec.Decode(System.Text.Encoding.UTF8.GetBytes(json), "old.json"));

        Assert.Equal(ErrorCode.SegmentLoadFailed, error.Code);
        Assert.Contains("has format version 3", error.Message);
    }
}
