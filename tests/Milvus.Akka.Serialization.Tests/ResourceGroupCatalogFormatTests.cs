using Google.Protobuf;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Coordinator.Formats;
using static Milvus.Akka.Serialization.Tests.StoredFormatGoldenTests;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// Catalog format version 5: a collection with a replica outside the default resource group is written as version 5,
/// so a node that reads only up to version 4 refuses it instead of serving that replica from the default group's
/// nodes; resource groups themselves are entries of their own (catalog/resource-groups/{name}). The golden files hold
/// the bytes this code wrote.
/// </summary>
public sealed class ResourceGroupCatalogFormatTests
{
    public static readonly CollectionInfo PlacedCollection = Samples.Collection with
    {
        Id = 48,
        Name = "placed",
        Loaded = true,
        Replicas = [901, 902],
        ReplicaResourceGroups = System.Collections.Immutable.ImmutableDictionary<long, string>.Empty.Add(902, "rg_a"),
    };

    public static readonly ResourceGroupInfo Group = new("rg_a", new ResourceGroupConfig(1, 2)
    {
        TransferFrom = ["__default_resource_group"],
        TransferTo = ["__default_resource_group"],
        NodeLabels = [new NodeLabel("zone", "a")],
    }, 450_000_000_000_000_000);

    [Fact]
    public void Only_a_collection_with_a_replica_outside_the_default_group_is_written_as_version_5()
    {
        Assert.Equal(5u, VersionWritten(PlacedCollection));
        Assert.Equal(1u, VersionWritten(PlacedCollection with { ReplicaResourceGroups = PlacedCollection.ReplicaResourceGroups.Clear() }));
    }

    [Fact]
    public void Collection_and_resource_group_written_as_version_5_decode()
    {
        var collection = CatalogCodec.DecodeCollection(ByteString.CopyFrom(File.ReadAllBytes(GoldenPath("catalog", "collection-resource-groups.v5.bin"))));
        Assert.Equal(StructuralDump.Of(PlacedCollection), StructuralDump.Of(collection));
        Assert.Equal("rg_a", collection.ResourceGroupOf(902));
        Assert.Equal(ResourceGroups.Default, collection.ResourceGroupOf(901));

        var group = CatalogCodec.DecodeResourceGroup(ByteString.CopyFrom(File.ReadAllBytes(GoldenPath("catalog", "resource-group.v1.bin"))));
        Assert.Equal(StructuralDump.Of(Group), StructuralDump.Of(group));
        Assert.True(group.Config.SameAs(Group.Config));
    }

    /// <summary>The query nodes' groups (catalog/resource-group-nodes), as a coordinator wrote them for the next incarnation.</summary>
    public static readonly System.Collections.Immutable.ImmutableDictionary<string, NodeGroupRecord> NodeGroups =
        System.Collections.Immutable.ImmutableDictionary<string, NodeGroupRecord>.Empty
            .Add("akka.tcp://milvus@10.0.0.7:2552/user/query-node", new NodeGroupRecord("rg_a", [new NodeLabel("zone", "a")]))
            .Add("akka.tcp://milvus@10.0.0.8:2552/user/query-node", new NodeGroupRecord("__default_resource_group", []));

    [Fact]
    public void Query_node_groups_written_as_version_1_decode_and_a_newer_version_is_refused()
    {
        var stored = File.ReadAllBytes(GoldenPath("catalog", "resource-group-nodes.v1.bin"));

        var decoded = CatalogCodec.DecodeNodeGroups(ByteString.CopyFrom(stored));

        Assert.Equal(NodeGroups.Keys.Order(), decoded.Keys.Order());
        Assert.All(NodeGroups, n => Assert.True(n.Value.SameAs(decoded[n.Key]), n.Key));
        var newer = ResourceGroupNodesEntry.Parser.ParseFrom(stored);
        newer.FormatVersion = CatalogCodec.FormatVersion + 1;
        var error = Assert.Throws<InvalidDataException>(() => CatalogCodec.DecodeNodeGroups(newer.ToByteString()));
        Assert.Contains($"has format version {newer.FormatVersion}", error.Message);
    }

    [Fact]
    public void A_reader_of_version_4_refuses_a_collection_with_a_placed_replica()
    {
        var stored = CollectionEntry.Parser.ParseFrom(File.ReadAllBytes(GoldenPath("catalog", "collection-resource-groups.v5.bin")));

        var error = Assert.Throws<InvalidDataException>(() => CatalogCodec.CheckVersion(stored.FormatVersion, "collection", "48", readsUpTo: 4));

        Assert.Contains("has format version 5", error.Message);
    }
}
