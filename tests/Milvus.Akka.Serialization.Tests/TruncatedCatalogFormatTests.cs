using Google.Protobuf;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Coordinator.Formats;
using static Milvus.Akka.Serialization.Tests.StoredFormatGoldenTests;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Catalog format version 3: a truncated collection (<c>truncated_before</c>, field 16) is written as version 3, so a
/// node that reads only up to version 2 refuses it instead of showing the truncated rows again; every other entry keeps
/// the oldest version that holds it. The golden files hold the bytes this code wrote for versions 2 and 3.
/// </summary>
public sealed class TruncatedCatalogFormatTests
{
    public static readonly CollectionInfo TruncatedCollection = Samples.Collection with { Id = 46, Name = "pruned", TruncatedBefore = 449_000_001_000 };

    /// <summary>Collections of the later format versions, by golden file name.</summary>
    public static readonly IReadOnlyDictionary<string, CollectionInfo> LaterCollections = new Dictionary<string, CollectionInfo>
    {
        ["collection-functions.v2.bin"] = FunctionCatalogFormatTests.Bm25Collection,
        ["collection-truncated.v3.bin"] = TruncatedCollection,
    };

    public static TheoryData<string> LaterFiles => [.. LaterCollections.Keys];

    [Fact]
    public void Only_a_truncated_collection_is_written_as_version_3()
    {
        Assert.Equal(3u, VersionWritten(TruncatedCollection));
        Assert.Equal(3u, VersionWritten(FunctionCatalogFormatTests.Bm25Collection with { TruncatedBefore = 7 }));
        Assert.Equal(2u, VersionWritten(FunctionCatalogFormatTests.Bm25Collection));
        Assert.Equal(1u, VersionWritten(Samples.Collection));
    }

    [Theory]
    [MemberData(nameof(LaterFiles))]
    public void Collection_written_by_a_later_format_version_decodes_to_what_was_written(string file)
    {
        var stored = ByteString.CopyFrom(File.ReadAllBytes(GoldenPath("catalog", file)));

        Assert.Equal(StructuralDump.Of(LaterCollections[file]), StructuralDump.Of(CatalogCodec.DecodeCollection(stored)));
        Assert.Equal(LaterCollections[file].TruncatedBefore, CatalogCodec.DecodeCollection(stored).TruncatedBefore);
    }

    [Fact]
    public void A_reader_of_version_2_refuses_a_truncated_collection_naming_both_versions()
    {
        var stored = CollectionEntry.Parser.ParseFrom(File.ReadAllBytes(GoldenPath("catalog", "collection-truncated.v3.bin")));

        var error = Assert.Throws<InvalidDataException>(() =>
            CatalogCodec.CheckVersion(stored.FormatVersion, "collection", stored.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), readsUpTo: 2));

        Assert.Contains("collection catalog entry '46' has format version 3", error.Message);
        Assert.Contains("reads catalog versions up to 2", error.Message);
        Assert.Contains("upgrade this node", error.Message);
        CatalogCodec.CheckVersion(CollectionEntry.Parser.ParseFrom(CatalogCodec.Encode(Samples.Collection)).FormatVersion, "collection", "42", readsUpTo: 2);
    }

    [Fact]
    public void Compaction_records_stay_version_1()
    {
        var record = new CompactionRecord(8001, 42, [new CompactionPlan(8002, [7001], 7200, CompactionPlanState.Executing)], null);

        Assert.Equal(1u, CompactionEntry.Parser.ParseFrom(CompactionCodec.Encode(record)).FormatVersion);
    }
}
