using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Coordinator.Formats;
using static Milvus.Akka.Serialization.Tests.StoredFormatGoldenTests;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Catalog format version 4: a collection whose schema had a field added (schema version above 0) is written as
/// version 4, so a node that reads only up to version 3 refuses it instead of reading rows written before the field
/// existed as if they had it. The golden file holds the bytes this code wrote for version 4.
/// </summary>
public sealed class AddedFieldCatalogFormatTests
{
    public static readonly CollectionInfo AddedFieldCollection = Samples.Collection with
    {
        Id = 47,
        Name = "evolved",
        Schema = SchemaValidator.AddField(Samples.Collection.Schema with { Name = "evolved" },
            new FieldSchema { FieldId = 0, Name = "stock", DataType = DataType.Int32, Nullable = true, DefaultValue = 3 }),
    };

    [Fact]
    public void Only_a_collection_with_an_added_field_is_written_as_version_4()
    {
        Assert.Equal(4u, VersionWritten(AddedFieldCollection));
        Assert.Equal(4u, VersionWritten(AddedFieldCollection with { TruncatedBefore = 7 }));
        Assert.Equal(3u, VersionWritten(TruncatedCatalogFormatTests.TruncatedCollection));
        Assert.Equal(1u, VersionWritten(Samples.Collection));
    }

    [Fact]
    public void Collection_written_as_version_4_decodes_with_the_added_field_and_schema_version()
    {
        var stored = ByteString.CopyFrom(File.ReadAllBytes(GoldenPath("catalog", "collection-added-field.v4.bin")));

        var decoded = CatalogCodec.DecodeCollection(stored);

        Assert.Equal(StructuralDump.Of(AddedFieldCollection), StructuralDump.Of(decoded));
        Assert.Equal(1, decoded.Schema.Version);
        var stock = decoded.Schema.FindField("stock");
        Assert.NotNull(stock);
        Assert.True(stock.Nullable);
        Assert.Equal(106L, stock.FieldId);
        Assert.Equal(3, stock.DefaultValue);
    }

    [Fact]
    public void A_reader_of_version_3_refuses_a_collection_with_an_added_field()
    {
        var stored = CollectionEntry.Parser.ParseFrom(File.ReadAllBytes(GoldenPath("catalog", "collection-added-field.v4.bin")));

        var error = Assert.Throws<InvalidDataException>(() => CatalogCodec.CheckVersion(stored.FormatVersion, "collection", "47", readsUpTo: 3));

        Assert.Contains("collection catalog entry '47' has format version 4", error.Message);
        Assert.Contains("reads catalog versions up to 3", error.Message);
    }
}
