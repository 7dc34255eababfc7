using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Cluster.Serialization;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Streaming.Formats;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Streaming.Serialization;

/// <summary>
/// The streaming shard's journal events and snapshots (the WAL format; schema in Formats/shard_journal.proto).
/// One row per event in the manifest table (<see cref="ManifestTableSerializer"/>): a new incompatible layout gets a new
/// manifest version, both stay readable, and a version newer than this code knows is refused with an error saying so.
/// </summary>
public sealed class ShardEventSerializer : ManifestTableSerializer
{
    public ShardEventSerializer(ExtendedActorSystem system)
        : base(system)
    {
        Register<RowsInserted>("ri1", EncodeRowsInserted, bytes => Decode(RowsInsertedEvent.Parser.ParseFrom(bytes)));
        RegisterProto<RowsDeleted, RowsDeletedEvent>("rd1", e => new RowsDeletedEvent { Pks = EncodeColumn(e.Pks), Timestamp = e.Timestamp, RequestId = e.RequestId },
            RowsDeletedEvent.Parser, Decode);
        RegisterProto<SegmentIdsReserved, SegmentIdsReservedEvent>("sr1", e => new SegmentIdsReservedEvent { First = e.First, Count = e.Count },
            SegmentIdsReservedEvent.Parser, Decode);
        RegisterProto<SegmentsSealed, SegmentsSealedEvent>("ss1", e => new SegmentsSealedEvent { SegmentIds = { e.SegmentIds }, Reason = (long)e.Reason + 1 },
            SegmentsSealedEvent.Parser, Decode);
        RegisterProto<SegmentFlushedToStorage, SegmentFlushedEvent>("sf1",
            e => new SegmentFlushedEvent { Segment = CatalogCodec.ToEntry(e.Segment), DeleteCheckpoint = e.DeleteCheckpoint }, SegmentFlushedEvent.Parser, Decode);
        RegisterProto<PartitionDataDropped, PartitionDataDroppedEvent>("pd1", e => new PartitionDataDroppedEvent { PartitionId = e.PartitionId },
            PartitionDataDroppedEvent.Parser, e => new PartitionDataDropped(e.PartitionId));
        RegisterProto<DeletesPersisted, DeletesPersistedEvent>("dp1",
            e => new DeletesPersistedEvent { SegmentIds = RawBytes(e.SegmentIds.AsSpan()), Checkpoint = e.Checkpoint, PrunedUpTo = e.PrunedUpTo },
            DeletesPersistedEvent.Parser, Decode);
        RegisterProto<ShardSnapshot, ShardSnapshotState>("sn1", EncodeSnapshot, ShardSnapshotState.Parser, Decode);
    }

    /// <summary>Ids 0–100 are reserved by Akka.NET; Milvus.Akka serializers use 401–499.</summary>
    public override int Identifier => 401;

    protected override string MessageKind => "streaming shard event";

    /// <summary>
    /// The hot event: written straight into one buffer of its exact size, so a batch's vectors are copied once from
    /// their arrays (raw little-endian bytes) into the journal's payload; the layout is `RowsInsertedEvent` of
    /// Formats/shard_journal.proto, field for field.
    /// </summary>
    private static byte[] EncodeRowsInserted(RowsInserted e)
    {
        var rows = new RowBatchEncoding(e.Rows);
        var size = Int64FieldSize(1, e.SegmentId) + Int64FieldSize(2, e.PartitionId) + rows.FieldSize(3) + UInt64FieldSize(4, e.Timestamp)
                   + StringFieldSize(5, e.RequestId);
        var bytes = GC.AllocateUninitializedArray<byte>(size); // filled exactly (CheckNoSpaceLeft)
        var o = new CodedOutputStream(bytes);
        WriteInt64(o, 1, e.SegmentId);
        WriteInt64(o, 2, e.PartitionId);
        rows.WriteTo(o, 3);
        WriteUInt64(o, 4, e.Timestamp);
        WriteString(o, 5, e.RequestId);
        o.CheckNoSpaceLeft();
        return bytes;
    }

    /// <summary>Events of before deduplication have no request id: "" is never remembered as applied.</summary>
    private static RowsInserted Decode(RowsInsertedEvent e) => new(e.SegmentId, e.PartitionId,
        e.HasRows ? DecodeRowBatch(e.Rows) : throw new SerializationException("RowsInserted without rows"), e.Timestamp, e.RequestId);

    private static RowsDeleted Decode(RowsDeletedEvent e) =>
        new(e.HasPks ? DecodeColumn(e.Pks) : throw new SerializationException("RowsDeleted without keys"), e.Timestamp, e.RequestId);

    private static SegmentIdsReserved Decode(SegmentIdsReservedEvent e) => new(e.First, checked((int)e.Count));

    private static SegmentsSealed Decode(SegmentsSealedEvent e) => new([.. e.SegmentIds], e.Reason == 0 ? SealReason.Flush : (SealReason)(e.Reason - 1));

    /// <summary>Events of before delete checkpoints have checkpoint 0, which keeps every buffered delete for the segment.</summary>
    private static SegmentFlushedToStorage Decode(SegmentFlushedEvent e) => new(
        e.Segment is { } segment ? CatalogCodec.FromEntry(segment) : throw new SerializationException("SegmentFlushedToStorage without a segment"),
        e.DeleteCheckpoint);

    private static DeletesPersisted Decode(DeletesPersistedEvent e) => new([.. ReadRawArray<long>(e.SegmentIds)], e.Checkpoint, e.PrunedUpTo);

    private static ShardSnapshotState EncodeSnapshot(ShardSnapshot s) => new()
    {
        Segments =
        {
            s.Segments.Select(segment => new SegmentSnapshotState
            {
                SegmentId = segment.SegmentId,
                PartitionId = segment.PartitionId,
                Sealed = segment.Sealed,
                Rows = EncodeRowBatch(segment.Rows),
                Timestamps = RawBytes(segment.Timestamps.AsSpan()),
                DeletedPks = EncodeColumn(segment.DeletedPks),
                DeleteTimestamps = RawBytes(segment.DeleteTimestamps.AsSpan()),
            }),
        },
        Flushed = { s.Flushed.Select(CatalogCodec.ToEntry) },
        DeletedPks = EncodeColumn(s.DeletedPks),
        DeleteTimestamps = RawBytes(s.DeleteTimestamps.AsSpan()),
        LastTimestamp = s.LastTimestamp,
        ReservedSegmentIds = RawBytes(s.ReservedSegmentIds.AsSpan()),
        CheckpointedSegmentIds = RawBytes<long>([.. s.DeleteCheckpoints.Keys]),
        DeleteCheckpoints = RawBytes<ulong>([.. s.DeleteCheckpoints.Values]),
        AppliedRequestIds = { s.AppliedWrites.Select(w => w.RequestId) },
        AppliedTimestamps = RawBytes<ulong>([.. s.AppliedWrites.Select(w => w.Timestamp)]),
    };

    private static ShardSnapshot Decode(ShardSnapshotState s)
    {
        var checkpointed = ReadRawArray<long>(s.CheckpointedSegmentIds);
        var checkpoints = ReadRawArray<ulong>(s.DeleteCheckpoints);
        if (checkpointed.Length != checkpoints.Length)
        {
            throw new SerializationException($"snapshot with {checkpointed.Length} checkpointed segments but {checkpoints.Length} checkpoints");
        }

        var appliedTimestamps = ReadRawArray<ulong>(s.AppliedTimestamps);
        if (s.AppliedRequestIds.Count != appliedTimestamps.Length)
        {
            throw new SerializationException($"snapshot with {s.AppliedRequestIds.Count} applied request ids but {appliedTimestamps.Length} timestamps");
        }

        // Snapshots of before delete checkpoints have none: checkpoint 0 keeps every buffered delete for their segments.
        // Snapshots of before deduplication have no applied writes.
        return new ShardSnapshot([.. s.Segments.Select(Decode)], [.. s.Flushed.Select(CatalogCodec.FromEntry)],
            s.HasDeletedPks ? DecodeColumn(s.DeletedPks) : throw new SerializationException("snapshot without delete keys"),
            [.. ReadRawArray<ulong>(s.DeleteTimestamps)], s.LastTimestamp, [.. ReadRawArray<long>(s.ReservedSegmentIds)],
            checkpointed.Zip(checkpoints).ToImmutableSortedDictionary(p => p.First, p => p.Second),
            [.. s.AppliedRequestIds.Zip(appliedTimestamps, (id, timestamp) => new AppliedWrite(id, timestamp))]);
    }

    private static SegmentSnapshot Decode(SegmentSnapshotState s) => new(s.SegmentId, s.PartitionId, s.Sealed,
        s.HasRows ? DecodeRowBatch(s.Rows) : throw new SerializationException("segment snapshot without rows"),
        [.. ReadRawArray<ulong>(s.Timestamps)],
        s.HasDeletedPks ? DecodeColumn(s.DeletedPks) : throw new SerializationException("segment snapshot without delete keys"),
        [.. ReadRawArray<ulong>(s.DeleteTimestamps)]);
}
