using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Data;

/// <summary>
/// Merges flushed segments of one shard and partition into one, without the rows deleted so far (the deletes in the
/// segments' delete logs and every delete the shard still holds) and without the rows the collection's TTL expired:
/// reads the inputs and the shard's deletes, has <see cref="CompactionMerge"/> decide, writes the result.
/// </summary>
public static class Compactor
{
    /// <summary>Writes the merged segment and returns its description, or null when no row survives.</summary>
    public static async Task<SegmentInfo?> CompactAsync(IObjectStore objects, IActorRef shardRegion, CompactionTask task, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        var first = task.Inputs[0];
        var shardDeletes = await shardRegion.AskFor<ShardDeletes>(new GetShardDeletes(first.ShardName), timeout, cancellationToken);
        var expiredBefore = Math.Max(task.Ttl is { } ttl ? HybridTimestamp.FromTime(DateTimeOffset.UtcNow - ttl) : 0, task.TruncatedBefore);
        var inputs = new List<MergeInput>();
        foreach (var input in task.Inputs)
        {
            inputs.Add(await MergeInput.ReadAsync(objects, task.Schema, input.CollectionId, input.PartitionId, input.SegmentId,
                (shardDeletes.Pks, shardDeletes.Timestamps), cancellationToken));
        }

        if (CompactionMerge.Merge(task.Schema, inputs, expiredBefore) is not { } merged)
        {
            return null;
        }

        await SegmentStore.WriteAsync(objects, task.Schema, first.CollectionId, first.PartitionId, task.TargetSegmentId, merged, cancellationToken);
        return new SegmentInfo(task.TargetSegmentId, first.CollectionId, first.PartitionId, first.ShardName, merged.Rows.RowCount,
            ObjectPaths.SegmentManifest(first.CollectionId, first.PartitionId, task.TargetSegmentId),
            ImmutableDictionary<long, string>.Empty, merged.Timestamps.Max());
    }
}
