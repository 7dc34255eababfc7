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
    /// <summary>
    /// How often a read is run again after query nodes failed it (no longer holding some of its segments, gone, or
    /// silent): enough to try another replica, then to read the segments here.
    /// </summary>
    private const int MaxReadRetries = 2;

    /// <summary>Which replica the next read starts with: reads take the replicas in turn.</summary>
    private int _readTurn;

    /// <summary>
    /// Cancelled when a query node is gone (its <see cref="Terminated"/>): the reads waiting for it give it up at once and
    /// go to another replica or the shard, instead of waiting out their ask timeout.
    /// </summary>
    private readonly Dictionary<IActorRef, CancellationTokenSource> _nodeGone = [];

    private CancellationToken NodeGone(IActorRef node) =>
        (_nodeGone.TryGetValue(node, out var gone) ? gone : _nodeGone[node] = new CancellationTokenSource()).Token;

    private void ReadsOnNodeGone(IActorRef node)
    {
        if (_nodeGone.Remove(node, out var gone))
        {
            gone.Cancel();
            gone.Dispose();
        }
    }

    /// <summary>Runs a read again on the actor thread, avoiding the query nodes that failed it.</summary>
    private sealed record RetryRead(Action Read) : INoSerializationVerificationNeeded;

    private void OnSearch(SearchShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, Sender, schema => plan.FilterFor(schema),
            (view, filter) => view.Search(plan, filter),
            (node, ids, timeout, gone) => node.AskForInline<SearchHits>(new SearchSegments(plan, ids), timeout, gone),
            parts => SearchReducer.Reduce(parts, plan.Nq, _collection.Schema.PrimaryKey.DataType, plan.Metric, 0, plan.TopK, plan.Grouping),
            flushedOnly: plan.IgnoreGrowing);
    }

    /// <summary>The first round of a BM25 search: the shard's part of the corpus statistics, summed over its segments.</summary>
    private void OnBm25Stats(Bm25StatsShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, [], Sender, _ => null,
            (view, _) => view.Bm25Statistics(plan),
            (node, ids, timeout, gone) => node.AskForInline<Bm25Stats>(new Bm25StatsSegments(plan, ids), timeout, gone),
            parts => Bm25Stats.Sum(parts, plan.Terms.Length));
    }

    private void OnQuery(QueryShard m)
    {
        var plan = m.Plan;
        ReadAt(plan.ReadTimestamp, plan.PartitionIds, Sender, schema => plan.FilterFor(schema),
            (view, filter) => view.Query(plan, filter),
            (node, ids, timeout, gone) => node.AskForInline<QueryRows>(new QuerySegments(plan, ids), timeout, gone),
            parts => QueryReducer.Reduce(parts, _collection.Schema.PrimaryKey.DataType, plan.OutputFieldIds, plan.CountOnly, 0, plan.Limit, plan.OrderBy, plan.Aggregation),
            flushedOnly: plan.IgnoreGrowing);
    }

    /// <summary>
    /// Runs a read on every segment of the shard and reduces: views of the in-memory segments are taken here and now
    /// and read on the search pool (so inserts keep flowing meanwhile); flushed segments are read on the query nodes
    /// serving them (asked after every delete this shard forwarded). A flushed segment nobody serves is loaded from
    /// object storage and read here (the read waits for it), so no read fails or misses rows while a segment changes
    /// hands. A read takes one replica (<paramref name="turn"/>); <paramref name="avoid"/> are query nodes that failed
    /// it, whose segments go to another replica or are read here. <paramref name="flushedOnly"/> leaves out the shard's
    /// segments that are still growing or being written (ignore_growing).
    /// </summary>
    private void ReadAt<T>(ulong readTimestamp, ImmutableArray<long> partitionIds, IActorRef replyTo,
        Func<CollectionSchema, FilterExpression?> bindFilter, Func<SegmentView, FilterExpression?, T> local,
        Func<IActorRef, ImmutableArray<long>, TimeSpan, CancellationToken, Task<T>> remote, Func<IReadOnlyList<T>, T> reduce,
        bool flushedOnly = false, int turn = -1, ImmutableHashSet<IActorRef>? avoid = null, int retries = 0)
        where T : class
    {
        if (turn < 0)
        {
            turn = _readTurn;
            _readTurn = (_readTurn + 1) & int.MaxValue;
        }

        try
        {
            if (readTimestamp != ulong.MaxValue)
            {
                // Later writes must land above this snapshot, so repeating the read at the same timestamp sees the same rows.
                _state.RaiseTimestamp(readTimestamp);
            }

            _serving.ReadArrived();
            var route = _serving.Route(partitionIds, _state.Segments.ContainsKey, turn, avoid);
            if (!route.FromStorage.IsEmpty)
            {
                AfterStorageLoads(route.FromStorage, replyTo,
                    () => ReadAt(readTimestamp, partitionIds, replyTo, bindFilter, local, remote, reduce, flushedOnly, turn, avoid, retries));
                return;
            }

            var views = new List<SegmentView>(_state.Segments.Count);
            foreach (var segment in _state.Segments.Values)
            {
                // An empty segment (a growing one just opened) adds nothing to a read: skipping it can save a pool task.
                if (segment.RowCount > 0 && (!flushedOnly || segment.State == SegmentState.Flushed))
                {
                    views.Add(segment.View());
                }
            }

            var schema = _collection.Schema;
            var pool = SearchPool.Get(Context.System);
            if (route.Remote.IsEmpty)
            {
                pool.Run(() => reduce(SegmentView.ReadAll(views, bindFilter(schema), local)), replyTo);
                return;
            }

            var asks = new List<Task<T>>(route.Remote.Length + 1);
            foreach (var (node, ids, fallback) in route.Remote)
            {
                // With another replica to turn to, a node that stays silent (stopped, or its machine gone) is given up sooner.
                asks.Add(remote(node, ids, fallback ? _settings.ReplicaAttemptTimeout : _settings.AskTimeout, NodeGone(node)));
            }

            if (views.Count > 0)
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

                var error = FailureOf(t)!;
                // A node that unloaded a segment before the shard learnt of it (a release, a node leaving, the
                // coordinator's bookkeeping), or that is gone or silent: its segments are read from another replica,
                // or by the shard itself.
                var failed = route.Remote.Where((_, i) => IsNodeFailure(FailureOf(asks[i]))).Select(r => r.Node).ToList();
                if (failed.Count == 0 || retries >= MaxReadRetries)
                {
                    replyTo.Tell(MilvusFailure.From(error));
                    return;
                }

                var avoided = (avoid ?? []).Union(failed);
                self.Tell(new RetryRead(() => ReadAt(readTimestamp, partitionIds, replyTo, bindFilter, local, remote, reduce, flushedOnly, turn, avoided, retries + 1)));
            }, TaskContinuationOptions.ExecuteSynchronously);
        }
        catch (Exception e)
        {
            replyTo.Tell(MilvusFailure.From(e));
        }
    }

    /// <summary>Why a task did not complete: its exception, or a cancellation (an ask given up because its node is gone).</summary>
    private static Exception? FailureOf(Task task) => task.IsCanceled ? new OperationCanceledException() : task.Exception?.GetBaseException();

    /// <summary>Whether a query node's answer says the node, not the read, failed: another replica or the shard may answer.</summary>
    private static bool IsNodeFailure(Exception? error) =>
        error is MilvusException { Code: ErrorCode.SegmentNotLoaded or ErrorCode.ServiceUnavailable or ErrorCode.NodeNotAvailable or ErrorCode.NodeNotFound }
            or AskTimeoutException or OperationCanceledException;
}
