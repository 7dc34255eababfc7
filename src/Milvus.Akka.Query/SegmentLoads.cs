using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Query;

/// <summary>
/// What a query node serves and what it is loading, with the decisions <see cref="QueryNodeActor"/> acts on: whether a
/// load request starts a load, joins one in progress or is already served; which deletes go to served segments and
/// which wait for a load to finish; who is answered when a load ends. Holds no actor, so it is tested without one.
/// </summary>
/// <typeparam name="TSegment">The loaded segment (deletes and searches go to it).</typeparam>
/// <typeparam name="TRequester">Who asked for a load and is answered when it ends.</typeparam>
public sealed class SegmentLoads<TSegment, TRequester> where TSegment : class
{
    private readonly Dictionary<long, Served> _served = [];
    private readonly Dictionary<long, Loading> _loading = [];
    private readonly Dictionary<long, CollectionSchema> _widenedSchemas = [];

    public sealed record Served(SegmentInfo Info, CollectionSchema Schema, TSegment Segment);

    /// <summary>A load that finished: who to answer and the deletes of its shard that arrived while it ran, in order.</summary>
    public sealed record Finished(SegmentInfo Info, IReadOnlyList<TRequester> Requesters, IReadOnlyList<(Column Pks, ulong Timestamp)> Deletes);

    public enum Request { AlreadyServed, StartLoad, JoinedLoad }

    private sealed record Loading(SegmentInfo Info, List<TRequester> Requesters, List<(Column Pks, ulong Timestamp)> Deletes);

    public IEnumerable<long> ServedIds => _served.Keys;

    public IEnumerable<Served> ServedSegments => _served.Values;

    public bool IsLoading(long segmentId) => _loading.ContainsKey(segmentId);

    public bool TryGetServed(long segmentId, out Served served) => _served.TryGetValue(segmentId, out served!);

    /// <summary>A request to serve <paramref name="info"/>: one load per segment however many ask while it runs.</summary>
    public Request RequestLoad(SegmentInfo info, TRequester requester)
    {
        if (_served.ContainsKey(info.SegmentId))
        {
            return Request.AlreadyServed;
        }

        if (_loading.TryGetValue(info.SegmentId, out var loading))
        {
            loading.Requesters.Add(requester);
            return Request.JoinedLoad;
        }

        _loading[info.SegmentId] = new Loading(info, [requester], []);
        return Request.StartLoad;
    }

    /// <summary>The load succeeded: the segment is served from now on. Null when no load of it was in progress.</summary>
    public Finished? LoadSucceeded(long segmentId, CollectionSchema schema, TSegment segment)
    {
        if (!_loading.Remove(segmentId, out var loading))
        {
            return null;
        }

        _served[segmentId] = new Served(loading.Info, LatestSchema(loading.Info.CollectionId, schema), segment);
        return new Finished(loading.Info, loading.Requesters, loading.Deletes);
    }

    /// <summary>
    /// AddCollectionField: the served segments of the collection take the new schema (a partial load keeps its field
    /// selection plus the added fields); loads finishing later take it too (<see cref="LatestSchema"/>). Returns the served
    /// segments, whose rows must read the added fields as absent.
    /// </summary>
    public IReadOnlyList<TSegment> Widen(long collectionId, CollectionSchema latest)
    {
        if (_widenedSchemas.TryGetValue(collectionId, out var known) && known.Version >= latest.Version)
        {
            return [];
        }

        _widenedSchemas[collectionId] = latest;
        var widened = new List<TSegment>();
        foreach (var (id, served) in _served.Where(s => s.Value.Info.CollectionId == collectionId).ToList())
        {
            _served[id] = served with { Schema = served.Schema.WidenedTo(latest) };
            widened.Add(served.Segment);
        }

        return widened;
    }

    /// <summary>The schema a segment of the collection loaded with <paramref name="loadedWith"/> has: widened by any AddCollectionField since.</summary>
    public CollectionSchema LatestSchema(long collectionId, CollectionSchema loadedWith) =>
        _widenedSchemas.TryGetValue(collectionId, out var latest) ? loadedWith.WidenedTo(latest) : loadedWith;

    /// <summary>The load failed: nothing is served; the requesters are told. Null when no load of it was in progress.</summary>
    public Finished? LoadFailed(long segmentId) =>
        _loading.Remove(segmentId, out var loading) ? new Finished(loading.Info, loading.Requesters, loading.Deletes) : null;

    /// <summary>
    /// Deletes a shard persisted: returns the served segments of that shard to apply them to now, and queues them for the
    /// segments of that shard still loading (applied when the load succeeds, after the deletes the load itself carried).
    /// </summary>
    public IReadOnlyList<TSegment> Deletes(string shardName, Column pks, ulong timestamp)
    {
        foreach (var loading in _loading.Values.Where(l => l.Info.ShardName == shardName))
        {
            loading.Deletes.Add((pks, timestamp));
        }

        return [.. _served.Values.Where(s => s.Info.ShardName == shardName).Select(s => s.Segment)];
    }

    /// <summary>New metadata of a served segment (new index files); returns what it served before, or null when not served.</summary>
    public Served? Update(SegmentInfo info)
    {
        if (!_served.TryGetValue(info.SegmentId, out var served))
        {
            return null;
        }

        _served[info.SegmentId] = served with { Info = info };
        return served;
    }

    /// <summary>Stops serving the segments; returns those that were served (each is reported to the coordinator).</summary>
    public IReadOnlyList<long> Unload(IEnumerable<long> segmentIds) => [.. segmentIds.Where(_served.Remove)];
}
