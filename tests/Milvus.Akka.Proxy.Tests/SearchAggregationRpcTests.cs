using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 3.0's composite grouping (group_by_fields) and search aggregation over flushed and growing rows of two shards.
/// The vectors lie on a line, so a FLAT L2 search ranks rows by their distance to the query exactly and an oracle can
/// rebuild what Milvus's pipeline answers: the best rows of the first keys of every level's fields together (up to the
/// largest top-hits size each), then per level buckets as found, their counts and metrics over those rows, ordered,
/// cut to size, with top hits and sub-buckets.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class SearchAggregationRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _collection = "sagg_" + Guid.NewGuid().ToString("N")[..8];
    private const int RowCount = 400;

    private MilvusService.MilvusServiceClient Client => server.Client;

    private sealed record Row(long Id, string? Brand, string Color, double Price, int Rating);

    /// <summary>
    /// Runs of three neighbouring rows share brand and color (every seventh run has no brand), and keys come back every
    /// twelve runs: the rows of a key the search keeps lie within every segment's search window, so a grouping search
    /// that does not wait for full groups (Milvus's default) still fills each group and the oracle is exact.
    /// </summary>
    private static readonly List<Row> Rows = [.. Enumerable.Range(0, RowCount).Select(i => new Row(i, i / 3 % 7 == 3 ? null : $"B{i / 3 % 4}",
        $"C{i / 12 % 3}", i % 17 + 0.5, i % 7))];

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{LineDim}") } },
                new FieldSchema { Name = "brand", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") }, Nullable = true },
                new FieldSchema { Name = "color", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") } },
                new FieldSchema { Name = "price", DataType = DataType.Double },
                new FieldSchema { Name = "rating", DataType = DataType.Int32 },
            },
        };
        await CreateLoadedAsync(Client, schema, shards: 2);
        await InsertAsync(Rows.Take(RowCount / 2));
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await InsertAsync(Rows.Skip(RowCount / 2));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    /// <summary>The rows nearest the query x first (the queries are never halfway between two ids, so there are no ties).</summary>
    private static List<Row> Ranked(float x) => [.. Rows.OrderBy(r => (r.Id - x) * (r.Id - x))];

    /// <summary>The grouping search behind both features: the first <paramref name="keys"/> composite keys, best <paramref name="size"/> rows each, group by group.</summary>
    private static List<List<Row>> Groups(float x, Func<Row, string> keyOf, int keys, int size) =>
        [.. Ranked(x).GroupBy(keyOf).Take(keys).Select(g => g.Take(size).ToList())];

    [Fact]
    public async Task Grouping_by_several_fields_returns_the_best_rows_of_the_first_composite_keys_with_their_values()
    {
        var request = Search(-0.5f, ("group_by_fields", "brand,color"), ("group_size", "2"), ("topk", "4"));
        request.OutputFields.Add("price");
        var result = await SearchAsync(request);

        var expected = Groups(-0.5f, r => $"{r.Brand}|{r.Color}", 4, 2).SelectMany(g => g).ToList();
        Assert.Equal(expected.Select(r => r.Id), result.Results.Ids.IntId.Data);
        Assert.Equal(["brand", "color"], result.Results.GroupByFieldValues.Select(f => f.FieldName));
        var brands = result.Results.GroupByFieldValues[0];
        Assert.Equal(expected.Select(r => r.Brand is not null), brands.ValidData);
        Assert.Equal(expected.Select(r => r.Brand ?? ""), brands.Scalars.StringData.Data);
        Assert.Equal(expected.Select(r => r.Color), result.Results.GroupByFieldValues[1].Scalars.StringData.Data);

        IllegalArgument((await Client.SearchAsync(Search(-0.5f, ("group_by_fields", "brand,price")))).Status, "price");
        IllegalArgument((await Client.SearchAsync(Search(-0.5f, ("group_by_fields", "brand"), ("group_by_field", "color")))).Status, "not both");
    }

    [Fact]
    public async Task A_composite_key_with_metrics_order_and_sorted_top_hits_matches_the_oracle_for_every_query()
    {
        var aggregation = new SearchAggregationSpec
        {
            Fields = { "brand", "color" },
            Size = 5,
            Metrics = { ["avg_price"] = Metric("avg", "price"), ["n"] = Metric("count", "*"), ["best"] = Metric("min", "_score"), ["top"] = Metric("max", "rating") },
            Order = { new OrderSpec { Key = "avg_price", Direction = "desc" }, new OrderSpec { Key = "_key", Direction = "asc" } },
            TopHits = new TopHitsSpec { Size = 3, Sort = { new SortSpec { FieldName = "rating", Direction = "desc" } } },
        };
        float[] queries = [-0.5f, 200.3f];
        var request = Search(queries);
        request.SearchAggregation = aggregation;
        request.OutputFields.Add("rating");
        var result = (await SearchAsync(request)).Results;

        Assert.Empty(result.Ids?.IntId?.Data ?? []);
        Assert.Equal([0L, 0L], result.Topks);
        Assert.Equal([5L, 5L], result.AggTopks);
        for (var q = 0; q < queries.Length; q++)
        {
            var x = queries[q];
            // Milvus keeps topK = size keys of up to the top-hits size rows each.
            var expected = Groups(x, r => $"{r.Brand}|{r.Color}", 5, 3)
                .Select(rows => (Rows: rows, Avg: rows.Average(r => r.Price)))
                .OrderByDescending(b => b.Avg).ThenBy(b => b.Rows[0].Brand ?? "", StringComparer.Ordinal).ThenBy(b => b.Rows[0].Color, StringComparer.Ordinal)
                .ToList();
            var buckets = result.AggBuckets.Skip(q * 5).Take(5).ToList();
            Assert.Equal(expected.Count, buckets.Count);
            for (var b = 0; b < buckets.Count; b++)
            {
                var (rows, average) = expected[b];
                var bucket = buckets[b];
                Assert.Equal(["brand", "color"], bucket.Key.Select(k => k.FieldName));
                Assert.Equal(rows[0].Brand, bucket.Key[0].ValueCase == BucketKeyEntry.ValueOneofCase.None ? null : bucket.Key[0].StringVal);
                Assert.Equal(rows[0].Color, bucket.Key[1].StringVal);
                Assert.Equal(rows.Count, bucket.Count);
                Assert.Equal(average, bucket.Metrics["avg_price"].DoubleVal, 9);
                Assert.Equal(rows.Count, bucket.Metrics["n"].IntVal);
                Assert.Equal(rows.Max(r => r.Rating), bucket.Metrics["top"].IntVal);
                Assert.Equal(rows.Min(r => (r.Id - x) * (r.Id - x)), bucket.Metrics["best"].DoubleVal, 2);
                // Top hits by rating, ties by the better (smaller L2) score.
                var hits = rows.OrderByDescending(r => r.Rating).ThenBy(r => Math.Abs(r.Id - x)).ToList();
                Assert.Equal(hits.Select(r => r.Id), bucket.Hits.Select(h => h.IntPk));
                Assert.All(bucket.Hits, h => Assert.Equal(Rows[(int)h.IntPk].Rating, h.Fields.Single(f => f.FieldName == "rating").IntVal));
                Assert.Empty(bucket.SubGroups);
            }
        }
    }

    [Fact]
    public async Task Nested_levels_bucket_each_parent_s_rows_and_order_them_by_their_own_metrics()
    {
        var request = Search([-0.5f]);
        request.SearchAggregation = new SearchAggregationSpec
        {
            Fields = { "brand" },
            Size = 3,
            Metrics = { ["revenue"] = Metric("sum", "price"), ["ratings"] = Metric("sum", "rating") },
            Order = { new OrderSpec { Key = "revenue", Direction = "desc" } },
            TopHits = new TopHitsSpec { Size = 2, Sort = { new SortSpec { FieldName = "_score", Direction = "asc" } } },
            SubAggregation = new SearchAggregationSpec
            {
                Fields = { "color" },
                Size = 2,
                Metrics = { ["cheapest"] = Metric("min", "price") },
                Order = { new OrderSpec { Key = "_key", Direction = "desc" } },
            },
        };
        request.OutputFields.Add("price");
        var result = (await SearchAsync(request)).Results;

        // topK = 3 × 2 composite keys (brand, color), group size 2 (the only top hits' size).
        var retained = Groups(-0.5f, r => $"{r.Brand}|{r.Color}", 6, 2).SelectMany(g => g).ToList();
        var brands = retained.GroupBy(r => r.Brand).Select(g => g.ToList())
            .OrderByDescending(g => g.Sum(r => r.Price)).Take(3).ToList();
        Assert.Equal([(long)brands.Count], result.AggTopks);
        Assert.Equal(brands.Count, result.AggBuckets.Count);
        for (var b = 0; b < brands.Count; b++)
        {
            var bucket = result.AggBuckets[b];
            Assert.Equal(brands[b][0].Brand, bucket.Key.Single().ValueCase == BucketKeyEntry.ValueOneofCase.None ? null : bucket.Key.Single().StringVal);
            Assert.Equal(brands[b].Count, bucket.Count);
            Assert.Equal(brands[b].Sum(r => r.Price), bucket.Metrics["revenue"].DoubleVal, 9);
            // A sum of integers stays an integer.
            Assert.Equal(brands[b].Sum(r => r.Rating), bucket.Metrics["ratings"].IntVal);
            Assert.Equal(brands[b].OrderBy(r => r.Id).Take(2).Select(r => r.Id), bucket.Hits.Select(h => h.IntPk));
            Assert.All(bucket.Hits, h => Assert.Equal(Rows[(int)h.IntPk].Price, h.Fields.Single().DoubleVal));

            var colors = brands[b].GroupBy(r => r.Color).OrderByDescending(g => g.Key, StringComparer.Ordinal).Take(2).ToList();
            Assert.Equal(colors.Select(c => c.Key), bucket.SubGroups.Select(s => s.Key.Single().StringVal));
            Assert.Equal(colors.Select(c => (long)c.Count()), bucket.SubGroups.Select(s => s.Count));
            Assert.Equal(colors.Select(c => c.Min(r => r.Price)), bucket.SubGroups.Select(s => s.Metrics["cheapest"].DoubleVal));
            Assert.All(bucket.SubGroups, s => Assert.Empty(s.Hits));
        }
    }

    [Fact]
    public async Task What_Milvus_refuses_is_refused_with_its_reason()
    {
        async Task RefusedAsync(Action<ProtoSearchRequest> change, string reason)
        {
            var request = Search([-0.5f]);
            request.SearchAggregation = new SearchAggregationSpec { Fields = { "brand" }, Size = 2 };
            change(request);
            IllegalArgument((await Client.SearchAsync(request)).Status, reason);
        }

        await RefusedAsync(r => r.SearchAggregation.Fields[0] = "price", "FLOAT / DOUBLE");
        await RefusedAsync(r => r.SearchAggregation.Fields[0] = "nope", "not found");
        await RefusedAsync(r => r.SearchAggregation.SubAggregation = new SearchAggregationSpec { Fields = { "brand" } }, "duplicated group_by field");
        await RefusedAsync(r => r.SearchAggregation.Order.Add(new OrderSpec { Key = "avg" }), "neither reserved key nor metric alias");
        await RefusedAsync(r => r.SearchAggregation.Metrics["x"] = Metric("sum", "*"), "only supports count");
        await RefusedAsync(r => r.SearchAggregation.Metrics["x"] = Metric("median", "price"), "unsupported metric op");
        await RefusedAsync(r => r.SearchAggregation.Metrics["x"] = Metric("sum", "color"), "does not support data type");
        await RefusedAsync(r => r.SearchAggregation.TopHits = new TopHitsSpec { Size = 1, Sort = { new SortSpec { FieldName = "rating", Direction = "up" } } }, "asc or desc");
        await RefusedAsync(r => r.SearchAggregation.Size = 10_001, "result entries is too large");
        await RefusedAsync(r => r.SearchParams.Add(Pair("offset", "2")), "offset");
        await RefusedAsync(r => r.SearchParams.Add(Pair("group_by_field", "color")), "group_by_field");
        await RefusedAsync(r =>
        {
            var level = r.SearchAggregation;
            foreach (var field in new[] { "color", "rating", "id", "brand" })
            {
                level = level.SubAggregation = new SearchAggregationSpec { Fields = { field } };
            }
        }, "nesting exceeds max 4 levels");
    }

    private static MetricAggSpec Metric(string op, string field) => new() { Op = op, FieldName = field };

    private ProtoSearchRequest Search(float x, params (string Key, string Value)[] parameters)
    {
        var request = Search([x]);
        request.SearchParams.Add(parameters.Select(p => Pair(p.Key, p.Value)));
        return request;
    }

    private ProtoSearchRequest Search(float[] xs) => new()
    {
        CollectionName = _collection,
        PlaceholderGroup = new PlaceholderGroup
        {
            Placeholders =
            {
                new PlaceholderValue
                {
                    Tag = "$0", Type = PlaceholderType.FloatVector,
                    Values = { xs.Select(x => ByteString.CopyFrom([.. BitConverter.GetBytes(x), .. BitConverter.GetBytes(1f)])) },
                },
            },
        }.ToByteString(),
        Nq = xs.Length,
        DslType = DslType.BoolExprV1,
        ConsistencyLevel = ConsistencyLevel.Strong,
        SearchParams = { Pair("anns_field", "vec"), Pair("metric_type", "L2") },
    };

    private async Task<SearchResults> SearchAsync(ProtoSearchRequest request)
    {
        var result = await Client.SearchAsync(request);
        Succeeded(result.Status);
        return result;
    }

    private async Task InsertAsync(IEnumerable<Row> rows)
    {
        var batch = rows.ToList();
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection, NumRows = (uint)batch.Count,
            FieldsData =
            {
                Int64s("id", batch.Select(r => r.Id)), LineVectors(batch.Select(r => r.Id)),
                new FieldData
                {
                    FieldName = "brand", Type = DataType.VarChar, ValidData = { batch.Select(r => r.Brand is not null) },
                    Scalars = new ScalarField { StringData = new StringArray { Data = { batch.Select(r => r.Brand ?? "") } } },
                },
                Strings("color", batch.Select(r => r.Color)),
                new FieldData { FieldName = "price", Type = DataType.Double, Scalars = new ScalarField { DoubleData = new DoubleArray { Data = { batch.Select(r => r.Price) } } } },
                new FieldData { FieldName = "rating", Type = DataType.Int32, Scalars = new ScalarField { IntData = new IntArray { Data = { batch.Select(r => r.Rating) } } } },
            },
        });
        Succeeded(inserted.Status);
    }
}
