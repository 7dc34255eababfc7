using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Config = Akka.Configuration.Config;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Confluent.Kafka;
using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Persistence.Kafka;

/// <summary>
/// Akka.Persistence journal on a Kafka topic: the streaming shards' write-ahead log.
/// <list type="bullet">
/// <item>One record per AtomicWrite, keyed by persistence id, in partition hash(persistenceId) mod partitions, so
/// an AtomicWrite is all-or-nothing and a persistence id's writes keep their order.</item>
/// <item>Idempotent producer with acks=all: a write is acknowledged only once every in-sync replica has it, which
/// is also when it becomes readable by a replay.</item>
/// <item>Concurrent writes of different persistence ids are batched by the producer (linger) into shared
/// produce requests; serialization failures reject one AtomicWrite, broker failures fail the call.</item>
/// <item>DeleteMessagesTo appends a truncation marker (which also pins the highest sequence number), then
/// physically truncates with DeleteRecords where the broker supports it.</item>
/// </list>
/// Layout and operator requirements: README.md next to this file.
/// </summary>
public sealed class KafkaJournal : AsyncWriteJournal
{
    private readonly KafkaJournalSettings _settings;
    private readonly JournalRecordCodec _codec;
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly IAdminClient _admin;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Outstanding writes per persistence id: the highest sequence number is read only after they finish.
    private readonly ConcurrentDictionary<string, Task> _writesInProgress = new(StringComparer.Ordinal);

    private Task<PartitionLog[]>? _partitions;
    private bool _deleteRecordsUnsupported;

    public KafkaJournal(Config config)
    {
        _settings = KafkaJournalSettings.Create(config);
        _codec = new JournalRecordCodec((ExtendedActorSystem)Context.System);
        _producer = new ProducerBuilder<byte[], byte[]>(_settings.ToProducerConfig())
            .SetLogHandler((_, message) => _log.Debug("librdkafka {0}: {1}", message.Facility, message.Message))
            .Build();
        _admin = new DependentAdminClientBuilder(_producer.Handle).Build();
    }

    protected override Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToArray();
        var written = WriteAsync(writes);
        foreach (var write in writes)
        {
            _writesInProgress[write.PersistenceId] = written;
        }

        // The entry is removed only if no newer write of the same persistence id replaced it meanwhile.
        written.ContinueWith(_ =>
        {
            foreach (var write in writes)
            {
                _writesInProgress.TryRemove(new KeyValuePair<string, Task>(write.PersistenceId, written));
            }
        }, TaskScheduler.Default);
        return written;
    }

    public override async Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        var log = await PartitionOf(persistenceId).ConfigureAwait(false);
        await log.ReplayAsync(persistenceId, fromSequenceNr, toSequenceNr, max,
            (writerUuid, journalEvent) => recoveryCallback(_codec.ToPersistent(persistenceId, writerUuid, journalEvent))).ConfigureAwait(false);
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        await WhenWritesFinished(persistenceId).ConfigureAwait(false);
        var log = await PartitionOf(persistenceId).ConfigureAwait(false);
        return (await log.StateAsync(persistenceId).ConfigureAwait(false)).HighestSequenceNr;
    }

    protected override async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        await WhenWritesFinished(persistenceId).ConfigureAwait(false);
        var log = await PartitionOf(persistenceId).ConfigureAwait(false);
        var state = await log.StateAsync(persistenceId).ConfigureAwait(false);

        // Deleting past the highest sequence number would hide events written later.
        var deletedTo = Math.Min(toSequenceNr, state.HighestSequenceNr);
        if (deletedTo <= state.DeletedTo)
        {
            return;
        }

        await _producer.ProduceAsync(log.Partition, JournalRecordCodec.EncodeDeletion(persistenceId, deletedTo, state.HighestSequenceNr), cancellationToken)
            .ConfigureAwait(false);
        if (_settings.DeleteRecords && !_deleteRecordsUnsupported)
        {
            await TruncateAsync(log).ConfigureAwait(false);
        }
    }

    protected override void PostStop()
    {
        // Writes still in flight were never acknowledged, so dropping them keeps the contract.
        _admin.Dispose();
        _producer.Dispose();
        if (_partitions is { IsCompletedSuccessfully: true })
        {
            foreach (var log in _partitions.Result)
            {
                log.Dispose();
            }
        }

        base.PostStop();
    }

    private async Task<IImmutableList<Exception?>> WriteAsync(AtomicWrite[] writes)
    {
        var partitions = await Partitions().ConfigureAwait(false);
        Exception?[]? rejections = null;
        var deliveries = new List<Task>(writes.Length);
        for (var i = 0; i < writes.Length; i++)
        {
            var write = writes[i];
            Message<byte[], byte[]> message;
            try
            {
                message = _codec.EncodeWrite(write);
            }
            catch (Exception e)
            {
                (rejections ??= new Exception?[writes.Length])[i] = e;
                continue;
            }

            if (message.Value.Length > _settings.MaxRecordBytes)
            {
                (rejections ??= new Exception?[writes.Length])[i] = new MilvusException(ErrorCode.ParameterTooLarge,
                    $"AtomicWrite of '{write.PersistenceId}' ({write.LowestSequenceNr}..{write.HighestSequenceNr}) is {message.Value.Length} bytes; " +
                    $"max-record-bytes is {_settings.MaxRecordBytes}. Persist smaller batches or raise max-record-bytes with the topic's max.message.bytes.");
                continue;
            }

            // ProduceAsync enqueues synchronously, so records of one call keep their order in the partition.
            deliveries.Add(_producer.ProduceAsync(PartitionFor(partitions, write.PersistenceId).Partition, message));
        }

        await Task.WhenAll(deliveries).ConfigureAwait(false);
        return rejections is null ? null! : rejections.ToImmutableList();
    }

    private async Task TruncateAsync(PartitionLog log)
    {
        var (truncateBefore, logStart) = await log.TruncationPointAsync().ConfigureAwait(false);
        if (truncateBefore <= logStart)
        {
            return;
        }

        try
        {
            await _admin.DeleteRecordsAsync([new TopicPartitionOffset(log.Partition, new Offset(truncateBefore))]).ConfigureAwait(false);
        }
        catch (KafkaException e)
        {
            // The truncation marker is already durable; physical truncation is left to retention from now on.
            _deleteRecordsUnsupported = true;
            _log.Warning(e, "DeleteRecords on {0} failed; the journal stops calling it and relies on topic retention (delete-records).", log.Partition);
        }
    }

    private Task WhenWritesFinished(string persistenceId) =>
        _writesInProgress.TryGetValue(persistenceId, out var pending)
            ? pending.ContinueWith(static _ => { }, TaskScheduler.Default)
            : Task.CompletedTask;

    private async Task<PartitionLog> PartitionOf(string persistenceId) =>
        PartitionFor(await Partitions().ConfigureAwait(false), persistenceId);

    /// <summary>
    /// Stable placement: FNV-1a of the persistence id modulo the topic's partition count. It is part of the data
    /// layout, so the partition count of a live topic must never change.
    /// </summary>
    private static PartitionLog PartitionFor(PartitionLog[] partitions, string persistenceId) =>
        partitions[PrimaryKeyHash.Bucket(persistenceId, partitions.Length)];

    /// <summary>The partitions of the topic, looked up once (and again after a failed lookup).</summary>
    private Task<PartitionLog[]> Partitions()
    {
        if (_partitions is null || _partitions.IsFaulted)
        {
            _partitions = Task.Run(() =>
            {
                var metadata = _admin.GetMetadata(_settings.Topic, _settings.RequestTimeout);
                var topic = metadata.Topics.SingleOrDefault(t => t.Topic == _settings.Topic);
                if (topic is null || topic.Error.IsError || topic.Partitions.Count == 0)
                {
                    throw new MilvusException(ErrorCode.MessageQueueFailed,
                        $"WAL topic '{_settings.Topic}' is not available on {_settings.BootstrapServers}: {topic?.Error.Reason ?? "absent from metadata"}.");
                }

                return topic.Partitions.OrderBy(p => p.PartitionId)
                    .Select(p => new PartitionLog(new TopicPartition(_settings.Topic, new Partition(p.PartitionId)), _settings))
                    .ToArray();
            });
        }

        return _partitions;
    }
}
