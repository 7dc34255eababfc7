using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Query;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Streaming;

/// <summary>The shard delegator: one consistent read over the shard's own segments and the flushed ones on query nodes.</summary>
public sealed partial class ShardActor
{
    private void OnSearch(SearchShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, Sender, schema => plan.FilterFor(schema),
            (view, filter) => view.Search(plan, filter),
            (node, ids) => node.AskFor<SearchHits>(new SearchSegments(plan, ids), _settings.AskTimeout),
            parts => SearchReducer.Reduce(parts, plan.Nq, _collection.Schema.PrimaryKey.DataType, plan.Metric, 0, plan.TopK));
    }

    private void OnQuery(QueryShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, Sender, schema => plan.FilterFor(schema),
            (view, filter) => view.Query(plan, filter),
            (node, ids) => node.AskFor<QueryRows>(new QuerySegments(plan, ids), _settings.AskTimeout),
            parts => QueryReducer.Reduce(parts, _collection.Schema.PrimaryKey.DataType, plan.OutputFieldIds, plan.CountOnly, 0, plan.Limit));
    }

    /// <summary>Where each segment of a read is read: the ones held here, and the flushed ones by the query node serving them.</summary>
    private sealed record ReadTargets(List<Segment> Local, Dictionary<IActorRef, List<long>> Remote);

    /// <summary>
    /// Decides where every segment of the shard is read: in-memory segments here, flushed segments on the query nodes
    /// serving them. A flushed segment that nobody serves fails the read rather than silently missing rows.
    /// </summary>
    private ReadTargets LocateSegments(ImmutableArray<long> partitionIds)
    {
        var local = new List<Segment>(_segments.Count);
        foreach (var segment in _segments.Values)
        {
            local.Add(segment);
        }

        var remote = new Dictionary<IActorRef, List<long>>();
        foreach (var flushed in _flushed.Values)
        {
            if (_segments.ContainsKey(flushed.SegmentId) || (!partitionIds.IsDefaultOrEmpty && !partitionIds.Contains(flushed.PartitionId)))
            {
                continue;
            }

            if (!_servedBy.TryGetValue(flushed.SegmentId, out var node))
            {
                throw new MilvusException(ErrorCode.CollectionNotFullyLoaded,
                    $"segment {flushed.SegmentId} of collection {_collection.Name} is not loaded on any query node; load the collection first");
            }

            if (!remote.TryGetValue(node, out var ids))
            {
                remote[node] = ids = [];
            }

            ids.Add(flushed.SegmentId);
        }

        return new ReadTargets(local, remote);
    }

    /// <summary>
    /// Runs a read on every segment of the shard and reduces: views of the local segments are taken here and now and
    /// read on the search pool (so inserts keep flowing meanwhile); query nodes are asked after every delete this
    /// shard forwarded them.
    /// </summary>
    private void ReadAt<T>(ulong readTimestamp, ImmutableArray<long> partitionIds, IActorRef replyTo,
        Func<CollectionSchema, FilterExpression?> bindFilter, Func<SegmentView, FilterExpression?, T> local,
        Func<IActorRef, ImmutableArray<long>, Task<T>> remote, Func<IReadOnlyList<T>, T> reduce)
        where T : class
    {
        try
        {
            if (readTimestamp != ulong.MaxValue)
            {
                // Later writes must land above this snapshot, so repeating the read at the same timestamp sees the same rows.
                _lastTimestamp = Math.Max(_lastTimestamp, readTimestamp);
            }

            var targets = LocateSegments(partitionIds);
            var views = new SegmentView[targets.Local.Count];
            for (var i = 0; i < views.Length; i++)
            {
                views[i] = targets.Local[i].View();
            }

            var schema = _collection.Schema;
            var pool = SearchPool.Get(Context.System);
            if (targets.Remote.Count == 0)
            {
                pool.Run(() => reduce(SegmentView.ReadAll(views, bindFilter(schema), local)), replyTo);
                return;
            }

            var asks = new List<Task<T>>(targets.Remote.Count + 1);
            foreach (var (node, ids) in targets.Remote)
            {
                asks.Add(remote(node, [.. ids]));
            }

            if (views.Length > 0)
            {
                asks.Add(pool.Run(() => reduce(SegmentView.ReadAll(views, bindFilter(schema), local))));
            }

            Task.WhenAll(asks).ContinueWith(t => t.IsCompletedSuccessfully
                    ? reduce(t.Result)
                    : (object)MilvusFailure.From(t.Exception!.GetBaseException()),
                    TaskContinuationOptions.ExecuteSynchronously)
                .PipeTo(replyTo);
        }
        catch (Exception e)
        {
            replyTo.Tell(MilvusFailure.From(e));
        }
    }
}
