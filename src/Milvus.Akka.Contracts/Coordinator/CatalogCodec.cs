using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Milvus.Akka.Cluster.Wire;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator.Formats;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Catalog records in their stored form (Formats/catalog.proto), used for meta storage values and for cluster
/// messages alike. Writes the oldest version that holds an entry (<see cref="VersionOf"/>); reads up to <see cref="FormatVersion"/>, and refuses newer ones.
/// </summary>
public static class CatalogCodec
{
    /// <summary>
    /// The newest catalog format this code reads; entries without a version are version 1. Each later version is
    /// written only by the collections that need it, so a node that reads an older version keeps reading every other
    /// entry and refuses (instead of misreading) those: version 2 added schema functions (BM25) and function output
    /// fields; version 3 added <c>truncated_before</c> (an older node would show a truncated collection's rows again);
    /// version 4 added the schema's version (field 7 of the schema), set by AddCollectionField (an older node would not
    /// know that rows written before the field was added have no value for it); version 5 added the resource group of
    /// each replica (an older node would serve those replicas from the default group's nodes); version 6 added
    /// array-of-struct fields (field 8 of the schema, field 15 of a sub-field: an older node would read the sub-fields
    /// as ordinary fields of types it does not know).
    /// </summary>
    public const uint FormatVersion = StructFieldsFormatVersion;

    /// <summary>The version of entries without functions (databases, segments, collections without functions).</summary>
    public const uint BaseFormatVersion = 1;

    /// <summary>A collection whose schema has functions.</summary>
    public const uint FunctionsFormatVersion = 2;

    /// <summary>A truncated collection (<see cref="CollectionInfo.TruncatedBefore"/> set).</summary>
    public const uint TruncatedFormatVersion = 3;

    /// <summary>A collection whose schema had fields added (<see cref="CollectionSchema.Version"/> above 0).</summary>
    public const uint AddedFieldsFormatVersion = 4;

    /// <summary>A collection with a replica outside the default resource group.</summary>
    public const uint ResourceGroupsFormatVersion = 5;

    /// <summary>A collection with array-of-struct fields.</summary>
    public const uint StructFieldsFormatVersion = 6;

    /// <summary>The version a collection is written with: the oldest that holds everything it has.</summary>
    public static uint VersionOf(CollectionInfo collection) =>
        !collection.Schema.StructFields.IsEmpty ? StructFieldsFormatVersion
        : !collection.ReplicaResourceGroups.IsEmpty ? ResourceGroupsFormatVersion
        : collection.Schema.Version != 0 ? AddedFieldsFormatVersion
        : collection.TruncatedBefore != 0 ? TruncatedFormatVersion
        : !collection.Schema.Functions.IsEmpty ? FunctionsFormatVersion
        : BaseFormatVersion;

    public static ByteString Encode(DatabaseInfo db) => new DatabaseEntry
    {
        Id = db.Id,
        Name = db.Name,
        Properties = { db.Properties },
        CreatedTimestamp = db.CreatedTimestamp,
        FormatVersion = BaseFormatVersion,
    }.ToByteString();

    public static DatabaseInfo DecodeDatabase(ByteString bytes)
    {
        var entry = DatabaseEntry.Parser.ParseFrom(bytes);
        CheckVersion(entry.FormatVersion, "database", entry.Name);
        return new DatabaseInfo(entry.Id, entry.Name, Sorted(entry.Properties), entry.CreatedTimestamp);
    }

    public static ByteString Encode(CollectionInfo c)
    {
        var entry = new CollectionEntry
        {
            Id = c.Id,
            Database = c.Database,
            Name = c.Name,
            Schema = SchemaCodec.Encode(c.Schema),
            ShardsNum = c.ShardsNum,
            Consistency = (long)c.Consistency + 1,
            Partitions = { c.Partitions.Select(p => new PartitionEntry { Id = p.Id, Name = p.Name, CreatedTimestamp = p.CreatedTimestamp }) },
            Indexes = { c.Indexes.Select(ToEntry) },
            Aliases = { c.Aliases },
            Properties = { c.Properties },
            CreatedTimestamp = c.CreatedTimestamp,
            Loaded = c.Loaded,
            LoadedPartitions = { c.LoadedPartitions ?? [] },
            LoadedFields = { c.LoadedFields ?? [] },
            Replicas = { c.Replicas.IsDefault ? [] : c.Replicas },
            ReplicaResourceGroups = { c.ReplicaResourceGroups },
            FormatVersion = VersionOf(c),
            TruncatedBefore = c.TruncatedBefore,
            SchemaUpdatedTimestamp = c.SchemaUpdatedTimestamp,
        };
        return entry.ToByteString();
    }

    public static CollectionInfo DecodeCollection(ByteString bytes)
    {
        var entry = CollectionEntry.Parser.ParseFrom(bytes);
        CheckVersion(entry.FormatVersion, "collection", entry.Id.ToString(CultureInfo.InvariantCulture));
        var schema = entry.HasSchema ? SchemaCodec.Decode(entry.Schema) : throw new InvalidDataException($"collection {entry.Id} has no schema");
        var consistency = entry.Consistency == 0 ? ConsistencyLevel.Bounded : (ConsistencyLevel)(entry.Consistency - 1);
        return new CollectionInfo(entry.Id, entry.Database, entry.Name, schema, checked((int)entry.ShardsNum), consistency,
            [.. entry.Partitions.Select(p => new PartitionInfo(p.Id, p.Name, p.CreatedTimestamp))], [.. entry.Indexes.Select(FromEntry)],
            [.. entry.Aliases], Sorted(entry.Properties), entry.CreatedTimestamp, entry.Loaded)
        {
            LoadedPartitions = entry.LoadedPartitions.Count == 0 ? null : [.. entry.LoadedPartitions],
            LoadedFields = entry.LoadedFields.Count == 0 ? null : [.. entry.LoadedFields],
            Replicas = [.. entry.Replicas],
            ReplicaResourceGroups = entry.ReplicaResourceGroups.ToImmutableDictionary(),
            TruncatedBefore = entry.TruncatedBefore,
            SchemaUpdatedTimestamp = entry.SchemaUpdatedTimestamp,
        };
    }

    public static ByteString Encode(ResourceGroupInfo group) => new ResourceGroupEntry
    {
        Name = group.Name,
        Config = ToEntry(group.Config),
        CreatedTimestamp = group.CreatedTimestamp,
        FormatVersion = BaseFormatVersion,
    }.ToByteString();

    public static ResourceGroupInfo DecodeResourceGroup(ByteString bytes)
    {
        var entry = ResourceGroupEntry.Parser.ParseFrom(bytes);
        CheckVersion(entry.FormatVersion, "resource group", entry.Name);
        return new ResourceGroupInfo(entry.Name, FromEntry(entry.Config ?? new ResourceGroupConfigEntry()), entry.CreatedTimestamp);
    }

    /// <summary>The resource group of each query node, by full actor path.</summary>
    public static ByteString EncodeNodeGroups(IEnumerable<KeyValuePair<string, NodeGroupRecord>> nodes) => new ResourceGroupNodesEntry
    {
        Nodes =
        {
            nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => new ResourceGroupNodeEntry
            {
                Node = n.Key, Group = n.Value.Group, Labels = { ToEntries(n.Value.Labels) },
            }),
        },
        FormatVersion = BaseFormatVersion,
    }.ToByteString();

    public static ImmutableDictionary<string, NodeGroupRecord> DecodeNodeGroups(ByteString bytes)
    {
        var entry = ResourceGroupNodesEntry.Parser.ParseFrom(bytes);
        CheckVersion(entry.FormatVersion, "resource group", "node assignment");
        return entry.Nodes.ToImmutableDictionary(n => n.Node, n => new NodeGroupRecord(n.Group, FromEntries(n.Labels)));
    }

    public static ByteString Encode(ImportJob job)
    {
        var entry = new ImportJobEntry
        {
            JobId = job.JobId,
            Database = job.Database,
            CollectionId = job.CollectionId,
            CollectionName = job.CollectionName,
            Partition = job.Partition,
            Files = { job.Files },
            Node = job.Node,
            State = (long)job.State,
            TotalRows = job.TotalRows,
            ImportedRows = job.ImportedRows,
            Reason = job.Reason,
            CreatedUnixMs = job.Created.ToUnixTimeMilliseconds(),
            FormatVersion = BaseFormatVersion,
            Snapshot = job.Snapshot,
        };
        if (job.Finished is { } finished)
        {
            entry.FinishedUnixMs = finished.ToUnixTimeMilliseconds();
        }

        return entry.ToByteString();
    }

    public static ImportJob DecodeImportJob(ByteString bytes)
    {
        var entry = ImportJobEntry.Parser.ParseFrom(bytes);
        CheckVersion(entry.FormatVersion, "import job", entry.JobId.ToString(CultureInfo.InvariantCulture));
        return new ImportJob(entry.JobId, entry.Database, entry.CollectionId, entry.CollectionName, entry.Partition, [.. entry.Files], entry.Node,
            (ImportJobState)entry.State, entry.TotalRows, entry.ImportedRows, entry.Reason, DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedUnixMs),
            entry.HasFinishedUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(entry.FinishedUnixMs) : null) { Snapshot = entry.Snapshot };
    }

    public static ByteString Encode(CollectionSnapshot snapshot) => new SnapshotEntry
    {
        SnapshotId = snapshot.SnapshotId,
        Name = snapshot.Name,
        Description = snapshot.Description,
        Collection = Encode(snapshot.Collection),
        Timestamp = snapshot.Timestamp,
        Segments =
        {
            snapshot.Segments.Select(s => new SnapshotSegmentEntry
            {
                SegmentId = s.SegmentId, PartitionId = s.PartitionId, ManifestKey = s.ManifestKey, RowCount = s.RowCount,
            }),
        },
        Pins = { snapshot.Pins.Select(p => new SnapshotPinEntry { PinId = p.PinId, ExpiresUnixMs = p.Expires.ToUnixTimeMilliseconds() }) },
        CreatedUnixMs = snapshot.Created.ToUnixTimeMilliseconds(),
        FormatVersion = BaseFormatVersion,
    }.ToByteString();

    public static CollectionSnapshot DecodeSnapshot(ByteString bytes)
    {
        var entry = SnapshotEntry.Parser.ParseFrom(bytes);
        CheckVersion(entry.FormatVersion, "snapshot", entry.Name);
        return new CollectionSnapshot(entry.SnapshotId, entry.Name, entry.Description, DecodeCollection(entry.Collection), entry.Timestamp,
            [.. entry.Segments.Select(s => new SnapshotSegment(s.SegmentId, s.PartitionId, s.ManifestKey, s.RowCount))],
            [.. entry.Pins.Select(p => new SnapshotPin(p.PinId, DateTimeOffset.FromUnixTimeMilliseconds(p.ExpiresUnixMs)))],
            DateTimeOffset.FromUnixTimeMilliseconds(entry.CreatedUnixMs));
    }

    public static ByteString Encode(ResourceGroupConfig config) => ToEntry(config).ToByteString();

    public static ResourceGroupConfig DecodeResourceGroupConfig(ByteString bytes) => FromEntry(ResourceGroupConfigEntry.Parser.ParseFrom(bytes));

    private static IEnumerable<NodeLabelEntry> ToEntries(IEnumerable<NodeLabel> labels) => labels.Select(l => new NodeLabelEntry { Key = l.Key, Value = l.Value });

    private static ImmutableArray<NodeLabel> FromEntries(IEnumerable<NodeLabelEntry> labels) => [.. labels.Select(l => new NodeLabel(l.Key, l.Value))];

    private static ResourceGroupConfigEntry ToEntry(ResourceGroupConfig config) => new()
    {
        Requests = config.Requests,
        Limits = config.Limits,
        TransferFrom = { config.TransferFrom },
        TransferTo = { config.TransferTo },
        NodeLabels = { ToEntries(config.NodeLabels) },
    };

    private static ResourceGroupConfig FromEntry(ResourceGroupConfigEntry entry) => new(entry.Requests, entry.Limits)
    {
        TransferFrom = [.. entry.TransferFrom],
        TransferTo = [.. entry.TransferTo],
        NodeLabels = FromEntries(entry.NodeLabels),
    };

    public static ByteString Encode(IndexInfo index) => ToEntry(index).ToByteString();

    public static IndexInfo DecodeIndex(ByteString bytes) => FromEntry(IndexEntry.Parser.ParseFrom(bytes));

    public static ByteString Encode(SegmentInfo s) => ToEntry(s).ToByteString();

    public static SegmentInfo DecodeSegment(ByteString bytes) => FromEntry(SegmentEntry.Parser.ParseFrom(bytes));

    public static SegmentEntry ToEntry(SegmentInfo s) => new()
    {
        SegmentId = s.SegmentId,
        CollectionId = s.CollectionId,
        PartitionId = s.PartitionId,
        ShardName = s.ShardName,
        RowCount = s.RowCount,
        ManifestKey = s.ManifestKey,
        IndexFiles = { s.IndexFiles.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value) },
        FlushedTimestamp = s.FlushedTimestamp,
        FormatVersion = BaseFormatVersion,
    };

    public static SegmentInfo FromEntry(SegmentEntry entry)
    {
        CheckVersion(entry.FormatVersion, "segment", entry.SegmentId.ToString(CultureInfo.InvariantCulture));
        return new SegmentInfo(entry.SegmentId, entry.CollectionId, entry.PartitionId, entry.ShardName, entry.RowCount, entry.ManifestKey,
            entry.IndexFiles.ToImmutableDictionary(kv => long.Parse(kv.Key, CultureInfo.InvariantCulture), kv => kv.Value), entry.FlushedTimestamp);
    }

    /// <summary>
    /// Refuses an entry a newer version wrote: reading it as this version would silently drop what it holds.
    /// <paramref name="readsUpTo"/> is the newest version the reader knows (this code's, unless a test plays an older reader).
    /// </summary>
    public static void CheckVersion(uint version, string kind, string name, uint readsUpTo = FormatVersion)
    {
        if (version > readsUpTo)
        {
            throw new InvalidDataException(
                $"{kind} catalog entry '{name}' has format version {version}, but this node reads catalog versions up to {readsUpTo}: " +
                "it was written by a newer Milvus.Akka; upgrade this node");
        }
    }

    private static IndexEntry ToEntry(IndexInfo index) => new()
    {
        IndexId = index.IndexId,
        Name = index.Name,
        FieldId = index.FieldId,
        Params = { index.Params },
        CreatedTimestamp = index.CreatedTimestamp,
        Properties = { index.Properties },
    };

    private static IndexInfo FromEntry(IndexEntry entry) =>
        new(entry.IndexId, entry.Name, entry.FieldId, Sorted(entry.Params), entry.CreatedTimestamp) { Properties = Sorted(entry.Properties) };

    private static ImmutableSortedDictionary<string, string> Sorted(MapField<string, string> map) => map.ToImmutableSortedDictionary();
}
