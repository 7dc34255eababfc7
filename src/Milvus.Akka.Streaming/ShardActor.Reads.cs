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
    /// <summary>How often a read is run again after query nodes answered that they no longer hold some of its segments.</summary>
    private const int MaxReadRetries = 2;

    /// <summary>Runs a read again on the actor thread, with the segments a query node failed to answer read here.</summary>
    private sealed record RetryRead(Action Read) : INoSerializationVerificationNeeded;

    private void OnSearch(SearchShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, Sender, schema => plan.FilterFor(schema),
            (view, filter) => view.Search(plan, filter),
            (node, ids) => node.AskFor<SearchHits>(new SearchSegments(plan, ids), _settings.AskTimeout),
            parts => SearchReducer.Reduce(parts, plan.Nq, _collection.Schema.PrimaryKey.DataType, plan.Metric, 0, plan.TopK, plan.Grouping));
    }

    /// <summary>The first round of a BM25 search: the shard's part of the corpus statistics, summed over its segments.</summary>
    private void OnBm25Stats(Bm25StatsShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, [], Sender, _ => null,
            (view, _) => view.Bm25Statistics(plan),
            (node, ids) => node.AskFor<Bm25Stats>(new Bm25StatsSegments(plan, ids), _settings.AskTimeout),
            parts => Bm25Stats.Sum(parts, plan.Terms.Length));
    }

    private void OnQuery(QueryShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, Sender, schema => plan.FilterFor(schema),
            (view, filter) => view.Query(plan, filter),
            (node, ids) => node.AskFor<QueryRows>(new QuerySegments(plan, ids), _settings.AskTimeout),
            parts => QueryReducer.Reduce(parts, _collection.Schema.PrimaryKey.DataType, plan.OutputFieldIds, plan.CountOnly, 0, plan.Limit));
    }

    /// <summary>
    /// Runs a read on every segment of the shard and reduces: views of the in-memory segments are taken here and now
    /// and read on the search pool (so inserts keep flowing meanwhile); flushed segments are read on the query nodes
    /// serving them (asked after every delete this shard forwarded). A flushed segment nobody serves is loaded from
    /// object storage and read here (the read waits for it), so no read fails or misses rows while a segment changes
    /// hands; <paramref name="readLocally"/> are segments a query node failed to answer for this read.
    /// </summary>
    private void ReadAt<T>(ulong readTimestamp, ImmutableArray<long> partitionIds, IActorRef replyTo,
        Func<CollectionSchema, FilterExpression?> bindFilter, Func<SegmentView, FilterExpression?, T> local,
        Func<IActorRef, ImmutableArray<long>, Task<T>> remote, Func<IReadOnlyList<T>, T> reduce,
        ImmutableHashSet<long>? readLocally = null, int retries = 0)
        where T : class
    {
        try
        {
            if (readTimestamp != ulong.MaxValue)
            {
                // Later writes must land above this snapshot, so repeating the read at the same timestamp sees the same rows.
                _state.RaiseTimestamp(readTimestamp);
            }

            _serving.ReadArrived();
            var route = _serving.Route(partitionIds, _state.Segments.ContainsKey, readLocally);
            if (!route.FromStorage.IsEmpty)
            {
                AfterStorageLoads(route.FromStorage, replyTo,
                    () => ReadAt(readTimestamp, partitionIds, replyTo, bindFilter, local, remote, reduce, readLocally, retries));
                return;
            }

            var views = new SegmentView[_state.Segments.Count];
            var next = 0;
            foreach (var segment in _state.Segments.Values)
            {
                views[next++] = segment.View();
            }

            var schema = _collection.Schema;
            var pool = SearchPool.Get(Context.System);
            if (route.Remote.IsEmpty)
            {
                pool.Run(() => reduce(SegmentView.ReadAll(views, bindFilter(schema), local)), replyTo);
                return;
            }

            var asks = new List<Task<T>>(route.Remote.Length + 1);
            foreach (var (node, ids) in route.Remote)
            {
                asks.Add(remote(node, ids));
            }

            if (views.Length > 0)
            {
                asks.Add(pool.Run(() => reduce(SegmentView.ReadAll(views, bindFilter(schema), local))));
            }

            var self = Self;
            Task.WhenAll(asks).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    replyTo.Tell(reduce(t.Result));
                    return;
                }

                var error = t.Exception!.GetBaseException();
                // A node that unloaded a segment before the shard learnt of it (a release, a node leaving, the
                // coordinator's bookkeeping): the shard reads those segments itself.
                var missing = route.Remote.Where((_, i) => asks[i].Exception?.GetBaseException() is MilvusException { Code: ErrorCode.SegmentNotLoaded })
                    .SelectMany(r => r.SegmentIds).ToImmutableHashSet();
                if (missing.IsEmpty || retries >= MaxReadRetries)
                {
                    replyTo.Tell(MilvusFailure.From(error));
                    return;
                }

                var readHere = (readLocally ?? []).Union(missing);
                self.Tell(new RetryRead(() => ReadAt(readTimestamp, partitionIds, replyTo, bindFilter, local, remote, reduce, readHere, retries + 1)));
            }, TaskContinuationOptions.ExecuteSynchronously);
        }
        catch (Exception e)
        {
            replyTo.Tell(MilvusFailure.From(e));
        }
    }
}
