using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Scalar;
using Milvus.Akka.Proxy;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Scalar indexes through the server: created on a collection, built by the data role on flushed segments (the index
/// progress shows it), loaded with the segments by the query role and used by filters, which answer exactly as the
/// brute-force oracle does (with deletes applied); dropped and re-created as another type after a release.
/// </summary>
public sealed class ScalarIndexEndToEndTests() : StandaloneNodeTest
{
    private const string Collection = "scalar_indexes";
    private readonly TestRows _rows = new(seed: 11);

    [Fact]
    public async Task Filters_over_built_scalar_indexes_answer_like_the_oracle()
    {
        await Proxy.CreateCollectionAsync(null, TestRows.Schema(Collection), shards: 1);
        for (var batch = 0; batch < 3; batch++)
        {
            await Proxy.InsertAsync(null, Collection, _rows.Make(batch * 2000, 2000));
        }

        foreach (var vector in TestRows.VectorFields)
        {
            await CreateIndexAsync(vector, ("index_type", "FLAT"), ("metric_type", vector == "vec_l2" ? "L2" : vector == "vec_ip" ? "IP" : "COSINE"));
        }

        await CreateIndexAsync("id", ("index_type", "INVERTED"));
        await CreateIndexAsync("num", ("index_type", "STL_SORT"));
        await CreateIndexAsync("title", ("index_type", "Trie"));
        await CreateIndexAsync("meta", ("index_type", "INVERTED"), ("json_path", "meta[\"group\"]"), ("json_cast_type", "DOUBLE"));

        await Proxy.FlushAsync(null, Collection);
        await WaitForBuildsAsync();
        await AssertIndexFilesAsync(("id", ScalarIndexType.Inverted), ("num", ScalarIndexType.StlSort),
            ("title", ScalarIndexType.Trie), ("meta", ScalarIndexType.Inverted));

        await Proxy.LoadCollectionAsync(null, Collection);
        await AssertFiltersMatchOracleAsync();

        var deleted = _rows.Visible.Select(r => r.Id).Where(id => id % 7 == 2).ToList();
        await Proxy.DeleteAsync(null, Collection, $"id in [{string.Join(",", deleted)}]");
        _rows.Delete(deleted);
        await AssertFiltersMatchOracleAsync();

        // An index is dropped only on a released collection; the field then takes another type, built and used in turn.
        await Proxy.ReleaseCollectionAsync(null, Collection);
        await Proxy.DropIndexAsync(null, Collection, "num", null);
        var described = await Proxy.DescribeCollectionAsync(null, Collection);
        Assert.Null(described.IndexOnField(FieldId("num")));
        Assert.All(await Proxy.GetFlushedSegmentsAsync(null, Collection), s => Assert.False(s.IndexFiles.ContainsKey(FieldId("num"))));

        await CreateIndexAsync("num", ("index_type", "BITMAP"));
        await WaitForBuildsAsync();
        await AssertIndexFilesAsync(("num", ScalarIndexType.Bitmap));
        await Proxy.LoadCollectionAsync(null, Collection);
        await AssertFiltersMatchOracleAsync();
    }

    private async Task WaitForBuildsAsync()
    {
        await Eventually.UntilAsync(async () =>
        {
            var progress = await Proxy.GetIndexProgressAsync(null, Collection);
            return progress.ByIndexId.Values.All(p => p.TotalRows > 0 && p.IndexedRows == p.TotalRows);
        }, "the data role builds every index of every flushed segment");
    }

    /// <summary>Every flushed segment big enough to index has a scalar index file of each field, of the type asked for.</summary>
    private async Task AssertIndexFilesAsync(params (string Field, ScalarIndexType Type)[] expected)
    {
        var segments = await Proxy.GetFlushedSegmentsAsync(null, Collection);
        Assert.Contains(segments, s => s.RowCount >= 1024);
        await using var objects = new LocalObjectStore(Path.Combine(DataDir, "objects"));
        foreach (var segment in segments.Where(s => s.RowCount >= 1024))
        {
            foreach (var (field, type) in expected)
            {
                var file = await objects.GetAsync(segment.IndexFiles[FieldId(field)]);
                var index = ScalarIndexFile.Read(file);
                Assert.Equal(type, index.Type);
                Assert.Equal(segment.RowCount, index.RowCount);
            }
        }
    }

    private async Task AssertFiltersMatchOracleAsync()
    {
        var titles = _rows.Visible.Where(r => r.Id % 101 == 0).Select(r => r.Title).Take(5).Append("zz-none").ToList();
        var ids = _rows.Visible.Where(r => r.Id % 89 == 0).Select(r => r.Id).Take(20).Append(99_999_999).ToList();
        await AssertQueryAsync("num >= 100 and num < 300", r => r.Num is >= 100 and < 300);
        await AssertQueryAsync("num == 7 or num in [1, 2, 500, 999]", r => r.Num is 7 or 1 or 2 or 500 or 999);
        await AssertQueryAsync("not (num > 20)", r => r.Num <= 20);
        await AssertQueryAsync("title like \"a1%\"", r => r.Title.StartsWith("a1", StringComparison.Ordinal));
        await AssertQueryAsync($"title in [{string.Join(", ", titles.Select(t => $"\"{t}\""))}]", r => titles.Contains(r.Title));
        await AssertQueryAsync("meta[\"group\"] == 4", r => r.Group == 4);
        await AssertQueryAsync("meta[\"group\"] in [1, 2] and num < 500", r => r.Group is 1 or 2 && r.Num < 500);
        await AssertQueryAsync("meta[\"group\"] > 7 or title like \"c1%\"", r => r.Group > 7 || r.Title.StartsWith("c1", StringComparison.Ordinal));
        await AssertQueryAsync($"id in [{string.Join(",", ids)}]", r => ids.Contains(r.Id));

        var query = _rows.RandomQuery();
        var hits = await Proxy.SearchAsync(new SearchRequest
        {
            Collection = Collection,
            VectorField = "vec_l2",
            Vectors = query,
            Limit = 15,
            Filter = "num < 400 and meta[\"group\"] in [3, 5] and title like \"b%\"",
            Consistency = ConsistencyLevel.Strong,
        });
        _rows.AssertSameHits(MetricType.L2, query, hits, 0,
            _rows.TopK(query, MetricType.L2, 15, r => r.Num < 400 && r.Group is 3 or 5 && r.Title.StartsWith('b')));
    }

    private async Task AssertQueryAsync(string filter, Func<TestRows.Row, bool> oracle)
    {
        var result = await Proxy.QueryAsync(new QueryRequest
        {
            Collection = Collection,
            Filter = filter,
            OutputFields = ["num"],
            Consistency = ConsistencyLevel.Strong,
        });
        var expected = _rows.Visible.Where(oracle).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(r => r.Id), ((ScalarColumn<long>)result.Ids).Values);
        Assert.Equal(expected.Select(r => r.Num), ((ScalarColumn<int>)result.Fields[FieldId("num")]).Values);
    }

    private static long FieldId(string name) => TestRows.Schema(Collection).Fields.Select((f, i) => (f.Name, Id: 100L + i)).Single(f => f.Name == name).Id;

    private Task CreateIndexAsync(string field, params (string Key, string Value)[] parameters) =>
        Proxy.CreateIndexAsync(null, Collection, field, null, parameters.ToImmutableSortedDictionary(p => p.Key, p => p.Value));
}
