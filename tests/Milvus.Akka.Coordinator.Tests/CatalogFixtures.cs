using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>Collections, segments and query-node references for the coordinator's pure state classes, without an ActorSystem.</summary>
internal static class CatalogFixtures
{
    public const long VectorFieldId = 101;

    public static readonly CollectionSchema Schema = new()
    {
        Name = "c",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = VectorFieldId, Name = "v", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, "4"),
            },
        ],
    };

    /// <summary>A collection with partitions 1..<paramref name="partitions"/> (ids id*10+p) and, optionally, a vector index of <paramref name="indexType"/>.</summary>
    public static CollectionInfo Collection(long id, bool loaded = true, int partitions = 1, string? indexType = "FLAT") =>
        new(id, DatabaseInfo.DefaultName, $"c{id}", Schema with { Name = $"c{id}" }, 1, ConsistencyLevel.Bounded,
            [.. Enumerable.Range(1, partitions).Select(p => new PartitionInfo(PartitionId(id, p), $"p{p}", 1))],
            indexType is null ? [] : [Index(id, indexType)], [], ImmutableSortedDictionary<string, string>.Empty, 1, loaded);

    public static IndexInfo Index(long collectionId, string indexType) =>
        new(collectionId * 1000 + 1, "idx", VectorFieldId,
            ImmutableSortedDictionary<string, string>.Empty.Add(IndexInfo.IndexTypeKey, indexType).Add(IndexInfo.MetricTypeKey, "L2"), 1);

    public static long PartitionId(long collectionId, int partition) => collectionId * 10 + partition;

    public static SegmentInfo Segment(long id, long collectionId, int partition = 1, long rows = 10) =>
        new(id, collectionId, PartitionId(collectionId, partition), ShardNames.ForCollection(collectionId, 0), rows, $"manifest/{id}",
            ImmutableDictionary<long, string>.Empty, 1);

    public static CatalogView View(ulong version, params CollectionInfo[] collections) =>
        new(version, collections.ToImmutableDictionary(c => c.Id));

    /// <summary>An actor reference with a path and nothing behind it: stands for a query node in pure tests.</summary>
    public static IActorRef Node(string name) => new PathOnlyRef(new RootActorPath(new Address("akka", "test")) / "user" / name);

    private sealed class PathOnlyRef(ActorPath path) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider => throw new NotSupportedException("a path-only reference has no provider");
    }
}
