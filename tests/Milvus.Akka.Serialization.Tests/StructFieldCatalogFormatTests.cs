using Google.Protobuf;
using Milvus.Akka.Coordinator;
using static Milvus.Akka.Serialization.Tests.StoredFormatGoldenTests;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Catalog format version 6: a collection with an array-of-struct field is written as version 6, so a node that reads
/// only up to version 5 refuses it instead of reading the struct's sub-fields as ordinary fields of types it does not
/// know. The golden file holds the bytes this code wrote for version 6.
/// </summary>
public sealed class StructFieldCatalogFormatTests
{
    public static readonly CollectionInfo StructCollection = Samples.Collection with { Id = 49, Name = "chaptered", Schema = Samples.StructSchema };

    [Fact]
    public void Only_a_collection_with_a_struct_field_is_written_as_version_6()
    {
        Assert.Equal(6u, VersionWritten(StructCollection));
        Assert.Equal(6u, VersionWritten(StructCollection with { ReplicaResourceGroups = ResourceGroupCatalogFormatTests.PlacedCollection.ReplicaResourceGroups }));
        Assert.Equal(1u, VersionWritten(Samples.Collection));
    }

    [Fact]
    public void Collection_written_as_version_6_decodes_with_its_struct_and_sub_fields()
    {
        var stored = ByteString.CopyFrom(File.ReadAllBytes(GoldenPath("catalog", "collection-struct-fields.v6.bin")));

        var decoded = CatalogCodec.DecodeCollection(stored);

        Assert.Equal(StructuralDump.Of(StructCollection), StructuralDump.Of(decoded));
        Assert.Equal(decoded.Schema, Samples.StructSchema);
        Assert.Equal(["name", "emb"], decoded.Schema.SubFields(106).Select(f => f.ShortName));
    }
}
