using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.TestSupport;

/// <summary>Collections, segments and query-node references for the coordinator's pure state classes, without an ActorSystem.</summary>
public static class CatalogFixtures
{
    public const long VectorFieldId = TestCollections.VectorFieldId;

    public static readonly CollectionSchema Schema = TestCollections.Schema(dim: 4);

    /// <summary>A collection with partitions 1..<paramref name="partitions"/> (ids id*10+p) and, optionally, a vector index of <paramref name="indexType"/>.</summary>
    public static CollectionInfo Collection(long id, bool loaded = true, int partitions = 1, string? indexType = "FLAT") =>
        new(id, DatabaseInfo.DefaultName, $"c{id}", Schema with { Name = $"c{id}" }, 1, ConsistencyLevel.Bounded,
            [.. Enumerable.Range(1, partitions).Select(p => new PartitionInfo(PartitionId(id, p), $"p{p}", 1))],
            indexType is null ? [] : [Index(id, indexType)], [], ImmutableSortedDictionary<string, string>.Empty, 1, loaded);

    public static IndexInfo Index(long collectionId, string indexType) => TestCollections.VectorIndex(collectionId * 1000 + 1, indexType);

    public static long PartitionId(long collectionId, int partition) => collectionId * 10 + partition;

    public static SegmentInfo Segment(long id, long collectionId, int partition = 1, long rows = 10) =>
        TestCollections.Segment(id, collectionId, PartitionId(collectionId, partition), rows: rows);

    public static CatalogView View(ulong version, params CollectionInfo[] collections) =>
        new(version, collections.ToImmutableDictionary(c => c.Id));

    /// <inheritdoc cref="TestCollections.Node"/>
    public static IActorRef Node(string name) => TestCollections.Node(name);
}
