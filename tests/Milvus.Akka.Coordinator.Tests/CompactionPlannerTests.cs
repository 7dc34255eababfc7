using System.Collections.Immutable;
using FsCheck.Xunit;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

public sealed class CompactionPlannerTests
{
    private static readonly CompactionSettings Settings = new(Auto: true, SmallSegmentRows: 100_000, MaxMergedRows: 250_000, TaskLease: TimeSpan.FromMinutes(10));

    private static SegmentInfo Segment(long id, long rows, int shard = 0, long partition = 1) =>
        new(id, 7, partition, $"7_{shard}", rows, $"manifest/{id}", ImmutableDictionary<long, string>.Empty, 1);

    /// <summary>Segment i has rows from <paramref name="rows"/>, one of two shards and one of three partitions.</summary>
    private static List<SegmentInfo> Segments(int[] rows) =>
        [.. rows.Select((r, i) => Segment(i + 1, 1 + (long)(r & int.MaxValue) % 300_000, i % 2, i % 3))];

    [Property(MaxTest = 300)]
    public bool A_merge_takes_segments_of_one_shard_and_partition_once_and_stays_under_the_row_cap(int[] rows, bool onlySmall)
    {
        var segments = Segments(rows);
        var plan = CompactionPlanner.Plan(segments, Settings, onlySmall);
        var planned = plan.SelectMany(g => g).Select(s => s.SegmentId).ToList();
        return planned.Count == planned.Distinct().Count()
               && plan.All(g => g.Count > 0 && g.Select(s => (s.ShardName, s.PartitionId)).Distinct().Count() == 1)
               && plan.All(g => g.Count == 1 || g.Sum(s => s.RowCount) <= Settings.MaxMergedRows);
    }

    [Property(MaxTest = 300)]
    public bool An_automatic_pass_merges_only_small_segments_two_or_more_at_a_time(int[] rows)
    {
        var plan = CompactionPlanner.Plan(Segments(rows), Settings, onlySmall: true);
        return plan.All(g => g.Count >= 2 && g.All(s => s.RowCount < Settings.SmallSegmentRows));
    }

    [Property(MaxTest = 300)]
    public bool A_requested_compaction_rewrites_every_segment(int[] rows)
    {
        var segments = Segments(rows);
        var planned = CompactionPlanner.Plan(segments, Settings, onlySmall: false).SelectMany(g => g).Select(s => s.SegmentId).Order();
        return planned.SequenceEqual(segments.Select(s => s.SegmentId));
    }

    [Fact]
    public void Small_segments_merge_smallest_first_until_the_cap_and_a_lone_one_waits()
    {
        var segments = new[] { Segment(1, 90_000), Segment(2, 10_000), Segment(3, 80_000), Segment(4, 99_000), Segment(5, 5, partition: 2) };
        var plan = CompactionPlanner.Plan(segments, Settings, onlySmall: true);
        // 10k + 80k + 90k = 180k; adding 99k would pass 250k, and 99k alone is no merge.
        Assert.Equal([[2L, 3L, 1L]], plan.Select(g => g.Select(s => s.SegmentId).ToArray()).ToArray());
    }

    [Fact]
    public void A_target_size_lets_merges_grow_to_it_and_a_target_below_the_configured_merge_is_refused()
    {
        // 8 (id) + 4 × 128 (vector) + 16 (a VarChar of max_length 16) = 536 bytes a row.
        var schema = new CollectionSchema
        {
            Name = "sized",
            Fields =
            [
                new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { FieldId = 101, Name = "vec", DataType = DataType.FloatVector, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add("dim", "128") },
                new FieldSchema { FieldId = 102, Name = "tag", DataType = DataType.VarChar, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add("max_length", "16") },
            ],
        };
        Assert.Equal(536, CompactionPlanner.EstimatedRowBytes(schema));
        List<SegmentInfo> segments = [Segment(1, 200_000), Segment(2, 200_000), Segment(3, 200_000), Segment(4, 200_000)];

        // 250,000 rows of 536 bytes make 128 MB (127.8, rounded up): Milvus's refusal below it.
        var refused = Assert.Throws<MilvusException>(() => CompactionPlanner.PlanToSize(segments, Settings, schema, 127));
        Assert.Equal(ErrorCode.ParameterInvalid, refused.Code);
        Assert.Equal("targetSize 127 MB should be greater than or equal to configMaxSize 128 MB", refused.Message);

        Assert.Equal(4, CompactionPlanner.Plan(segments, Settings, onlySmall: false).Count);
        // 250 MB hold 489,062 such rows: two segments a merge.
        var sized = CompactionPlanner.PlanToSize(segments, Settings, schema, 250);
        Assert.Equal([2, 2], sized.Select(g => g.Count));
        var whole = Assert.Single(CompactionPlanner.PlanToSize(segments, Settings, schema, long.MaxValue));
        Assert.Equal(4, whole.Count);
    }

    [Fact]
    public void A_struct_counts_max_capacity_elements_of_each_sub_field()
    {
        // 8 (id) + 4 × 8 (vector) + a struct of up to 10 elements: 10 × 4 × 16 (vectors) + 10 × 4 (Int32 labels) = 720.
        var capacity = ImmutableSortedDictionary<string, string>.Empty.Add("max_capacity", "10");
        var schema = new CollectionSchema
        {
            Name = "structs",
            Fields =
            [
                new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { FieldId = 101, Name = "vec", DataType = DataType.FloatVector, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add("dim", "8") },
                new FieldSchema { FieldId = 103, Name = "items[emb]", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, StructFieldId = 102, TypeParams = capacity.Add("dim", "16") },
                new FieldSchema { FieldId = 104, Name = "items[label]", DataType = DataType.Array, ElementType = DataType.Int32, StructFieldId = 102, TypeParams = capacity },
            ],
        };
        Assert.Equal(8 + 32 + 640 + 40, CompactionPlanner.EstimatedRowBytes(schema));
    }
}
