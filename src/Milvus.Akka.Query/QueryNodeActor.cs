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
    private readonly Dictionary<long, LoadedSegment> _segments = [];
    private readonly Dictionary<long, Loading> _loading = [];

    private sealed record LoadedSegment(SegmentInfo Info, CollectionSchema Schema, Segment Segment);

    /// <summary>A load in progress and the deletes that arrived meanwhile.</summary>
    private sealed record Loading(SegmentInfo Info, IActorRef Requester, List<(Column Pks, ulong Timestamp)> Deletes);

    private sealed record LoadCompleted(long SegmentId, CollectionSchema Schema, Segment? Segment, Exception? Error) : INoSerializationVerificationNeeded;

    private sealed record IndexLoaded(long SegmentId, long FieldId, IVectorIndex Index) : INoSerializationVerificationNeeded;

    private sealed record Register : INoSerializationVerificationNeeded
    {
        public static readonly Register Instance = new();
    }

    public QueryNodeActor(IObjectStore objects, IActorRef coordinator, TimeSpan registerInterval)
    {
        _objects = objects;
        _coordinator = coordinator;
        Receive<Register>(_ => _coordinator.Tell(new RegisterQueryNode(Self, [.. _segments.Keys])));
        Receive<LoadSegment>(StartLoad);
        Receive<LoadCompleted>(CompleteLoad);
        Receive<ApplyDeletes>(ApplyDeletes);
        Receive<SearchSegments>(m => Answer(() => Search(m)));
        Receive<QuerySegments>(m => Answer(() => Retrieve(m)));
        Receive<SegmentIndexReady>(m => LoadIndexes(m.Segment));
        Receive<IndexLoaded>(m =>
        {
            if (_segments.TryGetValue(m.SegmentId, out var loaded))
            {
                loaded.Segment.AttachIndex(m.FieldId, m.Index);
            }
        });
        Receive<UnloadSegments>(m =>
        {
            foreach (var id in m.SegmentIds)
            {
                if (_segments.Remove(id))
                {
                    _coordinator.Tell(new SegmentServed(id, Self, Serving: false));
                }
            }
        });
        Receive<Status.Failure>(f => _log.Warning("Query node background work failed: {0}", f.Cause.Message));
        RegisterInterval = registerInterval;
    }

    private TimeSpan RegisterInterval { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IObjectStore objects, IActorRef coordinator, TimeSpan registerInterval) =>
        global::Akka.Actor.Props.Create(() => new QueryNodeActor(objects, coordinator, registerInterval));

    protected override void PreStart()
    {
        Self.Tell(Register.Instance);
        Timers.StartPeriodicTimer(Register.Instance, Register.Instance, RegisterInterval);
    }

    private void Answer(Func<object> handler)
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

    private void StartLoad(LoadSegment m)
    {
        var id = m.Segment.SegmentId;
        if (_segments.ContainsKey(id))
        {
            Sender.Tell(new SegmentLoaded(id));
            return;
        }

        var loading = new Loading(m.Segment, Sender, []);
        _loading[id] = loading;
        var objects = _objects;
        var self = Self;
        Task.Run(async () =>
        {
            try
            {
                var segment = await StoredSegmentLoader.LoadAsync(objects, m.Schema, m.Segment, withIndexes: true);
                segment.Delete(m.DeletedPks, m.DeleteTimestamps);
                return new LoadCompleted(id, m.Schema, segment, null);
            }
            catch (Exception e)
            {
                return new LoadCompleted(id, m.Schema, null, e);
            }
        }).PipeTo(self);
    }

    private void CompleteLoad(LoadCompleted m)
    {
        if (!_loading.Remove(m.SegmentId, out var loading))
        {
            return;
        }

        if (m.Segment is null)
        {
            _log.Error(m.Error, "Loading segment {0} failed", m.SegmentId);
            loading.Requester.Tell(new SegmentLoadFailed(m.SegmentId, m.Error?.Message ?? "unknown error"));
            return;
        }

        foreach (var (pks, timestamp) in loading.Deletes)
        {
            m.Segment.Delete(pks, timestamp);
        }

        _segments[m.SegmentId] = new LoadedSegment(loading.Info, m.Schema, m.Segment);
        _log.Info("Loaded segment {0} ({1} rows, indexes on fields [{2}])", m.SegmentId, m.Segment.RowCount, string.Join(",", loading.Info.IndexFiles.Keys));
        loading.Requester.Tell(new SegmentLoaded(m.SegmentId));
        _coordinator.Tell(new SegmentServed(m.SegmentId, Self, Serving: true));
    }

    private void ApplyDeletes(ApplyDeletes m)
    {
        foreach (var loaded in _segments.Values.Where(s => s.Info.ShardName == m.ShardName))
        {
            loaded.Segment.Delete(m.Pks, m.Timestamp);
        }

        foreach (var loading in _loading.Values.Where(l => l.Info.ShardName == m.ShardName))
        {
            loading.Deletes.Add((m.Pks, m.Timestamp));
        }
    }

    private void LoadIndexes(SegmentInfo info)
    {
        if (!_segments.TryGetValue(info.SegmentId, out var loaded))
        {
            return;
        }

        _segments[info.SegmentId] = loaded with { Info = info };
        var objects = _objects;
        foreach (var (fieldId, key) in info.IndexFiles.Where(f => !loaded.Segment.HasIndex(f.Key)))
        {
            objects.GetAsync(key).ContinueWith(t => (object)new IndexLoaded(info.SegmentId, fieldId, VectorIndexes.Load(t.Result)),
                TaskContinuationOptions.OnlyOnRanToCompletion).PipeTo(Self);
        }
    }

    private IEnumerable<LoadedSegment> Resolve(ImmutableArray<long> segmentIds) => segmentIds.Select(id =>
        _segments.GetValueOrDefault(id) ?? throw new MilvusException(ErrorCode.SegmentNotLoaded, $"segment {id} is not loaded on query node {Self.Path}"));

    private SearchHits Search(SearchSegments m) => OverSegments(m.SegmentIds, m.Plan.Filter,
        (segment, filter) => segment.Search(m.Plan, filter),
        (parts, pkType) => SearchReducer.Reduce(parts, m.Plan.Nq, pkType, m.Plan.Metric, 0, m.Plan.TopK));

    private QueryRows Retrieve(QuerySegments m) => OverSegments(m.SegmentIds, m.Plan.Filter,
        (segment, filter) => segment.Query(m.Plan, filter),
        (parts, pkType) => QueryReducer.Reduce(parts, pkType, m.Plan.OutputFieldIds, m.Plan.CountOnly, 0, m.Plan.Limit));

    /// <summary>Parses the filter once, runs a read on every named segment and reduces the parts.</summary>
    private T OverSegments<T>(ImmutableArray<long> segmentIds, string? filterText, Func<Segment, FilterExpression?, T> read,
        Func<List<T>, DataType, T> reduce)
    {
        var targets = Resolve(segmentIds).ToList();
        if (targets.Count == 0)
        {
            throw new MilvusException(ErrorCode.SegmentLack, "the request names no segment");
        }

        var schema = targets[0].Schema;
        var filter = string.IsNullOrWhiteSpace(filterText) ? null : FilterExpression.Parse(filterText, schema);
        return reduce(targets.Select(t => read(t.Segment, filter)).ToList(), schema.PrimaryKey.DataType);
    }
}
