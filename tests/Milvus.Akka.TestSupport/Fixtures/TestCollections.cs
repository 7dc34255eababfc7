using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// The collection every layer's unit tests use: an Int64 primary key "id" (field 100) and a float vector "v" (field 101),
/// its segments and index, and stand-ins for actor references, so the layers' tests build them one way.
/// </summary>
public static class TestCollections
{
    public const long PrimaryKeyFieldId = 100;
    public const long VectorFieldId = 101;

    public static CollectionSchema Schema(int dim, string name = "c") => new()
    {
        Name = name,
        Fields =
        [
            new FieldSchema { FieldId = PrimaryKeyFieldId, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = VectorFieldId, Name = "v", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, dim.ToString(CultureInfo.InvariantCulture)),
            },
        ],
    };

    /// <summary>A vector index on "v" with the L2 metric.</summary>
    public static IndexInfo VectorIndex(long indexId, string indexType) =>
        new(indexId, "idx", VectorFieldId,
            ImmutableSortedDictionary<string, string>.Empty.Add(IndexInfo.IndexTypeKey, indexType).Add(IndexInfo.MetricTypeKey, "L2"), 1);

    /// <summary>A flushed segment of shard <paramref name="shard"/> whose manifest is where the shard would write it.</summary>
    public static SegmentInfo Segment(long id, long collectionId, long partitionId, int shard = 0, long rows = 3) =>
        new(id, collectionId, partitionId, ShardNames.ForCollection(collectionId, shard), rows, ObjectPaths.SegmentManifest(collectionId, partitionId, id),
            ImmutableDictionary<long, string>.Empty, 1);

    public static Column Pks(params long[] pks) => new ScalarColumn<long>(DataType.Int64, pks);

    /// <summary>An actor reference with a path and nothing behind it: stands for a node in pure tests.</summary>
    public static IActorRef Node(string name) => new PathOnlyRef(new RootActorPath(new Address("akka", "test")) / "user" / name);

    private sealed class PathOnlyRef(ActorPath path) : MinimalActorRef
    {
        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider => throw new NotSupportedException("a path-only reference has no provider");
    }
}
