using System.Collections.Immutable;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Milvus.Akka.Cluster.Wire;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Streaming.Serialization;

/// <summary>
/// Protobuf encoding of the streaming shard's journal events and snapshots (the WAL format). Manifests are short,
/// never reused, and carry the format version: a new incompatible layout gets a new manifest and both stay readable.
/// </summary>
public sealed class ShardEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private const string RowsInsertedManifest = "ri1";
    private const string RowsDeletedManifest = "rd1";
    private const string SegmentIdsReservedManifest = "sr1";
    private const string SegmentsSealedManifest = "ss1";
    private const string SegmentFlushedManifest = "sf1";
    private const string PartitionDroppedManifest = "pd1";
    private const string DeletesPersistedManifest = "dp1";
    private const string SnapshotManifest = "sn1";

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

    public override byte[] ToBinary(object obj) => obj is RowsInserted inserted ? EncodeRowsInserted(inserted) : (obj switch
    {
        RowsDeleted e => ToBytes(o =>
        {
            WriteEncoded(o, 1, EncodeColumn(e.Pks));
            WriteUInt64(o, 2, e.Timestamp);
            WriteString(o, 3, e.RequestId);
        }),
        SegmentIdsReserved e => ToBytes(o =>
        {
            WriteInt64(o, 1, e.First);
            WriteInt64(o, 2, e.Count);
        }),
        SegmentsSealed e => ToBytes(o =>
        {
            foreach (var id in e.SegmentIds)
            {
                WriteInt64(o, 1, id);
            }

            WriteInt64(o, 2, (long)e.Reason + 1);
        }),
        SegmentFlushedToStorage e => ToBytes(o =>
        {
            WriteEncoded(o, 1, CatalogCodec.Encode(e.Segment));
            WriteUInt64(o, 2, e.DeleteCheckpoint);
        }),
        PartitionDataDropped e => ToBytes(o => WriteInt64(o, 1, e.PartitionId)),
        DeletesPersisted e => ToBytes(o =>
        {
            WriteRawArray(o, 1, e.SegmentIds.ToArray());
            WriteUInt64(o, 2, e.Checkpoint);
            WriteUInt64(o, 3, e.PrunedUpTo);
        }),
        ShardSnapshot s => EncodeSnapshot(s),
        _ => throw new ArgumentException($"{obj.GetType()} is not a streaming shard event", nameof(obj)),
    }).ToByteArray();

    /// <summary>
    /// The hot event: written straight into one buffer of its exact size, so a batch's vectors are copied once from
    /// their arrays (raw little-endian bytes) into the journal's payload.
    /// </summary>
    private static byte[] EncodeRowsInserted(RowsInserted e)
    {
        var rows = new RowBatchEncoding(e.Rows);
        var size = Int64Size(1, e.SegmentId) + Int64Size(2, e.PartitionId) + rows.FieldSize(3) + UInt64Size(4, e.Timestamp)
                   + (e.RequestId.Length == 0 ? 0 : CodedOutputStream.ComputeTagSize(5) + CodedOutputStream.ComputeStringSize(e.RequestId));
        var bytes = new byte[size];
        var o = new CodedOutputStream(bytes);
        WriteInt64(o, 1, e.SegmentId);
        WriteInt64(o, 2, e.PartitionId);
        rows.WriteTo(o, 3);
        WriteUInt64(o, 4, e.Timestamp);
        WriteString(o, 5, e.RequestId);
        o.CheckNoSpaceLeft();
        return bytes;
    }

    private static int Int64Size(int field, long value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeInt64Size(value);

    private static int UInt64Size(int field, ulong value) =>
        value == 0 ? 0 : CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeUInt64Size(value);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        // The journal hands over its own copy of the payload, and decoding copies every value out of it: no copy needed.
        var data = UnsafeByteOperations.UnsafeWrap(bytes);
        return manifest switch
        {
            RowsInsertedManifest => DecodeRowsInserted(data),
            RowsDeletedManifest => DecodeRowsDeleted(data),
            SegmentIdsReservedManifest => DecodeIdsReserved(data),
            SegmentsSealedManifest => DecodeSealed(data),
            SegmentFlushedManifest => DecodeFlushed(data),
            PartitionDroppedManifest => new PartitionDataDropped(Fields(data).Select(f => f.Input.ReadInt64()).FirstOrDefault()),
            DeletesPersistedManifest => DecodeDeletesPersisted(data),
            SnapshotManifest => DecodeSnapshot(data),
            _ => throw new SerializationException($"unknown streaming shard event manifest '{manifest}'"),
        };
    }

    /// <summary>Events of before delete checkpoints lack field 2: checkpoint 0 keeps every buffered delete for the segment.</summary>
    private static SegmentFlushedToStorage DecodeFlushed(ByteString data)
    {
        SegmentInfo? segment = null;
        ulong checkpoint = 0;
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: segment = CatalogCodec.DecodeSegment(input.ReadBytes()); break;
                case 2: checkpoint = input.ReadUInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new SegmentFlushedToStorage(segment ?? throw new SerializationException("SegmentFlushedToStorage without a segment"), checkpoint);
    }

    private static DeletesPersisted DecodeDeletesPersisted(ByteString data)
    {
        long[] ids = [];
        ulong checkpoint = 0, prunedUpTo = 0;
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: ids = ReadRawArray<long>(input.ReadBytes()); break;
                case 2: checkpoint = input.ReadUInt64(); break;
                case 3: prunedUpTo = input.ReadUInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new DeletesPersisted([.. ids], checkpoint, prunedUpTo);
    }

    /// <summary>Events of before deduplication lack the request id (field 5): "" is never remembered as applied.</summary>
    private static RowsInserted DecodeRowsInserted(ByteString data)
    {
        long segment = 0, partition = 0;
        RowBatch? rows = null;
        ulong timestamp = 0;
        var requestId = "";
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: segment = input.ReadInt64(); break;
                case 2: partition = input.ReadInt64(); break;
                case 3: rows = DecodeRowBatch(input.ReadBytes()); break;
                case 4: timestamp = input.ReadUInt64(); break;
                case 5: requestId = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new RowsInserted(segment, partition, rows ?? throw new SerializationException("RowsInserted without rows"), timestamp, requestId);
    }

    /// <summary>Events of before deduplication lack the request id (field 3).</summary>
    private static RowsDeleted DecodeRowsDeleted(ByteString data)
    {
        Column? pks = null;
        ulong timestamp = 0;
        var requestId = "";
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: pks = DecodeColumn(input.ReadBytes()); break;
                case 2: timestamp = input.ReadUInt64(); break;
                case 3: requestId = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new RowsDeleted(pks ?? throw new SerializationException("RowsDeleted without keys"), timestamp, requestId);
    }

    private static SegmentIdsReserved DecodeIdsReserved(ByteString data)
    {
        long first = 0, count = 0;
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: first = input.ReadInt64(); break;
                case 2: count = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new SegmentIdsReserved(first, (int)count);
    }

    private static SegmentsSealed DecodeSealed(ByteString data)
    {
        var ids = ImmutableArray.CreateBuilder<long>();
        var reason = SealReason.Flush;
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: ids.Add(input.ReadInt64()); break;
                case 2: reason = (SealReason)(input.ReadInt64() - 1); break;
                default: input.SkipLastField(); break;
            }
        }

        return new SegmentsSealed(ids.ToImmutable(), reason);
    }

    private static ByteString EncodeSnapshot(ShardSnapshot s) => ToBytes(o =>
    {
        foreach (var segment in s.Segments)
        {
            WriteMessage(o, 1, w =>
            {
                WriteInt64(w, 1, segment.SegmentId);
                WriteInt64(w, 2, segment.PartitionId);
                WriteBool(w, 3, segment.Sealed);
                WriteEncoded(w, 4, EncodeRowBatch(segment.Rows));
                WriteRawArray(w, 5, segment.Timestamps.ToArray());
                WriteEncoded(w, 6, EncodeColumn(segment.DeletedPks));
                WriteRawArray(w, 7, segment.DeleteTimestamps.ToArray());
            });
        }

        foreach (var info in s.Flushed)
        {
            WriteEncoded(o, 2, CatalogCodec.Encode(info));
        }

        WriteEncoded(o, 3, EncodeColumn(s.DeletedPks));
        WriteRawArray(o, 4, s.DeleteTimestamps.ToArray());
        WriteUInt64(o, 5, s.LastTimestamp);
        WriteRawArray(o, 6, s.ReservedSegmentIds.ToArray());
        WriteRawArray(o, 7, s.DeleteCheckpoints.Keys.ToArray());
        WriteRawArray(o, 8, s.DeleteCheckpoints.Values.ToArray());
        WriteStrings(o, 9, s.AppliedWrites.Select(w => w.RequestId));
        WriteRawArray(o, 10, s.AppliedWrites.Select(w => w.Timestamp).ToArray());
    });

    private static ShardSnapshot DecodeSnapshot(ByteString data)
    {
        var segments = ImmutableArray.CreateBuilder<SegmentSnapshot>();
        var flushed = ImmutableArray.CreateBuilder<SegmentInfo>();
        Column? pks = null;
        ulong[] deleteTimestamps = [];
        ulong last = 0;
        long[] reserved = [], checkpointed = [];
        ulong[] checkpoints = [];
        var requestIds = new List<string>();
        ulong[] requestTimestamps = [];
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: segments.Add(DecodeSegmentSnapshot(input.ReadBytes())); break;
                case 2: flushed.Add(CatalogCodec.DecodeSegment(input.ReadBytes())); break;
                case 3: pks = DecodeColumn(input.ReadBytes()); break;
                case 4: deleteTimestamps = ReadRawArray<ulong>(input.ReadBytes()); break;
                case 5: last = input.ReadUInt64(); break;
                case 6: reserved = ReadRawArray<long>(input.ReadBytes()); break;
                case 7: checkpointed = ReadRawArray<long>(input.ReadBytes()); break;
                case 8: checkpoints = ReadRawArray<ulong>(input.ReadBytes()); break;
                case 9: requestIds.Add(input.ReadString()); break;
                case 10: requestTimestamps = ReadRawArray<ulong>(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        if (checkpointed.Length != checkpoints.Length)
        {
            throw new SerializationException($"snapshot with {checkpointed.Length} checkpointed segments but {checkpoints.Length} checkpoints");
        }

        if (requestIds.Count != requestTimestamps.Length)
        {
            throw new SerializationException($"snapshot with {requestIds.Count} applied request ids but {requestTimestamps.Length} timestamps");
        }

        // Snapshots of before delete checkpoints have none: checkpoint 0 keeps every buffered delete for their segments.
        // Snapshots of before deduplication have no applied writes.
        return new ShardSnapshot(segments.ToImmutable(), flushed.ToImmutable(), pks ?? throw new SerializationException("snapshot without delete keys"),
            [.. deleteTimestamps], last, [.. reserved], checkpointed.Zip(checkpoints).ToImmutableSortedDictionary(p => p.First, p => p.Second),
            [.. requestIds.Zip(requestTimestamps, (id, timestamp) => new AppliedWrite(id, timestamp))]);
    }

    private static SegmentSnapshot DecodeSegmentSnapshot(ByteString data)
    {
        long id = 0, partition = 0;
        var sealedSegment = false;
        RowBatch? rows = null;
        ulong[] timestamps = [], deleteTimestamps = [];
        Column? deleted = null;
        foreach (var (field, input) in Fields(data))
        {
            switch (field)
            {
                case 1: id = input.ReadInt64(); break;
                case 2: partition = input.ReadInt64(); break;
                case 3: sealedSegment = input.ReadBool(); break;
                case 4: rows = DecodeRowBatch(input.ReadBytes()); break;
                case 5: timestamps = ReadRawArray<ulong>(input.ReadBytes()); break;
                case 6: deleted = DecodeColumn(input.ReadBytes()); break;
                case 7: deleteTimestamps = ReadRawArray<ulong>(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return new SegmentSnapshot(id, partition, sealedSegment, rows ?? throw new SerializationException("segment snapshot without rows"),
            [.. timestamps], deleted ?? throw new SerializationException("segment snapshot without delete keys"), [.. deleteTimestamps]);
    }
}
