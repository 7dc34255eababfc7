using Akka.Actor;
using Akka.Configuration;

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
/// What the catalog does for garbage collection: a drop records its time in meta storage (see
/// <see cref="GarbageRecords"/>) in the same step that removes it from the catalog, and the catalog tracks which
/// replaced segments query nodes still serve. <see cref="GarbageCollectorActor"/> deletes the objects.
/// </summary>
public sealed partial class CatalogActor
{
    /// <summary>
    /// Segments out of the catalog that a query node still serves (the shard unloads compacted-away segments only once
    /// their replacement is served). Not persisted: query nodes re-register what they serve periodically.
    /// </summary>
    private readonly Dictionary<long, IActorRef> _retiredServedBy = [];

    private LiveData LiveData() => new([.. _collections.Keys], [.. _segments.Keys, .. _retiredServedBy.Keys]);

    private Task RecordDroppedCollectionAsync(long collectionId) =>
        _meta.PutAsync(GarbageRecords.DroppedCollection(collectionId), GarbageRecords.DropTime(DateTimeOffset.UtcNow));

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
        _meta.PutAsync(GarbageRecords.DroppedSegment(segment), GarbageRecords.DropTime(DateTimeOffset.UtcNow));

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
}
