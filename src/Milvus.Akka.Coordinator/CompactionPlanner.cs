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
    public static IReadOnlyList<IReadOnlyList<SegmentInfo>> Plan(IEnumerable<SegmentInfo> candidates, CompactionSettings settings, bool onlySmall)
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
                if (batch.Count > 0 && rows + segment.RowCount > settings.MaxMergedRows)
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
