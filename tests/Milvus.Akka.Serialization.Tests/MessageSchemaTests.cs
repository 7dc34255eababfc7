using System.Reflection;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Query.Formats;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// The .proto schemas of hand-written message encodings describe what the serializers write: every sample message of
/// a described serializer parses with the generated classes, and nothing in it, at any depth, is a field the schema
/// does not declare (an undeclared field, or one of another wire type, lands in the parsed message's unknown fields).
/// </summary>
public sealed class MessageSchemaTests(SerializationFixture fixture) : IClassFixture<SerializationFixture>
{
    /// <summary>src/Milvus.Akka.Contracts/Query/query_node.proto, by manifest.</summary>
    private static readonly Dictionary<string, MessageParser> QueryNodeMessages = new()
    {
        ["ls1"] = LoadSegment.Parser,
        ["sld1"] = SegmentLoaded.Parser,
        ["wcs1"] = WidenCollectionSchema.Parser,
        ["slf1"] = SegmentLoadFailed.Parser,
        ["apd1"] = ApplyDeletes.Parser,
        ["ssg1"] = SearchSegments.Parser,
        ["qsg1"] = QuerySegments.Parser,
        ["bsg1"] = Bm25StatsSegments.Parser,
        ["bst1"] = Bm25Stats.Parser,
        ["sh1"] = SearchHits.Parser,
        ["qr1"] = QueryRows.Parser,
    };

    /// <summary>src/Milvus.Akka.Contracts/Streaming/shard_messages.proto, by manifest.</summary>
    private static readonly Dictionary<string, MessageParser> ShardMessages = new()
    {
        ["ir1"] = Streaming.Formats.WriteRows.Parser,
        ["ur1"] = Streaming.Formats.WriteRows.Parser,
        ["ia1"] = Streaming.Formats.WriteAck.Parser,
        ["da1"] = Streaming.Formats.WriteAck.Parser,
        ["dr1"] = Streaming.Formats.DeleteRows.Parser,
        ["ss1"] = Streaming.Formats.SearchShard.Parser,
        ["bss1"] = Streaming.Formats.Bm25StatsShard.Parser,
        ["qs1"] = Streaming.Formats.QueryShard.Parser,
        ["fs1"] = Streaming.Formats.ShardCommand.Parser,
        ["ssl1"] = Streaming.Formats.ShardCommand.Parser,
        ["gsf1"] = Streaming.Formats.GetShardFlushState.Parser,
        ["sfs1"] = Streaming.Formats.ShardFlushState.Parser,
        ["gsd1"] = Streaming.Formats.ShardCommand.Parser,
        ["ddb1"] = Streaming.Formats.ShardCommand.Parser,
        ["sfl1"] = Streaming.Formats.ShardFlushed.Parser,
        ["sdl1"] = Streaming.Formats.ShardDeletes.Parser,
        ["dbd1"] = Streaming.Formats.DeleteBufferDescribed.Parser,
    };

    /// <summary>src/Milvus.Akka.Contracts/Coordinator/coordinator_messages.proto, by manifest.</summary>
    private static readonly Dictionary<string, MessageParser> CoordinatorMessages = new()
    {
        ["at1"] = Coordinator.Wire.Allocate.Parser,
        ["ta1"] = Coordinator.Wire.TimestampsAllocated.Parser,
        ["ai1"] = Coordinator.Wire.Allocate.Parser,
        ["ia1"] = Coordinator.Wire.IdsAllocated.Parser,
        ["cd1"] = Coordinator.Wire.DatabaseProperties.Parser,
        ["dd1"] = Coordinator.Wire.Name.Parser,
        ["ad1"] = Coordinator.Wire.DatabaseProperties.Parser,
        ["ld1"] = Coordinator.Wire.Nothing.Parser,
        ["dl1"] = Coordinator.Wire.DatabaseList.Parser,
        ["cc1"] = Coordinator.Wire.CreateCollection.Parser,
        ["dc1"] = Coordinator.Wire.DropCollection.Parser,
        ["tc1"] = Coordinator.Wire.CollectionName.Parser,
        ["dsc1"] = Coordinator.Wire.CollectionName.Parser,
        ["dsi1"] = Coordinator.Wire.CollectionId.Parser,
        ["cde1"] = Coordinator.Wire.CollectionDescribed.Parser,
        ["cch1"] = Coordinator.Wire.CatalogChanged.Parser,
        ["lc1"] = Coordinator.Wire.Name.Parser,
        ["cl1"] = Coordinator.Wire.CollectionList.Parser,
        ["rc1"] = Coordinator.Wire.RenameCollection.Parser,
        ["ac1"] = Coordinator.Wire.AlterCollection.Parser,
        ["acf1"] = Coordinator.Wire.AlterNamedPart.Parser,
        ["acfa1"] = Coordinator.Wire.AddCollectionField.Parser,
        ["acfn1"] = Coordinator.Wire.CollectionFunction.Parser,
        ["alfn1"] = Coordinator.Wire.CollectionFunction.Parser,
        ["dfn1"] = Coordinator.Wire.ThreeNames.Parser,
        ["cp1"] = Coordinator.Wire.ThreeNames.Parser,
        ["dp1"] = Coordinator.Wire.ThreeNames.Parser,
        ["ca1"] = Coordinator.Wire.ThreeNames.Parser,
        ["da1"] = Coordinator.Wire.CollectionName.Parser,
        ["aa1"] = Coordinator.Wire.ThreeNames.Parser,
        ["ci1"] = Coordinator.Wire.IndexRequest.Parser,
        ["di1"] = Coordinator.Wire.IndexRequest.Parser,
        ["ali1"] = Coordinator.Wire.AlterNamedPart.Parser,
        ["gip1"] = Coordinator.Wire.CollectionId.Parser,
        ["ip1"] = Coordinator.Wire.IndexProgress.Parser,
        ["lo1"] = Coordinator.Wire.LoadCollection.Parser,
        ["rl1"] = Coordinator.Wire.CollectionName.Parser,
        ["lop1"] = Coordinator.Wire.LoadPartitions.Parser,
        ["rlp1"] = Coordinator.Wire.ReleasePartitions.Parser,
        ["crg1"] = Coordinator.Wire.CreateResourceGroup.Parser,
        ["drg1"] = Coordinator.Wire.Name.Parser,
        ["urg1"] = Coordinator.Wire.UpdateResourceGroups.Parser,
        ["tn1"] = Coordinator.Wire.TransferNode.Parser,
        ["tr1"] = Coordinator.Wire.TransferReplica.Parser,
        ["lrg1"] = Coordinator.Wire.Nothing.Parser,
        ["rgl1"] = Coordinator.Wire.ResourceGroupList.Parser,
        ["dsrg1"] = Coordinator.Wire.Name.Parser,
        ["rgd1"] = Coordinator.Wire.ResourceGroupDescribed.Parser,
        ["glp1"] = Coordinator.Wire.CollectionId.Parser,
        ["lp1"] = Coordinator.Wire.LoadProgress.Parser,
        ["sf1"] = Coordinator.Wire.SegmentMessage.Parser,
        ["fr1"] = Coordinator.Wire.FlushRecorded.Parser,
        ["gs1"] = Coordinator.Wire.CollectionId.Parser,
        ["sl1"] = Coordinator.Wire.SegmentList.Parser,
        ["rit1"] = Coordinator.Wire.Nothing.Parser,
        ["nt1"] = Coordinator.Wire.Nothing.Parser,
        ["ibt1"] = Coordinator.Wire.IndexBuildTask.Parser,
        ["ib1"] = Coordinator.Wire.IndexBuilt.Parser,
        ["ibf1"] = Coordinator.Wire.TaskFailed.Parser,
        ["wa1"] = Coordinator.Wire.Nothing.Parser,
        ["rqn1"] = Coordinator.Wire.RegisterQueryNode.Parser,
        ["ssv1"] = Coordinator.Wire.SegmentServed.Parser,
        ["gsd1"] = Coordinator.Wire.ShardName.Parser,
        ["sd1"] = Coordinator.Wire.ShardDistribution.Parser,
        ["sir1"] = Coordinator.Wire.SegmentMessage.Parser,
        ["us1"] = Coordinator.Wire.UnloadSegments.Parser,
        ["as1"] = Coordinator.Wire.AssignSegment.Parser,
        ["rs1"] = Coordinator.Wire.ShardName.Parser,
        ["ds1"] = Coordinator.Wire.ShardName.Parser,
        ["dpd1"] = Coordinator.Wire.DropPartitionData.Parser,
        ["wss1"] = Coordinator.Wire.WidenShardSchema.Parser,
        ["cpc1"] = Coordinator.Wire.CompactCollection.Parser,
        ["cps1"] = Coordinator.Wire.CompactionScheduled.Parser,
        ["gc1"] = Coordinator.Wire.GetCompaction.Parser,
        ["cds1"] = Coordinator.Wire.CompactionDescribed.Parser,
        ["gcs1"] = Coordinator.Wire.CollectionId.Parser,
        ["cst1"] = Coordinator.Wire.CompactionState.Parser,
        ["rct1"] = Coordinator.Wire.Nothing.Parser,
        ["ct1"] = Coordinator.Wire.CompactionTask.Parser,
        ["cco1"] = Coordinator.Wire.CompactionCompleted.Parser,
        ["cf1"] = Coordinator.Wire.TaskFailed.Parser,
        ["sr1"] = Coordinator.Wire.SegmentsReplaced.Parser,
        ["gcd1"] = Coordinator.Wire.CollectionId.Parser,
        ["cdi1"] = Coordinator.Wire.CollectionDistribution.Parser,
        ["gct1"] = Coordinator.Wire.Nothing.Parser,
        ["ctp1"] = Coordinator.Wire.ClusterTopology.Parser,
        ["gth1"] = Coordinator.Wire.Nothing.Parser,
        ["th1"] = Coordinator.Wire.TaskHistory.Parser,
        ["cij1"] = Coordinator.Wire.CreateImportJob.Parser,
        ["rip1"] = Coordinator.Wire.ReportImportProgress.Parser,
        ["gij1"] = Coordinator.Wire.GetImportJob.Parser,
        ["lij1"] = Coordinator.Wire.ListImportJobs.Parser,
        ["ij1"] = Coordinator.Wire.ImportJobReply.Parser,
        ["ijl1"] = Coordinator.Wire.ImportJobList.Parser,
        ["csn1"] = Coordinator.Wire.CollectionSnapshotReply.Parser,
        ["rvs1"] = Coordinator.Wire.ReserveSnapshot.Parser,
        ["srv1"] = Coordinator.Wire.SnapshotReserved.Parser,
        ["rsn1"] = Coordinator.Wire.RecordSnapshot.Parser,
        ["gsn1"] = Coordinator.Wire.SnapshotName.Parser,
        ["dsn1"] = Coordinator.Wire.SnapshotName.Parser,
        ["lsn1"] = Coordinator.Wire.ListSnapshots.Parser,
        ["snl1"] = Coordinator.Wire.SnapshotList.Parser,
        ["psn1"] = Coordinator.Wire.PinSnapshot.Parser,
        ["spn1"] = Coordinator.Wire.SnapshotPin.Parser,
        ["usn1"] = Coordinator.Wire.SnapshotPin.Parser,
    };

    /// <summary>src/Milvus.Akka.Cluster/Serialization/cluster_messages.proto, by manifest.</summary>
    private static readonly Dictionary<string, MessageParser> ClusterMessages = new()
    {
        ["mf1"] = Cluster.Serialization.Formats.MilvusFailure.Parser,
        ["dn1"] = Cluster.Serialization.Formats.Done.Parser,
    };

    /// <summary>src/Milvus.Akka.Security/Formats/security_messages.proto, by manifest.</summary>
    private static readonly Dictionary<string, MessageParser> SecurityMessages = new()
    {
        ["rg1"] = Security.Formats.GetRbac.Parser,
        ["rs1"] = Security.Formats.RbacSnapshot.Parser,
        ["cu1"] = Security.Formats.CreateUser.Parser,
        ["up1"] = Security.Formats.UpdatePassword.Parser,
        ["du1"] = Security.Formats.DeleteUser.Parser,
        ["ud1"] = Security.Formats.SetUserDescription.Parser,
        ["cr1"] = Security.Formats.CreateRole.Parser,
        ["rd1"] = Security.Formats.SetRoleDescription.Parser,
        ["dr1"] = Security.Formats.DropRole.Parser,
        ["ou1"] = Security.Formats.OperateUserRole.Parser,
        ["op1"] = Security.Formats.OperatePrivilege.Parser,
        ["cg1"] = Security.Formats.CreatePrivilegeGroup.Parser,
        ["dg1"] = Security.Formats.DropPrivilegeGroup.Parser,
        ["og1"] = Security.Formats.OperatePrivilegeGroup.Parser,
        ["rr1"] = Security.Formats.RestoreRbac.Parser,
    };

    /// <summary>What SecurityMessageSerializer (411) registers.</summary>
    public static TheoryData<string> SecuritySamples => [.. Samples.Create(ActorRefs.Nobody).Where(s => s.Message is Security.ISecurityMessage).Select(s => s.Name)];

    /// <summary>What ClusterMessageSerializer (402) registers: the replies every layer shares.</summary>
    public static TheoryData<string> ClusterSamples => [.. Samples.Create(ActorRefs.Nobody).Where(s => s.Message is MilvusFailure or Done).Select(s => s.Name)];

    /// <summary>What QueryNodeMessageSerializer (404) registers: the query node's protocol and the read replies.</summary>
    public static TheoryData<string> QueryNodeSamples =>
    [
        .. Samples.Create(ActorRefs.Nobody)
            .Where(s => s.Message is Query.IQueryNodeMessage or Segments.SearchHits or Segments.QueryRows or Segments.Bm25Stats)
            .Select(s => s.Name),
    ];

    /// <summary>What CoordinatorMessageSerializer (403) registers.</summary>
    public static TheoryData<string> CoordinatorSamples => [.. Samples.Create(ActorRefs.Nobody).Where(s => s.Message is ICoordinatorMessage).Select(s => s.Name)];

    /// <summary>What ShardMessageSerializer (405) registers.</summary>
    public static TheoryData<string> ShardSamples => [.. Samples.Create(ActorRefs.Nobody).Where(s => s.Message is Streaming.IShardMessage).Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(QueryNodeSamples))]
    public void A_query_node_message_is_what_its_schema_declares(string name) => AssertDeclared(name, 404, QueryNodeMessages, "query_node.proto");

    [Theory]
    [MemberData(nameof(ClusterSamples))]
    public void A_shared_reply_is_what_its_schema_declares(string name) => AssertDeclared(name, 402, ClusterMessages, "cluster_messages.proto");

    [Theory]
    [MemberData(nameof(CoordinatorSamples))]
    public void A_coordinator_message_is_what_its_schema_declares(string name) =>
        AssertDeclared(name, 403, CoordinatorMessages, "coordinator_messages.proto");

    [Theory]
    [MemberData(nameof(ShardSamples))]
    public void A_shard_message_is_what_its_schema_declares(string name) => AssertDeclared(name, 405, ShardMessages, "shard_messages.proto");

    [Theory]
    [MemberData(nameof(SecuritySamples))]
    public void A_security_message_is_what_its_schema_declares(string name) => AssertDeclared(name, 411, SecurityMessages, "security_messages.proto");

    private void AssertDeclared(string name, int serializerId, Dictionary<string, MessageParser> schema, string schemaFile)
    {
        var message = Samples.Create(fixture.QueryNode).Single(s => s.Name == name).Message;
        var serializer = (SerializerWithStringManifest)fixture.System.Serialization.FindSerializerFor(message);
        Assert.Equal(serializerId, serializer.Identifier);
        var bytes = serializer.ToBinary(message);
        var manifest = serializer.Manifest(message);

        Assert.True(schema.TryGetValue(manifest, out var parser), $"{schemaFile} declares no message for manifest {manifest}");
        var parsed = parser.ParseFrom(bytes);

        Assert.Empty(UndeclaredFields(parsed, manifest));
    }

    /// <summary>The paths of messages, in <paramref name="message"/>'s tree, that hold fields their schema does not declare.</summary>
    private static IEnumerable<string> UndeclaredFields(IMessage message, string path)
    {
        if (message.GetType().GetField("_unknownFields", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(message) is not null)
        {
            yield return path;
        }

        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var value = field.Accessor.GetValue(message);
            var children = value switch
            {
                IMessage child => [child],
                System.Collections.IDictionary map => map.Values.OfType<IMessage>(),
                System.Collections.IEnumerable items and not string and not ByteString => items.OfType<IMessage>(),
                _ => [],
            };
            foreach (var undeclared in children.SelectMany(child => UndeclaredFields(child, $"{path}.{field.Name}")))
            {
                yield return undeclared;
            }
        }
    }
}
