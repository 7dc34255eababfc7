using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Query;

/// <summary>
/// The query nodes running in this process and what each serves, so a shard delegator in the same process reads their
/// segments on the search pool itself instead of asking the node: a search then crosses one mailbox (the shard's)
/// instead of two, with no ask and no second reduce. Only the in-process side of the query node's protocol: a node in
/// another process is always asked.
/// </summary>
public sealed class LocalQueryNodes : IExtension
{
    private readonly ConcurrentDictionary<IActorRef, ServedSegments> _nodes = new();

    public static LocalQueryNodes Get(ActorSystem system) => system.WithExtension<LocalQueryNodes, LocalQueryNodesProvider>();

    /// <summary>A query node starting: it publishes what it serves in the returned directory.</summary>
    public ServedSegments Register(IActorRef node) => _nodes.GetOrAdd(node, _ => new ServedSegments());

    public void Unregister(IActorRef node) => _nodes.TryRemove(node, out _);

    /// <summary>The directory of <paramref name="node"/> when it runs in this process.</summary>
    public ServedSegments? Find(IActorRef node) => _nodes.GetValueOrDefault(node);

    private sealed class LocalQueryNodesProvider : ExtensionIdProvider<LocalQueryNodes>
    {
        public override LocalQueryNodes CreateExtension(ExtendedActorSystem system) => new();
    }
}

/// <summary>
/// What one query node serves, written by the node's actor and read by shards on other threads: each served segment
/// with the schema it is read with, and per shard how many <see cref="ApplyDeletes"/> of the shard's current incarnation
/// the node has applied. A shard reads here only when the node has applied every delete the shard forwarded it, so the
/// read sees what a search sent through the node's mailbox after those deletes would see.
/// </summary>
public sealed class ServedSegments
{
    private readonly ConcurrentDictionary<long, (Segment Segment, CollectionSchema Schema)> _segments = new();
    private readonly ConcurrentDictionary<string, AppliedDeletes> _appliedDeletes = new(StringComparer.Ordinal);

    /// <summary>Deletes applied from one incarnation of a shard (a restarted shard counts again from zero).</summary>
    private sealed record AppliedDeletes(IActorRef Shard, long Count);

    /// <summary>Serves <paramref name="segment"/>, or takes its new schema (AddCollectionField).</summary>
    public void Serve(long segmentId, Segment segment, CollectionSchema schema) => _segments[segmentId] = (segment, schema);

    public void Unserve(long segmentId) => _segments.TryRemove(segmentId, out _);

    /// <summary>Called after the node applied an <see cref="ApplyDeletes"/> of <paramref name="shardName"/> sent by <paramref name="shard"/>.</summary>
    public void DeletesApplied(string shardName, IActorRef shard) =>
        _appliedDeletes.AddOrUpdate(shardName, static (_, s) => new AppliedDeletes(s, 1),
            static (_, applied, s) => applied.Shard.Equals(s) ? applied with { Count = applied.Count + 1 } : new AppliedDeletes(s, 1), shard);

    /// <summary>
    /// Views of every segment in <paramref name="segmentIds"/>, each with the schema it is read with, when all are
    /// served here and the node has applied the <paramref name="deletesForwarded"/> deletes <paramref name="shard"/> sent
    /// it; otherwise false (the shard asks the node, whose mailbox orders the read after the deletes).
    /// </summary>
    public bool TryTakeViews(string shardName, IActorRef shard, long deletesForwarded, ImmutableArray<long> segmentIds,
        List<(SegmentView View, CollectionSchema Schema)> views)
    {
        if (deletesForwarded > 0 && !(_appliedDeletes.TryGetValue(shardName, out var applied) && applied.Shard.Equals(shard) && applied.Count >= deletesForwarded))
        {
            return false;
        }

        var start = views.Count;
        foreach (var id in segmentIds)
        {
            if (!_segments.TryGetValue(id, out var served))
            {
                views.RemoveRange(start, views.Count - start);
                return false;
            }

            views.Add((served.Segment.View(), served.Schema));
        }

        return true;
    }
}
