using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

public sealed record PartitionInfo(long Id, string Name, ulong CreatedTimestamp);

/// <summary>
/// A vector or scalar index declared on a field; <see cref="Params"/> holds index_type, metric_type and build params as sent.
/// <see cref="Properties"/> holds the alterable load-time settings (mmap.enabled, ...), kept apart so that altering them
/// never changes what is built nor whether a CreateIndex repeats an existing index.
/// </summary>
public sealed record IndexInfo(long IndexId, string Name, long FieldId, ImmutableSortedDictionary<string, string> Params, ulong CreatedTimestamp)
{
    public const string IndexTypeKey = "index_type";
    public const string MetricTypeKey = "metric_type";

    /// <summary>A JSON field's index: the path it covers (e.g. <c>meta["a"]</c>) and the type the value there is read as.</summary>
    public const string JsonPathKey = "json_path";
    public const string JsonCastTypeKey = "json_cast_type";

    public ImmutableSortedDictionary<string, string> Properties { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public string IndexType => Params.GetValueOrDefault(IndexTypeKey, "");

    public string MetricType => Params.GetValueOrDefault(MetricTypeKey, "");
}

public sealed record DatabaseInfo(long Id, string Name, ImmutableSortedDictionary<string, string> Properties, ulong CreatedTimestamp)
{
    /// <summary>The database every request without one targets; it always exists and cannot be dropped.</summary>
    public const string DefaultName = "default";
}

/// <summary>Everything the catalog knows of one collection. Shards are named "{Id}_{index}" (Milvus's vchannels).</summary>
public sealed record CollectionInfo(
    long Id,
    string Database,
    string Name,
    CollectionSchema Schema,
    int ShardsNum,
    ConsistencyLevel Consistency,
    ImmutableArray<PartitionInfo> Partitions,
    ImmutableArray<IndexInfo> Indexes,
    ImmutableArray<string> Aliases,
    ImmutableSortedDictionary<string, string> Properties,
    ulong CreatedTimestamp,
    bool Loaded)
{
    public const string DefaultPartitionName = "_default";

    /// <summary>
    /// The partitions loaded by LoadPartitions, never empty; null when the whole collection is loaded (partitions
    /// created later load with it) or nothing is.
    /// </summary>
    public ImmutableSortedSet<long>? LoadedPartitions { get; init; }

    /// <summary>
    /// The ids of the loaded collection's replicas (Milvus's replica_number is their count): each replica serves every
    /// loaded segment on its own query nodes. Empty when not loaded, and in catalogs written before replicas.
    /// </summary>
    public ImmutableArray<long> Replicas { get; init; } = [];

    /// <summary>The replicas of a loaded collection; a load recorded before replicas existed has one, named by the collection id.</summary>
    public ImmutableArray<long> ReplicaIds => !Loaded ? [] : Replicas.IsDefaultOrEmpty ? [Id] : Replicas;

    /// <summary>The resource group of each replica placed outside the default one (LoadCollection's resource_groups, TransferReplica).</summary>
    public ImmutableDictionary<long, string> ReplicaResourceGroups { get; init; } = ImmutableDictionary<long, string>.Empty;

    /// <summary>The resource group whose query nodes serve <paramref name="replicaId"/>.</summary>
    public string ResourceGroupOf(long replicaId) => ReplicaResourceGroups.GetValueOrDefault(replicaId, ResourceGroups.Default);

    /// <summary>
    /// TruncateCollection's timestamp (0: never truncated): every row inserted before it is gone. Reads at or above it
    /// skip those rows (the same bound TTL expiry uses), the segments child drops the flushed segments wholly below it
    /// and compaction purges the rest, so the shards need to learn nothing.
    /// </summary>
    public ulong TruncatedBefore { get; init; }

    /// <summary>
    /// The oldest insert timestamp a read at <paramref name="readTimestamp"/> sees: the later of the truncation (for a
    /// read at or above it) and <paramref name="ttlBound"/>.
    /// </summary>
    public ulong VisibleFrom(ulong readTimestamp, ulong ttlBound) =>
        readTimestamp >= TruncatedBefore ? Math.Max(TruncatedBefore, ttlBound) : ttlBound;

    /// <summary>When the schema last changed (a field added or altered, a function added, altered or dropped, the dynamic field enabled); 0: never since creation.</summary>
    public ulong SchemaUpdatedTimestamp { get; init; }

    /// <summary>
    /// Milvus's update_timestamp: the schema's last change, or the creation. SDKs send it back with writes
    /// (schema_timestamp); a write built against an older schema is refused with SchemaMismatch, and the SDK describes again.
    /// </summary>
    public ulong UpdateTimestamp => Math.Max(CreatedTimestamp, SchemaUpdatedTimestamp);

    public bool IsPartitionLoaded(long partitionId) => Loaded && (LoadedPartitions is null || LoadedPartitions.Contains(partitionId));

    /// <summary>
    /// The fields a partial load (load_fields, skip_load_dynamic_field) holds in memory; null when every field is
    /// loaded, or nothing is. Query nodes load only these; reads naming another field are refused.
    /// </summary>
    public ImmutableSortedSet<long>? LoadedFields { get; init; }

    public bool IsFieldLoaded(long fieldId) => LoadedFields is null || LoadedFields.Contains(fieldId);

    public string ShardName(int index) => ShardNames.ForCollection(Id, index);

    public IEnumerable<string> AllShardNames => Enumerable.Range(0, ShardsNum).Select(ShardName);

    public PartitionInfo? FindPartition(string name) => Partitions.FirstOrDefault(p => p.Name == name);

    public IndexInfo? IndexOnField(long fieldId) => Indexes.FirstOrDefault(i => i.FieldId == fieldId);
}

public static class ShardNames
{
    public static string ForCollection(long collectionId, int index) => $"{collectionId}_{index}";

    public static (long CollectionId, int Index) Parse(string shardName)
    {
        var separator = shardName.LastIndexOf('_');
        return (long.Parse(shardName[..separator], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(shardName[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Milvus's resource groups: the default one always exists and takes every query node no other group claims.</summary>
public static class ResourceGroups
{
    public const string Default = "__default_resource_group";

    /// <summary>The default group's limit, and the capacity Milvus reports for it (its deprecated "capacity").</summary>
    public const int DefaultCapacity = 1_000_000;

    /// <summary>The default group's configuration until UpdateResourceGroups changes it: no request, Milvus's limit.</summary>
    public static readonly ResourceGroupConfig DefaultConfig = new(0, DefaultCapacity);

    /// <summary>The default group as the catalog holds it before UpdateResourceGroups stores it.</summary>
    public static readonly ResourceGroupInfo DefaultGroup = new(Default, DefaultConfig, 0);
}

/// <summary>A label a query node carries (Milvus's node labels), which a resource group's node filter may require.</summary>
public readonly record struct NodeLabel(string Key, string Value);

/// <summary>
/// Milvus's resource group configuration: the group wants <paramref name="Requests"/> query nodes and holds at most
/// <paramref name="Limits"/>; missing nodes come from <see cref="TransferFrom"/> first, redundant ones go to
/// <see cref="TransferTo"/> first; a node filter admits only nodes carrying all its <see cref="NodeLabels"/>.
/// </summary>
public sealed record ResourceGroupConfig(int Requests, int Limits)
{
    public ImmutableArray<string> TransferFrom { get; init; } = [];

    public ImmutableArray<string> TransferTo { get; init; } = [];

    public ImmutableArray<NodeLabel> NodeLabels { get; init; } = [];

    /// <summary>Whether a node with these labels may belong to the group.</summary>
    public bool Accepts(IReadOnlyCollection<NodeLabel> labels) => NodeLabels.All(labels.Contains);

    /// <summary>Field-by-field equality (a repeated create with the same configuration succeeds, as in Milvus).</summary>
    public bool SameAs(ResourceGroupConfig other) =>
        Requests == other.Requests && Limits == other.Limits && TransferFrom.SequenceEqual(other.TransferFrom)
        && TransferTo.SequenceEqual(other.TransferTo) && NodeLabels.SequenceEqual(other.NodeLabels);
}

/// <summary>The resource group a query node was in and the labels it registered with, as meta storage keeps them.</summary>
public sealed record NodeGroupRecord(string Group, ImmutableArray<NodeLabel> Labels)
{
    public bool SameAs(NodeGroupRecord other) => Group == other.Group && Labels.SequenceEqual(other.Labels);
}

/// <summary>A resource group as the catalog keeps it; which nodes belong to it is decided from the live query nodes.</summary>
public sealed record ResourceGroupInfo(string Name, ResourceGroupConfig Config, ulong CreatedTimestamp);

/// <summary>One replica's copy of a flushed segment: every replica of a loaded collection serves each loaded segment once.</summary>
public readonly record struct SegmentCopy(long SegmentId, long ReplicaId);

/// <summary>Lifecycle of a flushed segment as the coordinator tracks it.</summary>
public sealed record SegmentInfo(
    long SegmentId,
    long CollectionId,
    long PartitionId,
    string ShardName,
    long RowCount,
    string ManifestKey,
    ImmutableDictionary<long, string> IndexFiles,
    ulong FlushedTimestamp);
