using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;

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

    /// <remarks>
    /// The shard forwards each delete to the query node serving the flushed segment, then acknowledges it; the next read
    /// reaches the node after that delete (a shortcut reading the node's segments without its mailbox must keep this).
    /// </remarks>
    [Fact]
    public async Task Each_delete_is_seen_by_the_next_strong_read_of_segments_served_in_this_process()
    {
        var collection = new OracleCollection(Proxy, "deletes_then_reads", seed: 64);
        await collection.CreateAndLoadAsync(shards: 1);
        await collection.InsertAsync(0, 400);
        await Proxy.FlushAsync(null, collection.Name);
        await collection.WaitUntilServedAsync();

        for (var id = 0L; id < 100; id++)
        {
            await Proxy.DeleteAsync(null, collection.Name, $"id == {id}");
            var count = await Proxy.QueryAsync(new QueryRequest { Collection = collection.Name, OutputFields = [MilvusProxy.CountStar], Consistency = ConsistencyLevel.Strong });
            Assert.Equal(400 - id - 1, count.Count);
            var deleted = await Proxy.QueryAsync(new QueryRequest { Collection = collection.Name, Filter = $"id <= {id}", Consistency = ConsistencyLevel.Strong });
            Assert.Empty(((ScalarColumn<long>)deleted.Ids).Values);
        }

        collection.Rows.Delete(Enumerable.Range(0, 100).Select(i => (long)i));
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
        var history = new ContinuousReader.WriteHistory();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() => ContinuousReader.RunAsync(Proxy, name, rows, history, stop.Token));
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
}
