using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// No read fails or misses rows while segments move from growing to sealed, flushed, indexed and served, are compacted
/// and garbage-collected, or the collection is released and loaded again: Milvus's delegator keeps serving a segment
/// until a query node does.
/// </summary>
public sealed class ReadsDuringSegmentLifecycleTests() : StandaloneNodeTest(Config)
{
    private const string Config = """
        milvus.coordinator.compaction { auto = off, small-segment-rows = 10000 }
        milvus.coordinator.gc.interval = 300ms
        milvus.coordinator.gc.drop-tolerance = 1s
        """;

    [Fact]
    public async Task A_collection_loaded_empty_answers_at_once_after_an_insert_and_a_flush()
    {
        var collection = new OracleCollection(Proxy, "loaded_empty", seed: 61);
        await collection.CreateAndLoadAsync(shards: 2);
        await collection.InsertAsync(0, 2000);
        await Proxy.FlushAsync(null, collection.Name);

        // At once: no query node serves the new segments yet, so the shards answer for them.
        var count = await Proxy.QueryAsync(new QueryRequest { Collection = collection.Name, OutputFields = [MilvusProxy.CountStar], Consistency = ConsistencyLevel.Strong });
        Assert.Equal(2000, count.Count);
        await collection.AssertMatchesOracleAsync();
        await collection.WaitUntilServedAsync();
        await collection.AssertMatchesOracleAsync();
    }

    [Fact]
    public async Task Reads_never_fail_or_miss_rows_through_flush_index_builds_compaction_gc_and_reloads()
    {
        var name = "lifecycle";
        var rows = new TestRows(62);
        await Proxy.CreateCollectionAsync(null, TestRows.Schema(name), shards: 2);
        // vec_l2 gets an index that data nodes build per flushed segment, so hand-overs wait for index builds.
        foreach (var (field, type, metric) in new[] { ("vec_l2", "HNSW", "L2"), ("vec_ip", "FLAT", "IP"), ("vec_cos", "FLAT", "COSINE") })
        {
            await Proxy.CreateIndexAsync(null, name, field, null,
                ImmutableSortedDictionary<string, string>.Empty.Add("index_type", type).Add("metric_type", metric));
        }

        await Proxy.LoadCollectionAsync(null, name);
        var history = new WriteHistory();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() => ReadContinuouslyAsync(Proxy, name, rows, history, stop.Token));
        try
        {
            var nextId = 0L;
            for (var round = 0; round < 5; round++)
            {
                var batch = rows.Make(nextId, 1200);
                var first = nextId;
                nextId += 1200;
                await history.WriteAsync(+1200, () => Proxy.InsertAsync(null, name, batch));
                // Rows below 100 are never deleted: the primary-key reads look them up.
                var deleted = Enumerable.Range(0, 1200).Select(i => first + i).Where(id => id >= 100 && id % 10 == 3).ToList();
                await history.WriteAsync(-deleted.Count, () => Proxy.DeleteAsync(null, name, $"id in [{string.Join(",", deleted)}]"));
                rows.Delete(deleted);
                await Proxy.FlushAsync(null, name);
                switch (round)
                {
                    case 1:
                        await Proxy.CreateIndexAsync(null, name, "num", null, ImmutableSortedDictionary<string, string>.Empty.Add("index_type", "STL_SORT"));
                        break;
                    case 2:
                        var compactions = (await Proxy.GetCompactionStateAsync(null, name)).Completed;
                        await Proxy.CompactAsync(null, name);
                        await Eventually.UntilAsync(async () => (await Proxy.GetCompactionStateAsync(null, name)) is { Pending: 0, Running: 0 } state
                            && state.Completed > compactions, "the compaction completes");
                        break;
                    case 3:
                        history.ReleaseWindowEdge();
                        await Proxy.ReleaseCollectionAsync(null, name);
                        // Writes go on while released.
                        var more = rows.Make(nextId, 300);
                        nextId += 300;
                        await history.WriteAsync(+300, () => Proxy.InsertAsync(null, name, more));
                        await Proxy.LoadCollectionAsync(null, name);
                        history.ReleaseWindowEdge();
                        break;
                }
            }

            await Eventually.UntilAsync(async () => (await Proxy.GetLoadProgressAsync(null, name)).Percent == 100, "every segment is served");
            await Eventually.UntilAsync(() => Task.FromResult(reader.IsFaulted || history.Reads >= 50), "the reader ran 50 reads");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await reader;
        Assert.Equal(rows.Visible.Count, history.Acknowledged);
    }

    /// <summary>
    /// Count(*), a filtered search and a primary-key query, at Strong and Bounded, without pause. A Strong count equals a
    /// count the writer had between the read's start (everything acknowledged by then) and its end; a read fails only
    /// while the collection is released, and then with Milvus's "collection not loaded".
    /// </summary>
    private static async Task ReadContinuouslyAsync(MilvusProxy proxy, string name, TestRows rows, WriteHistory history, CancellationToken stop)
    {
        var random = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            foreach (var consistency in new[] { ConsistencyLevel.Strong, ConsistencyLevel.Bounded })
            {
                var (start, releaseEpoch) = history.ReadStarts();
                var kind = random.Next(3);
                try
                {
                    switch (kind)
                    {
                        case 0:
                            var count = await proxy.QueryAsync(new QueryRequest { Collection = name, OutputFields = [MilvusProxy.CountStar], Consistency = consistency });
                            if (consistency == ConsistencyLevel.Strong)
                            {
                                var possible = history.CountsSince(start);
                                Assert.True(possible.Contains(count.Count), $"a strong count(*) answered {count.Count}; the writer's counts over the read were [{string.Join(",", possible)}]");
                            }

                            break;
                        case 1:
                            var hits = await proxy.SearchAsync(new SearchRequest
                            {
                                Collection = name,
                                VectorField = "vec_l2",
                                Vectors = rows.RandomQuery(),
                                Limit = 10,
                                Filter = "num < 500",
                                Consistency = consistency,
                            });
                            var ids = ((ScalarColumn<long>)hits.Ids).Values;
                            Assert.Equal(ids.Length, ids.Distinct().Count());
                            Assert.True(history.CountsSince(start).Min() < 100 || ids.Length == 10, $"a filtered search found only {ids.Length} hits");
                            break;
                        default:
                            var id = random.Next(100);
                            var found = await proxy.QueryAsync(new QueryRequest { Collection = name, Filter = $"id in [{id}]", OutputFields = ["num"], Consistency = consistency });
                            if (start >= 1)
                            {
                                // The first insert, which wrote rows 0..99, was acknowledged before the read.
                                Assert.Equal([id], ((ScalarColumn<long>)found.Ids).Values);
                            }

                            break;
                    }
                }
                catch (MilvusException e) when (e.Code == ErrorCode.CollectionNotLoaded && history.ReleasedSince(releaseEpoch))
                {
                    // Milvus answers reads of a released collection this way.
                }

                history.ReadDone();
            }
        }
    }

    /// <summary>The writer's row counts, one per write in order, and its release windows.</summary>
    private sealed class WriteHistory
    {
        private readonly List<long> _counts = [0];
        private readonly Lock _lock = new();
        private bool _writing;
        private int _releaseEpoch;
        private int _reads;

        public long Acknowledged { get { lock (_lock) { return _writing ? _counts[^2] : _counts[^1]; } } }

        public int Reads => Volatile.Read(ref _reads);

        /// <summary>Runs one write; while it runs its count may already be visible, so a read's window includes it.</summary>
        public async Task WriteAsync(long delta, Func<Task> write)
        {
            lock (_lock)
            {
                _counts.Add(_counts[^1] + delta);
                _writing = true;
            }

            await write();
            lock (_lock)
            {
                _writing = false;
            }
        }

        /// <summary>
        /// A read starts: the index of the count of the last acknowledged write (a Strong read sees at least it), and the
        /// release epoch (odd while released).
        /// </summary>
        public (int Start, int ReleaseEpoch) ReadStarts()
        {
            lock (_lock)
            {
                return (_writing ? _counts.Count - 2 : _counts.Count - 1, _releaseEpoch);
            }
        }

        /// <summary>The counts a read that started at <paramref name="start"/> may see: up to the write in flight now.</summary>
        public List<long> CountsSince(int start)
        {
            lock (_lock)
            {
                return _counts[start..];
            }
        }

        /// <summary>Whether the collection was released at some point since the epoch <paramref name="startEpoch"/> was read.</summary>
        public bool ReleasedSince(int startEpoch)
        {
            lock (_lock)
            {
                return startEpoch % 2 == 1 || _releaseEpoch != startEpoch;
            }
        }

        /// <summary>Called before a release and after the load that follows it.</summary>
        public void ReleaseWindowEdge()
        {
            lock (_lock)
            {
                _releaseEpoch++;
            }
        }

        public void ReadDone() => Interlocked.Increment(ref _reads);
    }
}
