using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>A small loaded collection of <see cref="TestRows"/> with exact (FLAT) indexes, checked against the oracle.</summary>
public sealed class OracleCollection
{
    private readonly MilvusProxy _proxy;

    public OracleCollection(MilvusProxy proxy, string name, int seed)
        : this(proxy, name, new TestRows(seed))
    {
    }

    private OracleCollection(MilvusProxy proxy, string name, TestRows rows)
    {
        _proxy = proxy;
        Name = name;
        Rows = rows;
    }

    public TestRows Rows { get; }

    public string Name { get; }

    /// <summary>The same collection and oracle, reached through another proxy (a restarted node).</summary>
    public OracleCollection Through(MilvusProxy proxy) => new(proxy, Name, Rows);

    public Task<CollectionInfo> DescribeAsync() => _proxy.DescribeCollectionAsync(null, Name);

    public async Task CreateAndLoadAsync(int shards, int replicaNumber = 1, ImmutableArray<string> resourceGroups = default)
    {
        await _proxy.CreateCollectionAsync(null, TestRows.Schema(Name), shards);
        foreach (var (field, metric) in new[] { ("vec_l2", "L2"), ("vec_ip", "IP"), ("vec_cos", "COSINE") })
        {
            await _proxy.CreateIndexAsync(null, Name, field, null,
                ImmutableSortedDictionary<string, string>.Empty.Add("index_type", "FLAT").Add("metric_type", metric));
        }

        await _proxy.LoadCollectionAsync(null, Name, replicaNumber: replicaNumber, resourceGroups: resourceGroups);
    }

    public async Task InsertAsync(long firstId, int count)
    {
        var result = await _proxy.InsertAsync(null, Name, Rows.Make(firstId, count));
        Assert.Equal(count, result.InsertCount);
    }

    /// <summary>Strong searches and queries see exactly the oracle's visible rows.</summary>
    public async Task AssertMatchesOracleAsync()
    {
        for (var q = 0; q < 2; q++)
        {
            await AssertNearestAsync();
        }

        // A filter of several evaluators (arithmetic, like, a JSON path with in, a column comparison), which reaches the
        // shards and query nodes of other processes as its bound plan.
        const string filter = "(num % 7 == 1 or title like \"a%\") and meta[\"tag\"] in [\"t1\", \"t2\"] and num < 900";
        bool Matches(TestRows.Row r) => (r.Num % 7 == 1 || r.Title.StartsWith('a')) && r.Group % 3 != 0 && r.Num < 900;
        var filtered = Rows.RandomQuery();
        var filteredHits = await _proxy.SearchAsync(new SearchRequest
        {
            Collection = Name, VectorField = "vec_l2", Vectors = filtered, Limit = 10, Filter = filter, Consistency = ConsistencyLevel.Strong,
        });
        Rows.AssertSameHits(MetricType.L2, filtered, filteredHits, 0, Rows.TopK(filtered, MetricType.L2, 10, Matches));
        var matching = await _proxy.QueryAsync(new QueryRequest { Collection = Name, Filter = filter, Consistency = ConsistencyLevel.Strong });
        Assert.Equal(Rows.Visible.Where(Matches).Select(r => r.Id), ((ScalarColumn<long>)matching.Ids).Values);

        var count = await _proxy.QueryAsync(new QueryRequest { Collection = Name, OutputFields = ["count(*)"], Consistency = ConsistencyLevel.Strong });
        Assert.Equal(Rows.Visible.Count, count.Count);
        var some = Rows.Visible.Where(r => r.Id % 37 == 0).Select(r => r.Id).Take(40).ToList();
        var rows = await _proxy.QueryAsync(new QueryRequest
        {
            Collection = Name,
            Filter = $"id in [{string.Join(",", some)}]",
            OutputFields = ["num"],
            Consistency = ConsistencyLevel.Strong,
        });
        Assert.Equal(some, ((ScalarColumn<long>)rows.Ids).Values);
    }

    /// <summary>A Strong top-10 search of a random query finds exactly the oracle's nearest visible rows.</summary>
    private async Task AssertNearestAsync()
    {
        var query = Rows.RandomQuery();
        var hits = await _proxy.SearchAsync(new SearchRequest
        {
            Collection = Name,
            VectorField = "vec_l2",
            Vectors = query,
            Limit = 10,
            Consistency = ConsistencyLevel.Strong,
        });
        Rows.AssertSameHits(MetricType.L2, query, hits, 0, Rows.TopK(query, MetricType.L2, 10));
    }

    /// <summary>
    /// Runs <paramref name="change"/> while a reader checks Strong searches and counts against the oracle without pause
    /// (no writes run meanwhile): 20 reads before the change, <paramref name="readsAfter"/> after it. Returns the tally.
    /// </summary>
    public async Task<ReadTally> ReadWhileAsync(Func<Task> change, int readsAfter = 20)
    {
        using var stop = new CancellationTokenSource();
        var reads = new ReadTally();
        var reader = Task.Run(() => ReadUntilAsync(reads, stop.Token));
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(reader.IsCompleted || reads.Total >= 20), "the reader ran 20 reads");
            await change();
            var before = reads.Total;
            await Eventually.UntilAsync(() => Task.FromResult(reader.IsCompleted || reads.Total >= before + readsAfter),
                $"the reader ran {readsAfter} reads after the change");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await reader;
        return reads;
    }

    private async Task ReadUntilAsync(ReadTally tally, CancellationToken stop)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await AssertNearestAsync();
                var count = await _proxy.QueryAsync(new QueryRequest { Collection = Name, OutputFields = [MilvusProxy.CountStar], Consistency = ConsistencyLevel.Strong });
                Assert.Equal(Rows.Visible.Count, count.Count);
                tally.Success();
            }
            catch (MilvusException e)
            {
                tally.Failure($"{e.Code}: {e.Message} after {watch.Elapsed.TotalSeconds:0.0} s");
            }
        }
    }

    public Task WaitUntilServedAsync() => Eventually.UntilAsync(
        async () => (await _proxy.GetLoadProgressAsync(null, Name)).Percent == 100,
        $"the query role serves every flushed segment of {Name}", seconds: 60);
}
