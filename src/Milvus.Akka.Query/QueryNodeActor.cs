using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Query;

/// <summary>
/// One per query-role node. Serves flushed segments that shard delegators hand over: loads their files and index
/// files from object storage, keeps deletes forwarded by the shards, and answers searches and retrievals.
/// Messages from one shard arrive in order, so a search sent after a delete always sees it.
/// </summary>
public sealed class QueryNodeActor : ReceiveActor, IWithTimers
{
    private readonly IObjectStore _objects;
    private readonly IActorRef _coordinator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SegmentLoads<Segment, IActorRef> _segments = new();
    // Several nodes may share a process (tests): each query node publishes its own segments.
    private readonly string _metricsOwner = "query-node/" + Guid.NewGuid().ToString("N");

    private sealed record LoadCompleted(long SegmentId, CollectionSchema Schema, Segment? Segment, Exception? Error) : INoSerializationVerificationNeeded;

    private sealed record IndexLoaded(long SegmentId, LoadedIndex Index) : INoSerializationVerificationNeeded;

    private sealed record Register : INoSerializationVerificationNeeded
    {
        public static readonly Register Instance = new();
    }

    public QueryNodeActor(IObjectStore objects, IActorRef coordinator, QuerySettings settings)
    {
        _objects = objects;
        _coordinator = coordinator;
        Receive<Register>(_ => _coordinator.Tell(new RegisterQueryNode(Self, [.. _segments.ServedIds]) { Labels = settings.Labels }));
        Receive<LoadSegment>(StartLoad);
        Receive<LoadCompleted>(CompleteLoad);
        Receive<WidenCollectionSchema>(m =>
        {
            foreach (var segment in _segments.Widen(m.CollectionId, m.Schema))
            {
                segment.Widen(m.Schema);
            }

            Sender.Tell(Done.Instance);
        });
        Receive<ApplyDeletes>(ApplyDeletes);
        Receive<SearchSegments>(Search);
        Receive<QuerySegments>(Retrieve);
        Receive<Bm25StatsSegments>(m => OverSegments(m.SegmentIds, _ => null, (view, _) => view.Bm25Statistics(m.Plan),
            (parts, _) => Bm25Stats.Sum(parts, m.Plan.Terms.Length)));
        Receive<SegmentIndexReady>(m => LoadIndexes(m.Segment));
        Receive<IndexLoaded>(m =>
        {
            if (_segments.TryGetServed(m.SegmentId, out var served))
            {
                m.Index.AttachTo(served.Segment);
                PublishSegmentMetrics();
            }
        });
        Receive<UnloadSegments>(m =>
        {
            foreach (var id in _segments.Unload(m.SegmentIds))
            {
                _coordinator.Tell(new SegmentServed(id, Self, Serving: false));
            }

            PublishSegmentMetrics();
        });
        Receive<Status.Failure>(f => _log.Warning("Query node background work failed: {0}", f.Cause.Message));
        RegisterInterval = settings.RegisterInterval;
    }

    private TimeSpan RegisterInterval { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IObjectStore objects, IActorRef coordinator, QuerySettings settings) =>
        global::Akka.Actor.Props.Create(() => new QueryNodeActor(objects, coordinator, settings));

    protected override void PreStart()
    {
        Self.Tell(Register.Instance);
        Timers.StartPeriodicTimer(Register.Instance, Register.Instance, RegisterInterval);
    }

    private void StartLoad(LoadSegment m)
    {
        var id = m.Segment.SegmentId;
        switch (_segments.RequestLoad(m.Segment, Sender))
        {
            case SegmentLoads<Segment, IActorRef>.Request.AlreadyServed:
                Sender.Tell(new SegmentLoaded(id));
                return;
            case SegmentLoads<Segment, IActorRef>.Request.JoinedLoad:
                return;
        }

        var objects = _objects;
        BackgroundWork.Run(Self, _log, $"Loading segment {id}", async () =>
        {
            var segment = await StoredSegmentLoader.LoadAsync(objects, m.Schema, m.Segment, withVectorIndexes: true);
            segment.Delete(m.DeletedPks, m.DeleteTimestamps);
            return new LoadCompleted(id, m.Schema, segment, null);
        }, e => new LoadCompleted(id, m.Schema, null, e));
    }

    private void CompleteLoad(LoadCompleted m)
    {
        if (m.Segment is null)
        {
            foreach (var requester in _segments.LoadFailed(m.SegmentId)?.Requesters ?? [])
            {
                requester.Tell(new SegmentLoadFailed(m.SegmentId, m.Error?.Message ?? "unknown error"));
            }

            return;
        }

        if (_segments.LoadSucceeded(m.SegmentId, m.Schema, m.Segment) is not { } finished)
        {
            return;
        }

        foreach (var (pks, timestamp) in finished.Deletes)
        {
            m.Segment.Delete(pks, timestamp);
        }

        // Loaded with the schema its shard had when it asked: a field added since reads as absent here too.
        m.Segment.Widen(_segments.LatestSchema(finished.Info.CollectionId, m.Schema));

        _log.Info("Loaded segment {0} ({1} rows, indexes on fields [{2}])", m.SegmentId, m.Segment.RowCount, string.Join(",", finished.Info.IndexFiles.Keys));
        foreach (var requester in finished.Requesters)
        {
            requester.Tell(new SegmentLoaded(m.SegmentId));
        }

        _coordinator.Tell(new SegmentServed(m.SegmentId, Self, Serving: true));
        PublishSegmentMetrics();
    }

    /// <summary>The served segments for /metrics: Indexed once one of their index files is attached, Flushed before.</summary>
    private void PublishSegmentMetrics() => MilvusMetrics.PublishSegments(_metricsOwner, _segments.ServedSegments.Select(s =>
        (s.Info.IndexFiles.Keys.Any(s.Segment.HasIndex) ? "Indexed" : "Flushed", s.Info.ShardName, (long)s.Segment.RowCount)));

    protected override void PostStop()
    {
        MilvusMetrics.PublishSegments(_metricsOwner, []);
        base.PostStop();
    }

    private void ApplyDeletes(ApplyDeletes m)
    {
        foreach (var segment in _segments.Deletes(m.ShardName, m.Pks, m.Timestamp))
        {
            segment.Delete(m.Pks, m.Timestamp);
        }
    }

    private void LoadIndexes(SegmentInfo info)
    {
        if (_segments.Update(info) is not { } loaded)
        {
            return;
        }

        var objects = _objects;
        // A partially loaded segment takes no index of a field it does not hold.
        foreach (var (fieldId, key) in info.IndexFiles.Where(f => !loaded.Segment.HasIndex(f.Key) && loaded.Segment.Schema.FindField(f.Key) is not null))
        {
            objects.GetAsync(key).ContinueWith(t => (object)new IndexLoaded(info.SegmentId, LoadedIndex.Read(fieldId, t.Result)),
                TaskContinuationOptions.OnlyOnRanToCompletion).PipeTo(Self);
        }
    }

    private void Search(SearchSegments m) => OverSegments(m.SegmentIds, schema => m.Plan.FilterFor(schema),
        (view, filter) => view.Search(m.Plan, filter),
        (parts, pkType) => SearchReducer.Reduce(parts, m.Plan.Nq, pkType, m.Plan.Metric, 0, m.Plan.TopK, m.Plan.Grouping));

    private void Retrieve(QuerySegments m) => OverSegments(m.SegmentIds, schema => m.Plan.FilterFor(schema),
        (view, filter) => view.Query(m.Plan, filter),
        (parts, pkType) => QueryReducer.Reduce(parts, pkType, m.Plan.OutputFieldIds, m.Plan.CountOnly, 0, m.Plan.Limit, m.Plan.OrderBy, m.Plan.Aggregation));

    /// <summary>
    /// Takes a view of every named segment here (so deletes applied after this message do not disturb the read), then
    /// binds the filter, reads every view and reduces on the search pool, answering the sender from there.
    /// </summary>
    private void OverSegments<T>(ImmutableArray<long> segmentIds, Func<CollectionSchema, FilterExpression?> bindFilter,
        Func<SegmentView, FilterExpression?, T> read, Func<List<T>, DataType, T> reduce) where T : notnull
    {
        if (segmentIds.IsDefaultOrEmpty)
        {
            Sender.Tell(new MilvusFailure(ErrorCode.SegmentLack, "the request names no segment"));
            return;
        }

        var views = new SegmentView[segmentIds.Length];
        CollectionSchema? schema = null;
        for (var i = 0; i < segmentIds.Length; i++)
        {
            if (!_segments.TryGetServed(segmentIds[i], out var loaded))
            {
                Sender.Tell(new MilvusFailure(ErrorCode.SegmentNotLoaded, $"segment {segmentIds[i]} is not loaded on query node {Self.Path}"));
                return;
            }

            schema ??= loaded.Schema;
            views[i] = loaded.Segment.View();
        }

        SearchPool.Get(Context.System).Run(() => reduce(SegmentView.ReadAll(views, bindFilter(schema!), read), schema!.PrimaryKey.DataType), Sender);
    }
}
