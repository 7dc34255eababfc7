using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Streaming.Formats;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Streaming.Serialization;

/// <summary>
/// The streaming shard's journal events and snapshots (the WAL format; schema in Formats/shard_journal.proto).
/// Manifests are short, never reused, and end with the format version: a new incompatible layout gets a new version,
/// both stay readable, and a version newer than this code knows is refused with an error saying so.
/// </summary>
public sealed class ShardEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The version of every event layout this code writes, and the newest it reads.</summary>
    private const int FormatVersion = 1;

    private const string RowsInsertedManifest = "ri1";
    private const string RowsDeletedManifest = "rd1";
    private const string SegmentIdsReservedManifest = "sr1";
    private const string SegmentsSealedManifest = "ss1";
    private const string SegmentFlushedManifest = "sf1";
    private const string PartitionDroppedManifest = "pd1";
    private const string DeletesPersistedManifest = "dp1";
    private const string SnapshotManifest = "sn1";

    private static readonly ImmutableHashSet<string> Kinds = ImmutableHashSet.Create(
        [.. new[] { RowsInsertedManifest, RowsDeletedManifest, SegmentIdsReservedManifest, SegmentsSealedManifest, SegmentFlushedManifest,
            PartitionDroppedManifest, DeletesPersistedManifest, SnapshotManifest }.Select(m => m[..^1])]);

    /// <summary>Ids 0–100 are reserved by Akka.NET; Milvus.Akka serializers use 401–499.</summary>
    public override int Identifier => 401;

    public override string Manifest(object o) => o switch
    {
        RowsInserted => RowsInsertedManifest,
        RowsDeleted => RowsDeletedManifest,
        SegmentIdsReserved => SegmentIdsReservedManifest,
        SegmentsSealed => SegmentsSealedManifest,
        SegmentFlushedToStorage => SegmentFlushedManifest,
        PartitionDataDropped => PartitionDroppedManifest,
        DeletesPersisted => DeletesPersistedManifest,
        ShardSnapshot => SnapshotManifest,
        _ => throw new ArgumentException($"{o.GetType()} is not a streaming shard event", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        if (obj is RowsInserted inserted)
        {
            return EncodeRowsInserted(inserted);
        }

        IMessage message = obj switch
        {
            RowsDeleted e => new RowsDeletedEvent { Pks = EncodeColumn(e.Pks), Timestamp = e.Timestamp, RequestId = e.RequestId },
            SegmentIdsReserved e => new SegmentIdsReservedEvent { First = e.First, Count = e.Count },
            SegmentsSealed e => new SegmentsSealedEvent { SegmentIds = { e.SegmentIds }, Reason = (long)e.Reason + 1 },
            SegmentFlushedToStorage e => new SegmentFlushedEvent { Segment = CatalogCodec.ToEntry(e.Segment), DeleteCheckpoint = e.DeleteCheckpoint },
            PartitionDataDropped e => new PartitionDataDroppedEvent { PartitionId = e.PartitionId },
            DeletesPersisted e => new DeletesPersistedEvent
            {
                SegmentIds = RawBytes(e.SegmentIds.AsSpan()), Checkpoint = e.Checkpoint, PrunedUpTo = e.PrunedUpTo,
            },
            ShardSnapshot s => EncodeSnapshot(s),
            _ => throw new ArgumentException($"{obj.GetType()} is not a streaming shard event", nameof(obj)),
        };
        return message.ToByteArray();
    }

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

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        RowsInsertedManifest => Decode(RowsInsertedEvent.Parser.ParseFrom(bytes)),
        RowsDeletedManifest => Decode(RowsDeletedEvent.Parser.ParseFrom(bytes)),
        SegmentIdsReservedManifest => Decode(SegmentIdsReservedEvent.Parser.ParseFrom(bytes)),
        SegmentsSealedManifest => Decode(SegmentsSealedEvent.Parser.ParseFrom(bytes)),
        SegmentFlushedManifest => Decode(SegmentFlushedEvent.Parser.ParseFrom(bytes)),
        PartitionDroppedManifest => new PartitionDataDropped(PartitionDataDroppedEvent.Parser.ParseFrom(bytes).PartitionId),
        DeletesPersistedManifest => Decode(DeletesPersistedEvent.Parser.ParseFrom(bytes)),
        SnapshotManifest => Decode(ShardSnapshotState.Parser.ParseFrom(bytes)),
        _ => throw Unreadable(manifest),
    };

    private static SerializationException Unreadable(string manifest)
    {
        var kind = manifest.TrimEnd("0123456789".ToCharArray());
        return Kinds.Contains(kind) && int.TryParse(manifest.AsSpan(kind.Length), out var version) && version > FormatVersion
            ? new SerializationException(
                $"streaming shard event '{manifest}' has format version {version}, but this node reads versions up to {FormatVersion}: " +
                "it was written by a newer Milvus.Akka; upgrade this node before it replays the shard's journal")
            : new SerializationException($"unknown streaming shard event manifest '{manifest}'");
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
