using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>Marker for every message a streaming shard handles, answers or journals; bound to its wire serializer.</summary>
public interface IShardMessage;

/// <summary>
/// A write a shard journals before acknowledging: <see cref="InsertRows"/>, <see cref="UpsertRows"/> or <see cref="DeleteRows"/>. Writes that
/// arrive while the shard's previous journal write is in flight are journaled together in one durable write.
/// </summary>
public interface IShardWrite : IShardCommand
{
    /// <summary>The proxy's TSO timestamp; the shard raises it above everything it applied.</summary>
    ulong Timestamp { get; }

    /// <summary>Deduplicates a batch sent again; empty: not deduplicated.</summary>
    string RequestId { get; }
}

/// <summary>
/// Rows for one partition, all written at <paramref name="Timestamp"/> (a TSO timestamp from the proxy).
/// <paramref name="RequestId"/> names this batch: the proxy derives it from the client request, and sends the same id
/// when it sends the batch again; a shard that already applied it answers with the earlier <see cref="InsertAck"/>
/// (see <see cref="AppliedWrites"/>). Empty: not deduplicated.
/// </summary>
public sealed record InsertRows(string ShardName, long PartitionId, RowBatch Rows, ulong Timestamp, string RequestId) : IShardMessage, IShardWrite;

/// <summary>
/// Replaces the rows of these primary keys (in every partition of the shard) with <paramref name="Rows"/>: the shard
/// journals the delete of their keys and the insert of the rows in one atomic journal write, so a key is either replaced
/// or keeps its previous version, never left deleted. Acknowledged with an <see cref="InsertAck"/> at the rows'
/// timestamp; <paramref name="RequestId"/> deduplicates the whole upsert, as for <see cref="InsertRows"/>.
/// </summary>
public sealed record UpsertRows(string ShardName, long PartitionId, RowBatch Rows, ulong Timestamp, string RequestId) : IShardMessage, IShardWrite;

/// <summary>The rows are durable in the WAL and visible; <paramref name="Timestamp"/> is the timestamp they carry.</summary>
public sealed record InsertAck(ulong Timestamp) : IShardMessage;

/// <summary>
/// Deletes every version of these primary keys written before the delete's timestamp. <paramref name="RequestId"/>
/// deduplicates a batch sent again, as for <see cref="InsertRows"/>.
/// </summary>
public sealed record DeleteRows(string ShardName, Column Pks, ulong Timestamp, string RequestId) : IShardMessage, IShardWrite;

public sealed record DeleteAck(ulong Timestamp) : IShardMessage;

/// <summary>Searches the shard's data (growing in the shard, flushed on query nodes); replies <see cref="SearchHits"/> or <see cref="MilvusFailure"/>.</summary>
public sealed record SearchShard(string ShardName, SearchPlan Plan) : IShardMessage, IShardCommand;

/// <summary>
/// Counts the BM25 statistics of the shard's data (growing in the shard, flushed on query nodes), the first round of a
/// BM25 search; replies <see cref="Bm25Stats"/> or <see cref="MilvusFailure"/>.
/// </summary>
public sealed record Bm25StatsShard(string ShardName, Bm25StatsPlan Plan) : IShardMessage, IShardCommand;

/// <summary>Retrieves from the shard's data; replies <see cref="QueryRows"/> or <see cref="MilvusFailure"/>.</summary>
public sealed record QueryShard(string ShardName, QueryPlan Plan) : IShardMessage, IShardCommand;

/// <summary>Seals every growing segment and replies <see cref="ShardFlushed"/> once all sealed segments are in object storage.</summary>
public sealed record FlushShard(string ShardName) : IShardMessage, IShardCommand;

public sealed record ShardFlushed(ImmutableArray<long> SegmentIds, ulong FlushTimestamp) : IShardMessage;

/// <summary>
/// Seals every growing segment and replies <see cref="ShardFlushed"/> as soon as the seal is journaled, naming the
/// segments sealed now and those still being flushed; they reach object storage in the background
/// (<see cref="GetShardFlushState"/> tells when). Milvus's Flush, which returns before the upload.
/// </summary>
public sealed record SealShard(string ShardName) : IShardMessage, IShardCommand;

/// <summary>Which of <paramref name="SegmentIds"/> the shard still holds unflushed; replies <see cref="ShardFlushState"/>.</summary>
public sealed record GetShardFlushState(string ShardName, ImmutableArray<long> SegmentIds) : IShardMessage, IShardCommand;

/// <summary>
/// The asked segments that are growing or sealed in the shard; a segment it does not hold (flushed and handed over,
/// compacted away, or another shard's) counts as flushed, as Milvus counts a segment it no longer knows.
/// </summary>
public sealed record ShardFlushState(ImmutableArray<long> Unflushed) : IShardMessage;

/// <summary>
/// Sharding's hand-off stop message for a shard moving to another node (instead of a PoisonPill): the shard stops once
/// the journal writes it has in flight completed and were acknowledged, so a hand-off never drops an acknowledgement.
/// Sent by the local shard region only.
/// </summary>
public sealed record StopShard : INoSerializationVerificationNeeded
{
    public static readonly StopShard Instance = new();
}

/// <summary>Marker of the journal events and snapshots of a shard (the WAL format), bound to <see cref="Serialization.ShardEventSerializer"/>.</summary>
public interface IShardEvent;

// Journal events: what the WAL holds for a shard.

/// <summary><paramref name="RequestId"/>: the batch's request id, "" in events written before writes were deduplicated.</summary>
public sealed record RowsInserted(long SegmentId, long PartitionId, RowBatch Rows, ulong Timestamp, string RequestId) : IShardEvent;

/// <summary><paramref name="RequestId"/>: the batch's request id, "" in events written before writes were deduplicated.</summary>
public sealed record RowsDeleted(Column Pks, ulong Timestamp, string RequestId) : IShardEvent;

public sealed record SegmentIdsReserved(long First, int Count) : IShardEvent;

public sealed record SegmentsSealed(ImmutableArray<long> SegmentIds, SealReason Reason) : IShardEvent;

/// <summary>
/// <paramref name="DeleteCheckpoint"/>: the segment's stored objects hold every delete of the shard up to this timestamp
/// (0 in events written before checkpoints existed, which keeps the whole delete buffer for the segment).
/// </summary>
public sealed record SegmentFlushedToStorage(SegmentInfo Segment, ulong DeleteCheckpoint) : IShardEvent;

public sealed record PartitionDataDropped(long PartitionId) : IShardEvent;

/// <summary>
/// The delete logs of <paramref name="SegmentIds"/> now hold every delete of the shard up to <paramref name="Checkpoint"/>,
/// and the delete buffer dropped the deletes up to <paramref name="PrunedUpTo"/> (0: nothing dropped).
/// </summary>
public sealed record DeletesPersisted(ImmutableArray<long> SegmentIds, ulong Checkpoint, ulong PrunedUpTo) : IShardEvent;

/// <summary>
/// A shard's snapshot: unflushed segments with their rows, row timestamps and delete marks, the delete buffer,
/// flushed segments with their delete checkpoints (see <see cref="DeletesPersisted"/>), the last timestamp, the
/// reserved segment ids and the recently applied writes' request ids (<see cref="Streaming.AppliedWrites"/>; empty in
/// snapshots of before deduplication). Replay continues after it.
/// </summary>
public sealed record ShardSnapshot(
    ImmutableArray<SegmentSnapshot> Segments,
    ImmutableArray<SegmentInfo> Flushed,
    Column DeletedPks,
    ImmutableArray<ulong> DeleteTimestamps,
    ulong LastTimestamp,
    ImmutableArray<long> ReservedSegmentIds,
    ImmutableSortedDictionary<long, ulong> DeleteCheckpoints,
    ImmutableArray<AppliedWrite> AppliedWrites) : IShardEvent;

/// <summary>One unflushed segment inside a <see cref="ShardSnapshot"/>; never journaled on its own.</summary>
public sealed record SegmentSnapshot(long SegmentId, long PartitionId, bool Sealed, RowBatch Rows, ImmutableArray<ulong> Timestamps,
    Column DeletedPks, ImmutableArray<ulong> DeleteTimestamps);
