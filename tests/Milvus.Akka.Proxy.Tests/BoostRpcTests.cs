using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Segments;
using Milvus.Akka.TestSupport;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 2.6's boost rankers (a function_score of "boost" functions) through the real gRPC endpoint, over flushed rows
/// a query node serves and growing rows a shard serves. Every search asks for all rows, so each segment's top-k holds
/// all of its rows and the expected ranking does not depend on how the rows are split into segments: each hit's score
/// is its squared L2 distance boosted as the rankers say, and the hits come back in that order.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class BoostRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Rows = 60;

    /// <summary>Between rows 20 and 21: no two rows tie on distance, nor on a distance boosted by a power of two.</summary>
    private const float QueryX = 20.3f;

    private readonly string _collection = "boost_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    private static long Tag(long id) => id % 3;

    private static double Distance(long id) => Math.Pow(id - (double)QueryX, 2);

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                IdAndVector(LineDim),
                new FieldSchema { Name = "tag", DataType = DataType.Int64 },
                new FieldSchema { Name = "label", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "8") } },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString(), ShardsNum = 2 }));
        await CreateFlatIndexAsync(Client, _collection);
        // Half the rows flushed (served by the query node), half growing (served by the shards): both are boosted.
        await InsertAsync(0, Rows / 2);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        await InsertAsync(Rows / 2, Rows);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task A_weight_boosts_the_hits_its_filter_matches_and_the_hits_are_ranked_again()
    {
        var score = BoostScore([Boost(weight: "0.25", filter: "tag == 1")]);
        AssertRanked(id => Distance(id) * (Tag(id) == 1 ? 0.25 : 1), await SearchAsync(score));

        // Unboosted, the order is the distance's: the boost is what moved the rows.
        AssertRanked(Distance, await SearchAsync(null));
    }

    [Fact]
    public async Task A_boost_filter_binds_the_search_template_values()
    {
        var request = Search(BoostScore([Boost(weight: "0.25", filter: "tag == {t} and id >= {from}")]));
        request.ExprTemplateValues.Add("t", new TemplateValue { Int64Val = 1 });
        request.ExprTemplateValues.Add("from", new TemplateValue { Int64Val = 10 });
        var result = await Client.SearchAsync(request);

        Succeeded(result.Status);
        AssertRanked(id => Distance(id) * (Tag(id) == 1 && id >= 10 ? 0.25 : 1), result);
        request.ExprTemplateValues.Remove("from");
        IllegalArgument((await Client.SearchAsync(request)).Status, "no value was supplied for template placeholder {from}");
    }

    [Fact]
    public async Task Several_boosts_combine_by_function_mode_and_join_the_score_by_boost_mode()
    {
        var boosts = new[] { Boost(weight: "10000", filter: "tag == 0"), Boost(weight: "20000", filter: "tag in [0, 1]") };
        AssertRanked(id => Distance(id) + Tag(id) switch { 0 => 30_000, 1 => 20_000, _ => 0 },
            await SearchAsync(BoostScore(boosts, ("boost_mode", "Sum"), ("function_mode", "Sum"))));

        // The defaults multiply: a hit both boosts match is scaled by their product.
        var scaling = new[] { Boost(weight: "2", filter: "tag == 0"), Boost(weight: "4", filter: "tag in [0, 1]") };
        AssertRanked(id => Distance(id) * Tag(id) switch { 0 => 8, 1 => 4, _ => 1 }, await SearchAsync(BoostScore(scaling)));

        // A boost without a filter boosts every hit: with Sum, every score moves by the weight and the order stays.
        AssertRanked(id => Distance(id) + 5, await SearchAsync(BoostScore([Boost(weight: "5")], ("boost_mode", "sum"))));
    }

    [Fact]
    public async Task A_random_score_is_a_seeded_hash_of_the_field_the_same_for_every_search()
    {
        var seeded = BoostScore([Boost(weight: "2", randomScore: "{\"seed\": 126, \"field\": \"id\"}")]);
        AssertRanked(id => Distance(id) * (float)(Boosting.RandomUnit((ulong)id, 126) * 2), await SearchAsync(seeded));

        // Without a field the hash takes each row's place in its segment: a search again ranks the same.
        var unkeyed = BoostScore([Boost(weight: "1", randomScore: "{\"seed\": 9}")]);
        var first = await SearchAsync(unkeyed);
        var again = await SearchAsync(unkeyed);
        Assert.Equal(first.Results.Ids.IntId.Data, again.Results.Ids.IntId.Data);
        Assert.Equal(first.Results.Scores, again.Results.Scores);
        Assert.All(first.Results.Ids.IntId.Data.Zip(first.Results.Scores), hit => Assert.InRange(hit.Item2, 0, Distance(hit.Item1) * 1.0001));
    }

    [Fact]
    public async Task A_hybrid_search_boosts_its_sub_requests()
    {
        var request = new ProtoHybridSearchRequest
        {
            CollectionName = _collection,
            Requests = { Search(BoostScore([Boost(weight: "0.25", filter: "tag == 2")])) },
            RankParams = { Pair("strategy", "rrf"), Pair("limit", $"{Rows}") },
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
        var result = await Client.HybridSearchAsync(request);
        Succeeded(result.Status);
        var expected = Enumerable.Range(0, Rows).Select(i => (long)i).OrderBy(id => Distance(id) * (Tag(id) == 2 ? 0.25 : 1));
        Assert.Equal(expected, result.Results.Ids.IntId.Data);
    }

    [Fact]
    public async Task Bad_boosts_are_refused_and_the_collection_still_searches()
    {
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: null)])))).Status, "must set weight params");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "heavy")])))).Status, "must be a finite number");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1")], ("boost_mode", "max"))))).Status, "unknown boost mode: max");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1")], ("function_mode", "avg"))))).Status, "unknown function mode: avg");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1", randomScore: "[126]")])))).Status, "must be a JSON object");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1", randomScore: "{\"seed\": \"x\"}")])))).Status, "random seed must be number");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1", randomScore: "{\"field\": \"label\"}")])))).Status,
            "only support int64 field as random seed, but got VarChar");
        Failed((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1", randomScore: "{\"field\": \"nope\"}")])))).Status, 1700, "random seed field 'nope' not found");
        IllegalArgument((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1", filter: "nope > 1")])))).Status, "nope");

        var grouped = Search(BoostScore([Boost(weight: "1")]));
        grouped.SearchParams.Add(Pair("group_by_field", "tag"));
        IllegalArgument((await Client.SearchAsync(grouped)).Status, "cannot be used with group_by_field or a search iterator");
        var ordered = Search(BoostScore([Boost(weight: "1")]));
        ordered.SearchParams.Add(Pair("order_by_fields", "tag"));
        IllegalArgument((await Client.SearchAsync(ordered)).Status, "cannot be used together");

        var decay = new FunctionSchema
        {
            Name = "decay", Type = FunctionType.Rerank, InputFieldNames = { "tag" },
            Params = { Pair("reranker", "decay"), Pair("function", "exp"), Pair("origin", "0"), Pair("scale", "10") },
        };
        Failed((await Client.SearchAsync(Search(BoostScore([Boost(weight: "1"), decay])))).Status, 2400, "boost rankers combined with other rerankers");

        var hybrid = new ProtoHybridSearchRequest
        {
            CollectionName = _collection,
            Requests = { Search(null) },
            RankParams = { Pair("strategy", "rrf"), Pair("limit", "5") },
            FunctionScore = BoostScore([Boost(weight: "1")]),
        };
        IllegalArgument((await Client.HybridSearchAsync(hybrid)).Status, "a boost ranker cannot rank a hybrid search");
        hybrid.FunctionScore = null;
        hybrid.Requests[0].FunctionScore = BoostScore([decay]);
        Failed((await Client.HybridSearchAsync(hybrid)).Status, 2400, "a decay or model reranker in a hybrid search's sub-request");

        AssertRanked(Distance, await SearchAsync(null));
    }

    private static FunctionSchema Boost(string? weight, string? filter = null, string? randomScore = null)
    {
        var function = new FunctionSchema { Name = "boost", Type = FunctionType.Rerank, Params = { Pair("reranker", "boost") } };
        if (weight is not null)
        {
            function.Params.Add(Pair("weight", weight));
        }

        if (filter is not null)
        {
            function.Params.Add(Pair("filter", filter));
        }

        if (randomScore is not null)
        {
            function.Params.Add(Pair("random_score", randomScore));
        }

        return function;
    }

    private static FunctionScore BoostScore(FunctionSchema[] functions, params (string Key, string Value)[] parameters) =>
        new() { Functions = { functions }, Params = { parameters.Select(p => Pair(p.Key, p.Value)) } };

    private ProtoSearchRequest Search(FunctionScore? score) => new()
    {
        CollectionName = _collection,
        PlaceholderGroup = LineQuery(QueryX),
        Nq = 1,
        DslType = DslType.BoolExprV1,
        OutputFields = { "id" },
        ConsistencyLevel = ConsistencyLevel.Strong,
        SearchParams = { Pair("topk", $"{Rows}"), Pair("anns_field", "vec"), Pair("metric_type", "L2") },
        FunctionScore = score,
    };

    private async Task<SearchResults> SearchAsync(FunctionScore? score)
    {
        var result = await Client.SearchAsync(Search(score));
        Succeeded(result.Status);
        return result;
    }

    /// <summary>Every row comes back, ranked by <paramref name="expectedScore"/> (L2: smaller first), with that score.</summary>
    private static void AssertRanked(Func<long, double> expectedScore, SearchResults result)
    {
        var expected = Enumerable.Range(0, Rows).Select(i => (long)i).OrderBy(expectedScore).ToList();
        Assert.Equal(expected, result.Results.Ids.IntId.Data);
        Assert.All(expected.Zip(result.Results.Scores), hit =>
            Assert.True(Math.Abs(hit.Item2 - expectedScore(hit.Item1)) <= 1e-4 * Math.Max(1, expectedScore(hit.Item1)),
                $"row {hit.Item1}: score {hit.Item2}, expected {expectedScore(hit.Item1)}"));
    }

    private async Task InsertAsync(int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        Succeeded((await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection,
            NumRows = (uint)ids.Count,
            FieldsData =
            {
                Int64s("id", ids),
                LineVectors(ids),
                Int64s("tag", ids.Select(Tag)),
                new FieldData { FieldName = "label", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(id => $"l{id}") } } } },
            },
        })).Status);
    }
}
