using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>What bounds the delete watermark besides the buffer's own checkpoints, as the shard sees it now.</summary>
/// <param name="Stored">Flushed segments, and merged ones waiting to be served, that a buffered delete may still hit.</param>
/// <param name="FlushCheckpoints">The delete checkpoints of the flushes in flight (<see cref="FlushTracker{TRequester}.Checkpoints"/>).</param>
/// <param name="LastTimestamp">The shard's last applied timestamp: nothing above it is buffered.</param>
/// <param name="Now">The clock, for compaction holds.</param>
public sealed record DeleteScope(IReadOnlyCollection<SegmentInfo> Stored, IEnumerable<ulong> FlushCheckpoints, ulong LastTimestamp, DateTimeOffset Now);

/// <summary>One stored segment and the buffered deletes above its checkpoint, to append to its delete logs.</summary>
public sealed record DeleteLogTarget(SegmentInfo Segment, Column Pks, ulong[] Timestamps);

/// <summary>Delete logs to write off the actor thread, each named by <paramref name="Checkpoint"/> (so a retry after a crash finds it).</summary>
public sealed record DeleteLogWrite(ulong Checkpoint, ImmutableArray<DeleteLogTarget> Targets);

/// <summary>What the shard does next for its delete buffer: journal <see cref="Persist"/> (then apply it), start <see cref="Write"/>, or nothing.</summary>
public sealed record DeleteBufferStep(DeletesPersisted? Persist, DeleteLogWrite? Write)
{
    public static readonly DeleteBufferStep None = new(null, null);
}

/// <summary>
/// The delete buffer (Milvus's delegator delete buffer), the delete checkpoints of the stored segments, and the
/// watermark below which buffered deletes are dropped; pure state, the shard actor journals, writes and schedules.
/// A delete at timestamp T can only hit rows written before T, that is segments that exist when it is applied:
/// in-memory segments get it at once (and their flush writes it to their first delete log), flushed segments only
/// through the buffer, which every <see cref="Query.LoadSegment"/> carries. Each stored segment has a delete checkpoint: its
/// stored files hold every delete of the shard up to it. The shard writes buffered deletes into stored segments' delete
/// logs to advance their checkpoints, then drops the deletes that every segment's checkpoint covers (the watermark).
/// </summary>
/// <remarks>
/// Compaction: a data node merges segments with the buffer it fetched (<see cref="Fetch"/>) and the delete logs it reads
/// afterwards, so the merged segment may lack deletes newer than that fetch even where they reached the inputs' delete
/// logs meanwhile. Each fetch therefore holds the watermark below its timestamp for
/// <see cref="StreamingSettings.CompactionDeleteHold"/>, longer than a merge may take to commit, and a merged segment
/// starts with the watermark as its checkpoint. A restarted shard cannot know the fetches its predecessor answered, so
/// it prunes nothing for as long (<see cref="Recovered"/>).
/// </remarks>
public sealed class DeleteBuffer(DataType primaryKeyType)
{
    private readonly List<(Column Pks, ulong Timestamp)> _deletes = [];
    private readonly Dictionary<long, ulong> _checkpoints = [];
    private readonly List<(ulong Timestamp, DateTimeOffset Until)> _holds = [];
    private bool _writing;

    /// <summary>Deletes not yet in every stored segment's delete log, in timestamp order.</summary>
    public IReadOnlyList<(Column Pks, ulong Timestamp)> Buffered => _deletes;

    public long Rows => _deletes.Sum(d => (long)d.Pks.Count);

    /// <summary>Stored segments' delete checkpoints (an unknown segment counts as 0: it may lack every buffered delete).</summary>
    public ulong CheckpointOf(long segmentId) => _checkpoints.GetValueOrDefault(segmentId);

    // Event application: the same code runs on replay and live.

    public void Add(Column pks, ulong timestamp) => _deletes.Add((pks, timestamp));

    /// <summary>A flush captured the segment's rows with every delete up to <paramref name="checkpoint"/>.</summary>
    public void SegmentFlushed(long segmentId, ulong checkpoint) => _checkpoints[segmentId] = checkpoint;

    /// <summary>A segment left the shard (compacted away, dropped): no delete needs to reach it any more.</summary>
    public void Forget(long segmentId) => _checkpoints.Remove(segmentId);

    public void Apply(DeletesPersisted e)
    {
        foreach (var id in e.SegmentIds)
        {
            _checkpoints[id] = Math.Max(_checkpoints.GetValueOrDefault(id), e.Checkpoint);
        }

        if (e.PrunedUpTo > 0)
        {
            _deletes.RemoveAll(d => d.Timestamp <= e.PrunedUpTo);
        }
    }

    /// <summary>The buffer and checkpoints of a snapshot; the buffer was flattened in timestamp order, each run of equal timestamps one delete.</summary>
    public void Restore(ShardSnapshot snapshot)
    {
        var timestamps = snapshot.DeleteTimestamps;
        for (var start = 0; start < timestamps.Length;)
        {
            var end = start + 1;
            while (end < timestamps.Length && timestamps[end] == timestamps[start])
            {
                end++;
            }

            _deletes.Add((snapshot.DeletedPks.Gather(Enumerable.Range(start, end - start).ToArray()), timestamps[start]));
            start = end;
        }

        foreach (var (id, checkpoint) in snapshot.DeleteCheckpoints)
        {
            _checkpoints[id] = checkpoint;
        }
    }

    /// <summary>The snapshot's part: the flattened buffer and the checkpoint of each stored segment.</summary>
    public (Column Pks, ulong[] Timestamps, ImmutableSortedDictionary<long, ulong> Checkpoints) Snapshot(IEnumerable<SegmentInfo> stored)
    {
        var (pks, timestamps) = Flatten();
        return (pks, timestamps, stored.ToImmutableSortedDictionary(s => s.SegmentId, s => CheckpointOf(s.SegmentId)));
    }

    // Decisions.

    /// <summary>
    /// After recovery: checkpoints of segments the coordinator no longer lists go, and nothing is pruned until
    /// <paramref name="holdUntil"/> (the predecessor's compaction fetches are unknown).
    /// </summary>
    public void Recovered(IReadOnlySet<long> flushed, DateTimeOffset holdUntil)
    {
        foreach (var gone in _checkpoints.Keys.Where(id => !flushed.Contains(id)).ToList())
        {
            _checkpoints.Remove(gone);
        }

        _holds.Add((0, holdUntil));
    }

    /// <summary>Every buffered delete, flattened (keys and one timestamp per key), in timestamp order.</summary>
    public (Column Pks, ulong[] Timestamps) Flatten() => Flatten(_deletes);

    /// <summary>A data node's fetch for a compaction: the buffer, and the watermark is held at <paramref name="lastTimestamp"/> until <paramref name="holdUntil"/>.</summary>
    public (Column Pks, ulong[] Timestamps) Fetch(ulong lastTimestamp, DateTimeOffset holdUntil)
    {
        _holds.Add((lastTimestamp, holdUntil));
        return Flatten();
    }

    /// <summary>
    /// Every delete up to the watermark is in the stored files of each segment it may hit: checkpoints of the stored
    /// segments (the <paramref name="advanced"/> ones counted at <paramref name="advancedTo"/>), flushes in flight, and
    /// compaction holds bound it. Expired holds are dropped.
    /// </summary>
    public ulong Watermark(DeleteScope scope, IReadOnlyCollection<long>? advanced = null, ulong advancedTo = 0)
    {
        _holds.RemoveAll(h => h.Until <= scope.Now);
        var watermark = scope.LastTimestamp;
        foreach (var segment in scope.Stored)
        {
            var checkpoint = CheckpointOf(segment.SegmentId);
            watermark = Math.Min(watermark, advanced?.Contains(segment.SegmentId) == true ? Math.Max(checkpoint, advancedTo) : checkpoint);
        }

        foreach (var checkpoint in scope.FlushCheckpoints)
        {
            watermark = Math.Min(watermark, checkpoint);
        }

        foreach (var hold in _holds)
        {
            watermark = Math.Min(watermark, hold.Timestamp);
        }

        return watermark;
    }

    /// <summary>On the seal-check tick: a buffer of <paramref name="flushRows"/> rows or more is written out; otherwise only what is covered is dropped.</summary>
    public DeleteBufferStep Maintain(DeleteScope scope, long flushRows) => Rows >= flushRows ? WriteOut(scope) : Prune(scope, [], 0);

    /// <summary>
    /// Writes each stored segment the deletes above its checkpoint (one pass at a time); when every segment already
    /// holds them, only drops what is covered.
    /// </summary>
    public DeleteBufferStep WriteOut(DeleteScope scope)
    {
        if (_writing || _deletes.Count == 0)
        {
            return DeleteBufferStep.None;
        }

        var checkpoint = _deletes[^1].Timestamp;
        // Segments flushed or written together share a checkpoint, and so the deletes to write.
        var targets = scope.Stored
            .GroupBy(segment => CheckpointOf(segment.SegmentId))
            .Where(group => group.Key < checkpoint)
            .SelectMany(group =>
            {
                var (pks, timestamps) = DeletesAfter(group.Key);
                return group.Select(segment => new DeleteLogTarget(segment, pks, timestamps));
            })
            .ToImmutableArray();
        if (targets.IsEmpty)
        {
            return Prune(scope, [], 0);
        }

        _writing = true;
        return new DeleteBufferStep(null, new DeleteLogWrite(checkpoint, targets));
    }

    /// <summary>A write pass ended: the delete logs of <paramref name="written"/> hold every delete up to <paramref name="checkpoint"/>.</summary>
    public DeleteBufferStep Written(DeleteScope scope, ImmutableArray<long> written, ulong checkpoint)
    {
        _writing = false;
        // A segment replaced or dropped meanwhile needs no checkpoint.
        var stored = scope.Stored.Select(s => s.SegmentId).ToHashSet();
        return Prune(scope, [.. written.Where(stored.Contains)], checkpoint);
    }

    /// <summary>
    /// A merged segment holds every delete up to its data node's fetch, and the fetch's hold keeps the watermark below
    /// that, so the watermark is a safe checkpoint for it (deletes above it are still buffered). Returns the
    /// checkpoint, and whether no hold was left (the merge committed after its hold expired, so it may lack deletes).
    /// </summary>
    public (ulong Checkpoint, bool HoldExpired) StartCheckpoint(long mergedSegmentId, DeleteScope scope)
    {
        var watermark = Watermark(scope);
        _checkpoints[mergedSegmentId] = watermark;
        return (watermark, _holds.Count == 0);
    }

    /// <summary>Journals the advanced checkpoints (if any) and the pruning below the watermark, when that changes anything.</summary>
    private DeleteBufferStep Prune(DeleteScope scope, ImmutableArray<long> advanced, ulong advancedTo)
    {
        var watermark = Watermark(scope, advanced, advancedTo);
        var prunes = _deletes.Count > 0 && _deletes[0].Timestamp <= watermark;
        return advanced.IsEmpty && !prunes
            ? DeleteBufferStep.None
            : new DeleteBufferStep(new DeletesPersisted(advanced, advancedTo, prunes ? watermark : 0), null);
    }

    private (Column Pks, ulong[] Timestamps) DeletesAfter(ulong checkpoint) => Flatten([.. _deletes.Where(d => d.Timestamp > checkpoint)]);

    private (Column Pks, ulong[] Timestamps) Flatten(List<(Column Pks, ulong Timestamp)> deletes)
    {
        if (deletes.Count == 0)
        {
            return (PrimaryKeys.EmptyColumn(primaryKeyType), []);
        }

        var timestamps = deletes.SelectMany(d => Enumerable.Repeat(d.Timestamp, d.Pks.Count)).ToArray();
        return (Column.Concat([.. deletes.Select(d => d.Pks)]), timestamps);
    }
}
