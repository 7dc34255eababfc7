using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Query;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Streaming;

/// <summary>
/// One streaming shard (a Milvus vchannel), a sharded persistent actor. Every insert and delete is persisted to the
/// journal (the WAL) before it is acknowledged and applied to growing segments, which are searchable at once.
/// Sealed segments are flushed to object storage and handed to query nodes; the shard then acts as the shard
/// delegator: it searches its own segments and asks the query nodes for the flushed ones, in one consistent view.
/// </summary>
/// <remarks>
/// The shard is the only writer of its channel, so its safe timestamp (tSafe) is simply the last timestamp it
/// applied: every write gets a timestamp above it, and a read at timestamp T raises it to T, so a snapshot read at T
/// stays stable. Messages from this actor to a query node arrive in order, so a search forwarded after a delete
/// always sees that delete.
/// </remarks>
public sealed partial class ShardActor : ReceivePersistentActor, IWithTimers
{
    private readonly string _shardName;
    private readonly IActorRef _coordinator;
    private readonly IObjectStore _objects;
    private readonly StreamingSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<long, Segment> _segments = [];
    private readonly Dictionary<long, long> _growingByPartition = [];
    private readonly List<(Column Pks, ulong Timestamp)> _deleteBuffer = [];
    private readonly Queue<long> _reservedSegmentIds = new();
    private ulong _lastTimestamp;
    private readonly AppliedWrites _appliedWrites;

    // Not persisted: who serves which flushed segment, rebuilt from the coordinator after recovery.
    private readonly SegmentServing<IActorRef> _serving = new();
    private readonly CollectionInfo _collection;
    private readonly ShardDistribution _initialDistribution;

    public ShardActor(string shardName, CollectionInfo collection, ShardDistribution distribution, IActorRef coordinator,
        IObjectStore objects, StreamingSettings settings)
    {
        _shardName = shardName;
        _collection = collection;
        _initialDistribution = distribution;
        _coordinator = coordinator;
        _objects = objects;
        _settings = settings;
        _appliedWrites = new AppliedWrites(settings.AppliedWrites.MaxEntries, settings.AppliedWrites.MaxAge);
        PersistenceId = $"shard-{shardName}";
        // Empty ids mean the node's default journal and snapshot store (the embedded SQLite ones).
        JournalPluginId = settings.JournalPluginId;
        SnapshotPluginId = settings.SnapshotPluginId;

        Recover<SnapshotOffer>(offer => RestoreSnapshot((ShardSnapshot)offer.Snapshot));
        Recover<RowsInserted>(Apply);
        Recover<RowsDeleted>(Apply);
        Recover<SegmentIdsReserved>(Apply);
        Recover<SegmentsSealed>(Apply);
        Recover<SegmentFlushedToStorage>(Apply);
        Recover<PartitionDataDropped>(Apply);
        Recover<DeletesPersisted>(Apply);
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Serving();
    }

    public static Props Props(string shardName, CollectionInfo collection, ShardDistribution distribution, IActorRef coordinator,
        IObjectStore objects, StreamingSettings settings) =>
        global::Akka.Actor.Props.Create(() => new ShardActor(shardName, collection, distribution, coordinator, objects, settings));

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    private void OnRecovered()
    {
        _serving.Recover(_initialDistribution.Segments, _initialDistribution.Loaded);
        foreach (var gone in _deleteCheckpoints.Keys.Where(id => !_serving.Flushed.ContainsKey(id)).ToList())
        {
            _deleteCheckpoints.Remove(gone);
        }

        _compactionHolds.Add((0, DateTimeOffset.UtcNow + _settings.CompactionDeleteHold));

        // Deletes persisted before a crash may never have reached the query nodes: forward the buffer again (idempotent).
        foreach (var node in _serving.Nodes)
        {
            Context.Watch(node);
            foreach (var (pks, timestamp) in _deleteBuffer)
            {
                node.Tell(new ApplyDeletes(_shardName, pks, timestamp));
            }
        }

        DropServedSegmentsFromMemory();
        Timers.StartPeriodicTimer("seal", CheckSeal.Instance, _settings.SealCheckInterval);
        EnsureSegmentIds();
        foreach (var segment in _segments.Values.Where(s => s.State == SegmentState.Sealed).ToList())
        {
            StartFlush(segment.Id);
        }

        _log.Info("Shard {0} recovered: {1} segments in memory, {2} flushed, {3} buffered deletes, last timestamp {4}",
            _shardName, _segments.Count, _serving.Flushed.Count, _deleteBuffer.Count, _lastTimestamp);
    }

    private void Serving()
    {
        Command<InsertRows>(OnInsert);
        Command<DeleteRows>(OnDelete);
        Command<SearchShard>(OnSearch);
        Command<QueryShard>(OnQuery);
        Command<FlushShard>(OnFlush);
        Command<CheckSeal>(_ =>
        {
            SealByPolicy();
            MaintainDeleteBuffer();
        });
        Command<IdsAllocated>(m => Persist(new SegmentIdsReserved(m.First, m.Count), e =>
        {
            Apply(e);
            _awaitingIds = false;
            Stash.UnstashAll();
        }));
        Command<IdsUnavailable>(m =>
        {
            _awaitingIds = false;
            _log.Warning("Shard {0} could not reserve segment ids: {1}", _shardName, m.Reason);
            Timers.StartSingleTimer("ids", new RetryIds(), _settings.FlushRetryMin);
        });
        Command<RetryIds>(_ => EnsureSegmentIds());
        Command<FlushCompleted>(OnFlushCompleted);
        Command<FlushFailed>(OnFlushFailed);
        Command<RetryFlush>(m => StartFlush(m.SegmentId));
        Command<AssignSegment>(OnAssignSegment);
        Command<SegmentLoaded>(OnSegmentLoaded);
        Command<SegmentLoadFailed>(m =>
        {
            _log.Warning("Query node {0} failed to load segment {1}: {2}", Sender.Path, m.SegmentId, m.Reason);
            _serving.LoadFailed(m.SegmentId, Sender);
            _coordinator.Tell(new SegmentServed(m.SegmentId, Sender, Serving: false));
        });
        Command<GetShardDeletes>(_ => OnGetShardDeletes());
        Command<DescribeDeleteBuffer>(_ => DescribeDeleteBufferReply());
        Command<DeletesWritten>(OnDeletesWritten);
        Command<SegmentsReplaced>(OnSegmentsReplaced);
        Command<ReleaseShard>(_ => OnReleaseShard());
        Command<Terminated>(m => Perform(_serving.NodeLeft(m.ActorRef)));
        Command<StorageLoadCompleted>(OnStorageLoadCompleted);
        Command<RetryRead>(m => m.Read());
        Command<DropShard>(_ => DropAndStop());
        // Persist stashes commands until the journal write in flight completed and its handler acknowledged it, so this
        // runs only after every pending write of the shard was answered.
        Command<StopShard>(_ => Context.Stop(Self));
        Command<DropPartitionData>(m => Persist(new PartitionDataDropped(m.PartitionId), Apply));
        Command<SaveSnapshotSuccess>(m =>
        {
            DeleteMessages(m.Metadata.SequenceNr);
            DeleteSnapshots(new SnapshotSelectionCriteria(m.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(m => _log.Warning("Shard {0} snapshot failed: {1}", _shardName, m.Cause.Message));
        Command<DeleteMessagesSuccess>(m => _log.Debug("Shard {0} truncated its WAL to {1}", _shardName, m.ToSequenceNr));
        Command<DeleteMessagesFailure>(m => _log.Warning("Shard {0} could not truncate its WAL: {1}", _shardName, m.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(m => _log.Warning("Shard {0} could not delete old snapshots: {1}", _shardName, m.Cause.Message));
    }

    private sealed record CheckSeal : INoSerializationVerificationNeeded
    {
        public static readonly CheckSeal Instance = new();
    }

    private sealed record IdsUnavailable(string Reason) : INoSerializationVerificationNeeded;

    private sealed record RetryIds : INoSerializationVerificationNeeded;

    private bool _awaitingIds;

    /// <summary>Keeps a few segment ids reserved (persisted), so opening a segment never waits for the coordinator.</summary>
    private void EnsureSegmentIds()
    {
        if (_awaitingIds || _reservedSegmentIds.Count >= _settings.SegmentIdReserve / 2)
        {
            return;
        }

        _awaitingIds = true;
        _coordinator.AskFor<IdsAllocated>(new AllocateIds(_settings.SegmentIdReserve), _settings.AskTimeout)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (object)new IdsUnavailable(t.Exception?.GetBaseException().Message ?? "cancelled"))
            .PipeTo(Self);
    }

    private void DropAndStop()
    {
        DeleteMessages(long.MaxValue);
        DeleteSnapshots(SnapshotSelectionCriteria.Latest);
        Become(() =>
        {
            Command<DeleteMessagesSuccess>(_ => Context.Stop(Self));
            Command<DeleteMessagesFailure>(_ => Context.Stop(Self));
            CommandAny(_ => { });
        });
    }

    private void Reply(Func<object> handler)
    {
        try
        {
            Sender.Tell(handler());
        }
        catch (Exception e)
        {
            Sender.Tell(MilvusFailure.From(e));
        }
    }

    /// <summary>A write's timestamp: the proxy's TSO timestamp, raised above everything this shard has applied.</summary>
    private ulong NextTimestamp(ulong requested) => Math.Max(requested, _lastTimestamp + 1);

    private void OnInsert(InsertRows m)
    {
        if (_appliedWrites.TryGet(m.RequestId, out var applied))
        {
            Sender.Tell(new InsertAck(applied));
            return;
        }

        if (!_growingByPartition.ContainsKey(m.PartitionId) && _reservedSegmentIds.Count == 0)
        {
            // Wait for ids; the stash keeps the insert in order with later commands.
            Stash.Stash();
            EnsureSegmentIds();
            return;
        }

        var segmentId = _growingByPartition.TryGetValue(m.PartitionId, out var growing) ? growing : _reservedSegmentIds.Peek();
        var sender = Sender;
        Persist(new RowsInserted(segmentId, m.PartitionId, m.Rows, NextTimestamp(m.Timestamp), m.RequestId), e =>
        {
            Apply(e);
            sender.Tell(new InsertAck(e.Timestamp));
            var segment = _segments[e.SegmentId];
            if (_settings.Seal.Evaluate(segment.RowCount, segment.EstimatedBytes, segment.CreatedAt, segment.LastWriteAt, DateTimeOffset.UtcNow) is { } reason)
            {
                Seal([segment.Id], reason);
            }

            EnsureSegmentIds();
        });
    }

    private void OnDelete(DeleteRows m)
    {
        if (_appliedWrites.TryGet(m.RequestId, out var applied))
        {
            Sender.Tell(new DeleteAck(applied));
            return;
        }

        var sender = Sender;
        Persist(new RowsDeleted(m.Pks, NextTimestamp(m.Timestamp), m.RequestId), e =>
        {
            Apply(e);
            foreach (var node in _serving.Nodes)
            {
                node.Tell(new ApplyDeletes(_shardName, e.Pks, e.Timestamp));
            }

            NoteDeleteDuringStorageLoads(e.Pks, e.Timestamp);

            sender.Tell(new DeleteAck(e.Timestamp));
        });
    }

    // Event application: the same code runs on replay and live, with no side effects.

    private void Apply(RowsInserted e)
    {
        if (!_segments.TryGetValue(e.SegmentId, out var segment))
        {
            segment = new Segment(e.SegmentId, e.PartitionId, _collection.Schema);
            _segments[e.SegmentId] = segment;
            _growingByPartition[e.PartitionId] = e.SegmentId;
            if (_reservedSegmentIds.TryPeek(out var next) && next == e.SegmentId)
            {
                _reservedSegmentIds.Dequeue();
            }
        }

        segment.Append(e.Rows, e.Timestamp);
        _lastTimestamp = Math.Max(_lastTimestamp, e.Timestamp);
        _appliedWrites.Add(e.RequestId, e.Timestamp);
    }

    private void Apply(RowsDeleted e)
    {
        foreach (var segment in _segments.Values)
        {
            segment.Delete(e.Pks, e.Timestamp);
        }

        _deleteBuffer.Add((e.Pks, e.Timestamp));
        _lastTimestamp = Math.Max(_lastTimestamp, e.Timestamp);
        _appliedWrites.Add(e.RequestId, e.Timestamp);
    }

    private void Apply(SegmentIdsReserved e)
    {
        for (var i = 0; i < e.Count; i++)
        {
            _reservedSegmentIds.Enqueue(e.First + i);
        }
    }

    private void Apply(SegmentsSealed e)
    {
        foreach (var id in e.SegmentIds)
        {
            if (_segments.TryGetValue(id, out var segment))
            {
                segment.State = SegmentState.Sealed;
                _growingByPartition.Remove(segment.PartitionId);
            }
        }
    }

    private void Apply(SegmentFlushedToStorage e)
    {
        _serving.AddFlushed(e.Segment);
        _deleteCheckpoints[e.Segment.SegmentId] = e.DeleteCheckpoint;
        if (_segments.TryGetValue(e.Segment.SegmentId, out var segment))
        {
            segment.State = SegmentState.Flushed;
        }
    }

    private void Apply(PartitionDataDropped e)
    {
        foreach (var segment in _segments.Values.Where(s => s.PartitionId == e.PartitionId).ToList())
        {
            _segments.Remove(segment.Id);
        }

        foreach (var id in _serving.DropPartition(e.PartitionId))
        {
            _deleteCheckpoints.Remove(id);
        }

        _growingByPartition.Remove(e.PartitionId);
    }
}
