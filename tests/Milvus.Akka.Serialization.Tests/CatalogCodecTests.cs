using System.Collections.Immutable;
using Milvus.Akka.Coordinator;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>Catalog entries stored in meta storage by earlier versions still decode.</summary>
public sealed class CatalogCodecTests
{
    [Fact]
    public void Index_entry_stored_before_index_properties_existed_decodes_with_none()
    {
        // The index entry layout before field 6 (properties) was added.
        var stored = ToBytes(w =>
        {
            WriteInt64(w, 1, 9);
            WriteString(w, 2, "embedding_idx");
            WriteInt64(w, 3, 101);
            WriteMap(w, 4, [KeyValuePair.Create("index_type", "HNSW"), KeyValuePair.Create("M", "16")]);
            WriteUInt64(w, 5, 449_000_000_001);
        });

        var index = CatalogCodec.DecodeIndex(stored);

        Assert.Equal(9, index.IndexId);
        Assert.Equal("embedding_idx", index.Name);
        Assert.Equal(101, index.FieldId);
        Assert.Equal(449_000_000_001UL, index.CreatedTimestamp);
        Assert.Equal(new[] { KeyValuePair.Create("M", "16"), KeyValuePair.Create("index_type", "HNSW") }, index.Params);
        Assert.Empty(index.Properties);
    }

    [Fact]
    public void Index_properties_survive_storage_apart_from_build_params()
    {
        var properties = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create("mmap.enabled", "True")]);
        var index = Samples.Index with { Properties = properties };

        var decoded = CatalogCodec.DecodeIndex(CatalogCodec.Encode(index));

        Assert.Equal(properties, decoded.Properties);
        Assert.Equal(index.Params, decoded.Params);
        Assert.DoesNotContain("mmap.enabled", decoded.Params.Keys);
    }

    [Fact]
    public void A_schema_change_timestamp_is_stored_and_read_back_as_the_update_timestamp()
    {
        var changed = Samples.Collection with { SchemaUpdatedTimestamp = Samples.Collection.CreatedTimestamp + 500 };

        var decoded = CatalogCodec.DecodeCollection(CatalogCodec.Encode(changed));

        Assert.Equal(changed.CreatedTimestamp + 500, decoded.UpdateTimestamp);
        Assert.Equal(Samples.Collection.CreatedTimestamp, CatalogCodec.DecodeCollection(CatalogCodec.Encode(Samples.Collection)).UpdateTimestamp);
    }
}
