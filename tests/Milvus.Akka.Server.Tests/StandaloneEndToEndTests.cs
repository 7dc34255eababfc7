using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// The whole data path in one process: create, insert, search and query against a brute-force oracle, delete, flush
/// (sealed segments in object storage, indexed by the data role, loaded by the query role), then more writes.
/// </summary>
public class StandaloneEndToEndTests : IAsyncLifetime
{
    private const string Collection = "e2e";
    private readonly string _dataDir = StandaloneNode.NewDataDir();
    private readonly TestRows _rows = new(seed: 7);
    private MilvusNode _node = null!;

    private MilvusProxy Proxy => _node.Proxy!;

    protected string DataDir => _dataDir;

    /// <summary>HOCON selecting the storage backends; the embedded defaults unless a subclass picks others.</summary>
    protected virtual Task<string?> BackendConfigAsync() => Task.FromResult<string?>(null);

    /// <summary>A second client of the object store the node writes to, so the test can read back what was flushed.</summary>
    protected virtual IObjectStore OpenObjectStore() => new LocalObjectStore(Path.Combine(_dataDir, "objects"));

    public virtual async Task InitializeAsync() => _node = await StandaloneNode.StartAsync(_dataDir, await BackendConfigAsync());

    public virtual async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Growing_sealed_and_deleted_data_answer_like_the_oracle()
    {
        await Proxy.CreateCollectionAsync(null, TestRows.Schema(Collection), shards: 2);
        for (var batch = 0; batch < 10; batch++)
        {
            var result = await Proxy.InsertAsync(null, Collection, _rows.Make(batch * 2000, 2000));
            Assert.Equal(2000, result.InsertCount);
        }

        // IVF_FLAT is built by the data role for sealed segments; searching all its lists (nprobe = nlist) is exact.
        await CreateIndexAsync("vec_l2", "IVF_FLAT", "L2", ("nlist", "16"));
        await CreateIndexAsync("vec_ip", "FLAT", "IP");
        await CreateIndexAsync("vec_cos", "FLAT", "COSINE");
        await Proxy.LoadCollectionAsync(null, Collection);

        await AssertSearchesMatchOracleAsync();
        await AssertQueriesMatchOracleAsync();

        var deleted = _rows.Visible.Select(r => r.Id).Where(id => id % 20 == 3).ToList();
        Assert.Equal(1000, deleted.Count);
        var deleteResult = await Proxy.DeleteAsync(null, Collection, $"id in [{string.Join(",", deleted)}]");
        Assert.Equal(1000, deleteResult.DeleteCount);
        _rows.Delete(deleted);
        await AssertSearchesMatchOracleAsync();
        await AssertQueriesMatchOracleAsync();

        var (segments, _) = await Proxy.FlushAsync(null, Collection);
        Assert.NotEmpty(segments);
        var flushed = await Proxy.GetFlushedSegmentsAsync(null, Collection);
        Assert.Equal(20_000, flushed.Sum(s => s.RowCount));
        await using (var objects = OpenObjectStore())
        {
            await StoredSegments.AssertCompleteAsync(objects, await Proxy.DescribeCollectionAsync(null, Collection), flushed);
        }

        await Eventually.UntilAsync(async () =>
        {
            var progress = await Proxy.GetIndexProgressAsync(null, Collection);
            return progress.ByIndexId.Values.All(p => p.IndexedRows == p.TotalRows);
        }, "the data role indexes every sealed segment");
        var indexed = await Proxy.GetFlushedSegmentsAsync(null, Collection);
        Assert.All(indexed.Where(s => s.RowCount >= 1024), s => Assert.True(s.IndexFiles.ContainsKey(FieldId("vec_l2"))));
        await Eventually.UntilAsync(async () => (await Proxy.GetLoadProgressAsync(null, Collection)).Percent == 100,
            "the query role serves every flushed segment");

        await AssertSearchesMatchOracleAsync();
        await AssertQueriesMatchOracleAsync();

        // Growing rows on top of sealed ones, and deletes that hit both.
        await Proxy.InsertAsync(null, Collection, _rows.Make(100_000, 1500));
        var more = _rows.Visible.Select(r => r.Id).Where(id => id % 20 == 7).ToList();
        await Proxy.DeleteAsync(null, Collection, $"id in [{string.Join(",", more)}]");
        _rows.Delete(more);
        await AssertSearchesMatchOracleAsync();
        await AssertQueriesMatchOracleAsync();
    }

    private long FieldId(string name) => TestRows.Schema(Collection).Fields.Select((f, i) => (f.Name, Id: 100L + i)).Single(f => f.Name == name).Id;

    private Task CreateIndexAsync(string field, string type, string metric, params (string Key, string Value)[] parameters) =>
        Proxy.CreateIndexAsync(null, Collection, field, null, parameters
            .Append(("index_type", type)).Append(("metric_type", metric))
            .ToImmutableSortedDictionary(p => p.Item1, p => p.Item2));

    private async Task AssertSearchesMatchOracleAsync()
    {
        foreach (var (field, metric) in new[] { ("vec_l2", MetricType.L2), ("vec_ip", MetricType.IP), ("vec_cos", MetricType.Cosine) })
        {
            for (var q = 0; q < 3; q++)
            {
                var query = _rows.RandomQuery();
                var result = await Proxy.SearchAsync(new SearchRequest
                {
                    Collection = Collection,
                    VectorField = field,
                    Vectors = query,
                    Limit = 10,
                    Params = ImmutableDictionary<string, string>.Empty.Add("nprobe", "128"),
                    Consistency = ConsistencyLevel.Strong,
                    OutputFields = ["title"],
                });
                _rows.AssertSameHits(metric, query, result, 0, _rows.TopK(query, metric, 10));
                for (var i = 0; i < result.Count(0); i++)
                {
                    var id = ((ScalarColumn<long>)result.Ids).Values[i];
                    Assert.Equal(_rows.Visible.Single(r => r.Id == id).Title, ((StringColumn)result.Fields[FieldId("title")]).Values[i]);
                }
            }
        }

        var filtered = _rows.RandomQuery();
        var hits = await Proxy.SearchAsync(new SearchRequest
        {
            Collection = Collection,
            VectorField = "vec_l2",
            Vectors = filtered,
            Limit = 20,
            Filter = "num < 200 and meta[\"group\"] == 4",
            Params = ImmutableDictionary<string, string>.Empty.Add("nprobe", "128"),
            Consistency = ConsistencyLevel.Strong,
        });
        _rows.AssertSameHits(MetricType.L2, filtered, hits, 0, _rows.TopK(filtered, MetricType.L2, 20, r => r.Num < 200 && r.Group == 4));
    }

    private async Task AssertQueriesMatchOracleAsync()
    {
        await AssertQueryAsync("num > 10 and num < 100", r => r.Num is > 10 and < 100);
        await AssertQueryAsync("title like \"a%\"", r => r.Title.StartsWith('a'));
        var some = _rows.Visible.Where(r => r.Id % 97 == 0).Select(r => r.Id).Take(30).ToList();
        await AssertQueryAsync($"id in [{string.Join(",", some)}, 999999999]", r => some.Contains(r.Id));
        await AssertQueryAsync("meta[\"group\"] == 3 and meta[\"tag\"] == \"t0\"", r => r.Group == 3);
        var count = await Proxy.QueryAsync(new QueryRequest { Collection = Collection, OutputFields = ["count(*)"], Consistency = ConsistencyLevel.Strong });
        Assert.Equal(_rows.Visible.Count, count.Count);
    }

    private async Task AssertQueryAsync(string filter, Func<TestRows.Row, bool> oracle)
    {
        var result = await Proxy.QueryAsync(new QueryRequest
        {
            Collection = Collection,
            Filter = filter,
            OutputFields = ["num", "title"],
            Consistency = ConsistencyLevel.Strong,
        });
        var expected = _rows.Visible.Where(oracle).ToList();
        Assert.Equal(expected.Select(r => r.Id), ((ScalarColumn<long>)result.Ids).Values);
        Assert.Equal(expected.Select(r => r.Num), ((ScalarColumn<int>)result.Fields[FieldId("num")]).Values);
    }
}
