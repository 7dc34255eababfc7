using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
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
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, plan.Filter, Sender,
            (segment, filter) => segment.Search(plan, filter),
            (node, ids) => node.AskFor<SearchHits>(new SearchSegments(plan, ids), _settings.AskTimeout),
            parts => SearchReducer.Reduce(parts, plan.Nq, _collection.Schema.PrimaryKey.DataType, plan.Metric, 0, plan.TopK));
    }

    private void OnQuery(QueryShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, plan.Filter, Sender,
            (segment, filter) => segment.Query(plan, filter),
            (node, ids) => node.AskFor<QueryRows>(new QuerySegments(plan, ids), _settings.AskTimeout),
            parts => QueryReducer.Reduce(parts, _collection.Schema.PrimaryKey.DataType, plan.OutputFieldIds, plan.CountOnly, 0, plan.Limit));
    }

    /// <summary>
    /// Runs a read on every segment of the shard: in-memory segments here and now, flushed segments on the query nodes
    /// serving them (asked after every delete this shard forwarded), then reduces. A flushed segment that nobody
    /// serves fails the read rather than silently missing rows.
    /// </summary>
    private void ReadAt<T>(ulong readTimestamp, ImmutableArray<long> partitionIds, string? filterText, IActorRef replyTo,
        Func<Segment, FilterExpression?, T> local, Func<IActorRef, ImmutableArray<long>, Task<T>> remote, Func<IReadOnlyList<T>, T> reduce)
        where T : class
    {
        try
        {
            if (readTimestamp != ulong.MaxValue)
            {
                // Later writes must land above this snapshot, so repeating the read at the same timestamp sees the same rows.
                _lastTimestamp = Math.Max(_lastTimestamp, readTimestamp);
            }

            var filter = string.IsNullOrWhiteSpace(filterText) ? null : FilterExpression.Parse(filterText, _collection.Schema);
            var parts = _segments.Values.Select(segment => local(segment, filter)).ToList();
            var remoteSegments = _flushed.Values
                .Where(s => !_segments.ContainsKey(s.SegmentId) && (partitionIds.IsDefaultOrEmpty || partitionIds.Contains(s.PartitionId)))
                .ToList();
            var unserved = remoteSegments.FirstOrDefault(s => !_servedBy.ContainsKey(s.SegmentId));
            if (unserved is not null)
            {
                throw new MilvusException(ErrorCode.CollectionNotFullyLoaded,
                    $"segment {unserved.SegmentId} of collection {_collection.Name} is not loaded on any query node; load the collection first");
            }

            if (remoteSegments.Count == 0)
            {
                replyTo.Tell(reduce(parts));
                return;
            }

            var asks = remoteSegments.GroupBy(s => _servedBy[s.SegmentId])
                .Select(g => remote(g.Key, [.. g.Select(s => s.SegmentId)]))
                .ToList();
            Task.WhenAll(asks).ContinueWith(t => t.IsCompletedSuccessfully
                    ? reduce([.. parts, .. t.Result])
                    : (object)MilvusFailure.From(t.Exception!.GetBaseException()))
                .PipeTo(replyTo);
        }
        catch (Exception e)
        {
            replyTo.Tell(MilvusFailure.From(e));
        }
    }
}
