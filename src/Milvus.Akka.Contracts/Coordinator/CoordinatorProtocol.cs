using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>Marker for every message the coordinator handles or sends; bound to its wire serializer.</summary>
public interface ICoordinatorMessage;

// Timestamp oracle and ID allocation.

/// <summary>Reserves <paramref name="Count"/> consecutive hybrid timestamps; the reply holds the first.</summary>
public sealed record AllocateTimestamps(int Count) : ICoordinatorMessage;

/// <summary><paramref name="CatalogVersion"/> rides along so that a proxy learns of a catalog change it missed on pub-sub.</summary>
public sealed record TimestampsAllocated(ulong First, int Count, ulong CatalogVersion) : ICoordinatorMessage;

/// <summary>Reserves <paramref name="Count"/> unique ids (auto-id rows, segments); the reply holds the first.</summary>
public sealed record AllocateIds(int Count) : ICoordinatorMessage;

public sealed record IdsAllocated(long First, int Count) : ICoordinatorMessage;

// Databases.

public sealed record CreateDatabase(string Name, ImmutableSortedDictionary<string, string> Properties) : ICoordinatorMessage;

public sealed record DropDatabase(string Name) : ICoordinatorMessage;

public sealed record AlterDatabase(string Name, ImmutableSortedDictionary<string, string> Properties, ImmutableArray<string> DeleteKeys) : ICoordinatorMessage;

public sealed record ListDatabases : ICoordinatorMessage
{
    public static readonly ListDatabases Instance = new();
}

public sealed record DatabaseList(ImmutableArray<DatabaseInfo> Databases) : ICoordinatorMessage;

// Collections.

public sealed record CreateCollection(
    string Database,
    CollectionSchema Schema,
    int ShardsNum,
    ConsistencyLevel Consistency,
    int NumPartitions,
    ImmutableSortedDictionary<string, string> Properties) : ICoordinatorMessage;

/// <param name="OnlyId">When not 0, the collection is dropped only while it is still this one (a restore rolled back after its
/// node left: the name may have been dropped and taken again meanwhile).</param>
public sealed record DropCollection(string Database, string Name, long OnlyId = 0) : ICoordinatorMessage;

/// <summary>Removes every row of the collection, keeping its schema, partitions, indexes, aliases and load state.</summary>
public sealed record TruncateCollection(string Database, string Name) : ICoordinatorMessage;

/// <summary>Finds a collection by name or alias within a database; replies <see cref="CollectionInfo"/> (wrapped in <see cref="CollectionDescribed"/>).</summary>
public sealed record DescribeCollection(string Database, string Name) : ICoordinatorMessage;

public sealed record DescribeCollectionById(long CollectionId) : ICoordinatorMessage;

/// <summary>A collection as of <paramref name="CatalogVersion"/>, the version a proxy's metadata cache keeps it under.</summary>
public sealed record CollectionDescribed(CollectionInfo Collection, ulong CatalogVersion) : ICoordinatorMessage;

/// <summary>
/// The catalog version after a DDL change: the reply to every catalog command, and published on <see cref="Topics.Catalog"/>
/// after each change. Versions are TSO timestamps, so they only grow, across coordinator fail-overs too.
/// </summary>
public sealed record CatalogChanged(ulong Version) : ICoordinatorMessage;

public sealed record ListCollections(string Database) : ICoordinatorMessage;

public sealed record CollectionList(ImmutableArray<CollectionInfo> Collections) : ICoordinatorMessage;

public sealed record RenameCollection(string Database, string OldName, string NewDatabase, string NewName) : ICoordinatorMessage;

public sealed record AlterCollection(string Database, string Name, ImmutableSortedDictionary<string, string> Properties, ImmutableArray<string> DeleteKeys) : ICoordinatorMessage;

/// <summary>Sets or deletes properties of one field (max_length, max_capacity, mmap.enabled, warmup), as Milvus's AlterCollectionField.</summary>
public sealed record AlterCollectionField(
    string Database,
    string Collection,
    string FieldName,
    ImmutableSortedDictionary<string, string> Properties,
    ImmutableArray<string> DeleteKeys) : ICoordinatorMessage;

/// <summary>
/// Adds nullable scalar fields to a collection's schema (Milvus 2.6's AddCollectionField, one field; Milvus 3.0's
/// AlterCollectionSchema, several): all of them or, when one is refused, none. The coordinator assigns their ids.
/// </summary>
public sealed record AddCollectionField(string Database, string Collection, ImmutableArray<FieldSchema> Fields) : ICoordinatorMessage;

/// <summary>Adds a text embedding function to a collection (Milvus's AddCollectionFunction); the coordinator assigns its id.</summary>
public sealed record AddCollectionFunction(string Database, string Collection, FunctionSchema Function) : ICoordinatorMessage;

/// <summary>Replaces the text embedding function <paramref name="FunctionName"/> (Milvus's AlterCollectionFunction).</summary>
public sealed record AlterCollectionFunction(string Database, string Collection, string FunctionName, FunctionSchema Function) : ICoordinatorMessage;

/// <summary>Removes a text embedding function (Milvus's DropCollectionFunction); its output becomes an ordinary field.</summary>
public sealed record DropCollectionFunction(string Database, string Collection, string FunctionName) : ICoordinatorMessage;

public sealed record CreatePartition(string Database, string Collection, string Partition) : ICoordinatorMessage;

public sealed record DropPartition(string Database, string Collection, string Partition) : ICoordinatorMessage;

public sealed record CreateAlias(string Database, string Alias, string Collection) : ICoordinatorMessage;

public sealed record DropAlias(string Database, string Alias) : ICoordinatorMessage;

public sealed record AlterAlias(string Database, string Alias, string Collection) : ICoordinatorMessage;

// Indexes, load and release.

public sealed record CreateIndex(string Database, string Collection, string FieldName, string IndexName, ImmutableSortedDictionary<string, string> Params) : ICoordinatorMessage;

public sealed record DropIndex(string Database, string Collection, string FieldName, string IndexName) : ICoordinatorMessage;

/// <summary>Sets or deletes (not both at once) the alterable properties of an index, as Milvus's AlterIndex; see <see cref="AlterableProperties"/>.</summary>
public sealed record AlterIndex(
    string Database,
    string Collection,
    string IndexName,
    ImmutableSortedDictionary<string, string> Properties,
    ImmutableArray<string> DeleteKeys) : ICoordinatorMessage;

/// <summary>Per index: how many flushed rows are covered by built index files, out of how many.</summary>
public sealed record GetIndexProgress(long CollectionId) : ICoordinatorMessage;

public sealed record IndexProgress(ImmutableDictionary<long, (long IndexedRows, long TotalRows)> ByIndexId) : ICoordinatorMessage;

/// <summary>
/// Loads the collection in <paramref name="ReplicaNumber"/> replicas, each on its own query nodes (0: as the
/// collection's or database's properties configure, else one); a partial load names its fields (the primary key and a
/// vector field among them).
/// </summary>
public sealed record LoadCollection(string Database, string Name, int ReplicaNumber = 1) : ICoordinatorMessage
{
    /// <summary>Milvus's load_fields: empty loads every field.</summary>
    public ImmutableArray<string> LoadFields { get; init; } = [];

    /// <summary>Milvus's skip_load_dynamic_field: leaves $meta out of the load.</summary>
    public bool SkipDynamicField { get; init; }

    /// <summary>Milvus's resource_groups: none places every replica in the default group, one all in it, else one each.</summary>
    public ImmutableArray<string> ResourceGroups { get; init; } = [];
}

public sealed record ReleaseCollection(string Database, string Name) : ICoordinatorMessage;

/// <summary>Adds the named partitions to those loaded; partitions created later stay released, as in Milvus.</summary>
public sealed record LoadPartitions(string Database, string Collection, ImmutableArray<string> Partitions, int ReplicaNumber = 1) : ICoordinatorMessage
{
    /// <summary>As <see cref="LoadCollection.LoadFields"/>.</summary>
    public ImmutableArray<string> LoadFields { get; init; } = [];

    public bool SkipDynamicField { get; init; }

    /// <summary>As <see cref="LoadCollection.ResourceGroups"/>.</summary>
    public ImmutableArray<string> ResourceGroups { get; init; } = [];
}

/// <summary>Releases the named partitions; releasing the last loaded one releases the collection.</summary>
public sealed record ReleasePartitions(string Database, string Collection, ImmutableArray<string> Partitions) : ICoordinatorMessage;

// Resource groups (Milvus's querycoord resource manager): the catalog keeps their configurations and the resource
// group of each replica; the segments child decides which query nodes belong to each group.

/// <summary>Creates a resource group; creating it again with the same configuration succeeds, as in Milvus.</summary>
public sealed record CreateResourceGroup(string Name, ResourceGroupConfig Config) : ICoordinatorMessage;

/// <summary>Drops a resource group whose limit is 0, that no replica and no other group's transfer list names.</summary>
public sealed record DropResourceGroup(string Name) : ICoordinatorMessage;

/// <summary>Replaces the configurations of existing resource groups, all or none.</summary>
public sealed record UpdateResourceGroups(ImmutableSortedDictionary<string, ResourceGroupConfig> Groups) : ICoordinatorMessage;

/// <summary>Milvus's deprecated TransferNode: moves <paramref name="NumNode"/> of the source's requested nodes to the target's request.</summary>
public sealed record TransferNode(string Source, string Target, int NumNode) : ICoordinatorMessage;

/// <summary>Moves <paramref name="NumReplica"/> replicas of a loaded collection from one resource group to another.</summary>
public sealed record TransferReplica(string Source, string Target, string Database, string Collection, int NumReplica) : ICoordinatorMessage;

public sealed record ListResourceGroups : ICoordinatorMessage
{
    public static readonly ListResourceGroups Instance = new();
}

public sealed record ResourceGroupList(ImmutableArray<string> Names) : ICoordinatorMessage;

/// <summary>Asks the coordinator's segments child, which knows the query nodes, for one group; replies <see cref="ResourceGroupDescribed"/>.</summary>
public sealed record DescribeResourceGroup(string Name) : ICoordinatorMessage;

/// <summary>A query node of a resource group: its <see cref="ClusterNode.NodeId"/> and address.</summary>
public sealed record ResourceGroupNode(long NodeId, string Address, string Hostname);

/// <summary>
/// A resource group with its query nodes and, per collection name, its loaded replicas, the nodes that left it but
/// still serve one of its replicas (outgoing), and its nodes still serving another group's replica (incoming).
/// </summary>
public sealed record ResourceGroupDescribed(
    string Name,
    int Capacity,
    ResourceGroupConfig Config,
    ImmutableArray<ResourceGroupNode> Nodes,
    ImmutableSortedDictionary<string, int> LoadedReplicas,
    ImmutableSortedDictionary<string, int> OutgoingNodes,
    ImmutableSortedDictionary<string, int> IncomingNodes) : ICoordinatorMessage;

public sealed record GetLoadProgress(long CollectionId) : ICoordinatorMessage;

/// <summary><paramref name="Percent"/> of flushed segments served by query nodes (100 when there are none).</summary>
public sealed record LoadProgress(bool Loaded, int Percent) : ICoordinatorMessage;

// Segments: streaming shards report flushes, data nodes pull index builds, query nodes report loads.

public sealed record SegmentFlushed(SegmentInfo Segment) : ICoordinatorMessage;

/// <summary>
/// The answer to <see cref="SegmentFlushed"/>. <paramref name="Retired"/>: the catalog had dropped the segment before
/// (a compaction merged it, or its partition was dropped or truncated) and did not take it back, so the shard forgets
/// it; this happens when a shard replays a seal whose flush an earlier incarnation had already reported.
/// </summary>
public sealed record FlushRecorded(long SegmentId, bool Retired) : ICoordinatorMessage;

public sealed record GetSegments(long CollectionId) : ICoordinatorMessage;

public sealed record SegmentList(ImmutableArray<SegmentInfo> Segments) : ICoordinatorMessage;

/// <summary>A data node asks for work; the reply is an <see cref="IndexBuildTask"/> or <see cref="NoTask"/>.</summary>
public sealed record RequestIndexTask : ICoordinatorMessage
{
    public static readonly RequestIndexTask Instance = new();
}

public sealed record NoTask : ICoordinatorMessage
{
    public static readonly NoTask Instance = new();
}

public sealed record IndexBuildTask(long BuildId, SegmentInfo Segment, CollectionSchema Schema, IndexInfo Index) : ICoordinatorMessage;

public sealed record IndexBuilt(long BuildId, long SegmentId, long FieldId, string IndexKey) : ICoordinatorMessage;

public sealed record IndexBuildFailed(long BuildId, string Reason) : ICoordinatorMessage;

/// <summary>Published on the distributed pub-sub topic <see cref="Topics.Work"/> when index builds wait.</summary>
public sealed record WorkAvailable : ICoordinatorMessage
{
    public static readonly WorkAvailable Instance = new();
}

/// <summary>
/// A query node announces itself and the segments it serves, periodically, so a new coordinator incarnation
/// learns the distribution; the coordinator watches it and may assign segments to it.
/// </summary>
public sealed record RegisterQueryNode(IActorRef Node, ImmutableArray<long> ServedSegments) : ICoordinatorMessage
{
    /// <summary>The node's labels (<c>milvus.query.labels</c>), which resource groups' node filters match.</summary>
    public ImmutableArray<NodeLabel> Labels { get; init; } = [];
}

/// <summary>
/// Told to a streaming shard (through sharding): hand serving the segment's copy of replica <paramref name="ReplicaId"/>
/// to this query node, with these index files.
/// </summary>
public sealed record AssignSegment(string ShardName, SegmentInfo Segment, IActorRef QueryNode, long ReplicaId) : ICoordinatorMessage, Milvus.Akka.Cluster.IShardCommand
{
    /// <summary>The fields the query node loads (<see cref="CollectionInfo.LoadedFields"/>); empty for every field.</summary>
    public ImmutableArray<long> LoadedFields { get; init; } = [];

    string Milvus.Akka.Cluster.IShardCommand.ShardName => ShardName;
}

/// <summary>Told to a streaming shard when its collection is released: stop routing to query nodes.</summary>
public sealed record ReleaseShard(string ShardName) : ICoordinatorMessage, Milvus.Akka.Cluster.IShardCommand
{
    string Milvus.Akka.Cluster.IShardCommand.ShardName => ShardName;
}

/// <summary>A query node reports that it serves a segment (or no longer does).</summary>
public sealed record SegmentServed(long SegmentId, IActorRef QueryNode, bool Serving) : ICoordinatorMessage;

/// <summary>Where a shard's flushed segments are served, asked by a recovering shard.</summary>
public sealed record GetShardDistribution(string ShardName) : ICoordinatorMessage;

/// <summary>
/// A shard's flushed segments: one entry per served copy (the query node and the replica it serves), and one entry
/// with no node for a segment no replica serves. <paramref name="RetiredSegmentIds"/>: the collection's segments the
/// catalog dropped recently (merged by a compaction, or of a dropped partition); a shard that replays a sealed one of
/// them forgets it, since its rows are read elsewhere now.
/// </summary>
public sealed record ShardDistribution(
    ImmutableArray<(SegmentInfo Segment, IActorRef? QueryNode, long ReplicaId)> Segments,
    bool Loaded,
    ImmutableArray<long> RetiredSegmentIds = default) : ICoordinatorMessage
{
    public ImmutableArray<long> RetiredSegmentIds { get; init; } = RetiredSegmentIds.IsDefault ? [] : RetiredSegmentIds;
}

public static class Topics
{
    public const string Work = "milvus-work";

    /// <summary>Where the coordinator publishes <see cref="CatalogChanged"/>; proxies drop their cached metadata on it.</summary>
    public const string Catalog = "milvus-catalog";
}

/// <summary>Told to a streaming shard when its collection is dropped: delete its WAL and stop.</summary>
public sealed record DropShard(string ShardName) : ICoordinatorMessage, Milvus.Akka.Cluster.IShardCommand
{
    string Milvus.Akka.Cluster.IShardCommand.ShardName => ShardName;
}

/// <summary>Told to a streaming shard when a partition is dropped: forget its rows.</summary>
public sealed record DropPartitionData(string ShardName, long PartitionId) : ICoordinatorMessage, Milvus.Akka.Cluster.IShardCommand
{
    string Milvus.Akka.Cluster.IShardCommand.ShardName => ShardName;
}

/// <summary>
/// Asked of every streaming shard of a collection after AddCollectionField: take the new schema, and have the query
/// nodes serving the shard's segments take it, then answer <see cref="Milvus.Akka.Cluster.Done"/>. Repeatable.
/// </summary>
public sealed record WidenShardSchema(string ShardName, CollectionSchema Schema) : ICoordinatorMessage, Milvus.Akka.Cluster.IShardCommand
{
    string Milvus.Akka.Cluster.IShardCommand.ShardName => ShardName;
}

/// <summary>Told to a query node: an index file was built for a segment it serves; load and use it.</summary>
public sealed record SegmentIndexReady(SegmentInfo Segment) : ICoordinatorMessage;

/// <summary>Told to a query node: stop serving these segments (release, drop).</summary>
public sealed record UnloadSegments(ImmutableArray<long> SegmentIds) : ICoordinatorMessage;

// Distribution and topology, for Milvus's segment-info, replica and metrics rpcs.

/// <summary>Where the flushed segments of a collection are served and which node leads each shard; replies <see cref="CollectionDistribution"/>.</summary>
public sealed record GetCollectionDistribution(long CollectionId) : ICoordinatorMessage;

/// <summary>
/// A copy of a flushed segment: <paramref name="NodeId"/> is the serving query node's <see cref="ClusterNode.NodeId"/>
/// and <paramref name="ReplicaId"/> the replica it serves; both 0 for a segment no query node serves.
/// </summary>
public sealed record ServedSegment(SegmentInfo Segment, long NodeId, long ReplicaId = 0);

/// <summary>A replica of a loaded collection and the query nodes (<see cref="ClusterNode.NodeId"/>) that belong to it.</summary>
public sealed record ReplicaGroup(long ReplicaId, ImmutableArray<long> NodeIds);

/// <summary>The streaming node running a shard, which routes its reads (Milvus's shard leader); 0 and "" while the shard is not placed.</summary>
public sealed record ShardLeader(string ShardName, long NodeId, string Address);

public sealed record CollectionDistribution(ImmutableArray<ServedSegment> Segments, ImmutableArray<ShardLeader> Shards) : ICoordinatorMessage
{
    /// <summary>The replicas of the loaded collection with their query nodes; empty when it is not loaded.</summary>
    public ImmutableArray<ReplicaGroup> Replicas { get; init; } = [];
}

/// <summary>The members of the cluster as the coordinator sees them; replies <see cref="ClusterTopology"/>.</summary>
public sealed record GetClusterTopology : ICoordinatorMessage
{
    public static readonly GetClusterTopology Instance = new();
}

/// <summary>A cluster member. <paramref name="NodeId"/> is its unique uid, which changes when the node restarts, like a Milvus node id.</summary>
public sealed record ClusterNode(long NodeId, string Address, ImmutableArray<string> Roles, string Status);

public sealed record ClusterTopology(ImmutableArray<ClusterNode> Nodes, long CoordinatorNodeId) : ICoordinatorMessage;
