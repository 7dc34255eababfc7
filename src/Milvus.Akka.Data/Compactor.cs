using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Data;

/// <summary>
/// Merges flushed segments of one shard and partition into one, without the rows deleted so far (the deletes in the
/// segments' delete logs and every delete the shard still holds) and without the rows the collection's TTL expired.
/// Rows keep their original timestamps.
/// </summary>
public static class Compactor
{
    /// <summary>Writes the merged segment and returns its description, or null when no row survives.</summary>
    public static async Task<SegmentInfo?> CompactAsync(IObjectStore objects, IActorRef shardRegion, CompactionTask task, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var first = task.Inputs[0];
        var shardDeletes = await shardRegion.AskFor<ShardDeletes>(new GetShardDeletes(first.ShardName), timeout, cancellationToken);
        var survivors = new List<RowBatch>();
        var timestamps = new List<ulong>();
        var expiredBefore = Math.Max(task.Ttl is { } ttl ? HybridTimestamp.FromTime(DateTimeOffset.UtcNow - ttl) : 0, task.TruncatedBefore);
        foreach (var input in task.Inputs)
        {
            var manifest = await SegmentStore.ReadManifestAsync(objects, input.CollectionId, input.PartitionId, input.SegmentId, cancellationToken);
            var data = await SegmentStore.ReadAsync(objects, task.Schema, manifest, cancellationToken: cancellationToken);
            var segment = Segment.Load(input.SegmentId, input.PartitionId, task.Schema, data.Rows, data.Timestamps, ImmutableDictionary<long, Index.IFieldIndex>.Empty);
            foreach (var log in await SegmentStore.ReadDeleteLogsAsync(objects, manifest, cancellationToken))
            {
                segment.Delete(log.PrimaryKeys, log.Timestamps);
            }

            segment.Delete(shardDeletes.Pks, shardDeletes.Timestamps);
            var live = new List<int>();
            foreach (var row in segment.Visible(ulong.MaxValue, expiredBefore))
            {
                live.Add(row);
                timestamps.Add(data.Timestamps[row]);
            }

            survivors.Add(data.Rows.Gather(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(live)));
        }

        if (timestamps.Count == 0)
        {
            return null;
        }

        var rows = RowBatch.Concat(survivors);
        await SegmentStore.WriteAsync(objects, task.Schema, first.CollectionId, first.PartitionId, task.TargetSegmentId,
            new SegmentData(rows, [.. timestamps]), cancellationToken);
        return new SegmentInfo(task.TargetSegmentId, first.CollectionId, first.PartitionId, first.ShardName, rows.RowCount,
            ObjectPaths.SegmentManifest(first.CollectionId, first.PartitionId, task.TargetSegmentId),
            ImmutableDictionary<long, string>.Empty, timestamps.Max());
    }
}
