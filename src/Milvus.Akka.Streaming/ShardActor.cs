using System.Collections.Immutable;
using System.Diagnostics;
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

    /// <summary>An ask for the coordinator's distribution is in flight (<see cref="ReconcileWithCoordinator"/>).</summary>
    private bool _reconciling;
    private readonly IObjectStore _objects;
    private readonly StreamingSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly ShardState _state;

    // Writes that arrived while the previous group was being journaled, in arrival order, with who asked.
    private readonly List<(IShardWrite Write, IActorRef Sender)> _queuedWrites = [];
    private bool _writeScheduled;

    // Not persisted: who serves which flushed segment, rebuilt from the coordinator after recovery.
    private readonly SegmentServing<IActorRef> _serving = new();
    private CollectionInfo _collection;
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
        _state = new ShardState(collection.Schema, settings.AppliedWrites);
        PersistenceId = $"shard-{shardName}";
        // Empty ids mean the node's default journal and snapshot store (the embedded SQLite ones).
        JournalPluginId = settings.JournalPluginId;
        SnapshotPluginId = settings.SnapshotPluginId;

        Recover<SnapshotOffer>(offer => RestoreSnapshot((ShardSnapshot)offer.Snapshot));
        Recover<RowsInserted>(_state.Apply);
        Recover<RowsDeleted>(_state.Apply);
        Recover<SegmentIdsReserved>(_state.Apply);
        Recover<SegmentsSealed>(_state.Apply);
        Recover<SegmentFlushedToStorage>(Apply);
        Recover<PartitionDataDropped>(Apply);
        Recover<DeletesPersisted>(e => _state.Deletes.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());
        Serving();
    }

    public static Props Props(string shardName, CollectionInfo collection, ShardDistribution distribution, IActorRef coordinator,
        IObjectStore objects, StreamingSettings settings) =>
        global::Akka.Actor.Props.Create(() => new ShardActor(shardName, collection, distribution, coordinator, objects, settings));

    public override string PersistenceId { get; }

    protected override void PostStop()
    {
        LocalShards.Get(Context.System).Remove(_shardName, Self);
        MilvusMetrics.PublishSegments(PersistenceId, []);
        foreach (var gone in _nodeGone.Values)
        {
            gone.Dispose();
        }

        base.PostStop();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private void OnRecovered()
    {
        // Sealed segments whose flush an earlier incarnation reported and that the coordinator merged or dropped since.
        foreach (var id in _initialDistribution.RetiredSegmentIds.Where(_state.Segments.ContainsKey))
        {
            ForgetRetiredSegment(id);
        }

        _serving.Recover(_initialDistribution.Segments, _initialDistribution.Loaded);
        _state.Deletes.Recovered(_serving.Flushed.Keys.ToHashSet(), DateTimeOffset.UtcNow + _settings.CompactionDeleteHold);

        // Deletes persisted before a crash may never have reached the query nodes: forward the buffer again (idempotent).
        foreach (var node in _serving.Nodes)
        {
            Context.Watch(node);
            foreach (var (pks, timestamp) in _state.Deletes.Buffered)
            {
                node.Tell(new ApplyDeletes(_shardName, pks, timestamp));
            }
        }

        DropServedSegmentsFromMemory();
        Timers.StartPeriodicTimer("seal", CheckSeal.Instance, _settings.SealCheckInterval);
        EnsureSegmentIds();
        foreach (var segment in _state.Segments.Values.Where(s => s.State == SegmentState.Sealed).ToList())
        {
            StartFlush(segment.Id);
        }

        _log.Info("Shard {0} recovered: {1} segments in memory, {2} flushed, {3} buffered deletes, last timestamp {4}",
            _shardName, _state.Segments.Count, _serving.Flushed.Count, _state.Deletes.Buffered.Count, _state.LastTimestamp);
        // Proxies in this process may now skip the sharding route (LocalShards).
        LocalShards.Get(Context.System).Add(_shardName, Self);
    }

    private void Serving()
    {
        Command<InsertRows>(OnWrite);
        Command<UpsertRows>(OnWrite);
        Command<DeleteRows>(OnWrite);
        Command<WriteQueued>(_ => WriteQueuedWrites());
        Command<SearchShard>(OnSearch);
        Command<QueryShard>(OnQuery);
        Command<Bm25StatsShard>(OnBm25Stats);
        Command<FlushShard>(OnFlush);
        Command<SealShard>(OnSeal);
        Command<GetShardFlushState>(OnGetFlushState);
        Command<CheckSeal>(_ =>
        {
            SealByPolicy();
            MaintainDeleteBuffer();
        });
        Command<IdsAllocated>(m => Persist(new SegmentIdsReserved(m.First, m.Count), e =>
        {
            _state.Apply(e);
            _awaitingIds = false;
            ScheduleWrite();
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
        Command<DistributionChecked>(OnDistributionChecked);
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
        Command<Terminated>(m =>
        {
            Perform(_serving.NodeLeft(m.ActorRef));
            ReadsOnNodeGone(m.ActorRef);
        });
        Command<StorageLoadCompleted>(OnStorageLoadCompleted);
        Command<RetryRead>(m => m.Read());
        Command<DropShard>(_ => DropAndStop());
        // Persist stashes commands until the journal write in flight completed and its handlers acknowledged it, so a
        // StopShard sent again after journaling the queued writes runs only after every write of the shard was answered
        // (writes still waiting for segment ids were never acknowledged: their senders retry on the shard's next home).
        Command<StopShard>(_ =>
        {
            if (WriteQueuedWrites())
            {
                Self.Tell(StopShard.Instance);
            }
            else
            {
                Context.Stop(Self);
            }
        });
        Command<DropPartitionData>(m => Persist(new PartitionDataDropped(m.PartitionId), Apply));
        Command<WidenShardSchema>(OnWidenSchema);
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

    /// <summary>Journal the queued writes now; sent to self so writes already in the mailbox join the group first.</summary>
    private sealed record WriteQueued : INoSerializationVerificationNeeded
    {
        public static readonly WriteQueued Instance = new();
    }

    private bool _awaitingIds;

    /// <summary>Keeps a few segment ids reserved (persisted), so opening a segment never waits for the coordinator.</summary>
    private void EnsureSegmentIds()
    {
        if (_awaitingIds || !_state.NeedsSegmentIds(_settings.SegmentIdReserve))
        {
            return;
        }

        _awaitingIds = true;
        _coordinator.AskRepeatableAsync<IdsAllocated>(new AllocateIds(_settings.SegmentIdReserve), _settings, RouteChanges.Get(Context.System))
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : (object)new IdsUnavailable(t.Exception?.GetBaseException().Message ?? "cancelled"))
            .PipeTo(Self);
    }

    /// <summary>
    /// AddCollectionField: the shard's segments and the query nodes serving them take the new schema before the
    /// coordinator answers the client, so no write or read that follows finds a node without the field. Not journaled:
    /// a shard that starts reads the latest schema from the catalog, and journaled rows lacking the field read it as absent.
    /// </summary>
    private void OnWidenSchema(WidenShardSchema m)
    {
        if (m.Schema.Version > _collection.Schema.Version)
        {
            _collection = _collection with { Schema = m.Schema };
            _state.Widen(m.Schema);
            _log.Info("Shard {0} takes schema version {1}: {2} fields", _shardName, m.Schema.Version, m.Schema.Fields.Length);
        }

        var widen = new WidenCollectionSchema(_collection.Id, _collection.Schema);
        var nodes = _serving.Nodes.ToList();
        var timeout = _settings.AskTimeout;
        Task.WhenAll(nodes.Select(node => node.AskFor<Done>(widen, timeout)))
            .ContinueWith(t => t.IsCompletedSuccessfully ? Done.Instance : (object)MilvusFailure.From(t.Exception?.GetBaseException() ?? new TimeoutException("cancelled")))
            .PipeTo(Sender);
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

    /// <summary>
    /// Queues a write; it is journaled with every write that arrives before the queue is written, so one durable journal
    /// write carries many requests while each is still acknowledged only once its own event is journaled and applied.
    /// </summary>
    private void OnWrite(IShardWrite write)
    {
        if (_state.AppliedWrites.TryGet(write.RequestId, out var applied))
        {
            Sender.Tell(Ack(write, applied));
            return;
        }

        if (FieldNotInSchema(write) is { } fieldId)
        {
            // Written after an AddCollectionField whose schema is still on its way here: retriable, the proxy sends it again.
            Sender.Tell(new MilvusFailure(ErrorCode.ServiceUnavailable,
                $"shard {_shardName} has not taken the schema with field {fieldId} yet (schema version {_collection.Schema.Version})"));
            return;
        }

        var (used, total) = NodeMemory.Current;
        if (_settings.MemoryProtection.RefuseWrite(used, total) is { } refusal)
        {
            Sender.Tell(MilvusFailure.From(refusal));
            return;
        }

        _queuedWrites.Add((write, Sender));
        ScheduleWrite();
    }

    private long? FieldNotInSchema(IShardWrite write)
    {
        var rows = write switch
        {
            InsertRows insert => insert.Rows,
            UpsertRows upsert => upsert.Rows,
            _ => null,
        };
        foreach (var fieldId in rows?.Columns.Keys ?? [])
        {
            if (_collection.Schema.FindField(fieldId) is null)
            {
                return fieldId;
            }
        }

        return null;
    }

    private void ScheduleWrite()
    {
        if (!_writeScheduled && _queuedWrites.Count > 0)
        {
            _writeScheduled = true;
            Self.Tell(WriteQueued.Instance);
        }
    }

    private static object Ack(IShardWrite write, ulong timestamp) => write is DeleteRows ? new DeleteAck(timestamp) : new InsertAck(timestamp);

    /// <summary>
    /// Plans the queued writes against the applied state and journals their events with one PersistAll (one durable
    /// write). PersistAll stashes every later command until all handlers ran, so the next group is planned against a
    /// state where this one is applied. Returns whether anything was journaled.
    /// </summary>
    private bool WriteQueuedWrites()
    {
        _writeScheduled = false;
        if (_queuedWrites.Count == 0)
        {
            return false;
        }

        var plan = _state.PlanWrites([.. _queuedWrites.Select(q => q.Write)]);
        var waiters = new List<IActorRef>[plan.Events.Length];
        for (var i = 0; i < plan.Planned; i++)
        {
            var (write, sender) = _queuedWrites[i];
            switch (plan.Outcomes[i])
            {
                case AnsweredWrite answered:
                    sender.Tell(Ack(write, answered.Timestamp));
                    break;
                case JournaledWrite journaled:
                    (waiters[journaled.EventIndex] ??= []).Add(sender);
                    break;
            }
        }

        _queuedWrites.RemoveRange(0, plan.Planned);
        EnsureSegmentIds(); // what is left may wait for a new segment's id; IdsAllocated schedules it again

        if (plan.Events.IsEmpty)
        {
            return false;
        }

        var applied = 0;
        var touched = new HashSet<long>();
        var persisting = Stopwatch.GetTimestamp();
        PersistAll(plan.Events, e =>
        {
            var index = applied++;
            if (index == 0)
            {
                // The group is one durable write: its first handler runs once all of it is in the journal.
                MilvusMetrics.WalWriteLatency.ObserveSince(persisting);
            }

            var timestamp = ApplyWrite(e, touched);
            foreach (var sender in waiters[index] ?? []) // an upsert's delete has none: it is acknowledged with its rows
            {
                sender.Tell(e is RowsInserted ? new InsertAck(timestamp) : new DeleteAck(timestamp));
            }

            if (applied == plan.Events.Length)
            {
                foreach (var group in _state.SealsDue(touched, _settings.Seal, DateTimeOffset.UtcNow).GroupBy(s => s.Reason))
                {
                    Seal([.. group.Select(s => s.SegmentId)], group.Key);
                }

                EnsureSegmentIds();
                ScheduleWrite(); // what a full group left queued
            }
        });
        return true;
    }

    /// <summary>Applies a journaled write with its live side effects; returns the timestamp to acknowledge.</summary>
    private ulong ApplyWrite(IShardEvent e, HashSet<long> touchedSegments)
    {
        switch (e)
        {
            case RowsInserted inserted:
                _state.Apply(inserted);
                touchedSegments.Add(inserted.SegmentId);
                return inserted.Timestamp;
            case RowsDeleted deleted:
                _state.Apply(deleted);
                foreach (var node in _serving.Nodes)
                {
                    node.Tell(new ApplyDeletes(_shardName, deleted.Pks, deleted.Timestamp));
                }

                NoteDeleteDuringStorageLoads(deleted.Pks, deleted.Timestamp);
                return deleted.Timestamp;
            default:
                throw new ArgumentException($"{e.GetType().Name} is not a write event", nameof(e));
        }
    }

    // Event application (the same code runs on replay and live, with no side effects); the write side is in ShardState.

    private void Apply(SegmentFlushedToStorage e)
    {
        _serving.AddFlushed(e.Segment);
        _state.Deletes.SegmentFlushed(e.Segment.SegmentId, e.DeleteCheckpoint);
        if (_state.Segments.TryGetValue(e.Segment.SegmentId, out var segment))
        {
            segment.State = SegmentState.Flushed;
        }
    }

    private void Apply(PartitionDataDropped e)
    {
        _state.DropPartition(e.PartitionId);
        foreach (var id in _serving.DropPartition(e.PartitionId))
        {
            _state.Deletes.Forget(id);
        }
    }
}
