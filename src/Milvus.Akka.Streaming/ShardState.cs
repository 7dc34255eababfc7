using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>What became of one write of a group handed to <see cref="ShardState.PlanWrites"/>.</summary>
public abstract record WriteOutcome;

/// <summary>Already applied under its request id: answer with the timestamp it was acknowledged with.</summary>
public sealed record AnsweredWrite(ulong Timestamp) : WriteOutcome;

/// <summary>Acknowledge once <see cref="WritePlan.Events"/>[<paramref name="EventIndex"/>] is journaled and applied.</summary>
public sealed record JournaledWrite(int EventIndex) : WriteOutcome;

/// <summary>
/// The writes to journal for a group, in arrival order, and one outcome per write planned. Writes from
/// <see cref="Planned"/> on were not planned: the group is full (<see cref="ShardState.MaxGroupBytes"/>), or an insert
/// needs a new segment and no segment id is reserved (they wait, in order, for <see cref="SegmentIdsReserved"/>).
/// </summary>
public sealed record WritePlan(ImmutableArray<IShardEvent> Events, ImmutableArray<WriteOutcome> Outcomes)
{
    public int Planned => Outcomes.Length;
}

/// <summary>
/// The write side of a streaming shard as plain state: its unflushed segments, the growing segment of each partition,
/// the reserved segment ids, the delete buffer, the last timestamp and the recently applied request ids. The shard
/// actor plans a group of writes here (<see cref="PlanWrites"/>), journals the events in one durable write, then applies
/// each event (<see cref="Apply(RowsInserted)"/>, the same code on replay) and acknowledges it; nothing here talks to an
/// actor, a journal or a clock other than the one it is given.
/// </summary>
/// <remarks>
/// Segments are mutable (readers search published views of them on other threads), so the state is updated in place
/// rather than copied; every mutation happens in an Apply method, from a journaled event or a snapshot.
/// </remarks>
public sealed class ShardState(CollectionSchema schema, AppliedWritesSettings appliedWrites)
{
    /// <summary>
    /// Row bytes one group may carry: a group is one journal call, which must finish within the journal's call timeout
    /// (<c>circuit-breaker.call-timeout</c>, 10 s by default) even on a slow disk. Writes beyond it wait for the next group.
    /// </summary>
    public const long MaxGroupBytes = 16L << 20;

    public Dictionary<long, Segment> Segments { get; } = [];

    public Dictionary<long, long> GrowingByPartition { get; } = [];

    /// <summary>Deletes not yet in every flushed segment's delete log, with the segments' delete checkpoints.</summary>
    private CollectionSchema _schema = schema;

    public DeleteBuffer Deletes { get; } = new(schema.PrimaryKey.DataType);

    /// <summary>
    /// Takes the schema after AddCollectionField: segments in memory read the added fields as absent in their rows,
    /// segments opened later hold them.
    /// </summary>
    public void Widen(CollectionSchema latest)
    {
        _schema = _schema.WidenedTo(latest);
        foreach (var segment in Segments.Values)
        {
            segment.Widen(latest);
        }
    }

    public Queue<long> ReservedSegmentIds { get; } = new();

    public AppliedWrites AppliedWrites { get; } = new(appliedWrites.MaxEntries, appliedWrites.MaxAge);

    /// <summary>The last timestamp applied or read at: every later write gets a timestamp above it.</summary>
    public ulong LastTimestamp { get; private set; }

    /// <summary>A read at <paramref name="timestamp"/> raises the last timestamp, so later writes stay invisible to it.</summary>
    public void RaiseTimestamp(ulong timestamp) => LastTimestamp = Math.Max(LastTimestamp, timestamp);

    /// <summary>
    /// Plans a group of writes that arrived while the previous group was being journaled: one event per write not
    /// applied before (two for an upsert: the delete of its keys, then its rows; a request id seen twice in the group is
    /// journaled once), with timestamps rising in arrival order and above everything applied. Stops after <see cref="MaxGroupBytes"/> of rows (always taking at least one
    /// write). Changes nothing: the events take effect when applied.
    /// </summary>
    public WritePlan PlanWrites(IReadOnlyList<IShardWrite> writes)
    {
        var events = ImmutableArray.CreateBuilder<IShardEvent>();
        var outcomes = ImmutableArray.CreateBuilder<WriteOutcome>();
        var eventOfRequest = new Dictionary<string, int>(StringComparer.Ordinal);
        var newSegments = new Dictionary<long, long>();
        var reserved = ReservedSegmentIds.ToArray();
        var last = LastTimestamp;
        long groupBytes = 0;
        foreach (var write in writes)
        {
            if (groupBytes >= MaxGroupBytes)
            {
                break;
            }

            if (AppliedWrites.TryGet(write.RequestId, out var applied))
            {
                outcomes.Add(new AnsweredWrite(applied));
                continue;
            }

            if (write.RequestId.Length > 0 && eventOfRequest.TryGetValue(write.RequestId, out var planned))
            {
                outcomes.Add(new JournaledWrite(planned));
                continue;
            }

            var timestamp = Math.Max(write.Timestamp, last + 1);
            switch (write)
            {
                case InsertRows insert:
                    if (SegmentFor(insert.PartitionId) is not { } segmentId)
                    {
                        return new WritePlan(events.ToImmutable(), outcomes.ToImmutable());
                    }

                    events.Add(new RowsInserted(segmentId, insert.PartitionId, insert.Rows, timestamp, insert.RequestId));
                    groupBytes += Segment.EstimateBytes(insert.Rows);
                    break;
                case UpsertRows upsert:
                    if (SegmentFor(upsert.PartitionId) is not { } upsertSegmentId)
                    {
                        return new WritePlan(events.ToImmutable(), outcomes.ToImmutable());
                    }

                    // The delete and the insert are journaled in this one group (one atomic write), so a failure between
                    // them cannot leave the keys deleted. Only the insert carries the request id: the upsert is
                    // remembered, and acknowledged, at the rows' timestamp.
                    events.Add(new RowsDeleted(upsert.Rows[_schema.PrimaryKey.FieldId], timestamp, ""));
                    timestamp++;
                    events.Add(new RowsInserted(upsertSegmentId, upsert.PartitionId, upsert.Rows, timestamp, upsert.RequestId));
                    groupBytes += Segment.EstimateBytes(upsert.Rows);
                    break;
                case DeleteRows delete:
                    events.Add(new RowsDeleted(delete.Pks, timestamp, delete.RequestId));
                    break;
                default:
                    throw new ArgumentException($"{write.GetType().Name} is not a shard write", nameof(writes));
            }

            last = timestamp;
            if (write.RequestId.Length > 0)
            {
                eventOfRequest[write.RequestId] = events.Count - 1;
            }

            outcomes.Add(new JournaledWrite(events.Count - 1));
        }

        return new WritePlan(events.ToImmutable(), outcomes.ToImmutable());

        // The partition's growing segment, or the next reserved id for a new one; null: no id left.
        long? SegmentFor(long partitionId)
        {
            if (GrowingByPartition.TryGetValue(partitionId, out var segmentId) || newSegments.TryGetValue(partitionId, out segmentId))
            {
                return segmentId;
            }

            if (newSegments.Count == reserved.Length)
            {
                return null;
            }

            return newSegments[partitionId] = reserved[newSegments.Count];
        }
    }

    /// <summary>Whether fewer than half of <paramref name="reserve"/> segment ids are left, so more should be reserved.</summary>
    public bool NeedsSegmentIds(int reserve) => ReservedSegmentIds.Count < reserve / 2;

    /// <summary>The seal reason of each growing segment among <paramref name="segmentIds"/> that the policy says to seal now.</summary>
    public IEnumerable<(long SegmentId, SealReason Reason)> SealsDue(IEnumerable<long> segmentIds, SealPolicy policy, DateTimeOffset now)
    {
        foreach (var id in segmentIds)
        {
            if (Segments.TryGetValue(id, out var s) && s.State == SegmentState.Growing
                && policy.Evaluate(s.RowCount, s.EstimatedBytes, s.CreatedAt, s.LastWriteAt, now) is { } reason)
            {
                yield return (id, reason);
            }
        }
    }

    // Event application: the same code runs on replay and live.

    public void Apply(RowsInserted e)
    {
        if (!Segments.TryGetValue(e.SegmentId, out var segment))
        {
            segment = new Segment(e.SegmentId, e.PartitionId, _schema);
            Segments[e.SegmentId] = segment;
            GrowingByPartition[e.PartitionId] = e.SegmentId;
            if (ReservedSegmentIds.TryPeek(out var next) && next == e.SegmentId)
            {
                ReservedSegmentIds.Dequeue();
            }
        }

        segment.Append(e.Rows, e.Timestamp);
        LastTimestamp = Math.Max(LastTimestamp, e.Timestamp);
        AppliedWrites.Add(e.RequestId, e.Timestamp);
    }

    public void Apply(RowsDeleted e)
    {
        foreach (var segment in Segments.Values)
        {
            segment.Delete(e.Pks, e.Timestamp);
        }

        Deletes.Add(e.Pks, e.Timestamp);
        LastTimestamp = Math.Max(LastTimestamp, e.Timestamp);
        AppliedWrites.Add(e.RequestId, e.Timestamp);
    }

    public void Apply(SegmentIdsReserved e)
    {
        for (var i = 0; i < e.Count; i++)
        {
            ReservedSegmentIds.Enqueue(e.First + i);
        }
    }

    public void Apply(SegmentsSealed e)
    {
        foreach (var id in e.SegmentIds)
        {
            if (Segments.TryGetValue(id, out var segment))
            {
                segment.State = SegmentState.Sealed;
                GrowingByPartition.Remove(segment.PartitionId);
            }
        }
    }

    /// <summary>Drops a partition's unflushed segments (its flushed ones are the actor's serving state).</summary>
    public void DropPartition(long partitionId)
    {
        foreach (var segment in Segments.Values.Where(s => s.PartitionId == partitionId).ToList())
        {
            Segments.Remove(segment.Id);
        }

        GrowingByPartition.Remove(partitionId);
    }

    /// <summary>The write-side part of a snapshot: unflushed segments, delete buffer and checkpoints, timestamp, reserved ids, request ids.</summary>
    public void Restore(ShardSnapshot snapshot)
    {
        foreach (var s in snapshot.Segments)
        {
            var segment = new Segment(s.SegmentId, s.PartitionId, _schema);
            segment.Append(s.Rows, s.Timestamps.AsSpan());
            segment.Delete(s.DeletedPks, s.DeleteTimestamps.AsSpan());
            if (s.Sealed)
            {
                segment.State = SegmentState.Sealed;
            }
            else
            {
                GrowingByPartition[s.PartitionId] = s.SegmentId;
            }

            Segments[s.SegmentId] = segment;
        }

        Deletes.Restore(snapshot);
        LastTimestamp = snapshot.LastTimestamp;
        AppliedWrites.Restore(snapshot.AppliedWrites);
        foreach (var id in snapshot.ReservedSegmentIds)
        {
            ReservedSegmentIds.Enqueue(id);
        }
    }
}
