using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Query;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>
/// The delete buffer (Milvus's delegator delete buffer) and its pruning. A delete at timestamp T can only hit rows
/// written before T, that is segments that exist when it is applied: in-memory segments get it at once (and their
/// flush writes it to their first delete log), flushed segments only through the buffer, which every
/// <see cref="LoadSegment"/> carries. Each flushed segment has a delete checkpoint: its stored files hold every
/// delete of the shard up to it. The shard writes buffered deletes into flushed segments' delete logs to advance their
/// checkpoints, then drops the deletes that every segment's checkpoint covers (the watermark).
/// </summary>
/// <remarks>
/// Compaction: a data node merges segments with the buffer it fetched (<see cref="GetShardDeletes"/>) and the delete logs
/// it reads afterwards, so the merged segment may lack deletes newer than that fetch even where they reached the inputs'
/// delete logs meanwhile. Each fetch therefore holds the watermark below its timestamp for
/// <see cref="StreamingSettings.CompactionDeleteHold"/>, longer than a merge may take to commit, and a merged segment
/// starts with the watermark as its checkpoint. A restarted shard cannot know the fetches its predecessor answered, so
/// it prunes nothing for as long.
/// </remarks>
public sealed partial class ShardActor
{
    private readonly Dictionary<long, ulong> _deleteCheckpoints = [];
    private readonly List<(ulong Timestamp, DateTimeOffset Until)> _compactionHolds = [];
    private bool _writingDeletes;

    /// <summary>The delete logs of <paramref name="SegmentIds"/> hold every delete up to <paramref name="Checkpoint"/>.</summary>
    private sealed record DeletesWritten(ImmutableArray<long> SegmentIds, ulong Checkpoint, string? Failure) : INoSerializationVerificationNeeded;

    /// <summary>Flushed segments, and merged ones waiting to be served, that a buffered delete may still hit.</summary>
    private IEnumerable<SegmentInfo> StoredSegments => _serving.Stored;

    private long BufferedDeleteRows => _state.DeleteBuffer.Sum(d => (long)d.Pks.Count);

    private void OnGetShardDeletes()
    {
        _compactionHolds.Add((_state.LastTimestamp, DateTimeOffset.UtcNow + _settings.CompactionDeleteHold));
        var (pks, timestamps) = FlattenDeleteBuffer();
        Sender.Tell(new ShardDeletes(pks, timestamps));
    }

    /// <summary>
    /// Every delete up to the watermark is in the stored files of each segment it may hit: checkpoints of the stored
    /// segments (an unknown one counts as 0), flushes in flight, and compaction holds bound it.
    /// </summary>
    private ulong DeleteWatermark(IReadOnlyCollection<long> advanced, ulong advancedTo)
    {
        var now = DateTimeOffset.UtcNow;
        _compactionHolds.RemoveAll(h => h.Until <= now);
        var watermark = _state.LastTimestamp;
        foreach (var segment in StoredSegments)
        {
            var checkpoint = _deleteCheckpoints.GetValueOrDefault(segment.SegmentId);
            watermark = Math.Min(watermark, advanced.Contains(segment.SegmentId) ? Math.Max(checkpoint, advancedTo) : checkpoint);
        }

        foreach (var checkpoint in _flushing.Values)
        {
            watermark = Math.Min(watermark, checkpoint);
        }

        foreach (var hold in _compactionHolds)
        {
            watermark = Math.Min(watermark, hold.Timestamp);
        }

        return watermark;
    }

    /// <summary>Called on the seal-check tick: a full buffer is written out; otherwise only what is already covered is dropped.</summary>
    private void MaintainDeleteBuffer()
    {
        if (BufferedDeleteRows >= _settings.DeleteFlushRows)
        {
            WriteBufferedDeletes();
        }
        else
        {
            PruneDeleteBuffer([], 0);
        }
    }

    /// <summary>Persists the new checkpoints (if any) and drops the deletes below the watermark, when that changes anything.</summary>
    private void PruneDeleteBuffer(ImmutableArray<long> advanced, ulong advancedTo)
    {
        var watermark = DeleteWatermark(advanced, advancedTo);
        var prunes = _state.DeleteBuffer.Count > 0 && _state.DeleteBuffer[0].Timestamp <= watermark;
        if (advanced.IsEmpty && !prunes)
        {
            return;
        }

        Persist(new DeletesPersisted(advanced, advancedTo, prunes ? watermark : 0), Apply);
    }

    /// <summary>
    /// Writes each stored segment the deletes above its checkpoint into a new delete log (named by the new checkpoint, so
    /// a retry after a crash finds it), off the actor thread; one pass at a time.
    /// </summary>
    private void WriteBufferedDeletes()
    {
        if (_writingDeletes || _state.DeleteBuffer.Count == 0)
        {
            return;
        }

        var checkpoint = _state.DeleteBuffer[^1].Timestamp;
        // Segments flushed or written together share a checkpoint, and so the deletes to write.
        var writes = StoredSegments
            .GroupBy(segment => _deleteCheckpoints.GetValueOrDefault(segment.SegmentId))
            .Where(group => group.Key < checkpoint)
            .SelectMany(group =>
            {
                var deletes = DeletesAfter(group.Key);
                return group.Select(segment => (Segment: segment, Deletes: deletes));
            })
            .ToList();
        if (writes.Count == 0)
        {
            PruneDeleteBuffer([], 0);
            return;
        }

        _writingDeletes = true;
        var objects = _objects;
        Task.Run(async () =>
        {
            var written = ImmutableArray.CreateBuilder<long>();
            string? failure = null;
            foreach (var (segment, deletes) in writes)
            {
                try
                {
                    await AppendDeleteLogAsync(objects, segment, deletes.Pks, deletes.Timestamps, checkpoint);
                    written.Add(segment.SegmentId);
                }
                catch (Exception e)
                {
                    failure = $"segment {segment.SegmentId}: {e.Message}";
                }
            }

            return new DeletesWritten(written.ToImmutable(), checkpoint, failure);
        }).PipeTo(Self);
    }

    private void OnDeletesWritten(DeletesWritten m)
    {
        _writingDeletes = false;
        if (m.Failure is not null)
        {
            _log.Warning("Shard {0} could not write buffered deletes to every segment ({1}); the buffer keeps them for the next pass",
                _shardName, m.Failure);
        }

        // A segment replaced or dropped meanwhile needs no checkpoint.
        var stored = StoredSegments.Select(s => s.SegmentId).ToHashSet();
        PruneDeleteBuffer([.. m.SegmentIds.Where(stored.Contains)], m.Checkpoint);
    }

    /// <summary>
    /// A merged segment holds every delete up to its data node's fetch, and the fetch's hold keeps the watermark below
    /// that, so the watermark is a safe checkpoint for it (deletes above it are still buffered).
    /// </summary>
    private void StartDeleteCheckpoint(long mergedSegmentId)
    {
        var watermark = DeleteWatermark([], 0);
        if (_compactionHolds.Count == 0)
        {
            _log.Warning("Shard {0}: merged segment {1} committed after compaction-delete-hold expired; deletes between its merge and {2} " +
                "may be missing from it. Raise milvus.streaming.compaction-delete-hold above the compaction task lease.",
                _shardName, mergedSegmentId, watermark);
        }

        _deleteCheckpoints[mergedSegmentId] = watermark;
    }

    private void Apply(DeletesPersisted e)
    {
        foreach (var id in e.SegmentIds)
        {
            _deleteCheckpoints[id] = Math.Max(_deleteCheckpoints.GetValueOrDefault(id), e.Checkpoint);
        }

        if (e.PrunedUpTo > 0)
        {
            _state.DeleteBuffer.RemoveAll(d => d.Timestamp <= e.PrunedUpTo);
        }
    }

    private (Column Pks, ulong[] Timestamps) DeletesAfter(ulong checkpoint)
    {
        var deletes = _state.DeleteBuffer.Where(d => d.Timestamp > checkpoint).ToList();
        var timestamps = deletes.SelectMany(d => Enumerable.Repeat(d.Timestamp, d.Pks.Count)).ToArray();
        return (Column.Concat([.. deletes.Select(d => d.Pks)]), timestamps);
    }

    /// <summary>
    /// Keeps the deletes that may hit the segment: newer than its oldest row and passing its primary-key bloom filter,
    /// so a delete log holds about the segment's own deleted rows rather than every delete of the shard.
    /// </summary>
    private static async Task AppendDeleteLogAsync(IObjectStore objects, SegmentInfo segment, Column pks, ulong[] timestamps, ulong checkpoint)
    {
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
        Sender.Tell(new DeleteBufferDescribed(_state.DeleteBuffer.Count, BufferedDeleteRows, DeleteWatermark([], 0)));
}
