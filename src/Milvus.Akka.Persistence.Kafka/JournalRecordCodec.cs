using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Confluent.Kafka;
using Google.Protobuf;
using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using Milvus.Akka.Persistence.Kafka.Proto;
using AkkaSerialization = Akka.Serialization.Serialization;

namespace Milvus.Akka.Persistence.Kafka;

internal enum RecordKind : byte
{
    Write = (byte)'w',
    Deletion = (byte)'d',
}

/// <summary>
/// What the index needs from a record, read from its headers so the partition index never parses values.
/// For a write, First..Last are its sequence numbers; for a deletion marker, First is deleted-to and Last the
/// highest sequence number at deletion time.
/// </summary>
internal readonly record struct RecordSummary(RecordKind Kind, long First, long Last);

/// <summary>
/// Maps AtomicWrites and deletion markers to Kafka records and back. One record per AtomicWrite makes the write
/// atomic without Kafka transactions. The key is the persistence id (UTF-8), the value a <see cref="JournalRecord"/>.
/// </summary>
internal sealed class JournalRecordCodec(ExtendedActorSystem system)
{
    /// <summary>Version 1: the layout of journal.proto. Bump when a reader of the old version would misread a record.</summary>
    public const uint FormatVersion = 1;

    private const string KindHeader = "k";
    private const string FirstHeader = "f";
    private const string LastHeader = "l";

    private readonly AkkaSerialization _serialization = system.Serialization;

    public static byte[] Key(string persistenceId) => Encoding.UTF8.GetBytes(persistenceId);

    /// <summary>Serializes every event of the write; a serializer failure surfaces as the write's rejection.</summary>
    public Message<byte[], byte[]> EncodeWrite(AtomicWrite write)
    {
        var events = (IImmutableList<IPersistentRepresentation>)write.Payload;
        var body = new AtomicWriteBody { WriterUuid = events[0].WriterGuid };
        foreach (var persistent in events)
        {
            body.Events.Add(new JournalEvent
            {
                SequenceNr = persistent.SequenceNr,
                AdapterManifest = persistent.Manifest ?? string.Empty,
                Payload = EncodePayload(_serialization, system, persistent.Payload),
                Timestamp = persistent.Timestamp,
            });
        }

        var record = new JournalRecord { FormatVersion = FormatVersion, PersistenceId = write.PersistenceId, Write = body };
        return ToMessage(record, RecordKind.Write, write.LowestSequenceNr, write.HighestSequenceNr);
    }

    public static Message<byte[], byte[]> EncodeDeletion(string persistenceId, long deletedTo, long highestSequenceNr)
    {
        var record = new JournalRecord
        {
            FormatVersion = FormatVersion,
            PersistenceId = persistenceId,
            Deletion = new DeletionMarker { DeletedTo = deletedTo, HighestSequenceNr = highestSequenceNr },
        };
        return ToMessage(record, RecordKind.Deletion, deletedTo, highestSequenceNr);
    }

    /// <summary>The summary of one of our records, or null for a record this journal did not write.</summary>
    public static RecordSummary? Summarize(Headers? headers)
    {
        if (headers is null
            || !headers.TryGetLastBytes(KindHeader, out var kind) || kind.Length != 1
            || !headers.TryGetLastBytes(FirstHeader, out var first) || first.Length != sizeof(long)
            || !headers.TryGetLastBytes(LastHeader, out var last) || last.Length != sizeof(long))
        {
            return null;
        }

        return new RecordSummary((RecordKind)kind[0], BinaryPrimitives.ReadInt64BigEndian(first), BinaryPrimitives.ReadInt64BigEndian(last));
    }

    public static JournalRecord Decode(byte[] value)
    {
        var record = JournalRecord.Parser.ParseFrom(value);
        if (record.FormatVersion > FormatVersion)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                $"Journal record of '{record.PersistenceId}' has format version {record.FormatVersion}; this node reads up to {FormatVersion}. Upgrade the node.");
        }

        return record;
    }

    public Persistent ToPersistent(string persistenceId, string writerUuid, JournalEvent journalEvent) => new(
        payload: DecodePayload(_serialization, journalEvent.Payload),
        sequenceNr: journalEvent.SequenceNr,
        persistenceId: persistenceId,
        manifest: journalEvent.AdapterManifest,
        isDeleted: false,
        sender: ActorRefs.NoSender,
        writerGuid: writerUuid,
        timestamp: journalEvent.Timestamp);

    /// <summary>Serializer id + manifest + bytes; the transport scope lets payloads carry actor references.</summary>
    public static Payload EncodePayload(AkkaSerialization serialization, ExtendedActorSystem system, object payload)
    {
        // Tags only matter to persistence queries, which this journal does not offer.
        if (payload is Tagged tagged)
        {
            payload = tagged.Payload;
        }

        var serializer = serialization.FindSerializerFor(payload);
        var bytes = AkkaSerialization.WithTransport(system, () => serializer.ToBinary(payload));
        return new Payload
        {
            SerializerId = serializer.Identifier,
            Manifest = AkkaSerialization.ManifestFor(serializer, payload),
            Data = UnsafeByteOperations.UnsafeWrap(bytes),
        };
    }

    public static object DecodePayload(AkkaSerialization serialization, Payload payload) =>
        serialization.Deserialize(payload.Data.ToByteArray(), payload.SerializerId, payload.Manifest);

    private static Message<byte[], byte[]> ToMessage(JournalRecord record, RecordKind kind, long first, long last)
    {
        var headers = new Headers
        {
            { KindHeader, [(byte)kind] },
            { FirstHeader, BigEndian(first) },
            { LastHeader, BigEndian(last) },
        };
        return new Message<byte[], byte[]> { Key = Key(record.PersistenceId), Value = record.ToByteArray(), Headers = headers };
    }

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
