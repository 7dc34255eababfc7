using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Query.Tests;

internal static class QueryFixtures
{
    public const long CollectionId = 7;
    public const long PartitionId = 71;
    public const long VectorFieldId = 101;
    public const int Dim = 2;

    public static readonly CollectionSchema Schema = new()
    {
        Name = "c",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = VectorFieldId, Name = "v", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, Dim.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
        ],
    };

    public static SegmentInfo Segment(long id, int shard = 0, long rows = 3) =>
        new(id, CollectionId, PartitionId, ShardNames.ForCollection(CollectionId, shard), rows, $"segment_manifest/{CollectionId}/{PartitionId}/{id}.json",
            ImmutableDictionary<long, string>.Empty, 1);

    public static Column Pks(params long[] pks) => new ScalarColumn<long>(DataType.Int64, pks);
}
