using System.Runtime.InteropServices;
using Milvus.Akka.Common;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Segments;

/// <summary>One input of a merge: a flushed segment's rows and the deletes that may reach them.</summary>
/// <param name="Deletes">Its delete logs and the shard's buffered deletes, each (primary keys, delete timestamps).</param>
public sealed record MergeInput(long SegmentId, long PartitionId, SegmentData Data, IReadOnlyList<(Column Pks, ulong[] Timestamps)> Deletes)
{
    /// <summary>A flushed segment read back from object storage with its delete logs and <paramref name="bufferedDeletes"/> (its shard's).</summary>
    public static async Task<MergeInput> ReadAsync(Storage.IObjectStore objects, CollectionSchema schema, long collectionId, long partitionId, long segmentId,
        (Column Pks, ulong[] Timestamps) bufferedDeletes, CancellationToken cancellationToken = default)
    {
        var manifest = await SegmentStore.ReadManifestAsync(objects, collectionId, partitionId, segmentId, cancellationToken).ConfigureAwait(false);
        var data = await SegmentStore.ReadAsync(objects, schema, manifest, cancellationToken: cancellationToken).ConfigureAwait(false);
        var logs = await SegmentStore.ReadDeleteLogsAsync(objects, manifest, cancellationToken).ConfigureAwait(false);
        return new MergeInput(segmentId, partitionId, data, [.. logs.Select(log => (log.PrimaryKeys, log.Timestamps)), bufferedDeletes]);
    }
}

/// <summary>
/// What a compaction (or a collection snapshot) keeps, decided without I/O: a row survives unless a delete of its key came
/// after it, or its timestamp is before <c>expiredBefore</c> (TTL or truncation). Survivors keep their original timestamps,
/// in input order.
/// </summary>
public static class CompactionMerge
{
    /// <summary>The merged rows, or null when no row survives.</summary>
    /// <param name="visibleAt">Keeps the rows a read at this timestamp sees: rows written and deletes made later are ignored.</param>
    public static SegmentData? Merge(CollectionSchema schema, IEnumerable<MergeInput> inputs, ulong expiredBefore, ulong visibleAt = ulong.MaxValue)
    {
        var survivors = new List<RowBatch>();
        var timestamps = new List<ulong>();
        foreach (var input in inputs)
        {
            var segment = Segment.Load(input.SegmentId, input.PartitionId, schema, input.Data.Rows, input.Data.Timestamps);
            foreach (var (pks, deletedAt) in input.Deletes)
            {
                segment.Delete(pks, deletedAt);
            }

            var live = new List<int>();
            foreach (var row in segment.Visible(visibleAt, expiredBefore))
            {
                live.Add(row);
                timestamps.Add(input.Data.Timestamps[row]);
            }

            survivors.Add(input.Data.Rows.Gather(CollectionsMarshal.AsSpan(live)));
        }

        return timestamps.Count == 0 ? null : new SegmentData(RowBatch.Concat(survivors), [.. timestamps]);
    }
}
