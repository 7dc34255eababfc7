using System.Collections.Immutable;
using FsCheck.Xunit;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.TestSupport;
using Xunit;

namespace Milvus.Akka.Streaming.Tests;

/// <summary>
/// The delete buffer without an actor: which deletes are written to which stored segments, when checkpoints advance,
/// and that the watermark never drops a delete a stored segment or a flush in flight may still lack.
/// </summary>
public sealed class DeleteBufferTests
{
    private const long CollectionId = 7;
    private const long PartitionId = 71;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(10);

    private static SegmentInfo Segment(long id) => TestCollections.Segment(id, CollectionId, PartitionId);

    private static DeleteBuffer Buffer(params ulong[] deleteTimestamps)
    {
        var buffer = new DeleteBuffer(DataType.Int64);
        foreach (var timestamp in deleteTimestamps)
        {
            buffer.Add(TestCollections.Pks((long)timestamp), timestamp);
        }

        return buffer;
    }

    private static DeleteScope Scope(IEnumerable<SegmentInfo> stored, ulong last, IEnumerable<ulong>? flushing = null, DateTimeOffset? now = null) =>
        new([.. stored], flushing ?? [], last, now ?? Start);

    private static ulong[] BufferedTimestamps(DeleteBuffer buffer) => [.. buffer.Buffered.Select(d => d.Timestamp)];

    private static void Apply(DeleteBuffer buffer, DeleteBufferStep step)
    {
        if (step.Persist is { } e)
        {
            buffer.Apply(e);
        }
    }

    [Fact]
    public void Each_stored_segment_is_written_the_deletes_above_its_checkpoint_and_covered_deletes_are_dropped()
    {
        var buffer = Buffer(10, 20, 30);
        buffer.SegmentFlushed(1, 10);
        buffer.SegmentFlushed(2, 20);
        var stored = new[] { Segment(1), Segment(2) };

        var write = buffer.WriteOut(Scope(stored, 30)).Write!;

        Assert.Equal(30UL, write.Checkpoint);
        Assert.Equal([20UL, 30], write.Targets.Single(t => t.Segment.SegmentId == 1).Timestamps);
        Assert.Equal([30UL], write.Targets.Single(t => t.Segment.SegmentId == 2).Timestamps);

        var step = buffer.Written(Scope(stored, 30), [1, 2], write.Checkpoint);
        var persisted = Assert.IsType<DeletesPersisted>(step.Persist);
        Assert.Equal((30UL, 30UL), (persisted.Checkpoint, persisted.PrunedUpTo));
        Assert.Equal([1L, 2], persisted.SegmentIds.Order());
        Apply(buffer, step);
        Assert.Empty(buffer.Buffered);
        Assert.Equal(30UL, buffer.CheckpointOf(2));
    }

    [Fact]
    public void A_segment_whose_write_failed_keeps_the_watermark_at_its_checkpoint()
    {
        var buffer = Buffer(10, 20, 30);
        buffer.SegmentFlushed(1, 10);
        buffer.SegmentFlushed(2, 20);
        var stored = new[] { Segment(1), Segment(2) };
        var write = buffer.WriteOut(Scope(stored, 30)).Write!;

        Apply(buffer, buffer.Written(Scope(stored, 30), [2], write.Checkpoint));

        Assert.Equal([20UL, 30], BufferedTimestamps(buffer));
        Assert.Equal(10UL, buffer.Watermark(Scope(stored, 30)));
    }

    [Fact]
    public void One_write_pass_runs_at_a_time()
    {
        var buffer = Buffer(10);
        var stored = new[] { Segment(1) };
        Assert.NotNull(buffer.WriteOut(Scope(stored, 10)).Write);

        Assert.Equal(DeleteBufferStep.None, buffer.WriteOut(Scope(stored, 10)));

        buffer.Written(Scope(stored, 10), [], 10);
        Assert.NotNull(buffer.WriteOut(Scope(stored, 10)).Write);
    }

    [Fact]
    public void A_segment_replaced_during_a_write_gets_no_checkpoint()
    {
        var buffer = Buffer(10);
        var write = buffer.WriteOut(Scope([Segment(1), Segment(2)], 10)).Write!;

        var step = buffer.Written(Scope([Segment(2)], 10), [1, 2], write.Checkpoint);

        Assert.Equal([2L], step.Persist!.SegmentIds.ToArray());
    }

    [Fact]
    public void A_flush_in_flight_holds_the_watermark_at_its_checkpoint()
    {
        var buffer = Buffer(10, 20);

        Assert.Equal(10UL, buffer.Watermark(Scope([], 20, flushing: [10])));
        Apply(buffer, buffer.Maintain(Scope([], 20, flushing: [10]), flushRows: 100));
        Assert.Equal([20UL], BufferedTimestamps(buffer));

        Apply(buffer, buffer.Maintain(Scope([], 20), flushRows: 100));
        Assert.Empty(buffer.Buffered);
    }

    [Fact]
    public void Below_the_row_threshold_the_tick_only_prunes_and_from_it_on_it_writes()
    {
        var buffer = Buffer(10, 20);
        buffer.SegmentFlushed(1, 0);
        var stored = new[] { Segment(1) };

        Assert.Equal(DeleteBufferStep.None, buffer.Maintain(Scope(stored, 20), flushRows: 3));
        Assert.NotNull(buffer.Maintain(Scope(stored, 20), flushRows: 2).Write);
    }

    [Fact]
    public void A_compaction_fetch_holds_the_watermark_until_it_expires_and_a_merged_segment_starts_at_the_watermark()
    {
        var buffer = Buffer(10, 20);
        var (pks, timestamps) = buffer.Fetch(20, Start + Hold);
        Assert.Equal([10L, 20], ((ScalarColumn<long>)pks).Values.ToArray());
        Assert.Equal([10UL, 20], timestamps);
        buffer.Add(TestCollections.Pks(30), 30);

        Assert.Equal(20UL, buffer.Watermark(Scope([], 30)));
        var (checkpoint, holdExpired) = buffer.StartCheckpoint(9, Scope([], 30));
        Assert.Equal((20UL, false), (checkpoint, holdExpired));
        Assert.Equal(20UL, buffer.CheckpointOf(9));

        var later = Start + Hold;
        Assert.Equal(30UL, buffer.Watermark(Scope([], 30, now: later)));
        Assert.True(buffer.StartCheckpoint(10, Scope([], 30, now: later)).HoldExpired);
    }

    [Fact]
    public void After_recovery_nothing_is_pruned_during_the_hold_and_checkpoints_of_unknown_segments_are_forgotten()
    {
        var buffer = Buffer(10);
        buffer.SegmentFlushed(1, 10);
        buffer.SegmentFlushed(2, 10);

        buffer.Recovered(new HashSet<long> { 1 }, Start + Hold);

        Assert.Equal(0UL, buffer.CheckpointOf(2));
        Assert.Equal(DeleteBufferStep.None, buffer.Maintain(Scope([Segment(1)], 10), flushRows: 100));
        Assert.NotNull(buffer.Maintain(Scope([Segment(1)], 10, now: Start + Hold), flushRows: 100).Persist);
    }

    [Fact]
    public void A_snapshot_restores_the_deletes_one_per_timestamp_and_the_checkpoints_of_stored_segments()
    {
        var buffer = new DeleteBuffer(DataType.Int64);
        buffer.Add(TestCollections.Pks(1, 2), 10);
        buffer.Add(TestCollections.Pks(3), 20);
        buffer.SegmentFlushed(1, 10);
        buffer.SegmentFlushed(2, 20);
        var (pks, timestamps, checkpoints) = buffer.Snapshot([Segment(1)]);

        var restored = new DeleteBuffer(DataType.Int64);
        restored.Restore(new ShardSnapshot([], [], pks, [.. timestamps], 20, [], checkpoints, []));

        Assert.Equal([(2, 10UL), (1, 20UL)], restored.Buffered.Select(d => (d.Pks.Count, d.Timestamp)));
        Assert.Equal((10UL, 0UL), (restored.CheckpointOf(1), restored.CheckpointOf(2)));
    }

    /// <summary>
    /// Random runs of deletes, flushes (started and completed), write passes that partly fail, ticks, compactions and
    /// clock jumps, against a model of what each stored segment's files hold: after every step, every delete ever
    /// applied is in each stored segment's files or still in the buffer (a compaction commits within its hold).
    /// </summary>
    [Property(MaxTest = 300)]
    public bool A_delete_stays_buffered_until_every_stored_segment_holds_it(byte[] operations)
    {
        var buffer = new DeleteBuffer(DataType.Int64);
        var applied = new List<ulong>();
        var holds = new Dictionary<long, HashSet<ulong>>(); // stored segment → the delete timestamps its files hold
        var flushing = new Dictionary<long, ulong>();
        DeleteLogWrite? pendingWrite = null;
        ulong last = 0;
        long nextSegment = 1;
        var now = Start;

        DeleteScope CurrentScope() => new([.. holds.Keys.Order().Select(Segment)], flushing.Values, last, now);

        void Perform(DeleteBufferStep step)
        {
            Apply(buffer, step);
            pendingWrite = step.Write ?? pendingWrite;
        }

        foreach (var op in operations)
        {
            switch (op % 8)
            {
                case 0 or 1:
                    last++;
                    buffer.Add(TestCollections.Pks((long)last), last);
                    applied.Add(last);
                    break;
                case 2:
                    flushing[nextSegment++] = last;
                    break;
                case 3 when flushing.Count > 0:
                    var (flushed, checkpoint) = flushing.First();
                    flushing.Remove(flushed);
                    holds[flushed] = [.. applied.Where(t => t <= checkpoint)];
                    buffer.SegmentFlushed(flushed, checkpoint);
                    Perform(buffer.WriteOut(CurrentScope()));
                    break;
                case 4 when pendingWrite is { } write:
                    // Every other target fails, chosen by the operation's high bits.
                    var succeeded = write.Targets.Where((_, i) => ((op >> 3) & (1 << (i % 5))) == 0 && holds.ContainsKey(write.Targets[i].Segment.SegmentId)).ToList();
                    foreach (var target in succeeded)
                    {
                        holds[target.Segment.SegmentId].UnionWith(target.Timestamps);
                    }

                    pendingWrite = null;
                    Perform(buffer.Written(CurrentScope(), [.. succeeded.Select(t => t.Segment.SegmentId)], write.Checkpoint));
                    break;
                case 5:
                    Perform(buffer.Maintain(CurrentScope(), flushRows: op >> 3));
                    break;
                case 6 when holds.Count >= 2:
                    var inputs = holds.Keys.Order().Take(2).ToList();
                    var (_, fetched) = buffer.Fetch(last, now + Hold);
                    var merged = nextSegment++;
                    holds[merged] = [.. inputs.SelectMany(i => holds[i]).Concat(fetched)];
                    foreach (var input in inputs)
                    {
                        holds.Remove(input);
                        buffer.Forget(input);
                    }

                    buffer.StartCheckpoint(merged, CurrentScope());
                    break;
                case 7:
                    now += Hold;
                    break;
            }

            var buffered = BufferedTimestamps(buffer).ToHashSet();
            if (holds.Values.Any(held => applied.Any(t => !held.Contains(t) && !buffered.Contains(t))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The watermark is never above a flush in flight's checkpoint, a stored segment's checkpoint, or the last timestamp.</summary>
    [Property(MaxTest = 300)]
    public bool The_watermark_never_passes_a_checkpoint_still_open(ulong[] flushCheckpoints, ulong[] storedCheckpoints, ulong last)
    {
        var buffer = new DeleteBuffer(DataType.Int64);
        var stored = storedCheckpoints.Select((checkpoint, i) =>
        {
            buffer.SegmentFlushed(i + 1, checkpoint);
            return Segment(i + 1);
        }).ToList();

        var watermark = buffer.Watermark(Scope(stored, last, flushing: flushCheckpoints));

        return watermark <= last && flushCheckpoints.All(c => watermark <= c) && storedCheckpoints.All(c => watermark <= c);
    }
}
