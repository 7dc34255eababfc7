using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>
/// The delete buffer's effects: the decisions are <see cref="DeleteBuffer"/>'s (in <see cref="ShardState.Deletes"/>);
/// the actor journals its checkpoints and pruning, writes delete logs off the actor thread and answers fetches.
/// </summary>
public sealed partial class ShardActor
{
    /// <summary>
    /// The delete logs of <paramref name="SegmentIds"/> hold every delete up to <paramref name="Checkpoint"/>; the last
    /// segment whose write failed, with its whole exception, when one did.
    /// </summary>
    private sealed record DeletesWritten(ImmutableArray<long> SegmentIds, ulong Checkpoint, (long SegmentId, Exception Error)? Failure)
        : INoSerializationVerificationNeeded;

    /// <summary>What bounds the delete watermark now: stored segments, flushes in flight, the last timestamp.</summary>
    private DeleteScope DeleteScope() => new([.. _serving.Stored], _flushes.Checkpoints, _state.LastTimestamp, DateTimeOffset.UtcNow);

    private void OnGetShardDeletes()
    {
        var (pks, timestamps) = _state.Deletes.Fetch(_state.LastTimestamp, DateTimeOffset.UtcNow + _settings.CompactionDeleteHold);
        Sender.Tell(new ShardDeletes(pks, timestamps));
    }

    /// <summary>Called on the seal-check tick: a full buffer is written out; otherwise only what is already covered is dropped.</summary>
    private void MaintainDeleteBuffer() => Perform(_state.Deletes.Maintain(DeleteScope(), _settings.DeleteFlushRows));

    private void WriteBufferedDeletes() => Perform(_state.Deletes.WriteOut(DeleteScope()));

    private void OnDeletesWritten(DeletesWritten m)
    {
        if (m.Failure is var (segmentId, error))
        {
            _log.Warning(error, "Shard {0} could not write buffered deletes to every segment (segment {1} failed); the buffer keeps them for the next pass",
                _shardName, segmentId);
        }

        Perform(_state.Deletes.Written(DeleteScope(), m.SegmentIds, m.Checkpoint));
    }

    private void Perform(DeleteBufferStep step)
    {
        if (step.Persist is { } persisted)
        {
            Persist(persisted, _state.Deletes.Apply);
        }

        if (step.Write is { } write)
        {
            var objects = _objects;
            Task.Run(async () =>
            {
                var written = ImmutableArray.CreateBuilder<long>();
                (long, Exception)? failure = null;
                foreach (var target in write.Targets)
                {
                    try
                    {
                        await AppendDeleteLogAsync(objects, target, write.Checkpoint);
                        written.Add(target.Segment.SegmentId);
                    }
                    catch (Exception e)
                    {
                        failure = (target.Segment.SegmentId, e);
                    }
                }

                return new DeletesWritten(written.ToImmutable(), write.Checkpoint, failure);
            }).PipeTo(Self);
        }
    }

    /// <summary>A merged segment starts with the watermark as its delete checkpoint (see <see cref="DeleteBuffer.StartCheckpoint"/>).</summary>
    private void StartDeleteCheckpoint(long mergedSegmentId)
    {
        var (watermark, holdExpired) = _state.Deletes.StartCheckpoint(mergedSegmentId, DeleteScope());
        if (holdExpired)
        {
            _log.Warning("Shard {0}: merged segment {1} committed after compaction-delete-hold expired; deletes between its merge and {2} " +
                "may be missing from it. Raise milvus.streaming.compaction-delete-hold above the compaction task lease.",
                _shardName, mergedSegmentId, watermark);
        }
    }

    /// <summary>
    /// Keeps the deletes that may hit the segment: newer than its oldest row and passing its primary-key bloom filter,
    /// so a delete log holds about the segment's own deleted rows rather than every delete of the shard. The log is named
    /// by the checkpoint, so a retry after a crash finds it.
    /// </summary>
    private static async Task AppendDeleteLogAsync(IObjectStore objects, DeleteLogTarget target, ulong checkpoint)
    {
        var (segment, pks, timestamps) = target;
        var manifest = await SegmentStore.ReadManifestAsync(objects, segment.CollectionId, segment.PartitionId, segment.SegmentId);
        var logId = checked((long)checkpoint);
        if (manifest.DeltaLogs.Any(f => f.Key == ObjectPaths.DeltaLog(segment.CollectionId, segment.PartitionId, segment.SegmentId, logId)))
        {
            return;
        }

        var stats = await SegmentStore.ReadStatsAsync(objects, manifest);
        var hits = new List<int>();
        for (var i = 0; i < timestamps.Length; i++)
        {
            var mayContain = pks is StringColumn strings ? stats.MayContain(strings.Values[i]) : stats.MayContain(((ScalarColumn<long>)pks).Values[i]);
            if (mayContain && timestamps[i] > manifest.MinTimestamp)
            {
                hits.Add(i);
            }
        }

        if (hits.Count > 0)
        {
            var rows = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(hits);
            await SegmentStore.AppendDeleteLogAsync(objects, manifest, logId, new DeleteLog(pks.Gather(rows), [.. hits.Select(i => timestamps[i])]));
        }
    }

    private void DescribeDeleteBufferReply() =>
        Sender.Tell(new DeleteBufferDescribed(_state.Deletes.Buffered.Count, _state.Deletes.Rows, _state.Deletes.Watermark(DeleteScope())));
}
