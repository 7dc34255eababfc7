using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.TestSupport;

/// <summary>One collection (7) with one partition (71) and two-dimensional vectors, for the query and data nodes' tests.</summary>
public static class QueryFixtures
{
    public const long CollectionId = 7;
    public const long PartitionId = 71;
    public const long VectorFieldId = TestCollections.VectorFieldId;
    public const int Dim = 2;

    public static readonly CollectionSchema Schema = TestCollections.Schema(Dim);

    public static SegmentInfo Segment(long id, int shard = 0, long rows = 3) =>
        TestCollections.Segment(id, CollectionId, PartitionId, shard, rows);

    public static Column Pks(params long[] pks) => TestCollections.Pks(pks);
}
