using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Persistence.Kafka.Proto;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Persistence.Kafka;

/// <summary>
/// Snapshot store on object storage (a local directory or S3, through <see cref="IObjectStore"/>). One object per
/// snapshot, <c>&lt;key-prefix&gt;/&lt;escaped persistence id&gt;/&lt;seqNr:D19&gt;-&lt;ticks:D19&gt;.snapshot</c>: the fixed-width
/// numbers make key order equal (sequence number, timestamp) order, and object puts are atomic, so a crash mid-save
/// leaves the previous snapshots intact. The value is a <see cref="SnapshotEnvelope"/> (serializer id + manifest + bytes).
/// </summary>
public sealed class ObjectStoreSnapshotStore : SnapshotStore
{
    private const string Suffix = ".snapshot";

    private readonly IObjectStore _store;
    private readonly string _keyPrefix;
    private readonly int _maxLoadAttempts;
    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ObjectStoreSnapshotStore(Config config)
    {
        config = config.WithFallback(KafkaPersistence.DefaultConfig.GetConfig(KafkaPersistence.SnapshotStorePluginId));
        _system = (ExtendedActorSystem)Context.System;
        _store = SnapshotObjectStores.Get(_system).Resolve(config.GetString("store-name"));
        _keyPrefix = config.GetString("key-prefix").TrimEnd('/');
        _maxLoadAttempts = config.GetInt("max-load-attempts");
        if (_maxLoadAttempts < 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{KafkaPersistence.SnapshotStorePluginId}.max-load-attempts must be at least 1.");
        }
    }

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var candidates = (await MatchingAsync(persistenceId, criteria, cancellationToken).ConfigureAwait(false))
            .OrderByDescending(s => s.Metadata.SequenceNr).ThenByDescending(s => s.Metadata.Timestamp)
            .Take(_maxLoadAttempts);
        foreach (var (key, metadata) in candidates)
        {
            try
            {
                var envelope = SnapshotEnvelope.Parser.ParseFrom(await _store.GetAsync(key, cancellationToken).ConfigureAwait(false));
                return new SelectedSnapshot(metadata, JournalRecordCodec.DecodePayload(_system.Serialization, envelope.Payload));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An older snapshot plus a longer replay still recovers the actor correctly.
                _log.Warning(e, "Snapshot {0} could not be loaded; trying an older one.", key);
            }
        }

        return null;
    }

    protected override async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var envelope = new SnapshotEnvelope
        {
            FormatVersion = JournalRecordCodec.FormatVersion,
            PersistenceId = metadata.PersistenceId,
            SequenceNr = metadata.SequenceNr,
            TimestampTicks = metadata.Timestamp.Ticks,
            Payload = JournalRecordCodec.EncodePayload(_system.Serialization, _system, snapshot),
        };
        await _store.PutAsync(KeyOf(metadata), envelope.ToByteArray(), cancellationToken).ConfigureAwait(false);
    }

    protected override async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        // Without a timestamp the metadata names every snapshot at that sequence number.
        var matching = (await ListAsync(metadata.PersistenceId, cancellationToken).ConfigureAwait(false))
            .Where(s => s.Metadata.SequenceNr == metadata.SequenceNr
                        && (metadata.Timestamp == DateTime.MinValue || s.Metadata.Timestamp == metadata.Timestamp));
        foreach (var (key, _) in matching)
        {
            await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        foreach (var (key, _) in await MatchingAsync(persistenceId, criteria, cancellationToken).ConfigureAwait(false))
        {
            await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IEnumerable<(string Key, SnapshotMetadata Metadata)>> MatchingAsync(string persistenceId, SnapshotSelectionCriteria criteria,
        CancellationToken cancellationToken) =>
        (await ListAsync(persistenceId, cancellationToken).ConfigureAwait(false)).Where(s =>
            s.Metadata.SequenceNr <= criteria.MaxSequenceNr && s.Metadata.Timestamp <= criteria.MaxTimeStamp
            && s.Metadata.SequenceNr >= criteria.MinSequenceNr && (criteria.MinTimestamp is not { } min || s.Metadata.Timestamp >= min));

    private async Task<List<(string Key, SnapshotMetadata Metadata)>> ListAsync(string persistenceId, CancellationToken cancellationToken)
    {
        var directory = DirectoryOf(persistenceId);
        var snapshots = new List<(string, SnapshotMetadata)>();
        foreach (var info in await _store.ListAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            // Keys of other objects under the prefix (or of a persistence id sharing this one's prefix) are skipped.
            var name = info.Key.AsSpan(directory.Length);
            if (!name.EndsWith(Suffix) || name.Length != 19 + 1 + 19 + Suffix.Length || name[19] != '-'
                || !long.TryParse(name[..19], NumberStyles.None, CultureInfo.InvariantCulture, out var sequenceNr)
                || !long.TryParse(name.Slice(20, 19), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
            {
                continue;
            }

            snapshots.Add((info.Key, new SnapshotMetadata(persistenceId, sequenceNr, new DateTime(ticks, DateTimeKind.Utc))));
        }

        return snapshots;
    }

    private string DirectoryOf(string persistenceId) => $"{_keyPrefix}/{Uri.EscapeDataString(persistenceId)}/";

    private string KeyOf(SnapshotMetadata metadata) =>
        string.Create(CultureInfo.InvariantCulture, $"{DirectoryOf(metadata.PersistenceId)}{metadata.SequenceNr:D19}-{metadata.Timestamp.Ticks:D19}{Suffix}");
}
