using System.Collections.Immutable;
using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Cluster.Serialization;
using Milvus.Akka.Cluster.Wire;
using Milvus.Akka.Common;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Coordinator.Serialization;

/// <summary>
/// Wire format of every <see cref="ICoordinatorMessage"/>: requests to the coordinator singleton, its replies, and the
/// commands it tells shards, query nodes and data nodes. Catalog records reuse <see cref="CatalogCodec"/>, the format
/// of meta storage, so a record has one encoding everywhere.
/// </summary>
public sealed class CoordinatorMessageSerializer : WireSerializer
{
    public CoordinatorMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        RegisterAllocation();
        RegisterDatabases();
        RegisterCollections();
        RegisterIndexesAndLoad();
        RegisterResourceGroups();
        RegisterSegments();
        RegisterShardCommands();
        RegisterCompaction();
        RegisterDistribution();
        RegisterTaskHistory();
        RegisterImports();
        RegisterSnapshots();
    }

    public override int Identifier => 403;

    private void RegisterAllocation()
    {
        Register<AllocateTimestamps>("at1", (o, m) => WriteInt64(o, 1, m.Count), f => new AllocateTimestamps(f.Int32(1)));
        Register<TimestampsAllocated>("ta1",
            (o, m) =>
            {
                WriteUInt64(o, 1, m.First);
                WriteInt64(o, 2, m.Count);
                WriteUInt64(o, 3, m.CatalogVersion);
            },
            f => new TimestampsAllocated(f.UInt64(1), f.Int32(2), f.UInt64(3)));
        Register<AllocateIds>("ai1", (o, m) => WriteInt64(o, 1, m.Count), f => new AllocateIds(f.Int32(1)));
        Register<IdsAllocated>("ia1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.First);
                WriteInt64(o, 2, m.Count);
            },
            f => new IdsAllocated(f.Int64(1), f.Int32(2)));
    }

    private void RegisterDatabases()
    {
        Register<CreateDatabase>("cd1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteMap(o, 2, m.Properties);
            },
            f => new CreateDatabase(f.String(1), f.SortedMap(2)));
        Register<DropDatabase>("dd1", (o, m) => WriteString(o, 1, m.Name), f => new DropDatabase(f.String(1)));
        Register<AlterDatabase>("ad1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteMap(o, 2, m.Properties);
                WriteStrings(o, 3, m.DeleteKeys);
            },
            f => new AlterDatabase(f.String(1), f.SortedMap(2), f.Strings(3)));
        RegisterSingleton("ld1", ListDatabases.Instance);
        Register<DatabaseList>("dl1",
            (o, m) => WriteRepeated(o, 1, m.Databases, CatalogCodec.Encode),
            f => new DatabaseList([.. f.RepeatedBytes(1).Select(CatalogCodec.DecodeDatabase)]));
    }

    private void RegisterCollections()
    {
        Register<CreateCollection>("cc1",
            (o, m) =>
            {
                WriteString(o, 1, m.Database);
                WriteEncoded(o, 2, SchemaCodec.Encode(m.Schema));
                WriteInt64(o, 3, m.ShardsNum);
                WriteInt64(o, 4, (long)m.Consistency);
                WriteInt64(o, 5, m.NumPartitions);
                WriteMap(o, 6, m.Properties);
            },
            f => new CreateCollection(f.String(1), SchemaCodec.Decode(f.Required(2, "collection schema")), f.Int32(3),
                (ConsistencyLevel)f.Int32(4), f.Int32(5), f.SortedMap(6)));
        Register<DropCollection>("dc1", (o, m) =>
        {
            WriteStringFields(o, m.Database, m.Name);
            WriteInt64(o, 3, m.OnlyId);
        }, f => new DropCollection(f.String(1), f.String(2), f.Int64(3)));
        Register<TruncateCollection>("tc1", (o, m) => WriteStringFields(o, m.Database, m.Name), f => new TruncateCollection(f.String(1), f.String(2)));
        Register<DescribeCollection>("dsc1", (o, m) => WriteStringFields(o, m.Database, m.Name), f => new DescribeCollection(f.String(1), f.String(2)));
        Register<DescribeCollectionById>("dsi1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new DescribeCollectionById(f.Int64(1)));
        Register<CollectionDescribed>("cde1",
            (o, m) =>
            {
                WriteEncoded(o, 1, CatalogCodec.Encode(m.Collection));
                WriteUInt64(o, 2, m.CatalogVersion);
            },
            f => new CollectionDescribed(CatalogCodec.DecodeCollection(f.Required(1, "collection")), f.UInt64(2)));
        Register<CatalogChanged>("cch1", (o, m) => WriteUInt64(o, 1, m.Version), f => new CatalogChanged(f.UInt64(1)));
        Register<ListCollections>("lc1", (o, m) => WriteString(o, 1, m.Database), f => new ListCollections(f.String(1)));
        Register<CollectionList>("cl1",
            (o, m) => WriteRepeated(o, 1, m.Collections, CatalogCodec.Encode),
            f => new CollectionList([.. f.RepeatedBytes(1).Select(CatalogCodec.DecodeCollection)]));
        Register<RenameCollection>("rc1",
            (o, m) =>
            {
                WriteString(o, 1, m.Database);
                WriteString(o, 2, m.OldName);
                WriteString(o, 3, m.NewDatabase);
                WriteString(o, 4, m.NewName);
            },
            f => new RenameCollection(f.String(1), f.String(2), f.String(3), f.String(4)));
        Register<AlterCollection>("ac1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Name);
                WriteMap(o, 3, m.Properties);
                WriteStrings(o, 4, m.DeleteKeys);
            },
            f => new AlterCollection(f.String(1), f.String(2), f.SortedMap(3), f.Strings(4)));
        Register<AlterCollectionField>("acf1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection, m.FieldName);
                WriteMap(o, 4, m.Properties);
                WriteStrings(o, 5, m.DeleteKeys);
            },
            f => new AlterCollectionField(f.String(1), f.String(2), f.String(3), f.SortedMap(4), f.Strings(5)));
        Register<AddCollectionField>("acfa1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection);
                foreach (var field in m.Fields)
                {
                    WriteEncoded(o, 3, SchemaCodec.EncodeField(field));
                }
            },
            f => new AddCollectionField(f.String(1), f.String(2), [.. f.RepeatedBytes(3).Select(SchemaCodec.DecodeField)]));
        Register<AddCollectionFunction>("acfn1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection);
                WriteEncoded(o, 4, SchemaCodec.EncodeFunction(m.Function));
            },
            f => new AddCollectionFunction(f.String(1), f.String(2), SchemaCodec.DecodeFunction(f.Bytes(4))));
        Register<AlterCollectionFunction>("alfn1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection, m.FunctionName);
                WriteEncoded(o, 4, SchemaCodec.EncodeFunction(m.Function));
            },
            f => new AlterCollectionFunction(f.String(1), f.String(2), f.String(3), SchemaCodec.DecodeFunction(f.Bytes(4))));
        Register<DropCollectionFunction>("dfn1", (o, m) => WriteStringFields(o, m.Database, m.Collection, m.FunctionName),
            f => new DropCollectionFunction(f.String(1), f.String(2), f.String(3)));
        Register<CreatePartition>("cp1", (o, m) => WriteStringFields(o, m.Database, m.Collection, m.Partition),
            f => new CreatePartition(f.String(1), f.String(2), f.String(3)));
        Register<DropPartition>("dp1", (o, m) => WriteStringFields(o, m.Database, m.Collection, m.Partition),
            f => new DropPartition(f.String(1), f.String(2), f.String(3)));
        Register<CreateAlias>("ca1", (o, m) => WriteStringFields(o, m.Database, m.Alias, m.Collection),
            f => new CreateAlias(f.String(1), f.String(2), f.String(3)));
        Register<DropAlias>("da1", (o, m) => WriteStringFields(o, m.Database, m.Alias), f => new DropAlias(f.String(1), f.String(2)));
        Register<AlterAlias>("aa1", (o, m) => WriteStringFields(o, m.Database, m.Alias, m.Collection),
            f => new AlterAlias(f.String(1), f.String(2), f.String(3)));
    }

    private void RegisterResourceGroups()
    {
        Register<CreateResourceGroup>("crg1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteEncoded(o, 2, CatalogCodec.Encode(m.Config));
            },
            f => new CreateResourceGroup(f.String(1), CatalogCodec.DecodeResourceGroupConfig(f.Bytes(2))));
        Register<DropResourceGroup>("drg1", (o, m) => WriteString(o, 1, m.Name), f => new DropResourceGroup(f.String(1)));
        Register<UpdateResourceGroups>("urg1",
            (o, m) =>
            {
                foreach (var (name, config) in m.Groups)
                {
                    WriteMessage(o, 1, w =>
                    {
                        WriteString(w, 1, name);
                        WriteEncoded(w, 2, CatalogCodec.Encode(config));
                    });
                }
            },
            f => new UpdateResourceGroups(f.RepeatedBytes(1).Select(WireFields.Parse)
                .ToImmutableSortedDictionary(e => e.String(1), e => CatalogCodec.DecodeResourceGroupConfig(e.Bytes(2)), StringComparer.Ordinal)));
        Register<TransferNode>("tn1",
            (o, m) =>
            {
                WriteStringFields(o, m.Source, m.Target);
                WriteInt64(o, 3, m.NumNode);
            },
            f => new TransferNode(f.String(1), f.String(2), f.Int32(3)));
        Register<TransferReplica>("tr1",
            (o, m) =>
            {
                WriteStringFields(o, m.Source, m.Target, m.Database, m.Collection);
                WriteInt64(o, 5, m.NumReplica);
            },
            f => new TransferReplica(f.String(1), f.String(2), f.String(3), f.String(4), f.Int32(5)));
        RegisterSingleton("lrg1", ListResourceGroups.Instance);
        Register<ResourceGroupList>("rgl1", (o, m) => WriteStrings(o, 1, m.Names), f => new ResourceGroupList(f.Strings(1)));
        Register<DescribeResourceGroup>("dsrg1", (o, m) => WriteString(o, 1, m.Name), f => new DescribeResourceGroup(f.String(1)));
        Register<ResourceGroupDescribed>("rgd1",
            (o, m) =>
            {
                WriteString(o, 1, m.Name);
                WriteInt64(o, 2, m.Capacity);
                WriteEncoded(o, 3, CatalogCodec.Encode(m.Config));
                foreach (var node in m.Nodes)
                {
                    WriteMessage(o, 4, w =>
                    {
                        WriteInt64(w, 1, node.NodeId);
                        WriteString(w, 2, node.Address);
                        WriteString(w, 3, node.Hostname);
                    });
                }

                WriteCounts(o, 5, m.LoadedReplicas);
                WriteCounts(o, 6, m.OutgoingNodes);
                WriteCounts(o, 7, m.IncomingNodes);
            },
            f => new ResourceGroupDescribed(f.String(1), f.Int32(2), CatalogCodec.DecodeResourceGroupConfig(f.Bytes(3)),
                [.. f.RepeatedBytes(4).Select(WireFields.Parse).Select(e => new ResourceGroupNode(e.Int64(1), e.String(2), e.String(3)))],
                ReadCounts(f, 5), ReadCounts(f, 6), ReadCounts(f, 7)));
    }

    /// <summary>Counts per collection name, one (name, count) message each.</summary>
    private static void WriteCounts(CodedOutputStream output, int field, ImmutableSortedDictionary<string, int> counts)
    {
        foreach (var (name, count) in counts)
        {
            WriteMessage(output, field, w =>
            {
                WriteString(w, 1, name);
                WriteInt64(w, 2, count);
            });
        }
    }

    private static ImmutableSortedDictionary<string, int> ReadCounts(WireFields fields, int field) =>
        fields.RepeatedBytes(field).Select(WireFields.Parse).ToImmutableSortedDictionary(e => e.String(1), e => e.Int32(2), StringComparer.Ordinal);

    private void RegisterIndexesAndLoad()
    {
        Register<CreateIndex>("ci1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection, m.FieldName);
                WriteString(o, 4, m.IndexName);
                WriteMap(o, 5, m.Params);
            },
            f => new CreateIndex(f.String(1), f.String(2), f.String(3), f.String(4), f.SortedMap(5)));
        Register<DropIndex>("di1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection, m.FieldName);
                WriteString(o, 4, m.IndexName);
            },
            f => new DropIndex(f.String(1), f.String(2), f.String(3), f.String(4)));
        Register<AlterIndex>("ali1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection, m.IndexName);
                WriteMap(o, 4, m.Properties);
                WriteStrings(o, 5, m.DeleteKeys);
            },
            f => new AlterIndex(f.String(1), f.String(2), f.String(3), f.SortedMap(4), f.Strings(5)));
        Register<GetIndexProgress>("gip1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new GetIndexProgress(f.Int64(1)));
        Register<IndexProgress>("ip1",
            (o, m) =>
            {
                foreach (var (indexId, (indexed, total)) in m.ByIndexId)
                {
                    WriteMessage(o, 1, w =>
                    {
                        WriteInt64(w, 1, indexId);
                        WriteInt64(w, 2, indexed);
                        WriteInt64(w, 3, total);
                    });
                }
            },
            f => new IndexProgress(f.RepeatedBytes(1).Select(WireFields.Parse)
                .ToImmutableDictionary(e => e.Int64(1), e => (e.Int64(2), e.Int64(3)))));
        // A request without a replica number (0, as sent before replicas) loads as configured: one replica unless the
        // collection's or database's properties say otherwise.
        Register<LoadCollection>("lo1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Name);
                WriteStrings(o, 3, m.LoadFields);
                WriteBool(o, 4, m.SkipDynamicField);
                WriteInt64(o, 5, m.ReplicaNumber);
                WriteStrings(o, 6, m.ResourceGroups);
            },
            f => new LoadCollection(f.String(1), f.String(2), f.Int32(5))
            {
                LoadFields = f.Strings(3), SkipDynamicField = f.Bool(4), ResourceGroups = f.Strings(6),
            });
        Register<ReleaseCollection>("rl1", (o, m) => WriteStringFields(o, m.Database, m.Name), f => new ReleaseCollection(f.String(1), f.String(2)));
        Register<LoadPartitions>("lop1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection);
                WriteStrings(o, 3, m.Partitions);
                WriteStrings(o, 4, m.LoadFields);
                WriteBool(o, 5, m.SkipDynamicField);
                WriteInt64(o, 6, m.ReplicaNumber);
                WriteStrings(o, 7, m.ResourceGroups);
            },
            f => new LoadPartitions(f.String(1), f.String(2), f.Strings(3), f.Int32(6))
            {
                LoadFields = f.Strings(4), SkipDynamicField = f.Bool(5), ResourceGroups = f.Strings(7),
            });
        Register<ReleasePartitions>("rlp1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection);
                WriteStrings(o, 3, m.Partitions);
            },
            f => new ReleasePartitions(f.String(1), f.String(2), f.Strings(3)));
        Register<GetLoadProgress>("glp1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new GetLoadProgress(f.Int64(1)));
        Register<LoadProgress>("lp1",
            (o, m) =>
            {
                WriteBool(o, 1, m.Loaded);
                WriteInt64(o, 2, m.Percent);
            },
            f => new LoadProgress(f.Bool(1), f.Int32(2)));
    }

    private void RegisterSegments()
    {
        Register<SegmentFlushed>("sf1", (o, m) => WriteEncoded(o, 1, CatalogCodec.Encode(m.Segment)), f => new SegmentFlushed(Segment(f, 1)));
        Register<FlushRecorded>("fr1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.SegmentId);
                WriteBool(o, 2, m.Retired);
            },
            f => new FlushRecorded(f.Int64(1), f.Bool(2)));
        Register<GetSegments>("gs1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new GetSegments(f.Int64(1)));
        Register<SegmentList>("sl1",
            (o, m) => WriteRepeated(o, 1, m.Segments, CatalogCodec.Encode),
            f => new SegmentList([.. f.RepeatedBytes(1).Select(CatalogCodec.DecodeSegment)]));
        RegisterSingleton("rit1", RequestIndexTask.Instance);
        RegisterSingleton("nt1", NoTask.Instance);
        Register<IndexBuildTask>("ibt1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.BuildId);
                WriteEncoded(o, 2, CatalogCodec.Encode(m.Segment));
                WriteEncoded(o, 3, SchemaCodec.Encode(m.Schema));
                WriteEncoded(o, 4, CatalogCodec.Encode(m.Index));
            },
            f => new IndexBuildTask(f.Int64(1), Segment(f, 2), SchemaCodec.Decode(f.Required(3, "collection schema")),
                CatalogCodec.DecodeIndex(f.Required(4, "index"))));
        Register<IndexBuilt>("ib1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.BuildId);
                WriteInt64(o, 2, m.SegmentId);
                WriteInt64(o, 3, m.FieldId);
                WriteString(o, 4, m.IndexKey);
            },
            f => new IndexBuilt(f.Int64(1), f.Int64(2), f.Int64(3), f.String(4)));
        Register<IndexBuildFailed>("ibf1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.BuildId);
                WriteString(o, 2, m.Reason);
            },
            f => new IndexBuildFailed(f.Int64(1), f.String(2)));
        RegisterSingleton("wa1", WorkAvailable.Instance);
        Register<RegisterQueryNode>("rqn1",
            (o, m) =>
            {
                WriteString(o, 1, ActorPath(m.Node));
                WriteRawSpan(o, 2, m.ServedSegments.AsSpan());
                foreach (var label in m.Labels)
                {
                    WriteMessage(o, 3, w => WriteStringFields(w, label.Key, label.Value));
                }
            },
            f => new RegisterQueryNode(ResolveActor(f.String(1)), f.RawImmutableArray<long>(2))
            {
                Labels = [.. f.RepeatedBytes(3).Select(WireFields.Parse).Select(e => new NodeLabel(e.String(1), e.String(2)))],
            });
        Register<SegmentServed>("ssv1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.SegmentId);
                WriteString(o, 2, ActorPath(m.QueryNode));
                WriteBool(o, 3, m.Serving);
            },
            f => new SegmentServed(f.Int64(1), ResolveActor(f.String(2)), f.Bool(3)));
        Register<GetShardDistribution>("gsd1", (o, m) => WriteString(o, 1, m.ShardName), f => new GetShardDistribution(f.String(1)));
        Register<ShardDistribution>("sd1",
            (o, m) =>
            {
                foreach (var (segment, queryNode, replicaId) in m.Segments)
                {
                    WriteMessage(o, 1, w =>
                    {
                        WriteEncoded(w, 1, CatalogCodec.Encode(segment));
                        WriteString(w, 2, queryNode is null ? null : ActorPath(queryNode));
                        WriteInt64(w, 3, replicaId);
                    });
                }

                WriteBool(o, 2, m.Loaded);
                WriteRawSpan(o, 3, m.RetiredSegmentIds.AsSpan());
            },
            f => new ShardDistribution(
                [.. f.RepeatedBytes(1).Select(WireFields.Parse).Select(e => (Segment(e, 1), ResolveOptionalActor(e.String(2)), e.Int64(3)))],
                f.Bool(2), f.RawImmutableArray<long>(3)));
        Register<SegmentIndexReady>("sir1", (o, m) => WriteEncoded(o, 1, CatalogCodec.Encode(m.Segment)), f => new SegmentIndexReady(Segment(f, 1)));
        Register<UnloadSegments>("us1", (o, m) => WriteRawSpan(o, 1, m.SegmentIds.AsSpan()), f => new UnloadSegments(f.RawImmutableArray<long>(1)));
    }

    private void RegisterShardCommands()
    {
        Register<AssignSegment>("as1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, CatalogCodec.Encode(m.Segment));
                WriteString(o, 3, ActorPath(m.QueryNode));
                WriteRawSpan(o, 4, m.LoadedFields.AsSpan());
                WriteInt64(o, 5, m.ReplicaId);
            },
            f => new AssignSegment(f.String(1), Segment(f, 2), ResolveActor(f.String(3)), f.Int64(5)) { LoadedFields = f.RawImmutableArray<long>(4) });
        Register<ReleaseShard>("rs1", (o, m) => WriteString(o, 1, m.ShardName), f => new ReleaseShard(f.String(1)));
        Register<DropShard>("ds1", (o, m) => WriteString(o, 1, m.ShardName), f => new DropShard(f.String(1)));
        Register<DropPartitionData>("dpd1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteInt64(o, 2, m.PartitionId);
            },
            f => new DropPartitionData(f.String(1), f.Int64(2)));
        Register<WidenShardSchema>("wss1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, SchemaCodec.Encode(m.Schema));
            },
            f => new WidenShardSchema(f.String(1), SchemaCodec.Decode(f.Required(2, "collection schema"))));
    }

    private void RegisterCompaction()
    {
        Register<CompactCollection>("cpc1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.CollectionId);
                WriteInt64(o, 2, m.TargetSizeMb);
            },
            f => new CompactCollection(f.Int64(1)) { TargetSizeMb = f.Int64(2) });
        Register<CompactionScheduled>("cps1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.CompactionId);
                WriteInt64(o, 2, m.Tasks);
            },
            f => new CompactionScheduled(f.Int64(1), f.Int32(2)));
        Register<GetCompaction>("gc1", (o, m) => WriteInt64(o, 1, m.CompactionId), f => new GetCompaction(f.Int64(1)));
        Register<CompactionDescribed>("cds1",
            (o, m) => WriteEncoded(o, 1, CompactionCodec.Encode(m.Compaction)),
            f => new CompactionDescribed(CompactionCodec.Decode(f.Required(1, "compaction"))));
        Register<GetCompactionState>("gcs1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new GetCompactionState(f.Int64(1)));
        Register<CompactionState>("cst1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.Pending);
                WriteInt64(o, 2, m.Running);
                WriteInt64(o, 3, m.Completed);
            },
            f => new CompactionState(f.Int32(1), f.Int32(2), f.Int64(3)));
        RegisterSingleton("rct1", RequestCompactionTask.Instance);
        Register<CompactionTask>("ct1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.TaskId);
                WriteEncoded(o, 2, SchemaCodec.Encode(m.Schema));
                WriteRepeated(o, 3, m.Inputs, CatalogCodec.Encode);
                WriteInt64(o, 4, m.TargetSegmentId);
                WriteInt64(o, 5, (long)(m.Ttl?.TotalSeconds ?? 0));
                WriteUInt64(o, 6, m.TruncatedBefore);
            },
            f => new CompactionTask(f.Int64(1), SchemaCodec.Decode(f.Required(2, "collection schema")),
                [.. f.RepeatedBytes(3).Select(CatalogCodec.DecodeSegment)], f.Int64(4),
                f.Int64(5) is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null, f.UInt64(6)));
        Register<CompactionCompleted>("cco1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.TaskId);
                WriteOptionalSegment(o, 2, m.Result);
                WriteRawSpan(o, 3, m.InputIds.AsSpan());
            },
            f => new CompactionCompleted(f.Int64(1), OptionalSegment(f, 2), f.RawImmutableArray<long>(3)));
        Register<CompactionFailed>("cf1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.TaskId);
                WriteString(o, 2, m.Reason);
                WriteInt64(o, 3, m.TargetSegmentId);
            },
            f => new CompactionFailed(f.Int64(1), f.String(2), f.Int64(3)));
        Register<SegmentsReplaced>("sr1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteOptionalSegment(o, 2, m.Result);
                WriteRawSpan(o, 3, m.Replaced.AsSpan());
            },
            f => new SegmentsReplaced(f.String(1), OptionalSegment(f, 2), f.RawImmutableArray<long>(3)));
    }

    private void RegisterDistribution()
    {
        Register<GetCollectionDistribution>("gcd1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new GetCollectionDistribution(f.Int64(1)));
        Register<CollectionDistribution>("cdi1",
            (o, m) =>
            {
                foreach (var served in m.Segments)
                {
                    WriteMessage(o, 1, w =>
                    {
                        WriteEncoded(w, 1, CatalogCodec.Encode(served.Segment));
                        WriteInt64(w, 2, served.NodeId);
                        WriteInt64(w, 3, served.ReplicaId);
                    });
                }

                foreach (var replica in m.Replicas)
                {
                    WriteMessage(o, 3, w =>
                    {
                        WriteInt64(w, 1, replica.ReplicaId);
                        WriteRawSpan(w, 2, replica.NodeIds.AsSpan());
                    });
                }

                foreach (var leader in m.Shards)
                {
                    WriteMessage(o, 2, w =>
                    {
                        WriteString(w, 1, leader.ShardName);
                        WriteInt64(w, 2, leader.NodeId);
                        WriteString(w, 3, leader.Address);
                    });
                }
            },
            f => new CollectionDistribution(
                [.. f.RepeatedBytes(1).Select(WireFields.Parse).Select(e => new ServedSegment(Segment(e, 1), e.Int64(2), e.Int64(3)))],
                [.. f.RepeatedBytes(2).Select(WireFields.Parse).Select(e => new ShardLeader(e.String(1), e.Int64(2), e.String(3)))])
            {
                Replicas = [.. f.RepeatedBytes(3).Select(WireFields.Parse).Select(e => new ReplicaGroup(e.Int64(1), e.RawImmutableArray<long>(2)))],
            });
        RegisterSingleton("gct1", GetClusterTopology.Instance);
        Register<ClusterTopology>("ctp1",
            (o, m) =>
            {
                foreach (var node in m.Nodes)
                {
                    WriteMessage(o, 1, w =>
                    {
                        WriteInt64(w, 1, node.NodeId);
                        WriteString(w, 2, node.Address);
                        WriteStrings(w, 3, node.Roles);
                        WriteString(w, 4, node.Status);
                    });
                }

                WriteInt64(o, 2, m.CoordinatorNodeId);
            },
            f => new ClusterTopology(
                [.. f.RepeatedBytes(1).Select(WireFields.Parse).Select(e => new ClusterNode(e.Int64(1), e.String(2), e.Strings(3), e.String(4)))],
                f.Int64(2)));
    }

    private void RegisterTaskHistory()
    {
        RegisterSingleton("gth1", GetTaskHistory.Instance);
        Register<TaskHistory>("th1",
            (o, m) =>
            {
                WriteRepeatedMessages(o, 1, m.Active, WriteTask);
                WriteRepeatedMessages(o, 2, m.Recent, WriteTask);
            },
            f => new TaskHistory([.. f.RepeatedBytes(1).Select(ReadTask)], [.. f.RepeatedBytes(2).Select(ReadTask)]));

        static void WriteTask(CodedOutputStream w, BackgroundTask task)
        {
            WriteInt64(w, 1, (long)task.Kind);
            WriteInt64(w, 2, task.TaskId);
            WriteInt64(w, 3, task.CollectionId);
            WriteRawSpan(w, 4, task.Segments.AsSpan());
            WriteInt64(w, 5, (long)task.State);
            WriteNullableInt64(w, 6, task.Started?.ToUnixTimeMilliseconds());
            WriteNullableInt64(w, 7, task.Finished?.ToUnixTimeMilliseconds());
            WriteString(w, 8, task.Detail);
        }

        static BackgroundTask ReadTask(ByteString bytes)
        {
            var e = WireFields.Parse(bytes);
            return new BackgroundTask((BackgroundTaskKind)e.Int32(1), e.Int64(2), e.Int64(3), e.RawImmutableArray<long>(4), (BackgroundTaskState)e.Int32(5),
                UnixMs(e.NullableInt64(6)), UnixMs(e.NullableInt64(7)), e.String(8));
        }

        static DateTimeOffset? UnixMs(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;
    }

    private void RegisterImports()
    {
        Register<CreateImportJob>("cij1",
            (o, m) =>
            {
                WriteString(o, 1, m.Database);
                WriteInt64(o, 2, m.CollectionId);
                WriteString(o, 3, m.CollectionName);
                WriteString(o, 4, m.Partition);
                WriteStrings(o, 5, m.Files);
                WriteString(o, 6, m.Node);
                WriteString(o, 7, m.Snapshot);
            },
            f => new CreateImportJob(f.String(1), f.Int64(2), f.String(3), f.String(4), f.Strings(5), f.String(6)) { Snapshot = f.String(7) });
        Register<ReportImportProgress>("rip1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.JobId);
                WriteInt64(o, 2, (long)m.State);
                WriteInt64(o, 3, m.TotalRows);
                WriteInt64(o, 4, m.ImportedRows);
                WriteString(o, 5, m.Reason);
            },
            f => new ReportImportProgress(f.Int64(1), (ImportJobState)f.Int32(2), f.Int64(3), f.Int64(4), f.String(5)));
        Register<GetImportJob>("gij1", (o, m) => WriteInt64(o, 1, m.JobId), f => new GetImportJob(f.Int64(1)));
        Register<ListImportJobs>("lij1",
            (o, m) =>
            {
                WriteString(o, 1, m.Database);
                WriteInt64(o, 2, m.CollectionId);
                WriteInt64(o, 3, m.Limit);
                WriteBool(o, 4, m.Restores);
            },
            f => new ListImportJobs(f.String(1), f.Int64(2), f.Int32(3), f.Bool(4)));
        Register<ImportJob>("ij1", (o, m) => WriteEncoded(o, 1, CatalogCodec.Encode(m)), f => CatalogCodec.DecodeImportJob(f.Required(1, "import job")));
        Register<ImportJobList>("ijl1",
            (o, m) => WriteRepeated(o, 1, m.Jobs, CatalogCodec.Encode),
            f => new ImportJobList([.. f.RepeatedBytes(1).Select(CatalogCodec.DecodeImportJob)]));
    }

    private void RegisterSnapshots()
    {
        Register<CollectionSnapshot>("csn1", (o, m) => WriteEncoded(o, 1, CatalogCodec.Encode(m)), f => CatalogCodec.DecodeSnapshot(f.Required(1, "snapshot")));
        Register<ReserveSnapshot>("rvs1", (o, m) => WriteInt64(o, 1, m.CollectionId), f => new ReserveSnapshot(f.Int64(1)));
        Register<SnapshotReserved>("srv1", (o, m) => WriteInt64(o, 1, m.SnapshotId), f => new SnapshotReserved(f.Int64(1)));
        Register<RecordSnapshot>("rsn1", (o, m) => WriteEncoded(o, 1, CatalogCodec.Encode(m.Snapshot)),
            f => new RecordSnapshot(CatalogCodec.DecodeSnapshot(f.Required(1, "snapshot"))));
        Register<GetSnapshot>("gsn1", (o, m) => WriteStringFields(o, m.Database, m.Collection, m.Name), f => new GetSnapshot(f.String(1), f.String(2), f.String(3)));
        Register<ListSnapshots>("lsn1", (o, m) => WriteStringFields(o, m.Database, m.Collection), f => new ListSnapshots(f.String(1), f.String(2)));
        Register<SnapshotList>("snl1", (o, m) => WriteRepeated(o, 1, m.Snapshots, CatalogCodec.Encode),
            f => new SnapshotList([.. f.RepeatedBytes(1).Select(CatalogCodec.DecodeSnapshot)]));
        Register<DropSnapshot>("dsn1", (o, m) => WriteStringFields(o, m.Database, m.Collection, m.Name), f => new DropSnapshot(f.String(1), f.String(2), f.String(3)));
        Register<PinSnapshot>("psn1",
            (o, m) =>
            {
                WriteStringFields(o, m.Database, m.Collection, m.Name);
                WriteInt64(o, 4, m.TtlSeconds);
            },
            f => new PinSnapshot(f.String(1), f.String(2), f.String(3), f.Int64(4)));
        Register<SnapshotPinned>("spn1", (o, m) => WriteInt64(o, 1, m.PinId), f => new SnapshotPinned(f.Int64(1)));
        Register<UnpinSnapshot>("usn1", (o, m) => WriteInt64(o, 1, m.PinId), f => new UnpinSnapshot(f.Int64(1)));
    }

    private static void WriteRepeatedMessages<T>(CodedOutputStream output, int field, IEnumerable<T> values, Action<CodedOutputStream, T> write)
    {
        foreach (var value in values)
        {
            WriteMessage(output, field, w => write(w, value));
        }
    }

    private static void WriteOptionalSegment(CodedOutputStream output, int field, SegmentInfo? segment)
    {
        if (segment is not null)
        {
            WriteEncoded(output, field, CatalogCodec.Encode(segment));
        }
    }

    private static SegmentInfo? OptionalSegment(WireFields fields, int field) =>
        fields.Has(field) ? CatalogCodec.DecodeSegment(fields.Bytes(field)) : null;

    private static SegmentInfo Segment(WireFields fields, int field) => CatalogCodec.DecodeSegment(fields.Required(field, "segment"));

    private static void WriteRepeated<T>(CodedOutputStream output, int field, IEnumerable<T> values, Func<T, ByteString> encode)
    {
        foreach (var value in values)
        {
            WriteEncoded(output, field, encode(value));
        }
    }

    /// <summary>Writes the leading string fields of a request (database, collection, ...) as fields 1, 2, 3...</summary>
    private static void WriteStringFields(CodedOutputStream output, params ReadOnlySpan<string> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            WriteString(output, i + 1, values[i]);
        }
    }
}
