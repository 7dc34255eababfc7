using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>Typed view of <c>milvus.coordinator.gc</c> (hocon/role.coordinator.hocon documents every key).</summary>
public sealed record GarbageCollectionSettings(TimeSpan Interval, TimeSpan DropTolerance)
{
    /// <summary>Milvus's dataCoord.gc.interval (1h) and dataCoord.gc.dropTolerance (10800 s).</summary>
    public static GarbageCollectionSettings Default { get; } = new(TimeSpan.FromHours(1), TimeSpan.FromHours(3));

    public static GarbageCollectionSettings From(Config? c) => c is null || c.IsEmpty
        ? Default
        : new GarbageCollectionSettings(c.GetTimeSpan("interval", Default.Interval), c.GetTimeSpan("drop-tolerance", Default.DropTolerance));
}

/// <summary>
/// Garbage collection of dropped data. A drop records its time in meta storage (<c>gc/collections/{collectionId}</c>,
/// <c>gc/segments/{collectionId}/{partitionId}/{segmentId}</c>) in the same step that removes it from the catalog; a
/// periodic pass deletes the objects of records older than the drop tolerance, then the records. The tolerance lets
/// in-flight readers (a search that resolved the segment just before the drop, a backup) finish with the files.
/// Segments replaced by a compaction are recorded the same way when it commits, but their shard keeps reading them
/// until a query node serves the merged segment, so their objects also wait until no query node reports serving them.
/// </summary>
public sealed partial class CoordinatorActor
{
    private const string GcPrefix = "gc/";
    private const string DroppedCollectionPrefix = GcPrefix + "collections/";
    private const string DroppedSegmentPrefix = GcPrefix + "segments/";

    private readonly IObjectStore _objects;
    private bool _collectingGarbage;

    /// <summary>
    /// Segments out of the catalog that a query node still serves (the shard unloads compacted-away segments only once
    /// their replacement is served). Not persisted: query nodes re-register what they serve periodically.
    /// </summary>
    private readonly Dictionary<long, IActorRef> _retiredServedBy = [];

    private sealed record CollectGarbage : INoSerializationVerificationNeeded
    {
        public static readonly CollectGarbage Instance = new();
    }

    /// <summary>The records whose objects are all deleted; the others stay for the next pass.</summary>
    private sealed record GarbageDeleted(ImmutableArray<string> RecordKeys) : INoSerializationVerificationNeeded;

    private void StartGarbageCollection() =>
        Timers.StartPeriodicTimer(CollectGarbage.Instance, CollectGarbage.Instance, _settings.Gc.Interval);

    private void ReadyGarbageCollection()
    {
        ReceiveAsync<CollectGarbage>(_ => LoggingMetaFailuresAsync(CollectGarbageAsync));
        ReceiveAsync<GarbageDeleted>(m =>
        {
            _collectingGarbage = false;
            return LoggingMetaFailuresAsync(() => ForgetCollectedAsync(m.RecordKeys));
        });
    }

    /// <summary>Meta storage down is no reason to restart the coordinator: the records stay, the next pass retries.</summary>
    private async Task LoggingMetaFailuresAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (MilvusException e)
        {
            _log.Warning("Garbage collection postponed to the next pass: {0}", e.Message);
        }
    }

    /// <summary>The record's value: when the drop happened, in Unix milliseconds (little-endian int64).</summary>
    private static byte[] DropTime()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return bytes;
    }

    private Task RecordDroppedCollectionAsync(long collectionId) =>
        _meta.PutAsync(DroppedCollectionPrefix + collectionId.ToString(CultureInfo.InvariantCulture), DropTime());

    private async Task RecordDroppedSegmentsAsync(long collectionId, long partitionId)
    {
        foreach (var segment in _segments.Values.Where(s => s.CollectionId == collectionId && s.PartitionId == partitionId))
        {
            await RecordDroppedSegmentAsync(segment);
        }
    }

    /// <summary>Records a segment a compaction replaced, before it leaves the catalog; a served one stays until unloaded.</summary>
    private async Task RecordCompactedSegmentAsync(SegmentInfo segment)
    {
        await RecordDroppedSegmentAsync(segment);
        if (_servedBy.TryGetValue(segment.SegmentId, out var node))
        {
            _retiredServedBy[segment.SegmentId] = node;
        }
    }

    private Task RecordDroppedSegmentAsync(SegmentInfo segment) =>
        _meta.PutAsync(string.Create(CultureInfo.InvariantCulture,
            $"{DroppedSegmentPrefix}{segment.CollectionId}/{segment.PartitionId}/{segment.SegmentId}"), DropTime());

    /// <summary>A query node's periodic registration lists what it serves: the retired segments among them stay, the others are released.</summary>
    private void NoteRetiredSegmentsServed(IActorRef node, IEnumerable<long> served)
    {
        ForgetRetiredSegmentsOf(node);
        foreach (var id in served.Where(id => !_segments.ContainsKey(id)))
        {
            _retiredServedBy[id] = node;
        }
    }

    private void NoteRetiredSegmentUnloaded(long segmentId, IActorRef node)
    {
        if (_retiredServedBy.GetValueOrDefault(segmentId)?.Equals(node) == true)
        {
            _retiredServedBy.Remove(segmentId);
        }
    }

    private void ForgetRetiredSegmentsOf(IActorRef node)
    {
        foreach (var id in _retiredServedBy.Where(r => r.Value.Equals(node)).Select(r => r.Key).ToList())
        {
            _retiredServedBy.Remove(id);
        }
    }

    /// <summary>Picks the records past the tolerance and deletes their objects off the actor thread: a big collection
    /// takes many requests, and the coordinator keeps serving timestamps meanwhile.</summary>
    private async Task CollectGarbageAsync()
    {
        if (_collectingGarbage)
        {
            return;
        }

        var due = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)_settings.Gc.DropTolerance.TotalMilliseconds;
        var work = new List<(string RecordKey, IReadOnlyList<string> Prefixes)>();
        foreach (var record in await _meta.RangeAsync(GcPrefix))
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(record.Value) <= due && PrefixesOf(record.Key) is { } prefixes)
            {
                work.Add((record.Key, prefixes));
            }
        }

        if (work.Count == 0)
        {
            return;
        }

        _collectingGarbage = true;
        DeleteInBackground(work);
    }

    private void DeleteInBackground(List<(string RecordKey, IReadOnlyList<string> Prefixes)> work)
    {
        var objects = _objects;
        var log = _log;
        Task.Run(async () =>
        {
            var deleted = ImmutableArray.CreateBuilder<string>();
            foreach (var (recordKey, prefixes) in work)
            {
                try
                {
                    foreach (var prefix in prefixes)
                    {
                        foreach (var info in await objects.ListAsync(prefix))
                        {
                            await objects.DeleteAsync(info.Key);
                        }
                    }

                    deleted.Add(recordKey);
                }
                catch (Exception e)
                {
                    log.Warning(e, "Garbage collection of {0} failed, retrying next pass", recordKey);
                }
            }

            return new GarbageDeleted(deleted.ToImmutable());
        }).PipeTo(Self);
    }

    /// <summary>The object prefixes a record stands for; null while the dropped thing is still in the catalog (a drop
    /// that recorded itself but failed before removing it) or served by a query node, or for a record this version
    /// doesn't know.</summary>
    private IReadOnlyList<string>? PrefixesOf(string recordKey)
    {
        if (recordKey.StartsWith(DroppedCollectionPrefix, StringComparison.Ordinal))
        {
            var collectionId = long.Parse(recordKey[DroppedCollectionPrefix.Length..], CultureInfo.InvariantCulture);
            return _collections.ContainsKey(collectionId) ? null : ObjectPaths.CollectionPrefixes(collectionId);
        }

        if (recordKey.StartsWith(DroppedSegmentPrefix, StringComparison.Ordinal))
        {
            var ids = recordKey[DroppedSegmentPrefix.Length..].Split('/').Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToArray();
            return _segments.ContainsKey(ids[2]) || _retiredServedBy.ContainsKey(ids[2]) ? null : ObjectPaths.SegmentPrefixes(ids[0], ids[1], ids[2]);
        }

        return null;
    }

    private async Task ForgetCollectedAsync(ImmutableArray<string> recordKeys)
    {
        foreach (var key in recordKeys)
        {
            await _meta.DeleteAsync(key);
        }

        if (recordKeys.Length > 0)
        {
            _log.Info("Garbage collection deleted the objects of {0} dropped collections and segments", recordKeys.Length);
        }
    }
}
