using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Persistence.Kafka;

/// <summary>Where a persistence id stands after the index caught up with the partition.</summary>
internal readonly record struct PersistenceIdState(long HighestSequenceNr, long DeletedTo);

/// <summary>
/// One partition of the WAL topic as the journal reads it: an offset index of every persistence id in the
/// partition, built by reading the partition itself (never from this node's own writes, so records of other
/// nodes and earlier incarnations are indexed the same way), plus the consumer that reads it.
/// All reads of a partition are serialized by a gate; they run on the thread pool because Kafka consumer
/// calls block.
/// </summary>
internal sealed class PartitionLog : IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);

    private readonly TopicPartition _partition;
    private readonly KafkaJournalSettings _settings;
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, History> _histories = new(StringComparer.Ordinal);

    private long _nextOffset;
    private long _logStartOffset;

    public PartitionLog(TopicPartition partition, KafkaJournalSettings settings)
    {
        _partition = partition;
        _settings = settings;
        _consumer = new ConsumerBuilder<byte[], byte[]>(settings.ToConsumerConfig()).Build();
    }

    public TopicPartition Partition => _partition;

    public Task<PersistenceIdState> StateAsync(string persistenceId) => UnderGate(() =>
    {
        CatchUp();
        return _histories.TryGetValue(persistenceId, out var history)
            ? new PersistenceIdState(history.HighestSequenceNr, history.DeletedTo)
            : default;
    });

    /// <summary>
    /// Reads the records of <paramref name="persistenceId"/> that hold events in [from, to], skipping deleted ones,
    /// and hands each event (at most <paramref name="max"/>) to <paramref name="onEvent"/> in log order.
    /// </summary>
    public Task ReplayAsync(string persistenceId, long from, long to, long max, Action<string, Proto.JournalEvent> onEvent) => UnderGate(() =>
    {
        CatchUp();
        if (max <= 0 || !_histories.TryGetValue(persistenceId, out var history))
        {
            return 0;
        }

        from = Math.Max(from, history.DeletedTo + 1);
        long firstOffset = long.MaxValue, lastOffset = -1;
        foreach (var record in history.Records)
        {
            if (record.Last >= from && record.First <= to)
            {
                firstOffset = Math.Min(firstOffset, record.Offset);
                lastOffset = Math.Max(lastOffset, record.Offset);
            }
        }

        if (lastOffset < 0)
        {
            return 0;
        }

        if (firstOffset < _logStartOffset)
        {
            throw new MilvusException(ErrorCode.MessageQueueFailed,
                $"WAL records of '{persistenceId}' from offset {firstOffset} are gone from {_partition} (log start {_logStartOffset}): " +
                "the topic's retention removed them before a checkpoint passed them. See the retention section of the journal README.");
        }

        var key = Encoding.UTF8.GetBytes(persistenceId);
        long replayed = 0;
        Read(firstOffset, lastOffset + 1, result =>
        {
            if (!result.Message.Key.AsSpan().SequenceEqual(key)
                || JournalRecordCodec.Summarize(result.Message.Headers) is not { Kind: RecordKind.Write })
            {
                return true;
            }

            var write = JournalRecordCodec.Decode(result.Message.Value).Write;
            foreach (var journalEvent in write.Events)
            {
                if (journalEvent.SequenceNr < from || journalEvent.SequenceNr > to)
                {
                    continue;
                }

                onEvent(write.WriterUuid, journalEvent);
                if (++replayed >= max)
                {
                    return false;
                }
            }

            return true;
        });
        return replayed;
    });

    /// <summary>
    /// The offset before which no persistence id of the partition needs anything: the oldest undeleted write of
    /// any persistence id, or its latest deletion marker when all its events are deleted (the marker keeps its
    /// highest sequence number). Returns the log start when nothing can be truncated.
    /// </summary>
    public Task<(long TruncateBefore, long LogStart)> TruncationPointAsync() => UnderGate(() =>
    {
        CatchUp();
        var truncateBefore = _nextOffset;
        foreach (var history in _histories.Values)
        {
            var needed = history.Records.Count > 0 ? history.Records[0].Offset : history.LastMarkerOffset;
            truncateBefore = Math.Min(truncateBefore, needed);
        }

        return (truncateBefore, _logStartOffset);
    });

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
        _gate.Dispose();
    }

    private async Task<T> UnderGate<T>(Func<T> read)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(read).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Indexes every record appended since the last catch-up, up to the current high watermark.</summary>
    private void CatchUp()
    {
        var watermarks = _consumer.QueryWatermarkOffsets(_partition, _settings.RequestTimeout);
        _logStartOffset = watermarks.Low.Value;

        // Anything before the log start was truncated: by our DeleteRecords, or by retention.
        _nextOffset = Math.Max(_nextOffset, _logStartOffset);
        if (_nextOffset < watermarks.High.Value)
        {
            Read(_nextOffset, watermarks.High.Value, result =>
            {
                Index(result);
                return true;
            });
            _nextOffset = watermarks.High.Value;
        }
    }

    private void Index(ConsumeResult<byte[], byte[]> result)
    {
        // Records without our headers were not written by a journal: they carry no events of ours.
        if (JournalRecordCodec.Summarize(result.Message.Headers) is not { } summary)
        {
            return;
        }

        var persistenceId = Encoding.UTF8.GetString(result.Message.Key);
        if (!_histories.TryGetValue(persistenceId, out var history))
        {
            history = new History();
            _histories.Add(persistenceId, history);
        }

        var offset = result.Offset.Value;
        history.HighestSequenceNr = Math.Max(history.HighestSequenceNr, summary.Last);
        if (summary.Kind == RecordKind.Write)
        {
            history.Records.Add(new RecordRef(offset, summary.First, summary.Last));
            return;
        }

        history.DeletedTo = Math.Max(history.DeletedTo, summary.First);
        history.LastMarkerOffset = offset;
        var deletedTo = history.DeletedTo;
        history.Records.RemoveAll(record => record.Last <= deletedTo);
    }

    /// <summary>
    /// Reads [from, endExclusive) in order until <paramref name="onRecord"/> returns false, the range or the log ends.
    /// Fails when the broker delivers nothing for read-idle-timeout.
    /// </summary>
    private void Read(long from, long endExclusive, Func<ConsumeResult<byte[], byte[]>, bool> onRecord)
    {
        _consumer.Assign(new TopicPartitionOffset(_partition, new Offset(from)));
        try
        {
            var idle = Stopwatch.StartNew();
            while (true)
            {
                var result = _consumer.Consume(PollSlice);
                if (result is null)
                {
                    if (idle.Elapsed > _settings.ReadIdleTimeout)
                    {
                        throw new MilvusException(ErrorCode.MessageQueueFailed,
                            $"Reading {_partition} from offset {from}: no record for {_settings.ReadIdleTimeout} (read-idle-timeout).");
                    }

                    continue;
                }

                idle.Restart();
                if (result.IsPartitionEOF || result.Offset.Value >= endExclusive)
                {
                    return;
                }

                if (!onRecord(result) || result.Offset.Value + 1 >= endExclusive)
                {
                    return;
                }
            }
        }
        finally
        {
            _consumer.Unassign();
        }
    }

    private readonly record struct RecordRef(long Offset, long First, long Last);

    private sealed class History
    {
        public long HighestSequenceNr;
        public long DeletedTo;
        public long LastMarkerOffset = -1;

        /// <summary>Undeleted writes in offset order.</summary>
        public List<RecordRef> Records { get; } = [];
    }
}
