using System.Collections.Immutable;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Query;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>Sealing, flushing to object storage, WAL truncation, and the hand-over of flushed segments to query nodes.</summary>
public sealed partial class ShardActor
{
    private readonly FlushTracker<IActorRef> _flushes = new();

    /// <param name="Retired">The coordinator had dropped the segment already (<see cref="FlushRecorded.Retired"/>).</param>
    private sealed record FlushCompleted(SegmentInfo Segment, ulong DeleteCheckpoint, bool Retired) : INoSerializationVerificationNeeded;

    private sealed record FlushFailed(long SegmentId, string Reason) : INoSerializationVerificationNeeded;

    private sealed record RetryFlush(long SegmentId) : INoSerializationVerificationNeeded;

    private void SealByPolicy()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var group in _state.Segments.Values
                     .Where(s => s.State == SegmentState.Growing)
                     .Select(s => (s.Id, Reason: _settings.Seal.Evaluate(s.RowCount, s.EstimatedBytes, s.CreatedAt, s.LastWriteAt, now)))
                     .Where(s => s.Reason is not null)
                     .GroupBy(s => s.Reason!.Value))
        {
            Seal([.. group.Select(s => s.Id)], group.Key);
        }

        PublishSegmentMetrics();
    }

    /// <summary>This shard's growing and sealed segments for /metrics; refreshed on every seal check, seal and flush.</summary>
    private void PublishSegmentMetrics() => MilvusMetrics.PublishSegments(PersistenceId, _state.Segments.Values
        .Where(s => s.State is SegmentState.Growing or SegmentState.Sealed)
        .Select(s => (s.State.ToString(), _shardName, (long)s.RowCount)));

    /// <param name="sealed">Run once the seal is journaled and the flushes started.</param>
    private void Seal(ImmutableArray<long> segmentIds, SealReason reason, Action? @sealed = null)
    {
        Persist(new SegmentsSealed(segmentIds, reason), e =>
        {
            _state.Apply(e);
            foreach (var id in e.SegmentIds)
            {
                _log.Info("Shard {0} sealed segment {1} ({2} rows), reason: {3}", _shardName, id, _state.Segments[id].RowCount, reason);
                StartFlush(id);
            }

            PublishSegmentMetrics();
            @sealed?.Invoke();
        });
    }

    private void OnFlush(FlushShard m)
    {
        var growing = GrowingWithRows();
        var inFlight = SealedNotFlushed();
        if (!_flushes.Request(Sender, growing, inFlight))
        {
            WriteBufferedDeletes();
            Sender.Tell(new ShardFlushed([], _state.LastTimestamp));
            return;
        }

        if (growing.Length > 0)
        {
            Seal(growing, SealReason.Flush);
        }
    }

    private void OnSeal(SealShard m)
    {
        var requester = Sender;
        var growing = GrowingWithRows();
        var flushing = SealedNotFlushed();
        if (growing.Length == 0)
        {
            WriteBufferedDeletes();
            requester.Tell(new ShardFlushed(flushing, _state.LastTimestamp));
            return;
        }

        Seal(growing, SealReason.Flush, () => requester.Tell(new ShardFlushed([.. flushing, .. growing], _state.LastTimestamp)));
    }

    private void OnGetFlushState(GetShardFlushState m) => Sender.Tell(new ShardFlushState(UnflushedIn(m.SegmentIds)));

    /// <summary>Those of <paramref name="segmentIds"/> this shard holds growing or sealed.</summary>
    private ImmutableArray<long> UnflushedIn(IEnumerable<long> segmentIds) =>
        [.. segmentIds.Where(id => _state.Segments.TryGetValue(id, out var segment) && segment.State is SegmentState.Growing or SegmentState.Sealed)];

    private ImmutableArray<long> GrowingWithRows() =>
        [.. _state.Segments.Values.Where(s => s.State == SegmentState.Growing && s.RowCount > 0).Select(s => s.Id)];

    /// <summary>The segments sealed and still being written to object storage.</summary>
    private ImmutableArray<long> SealedNotFlushed() => [.. _state.Segments.Values.Where(s => s.State == SegmentState.Sealed).Select(s => s.Id)];

    /// <summary>Writes a sealed segment's files off the actor thread; the rows are immutable arrays, so capturing them is safe.</summary>
    private void StartFlush(long segmentId)
    {
        var deleteCheckpoint = _state.LastTimestamp;
        if (!_state.Segments.TryGetValue(segmentId, out var segment) || segment.State != SegmentState.Sealed || !_flushes.TryStart(segmentId, deleteCheckpoint))
        {
            return;
        }

        var (rows, timestamps) = segment.Snapshot();
        var (deletedPks, deleteTimestamps) = segment.DeletedRows();
        var collection = _collection;
        var objects = _objects;
        var coordinator = _coordinator;
        var timeout = _settings.AskTimeout;
        var info = new SegmentInfo(segmentId, collection.Id, segment.PartitionId, _shardName, segment.RowCount,
            Milvus.Akka.Storage.ObjectPaths.SegmentManifest(collection.Id, segment.PartitionId, segmentId), ImmutableDictionary<long, string>.Empty, segment.MaxTimestamp);
        BackgroundWork.Run(Self, _log, $"Shard {_shardName}: flushing segment {segmentId}", async () =>
        {
            var started = Stopwatch.GetTimestamp();
            var manifest = await SegmentStore.WriteAsync(objects, collection.Schema, collection.Id, segment.PartitionId, segmentId,
                new SegmentData(rows, timestamps));
            if (deleteTimestamps.Length > 0)
            {
                await SegmentStore.AppendDeleteLogAsync(objects, manifest, 1, new DeleteLog(deletedPks, deleteTimestamps));
            }

            MilvusMetrics.FlushLatency.ObserveSince(started);

            var recorded = await coordinator.AskFor<FlushRecorded>(new SegmentFlushed(info), timeout);
            return new FlushCompleted(info, deleteCheckpoint, recorded.Retired);
        }, e => new FlushFailed(segmentId, e.Message));
    }

    private void OnFlushFailed(FlushFailed m)
    {
        var (attempt, delay) = _flushes.Failed(m.SegmentId, _settings.FlushRetryMin, _settings.FlushRetryMax);
        _log.Info("Shard {0}: flushing segment {1} failed (attempt {2}): {3}; retrying in {4}", _shardName, m.SegmentId, attempt, m.Reason, delay);
        Timers.StartSingleTimer($"flush-{m.SegmentId}", new RetryFlush(m.SegmentId), delay);
    }

    private void OnFlushCompleted(FlushCompleted m)
    {
        if (m.Retired || !_state.Segments.ContainsKey(m.Segment.SegmentId))
        {
            ForgetRetiredSegment(m.Segment.SegmentId);
            return;
        }

        Persist(new SegmentFlushedToStorage(m.Segment, m.DeleteCheckpoint), e =>
        {
            Apply(e);
            var id = e.Segment.SegmentId;
            if (!_serving.KeepInMemoryAfterFlush)
            {
                // No reads are expected before a load; a read before a query node serves it loads it from object storage.
                _state.Segments.Remove(id);
            }

            FinishFlush(id);
            WriteBufferedDeletes();
        });
    }

    /// <summary>
    /// A segment this shard flushed that the coordinator had dropped already, or that a compaction's result replaced
    /// while the flush ran: its rows are read in the segment that replaced it, so the shard forgets it instead of
    /// reading it as flushed. Nothing is journaled: the snapshot taken now leaves it out, and a replay before the
    /// snapshot is saved flushes it again and is told the same.
    /// </summary>
    private void ForgetRetiredSegment(long segmentId)
    {
        _log.Info("Shard {0}: segment {1} was replaced or dropped before its flush was recorded; forgotten", _shardName, segmentId);
        _state.Segments.Remove(segmentId);
        _state.Deletes.Forget(segmentId);
        FinishFlush(segmentId);
    }

    /// <summary>Answers the flush requests that waited for the segment last, and snapshots the shard without its rows.</summary>
    private void FinishFlush(long segmentId)
    {
        PublishSegmentMetrics();
        foreach (var answer in _flushes.Completed(segmentId))
        {
            answer.Requester.Tell(new ShardFlushed(answer.SegmentIds, _state.LastTimestamp));
        }

        SaveSnapshot(TakeSnapshot());
    }

    private void OnAssignSegment(AssignSegment m)
    {
        if (_serving.IsUnknown(m.Segment.SegmentId))
        {
            ReconcileWithCoordinator();
        }

        if (_serving.Assign(m.Segment, m.QueryNode, m.ReplicaId))
        {
            // A node that leaves before serving the segment takes it with it: the shard then reads it itself.
            Context.Watch(m.QueryNode);
            var (pks, timestamps) = _state.Deletes.Flatten();
            // A partial load: the query node reads and holds only the loaded fields.
            var schema = m.LoadedFields.IsDefaultOrEmpty ? _collection.Schema : _collection.Schema.WithOnlyFields(m.LoadedFields);
            m.QueryNode.Tell(new LoadSegment(m.Segment, schema, pks, timestamps));
        }
    }

    /// <summary>The segments read now, checked against the coordinator's distribution once it answers (one ask at a time).</summary>
    private void ReconcileWithCoordinator()
    {
        if (_reconciling)
        {
            return;
        }

        _reconciling = true;
        var askedAbout = _serving.Flushed.Keys.ToImmutableArray();
        _coordinator.AskRepeatableAsync<ShardDistribution>(new GetShardDistribution(_shardName), _settings, RouteChanges.Get(Context.System))
            .ContinueWith(t => new DistributionChecked(askedAbout, t.IsCompletedSuccessfully ? t.Result : null))
            .PipeTo(Self);
    }

    private void OnDistributionChecked(DistributionChecked m)
    {
        _reconciling = false;
        if (m.Distribution is { } distribution)
        {
            Perform(_serving.Reconcile(m.AskedAbout, distribution.Segments.Select(s => s.Segment.SegmentId)));
        }
    }

    /// <summary>The coordinator's distribution (null: it did not answer; the next unknown assignment asks again).</summary>
    private sealed record DistributionChecked(ImmutableArray<long> AskedAbout, ShardDistribution? Distribution) : INoSerializationVerificationNeeded;

    private void OnSegmentLoaded(SegmentLoaded m)
    {
        Perform(_serving.Loaded(m.SegmentId, Sender));
        DropServedSegmentsFromMemory();
    }

    /// <summary>
    /// A compaction committed. Reads keep using the replaced segments until a query node serves the result, then
    /// switch in one step (this actor handles one message at a time, so no read sees both or neither).
    /// </summary>
    private void OnSegmentsReplaced(SegmentsReplaced m)
    {
        if (m.Result is { } result)
        {
            StartDeleteCheckpoint(result.SegmentId);
        }

        Perform(_serving.Replace(m.Result, m.Replaced));
    }

    /// <summary>Query nodes drop the collection's segments; so does the shard's memory (a read that still comes loads them again).</summary>
    private void OnReleaseShard()
    {
        Perform(_serving.Release());
        foreach (var segment in _state.Segments.Values.Where(s => s.State == SegmentState.Flushed).ToList())
        {
            _state.Segments.Remove(segment.Id);
        }
    }

    private void Perform(ServingEffects<IActorRef> effects)
    {
        foreach (var (node, ids) in effects.Unload)
        {
            node.Tell(new UnloadSegments(ids));
        }

        foreach (var id in effects.Removed)
        {
            _state.Segments.Remove(id);
            _state.Deletes.Forget(id);
        }
    }

    private void DropServedSegmentsFromMemory()
    {
        foreach (var segment in _state.Segments.Values.Where(s => s.State == SegmentState.Flushed && _serving.IsServed(s.Id)).ToList())
        {
            _state.Segments.Remove(segment.Id);
        }
    }

    private ShardSnapshot TakeSnapshot()
    {
        var segments = _state.Segments.Values.Where(s => s.State != SegmentState.Flushed).Select(s =>
        {
            var (rows, timestamps) = s.Snapshot();
            var (deletedPks, deleteTimestamps) = s.DeletedRows();
            return new SegmentSnapshot(s.Id, s.PartitionId, s.State == SegmentState.Sealed, rows, [.. timestamps], deletedPks, [.. deleteTimestamps]);
        }).ToImmutableArray();
        var (pks, deleteTs, checkpoints) = _state.Deletes.Snapshot(_serving.Stored);
        return new ShardSnapshot(segments, [.. _serving.Flushed.Values], pks, [.. deleteTs], _state.LastTimestamp, [.. _state.ReservedSegmentIds], checkpoints,
            _state.AppliedWrites.ToImmutableArray());
    }

    private void RestoreSnapshot(ShardSnapshot snapshot)
    {
        _state.Restore(snapshot);
        foreach (var info in snapshot.Flushed)
        {
            _serving.AddFlushed(info);
        }
    }
}
