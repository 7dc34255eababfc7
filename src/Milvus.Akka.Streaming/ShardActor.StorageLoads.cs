using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Query;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>
/// Flushed segments the shard loads back from object storage to read them itself: no query node serves them yet
/// (a load in progress, a node that left, a restart, a compaction result not yet handed over). They stay in memory
/// until a query node serves them or the collection is released.
/// </summary>
public sealed partial class ShardActor
{
    /// <summary>Loads in progress, with the deletes applied meanwhile (the load captured the delete buffer when it started).</summary>
    private readonly Dictionary<long, List<(Column Pks, ulong Timestamp)>> _storageLoads = [];

    /// <summary>Reads waiting for storage loads: run again once none of their segments is loading, failed if one load fails.</summary>
    private readonly List<(HashSet<long> Awaiting, IActorRef ReplyTo, Action Read)> _readsAwaitingLoads = [];

    private sealed record StorageLoadCompleted(SegmentInfo Segment, Segment? Loaded, Column DeletedPks, ulong[] DeleteTimestamps, Exception? Error)
        : INoSerializationVerificationNeeded;

    private void AfterStorageLoads(ImmutableArray<SegmentInfo> segments, IActorRef replyTo, Action read)
    {
        foreach (var segment in segments.Where(s => !_storageLoads.ContainsKey(s.SegmentId)))
        {
            StartStorageLoad(segment);
        }

        _readsAwaitingLoads.Add(([.. segments.Select(s => s.SegmentId)], replyTo, read));
    }

    private void StartStorageLoad(SegmentInfo info)
    {
        _storageLoads[info.SegmentId] = [];
        var (pks, timestamps) = _state.Deletes.Flatten();
        var objects = _objects;
        var schema = _collection.Schema;
        _log.Info("Shard {0} loads segment {1} from object storage: no query node serves it yet", _shardName, info.SegmentId);
        BackgroundWork.Run(Self, _log, $"Shard {_shardName}: loading segment {info.SegmentId} from object storage", async () =>
        {
            var segment = await StoredSegmentLoader.LoadAsync(objects, schema, info, withVectorIndexes: false);
            return new StorageLoadCompleted(info, segment, pks, timestamps, null);
        }, e => new StorageLoadCompleted(info, null, pks, timestamps, e));
    }

    private void NoteDeleteDuringStorageLoads(Column pks, ulong timestamp)
    {
        foreach (var deletes in _storageLoads.Values)
        {
            deletes.Add((pks, timestamp));
        }
    }

    private void OnStorageLoadCompleted(StorageLoadCompleted m)
    {
        var id = m.Segment.SegmentId;
        if (!_storageLoads.Remove(id, out var deletesMeanwhile))
        {
            return;
        }

        // Still one of the shard's segments (not compacted away or dropped meanwhile) and not loaded by a read before.
        if (m.Loaded is { } segment && _serving.Flushed.ContainsKey(id) && !_state.Segments.ContainsKey(id))
        {
            segment.Widen(_collection.Schema);
            segment.Delete(m.DeletedPks, m.DeleteTimestamps);
            foreach (var (pks, timestamp) in deletesMeanwhile)
            {
                segment.Delete(pks, timestamp);
            }

            _state.Segments[id] = segment;
        }

        foreach (var waiting in _readsAwaitingLoads.Where(r => r.Awaiting.Contains(id)).ToList())
        {
            if (m.Error is not null)
            {
                _readsAwaitingLoads.Remove(waiting);
                waiting.ReplyTo.Tell(MilvusFailure.From(new MilvusException(ErrorCode.ServiceInternal,
                    $"shard {_shardName} could not load segment {id} from object storage: {m.Error.Message}")));
                continue;
            }

            waiting.Awaiting.Remove(id);
            if (waiting.Awaiting.Count == 0)
            {
                _readsAwaitingLoads.Remove(waiting);
                waiting.Read();
            }
        }
    }
}
