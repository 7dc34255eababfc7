using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Which flushed segments to merge: those of one shard and partition, smallest first, in groups of at most
/// max-merged-rows rows. Pure; the coordinator gives each group its task and target ids.
/// </summary>
public static class CompactionPlanner
{
    /// <summary>
    /// Groups <paramref name="candidates"/> (the segments of one collection that no task holds). An automatic pass
    /// (<paramref name="onlySmall"/>) merges only segments below small-segment-rows, and only two or more at once; a
    /// requested compaction takes every segment, and rewrites a single one too, to drop its deleted rows.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<SegmentInfo>> Plan(IEnumerable<SegmentInfo> candidates, CompactionSettings settings, bool onlySmall) =>
        Plan(candidates, settings, onlySmall, settings.MaxMergedRows);

    /// <summary>
    /// A requested compaction with Milvus's <c>target_size</c> (MB): merged segments may grow to that size, estimated
    /// from the schema's row size (<see cref="EstimatedRowBytes"/>); as in Milvus, a target below the size a merge
    /// normally reaches (max-merged-rows rows) is refused.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<SegmentInfo>> PlanToSize(
        IEnumerable<SegmentInfo> candidates, CompactionSettings settings, CollectionSchema schema, long targetSizeMb)
    {
        const long MiB = 1024 * 1024;
        var rowBytes = EstimatedRowBytes(schema);
        var configured = (long)settings.MaxMergedRows * rowBytes;
        var target = targetSizeMb > long.MaxValue / MiB ? long.MaxValue : targetSizeMb * MiB;
        if (target < configured)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"targetSize {targetSizeMb} MB should be greater than or equal to configMaxSize {(configured + MiB - 1) / MiB} MB");
        }

        return Plan(candidates, settings, onlySmall: false, target / rowBytes);
    }

    /// <summary>
    /// The bytes a row of <paramref name="schema"/> takes at most, as Milvus estimates a record: fixed-size fields by
    /// their size, strings by their max_length, arrays (a struct's vector sub-fields too) by max_capacity elements,
    /// JSON, geometry and sparse vectors at Milvus's default of 512 bytes.
    /// </summary>
    public static long EstimatedRowBytes(CollectionSchema schema) => Math.Max(1, schema.Fields.Sum(FieldBytes));

    private static long FieldBytes(FieldSchema field) => field.DataType switch
    {
        DataType.Bool or DataType.Int8 => 1,
        DataType.Int16 => 2,
        DataType.Int32 or DataType.Float => 4,
        DataType.Int64 or DataType.Double or DataType.Timestamptz => 8,
        DataType.VarChar or DataType.String => field.MaxLength > 0 ? field.MaxLength : VariableFieldBytes,
        DataType.Array or DataType.ArrayOfVector => Math.Max(1, field.MaxCapacity) * ElementBytes(field),
        DataType.FloatVector or DataType.Float16Vector or DataType.BFloat16Vector or DataType.Int8Vector or DataType.BinaryVector =>
            field.DataType.VectorRowBytes(field.Dim),
        _ => VariableFieldBytes,
    };

    private static long ElementBytes(FieldSchema array) => FieldBytes(array.ElementField);

    private const long VariableFieldBytes = 512;

    private static IReadOnlyList<IReadOnlyList<SegmentInfo>> Plan(IEnumerable<SegmentInfo> candidates, CompactionSettings settings, bool onlySmall, long maxRows)
    {
        var groups = new List<IReadOnlyList<SegmentInfo>>();
        foreach (var group in candidates
                     .Where(s => !onlySmall || s.RowCount < settings.SmallSegmentRows)
                     .GroupBy(s => (s.ShardName, s.PartitionId))
                     .OrderBy(g => g.Key.ShardName, StringComparer.Ordinal).ThenBy(g => g.Key.PartitionId))
        {
            var batch = new List<SegmentInfo>();
            var rows = 0L;
            foreach (var segment in group.OrderBy(s => s.RowCount).ThenBy(s => s.SegmentId))
            {
                if (batch.Count > 0 && rows + segment.RowCount > maxRows)
                {
                    Add(batch);
                    batch = [];
                    rows = 0;
                }

                batch.Add(segment);
                rows += segment.RowCount;
            }

            Add(batch);
        }

        return groups;

        void Add(List<SegmentInfo> batch)
        {
            if (batch.Count > 0 && (!onlySmall || batch.Count >= 2))
            {
                groups.Add(batch);
            }
        }
    }
}
