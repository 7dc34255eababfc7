using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// A search's function chain as pymilvus sends it (Milvus 3.0's <c>function_chains</c>, L2 rerank stage) over flushed
/// and growing rows of two shards: the page's hits rescored from a field the output does not name, rounded, sorted
/// and cut, against an oracle over the line's exact L2 distances; and the stages, operators and functions refused.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class FunctionChainRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _collection = "chain_" + Guid.NewGuid().ToString("N")[..8];
    private const int Rows = 60;
    private const float QueryX = 20.3f;

    private MilvusService.MilvusServiceClient Client => server.Client;

    private static double Popularity(long id) => id % 7 / 10.0;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{LineDim}") } },
                new FieldSchema { Name = "popularity", DataType = DataType.Double },
                new FieldSchema { Name = "title", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") } },
            },
        };
        await CreateLoadedAsync(Client, schema, shards: 2);
        await InsertAsync(0, Rows / 2);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await InsertAsync(Rows / 2, Rows / 2);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task The_page_is_rescored_from_a_field_rounded_sorted_and_cut_as_the_oracle()
    {
        var chain = new FunctionChain
        {
            Name = "popular", Stage = FunctionChainStage.L2Rerank,
            Ops =
            {
                Map("$score", "num_combine", [Column("$score"), Column("popularity")], ("mode", Text("weighted")), ("weights", Numbers(-0.01, 10))),
                Map("$score", "round_decimal", [Column("$score")], ("decimal", Whole(1))),
                new FunctionChainOp { Op = "sort", Inputs = { "$score", "$id" }, Params = { ["column"] = Text("$score"), ["desc"] = Flag(true), ["tie_break_col"] = Text("$id") } },
                new FunctionChainOp { Op = "limit", Params = { ["limit"] = Whole(4), ["offset"] = Whole(1) } },
            },
        };
        var result = await SearchAsync(Search(limit: 10, chain));

        // The page: the ten nearest rows (L2 = (id − x)²); each rescored, rounded to one decimal, best first (ties by
        // id), then the four after the first.
        var expected = Enumerable.Range(0, Rows).Select(id => (Id: (long)id, Distance: (double)(float)((id - QueryX) * (id - QueryX))))
            .OrderBy(r => r.Distance).Take(10)
            .Select(r => (r.Id, Score: Math.Floor((float)(-0.01 * r.Distance + 10 * Popularity(r.Id)) * 10 + 0.5) / 10))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Id).Skip(1).Take(4).ToList();
        Assert.Equal(expected.Select(r => r.Id), result.Results.Ids.IntId.Data);
        Assert.Equal(expected.Select(r => (float)r.Score), result.Results.Scores);
        // Only the output field asked for comes back, though the chain read popularity.
        Assert.Equal(["title"], result.Results.FieldsData.Where(f => f.FieldName != "id").Select(f => f.FieldName));
        Assert.Equal(expected.Select(r => $"t{r.Id}"), result.Results.FieldsData.Single(f => f.FieldName == "title").Scalars.StringData.Data);
    }

    [Fact]
    public async Task What_is_not_built_answers_not_supported_and_what_Milvus_refuses_its_reason()
    {
        async Task RefusedAsync(FunctionChain chain, int code, string reason, Action<ProtoSearchRequest>? change = null)
        {
            var request = Search(limit: 5, chain);
            change?.Invoke(request);
            Failed((await Client.SearchAsync(request)).Status, code, reason);
        }

        FunctionChain L2(params FunctionChainOp[] ops) => new() { Stage = FunctionChainStage.L2Rerank, Ops = { ops } };
        var rescore = Map("$score", "round_decimal", [Column("$score")], ("decimal", Whole(2)));

        await RefusedAsync(new FunctionChain { Stage = FunctionChainStage.L0Rerank, Ops = { rescore } }, 2400, "not supported");
        await RefusedAsync(L2(new FunctionChainOp { Op = "filter" }), 2400, "not supported");
        await RefusedAsync(L2(Map("$score", "xgboost", [Column("popularity")], ("model_resource", Text("m")))), 2400, "not supported");
        await RefusedAsync(new FunctionChain { Stage = FunctionChainStage.Ingestion, Ops = { rescore } }, 1100, "unsupported function chain stage");
        await RefusedAsync(L2(Map("$score", "num_combine", [Column("$score"), Column("nope")], ("mode", Text("sum")))), 1100, "\"nope\" not found");
        await RefusedAsync(L2(Map("$score", "num_combine", [Column("$score"), Column("title")], ("mode", Text("sum")))), 1100, "functions read numbers");
        await RefusedAsync(L2(Map("$score", "num_combine", [Column("$score"), Column("popularity")], ("mode", Text("weighted")))), 1100, "weighted mode requires 2 weights");
        await RefusedAsync(L2(Map("$score", "decay", [Column("popularity")], ("function", Text("exp")), ("origin", Whole(0)), ("scale", Whole(0)))), 1100, "scale must > 0");
        await RefusedAsync(L2(rescore), 1100, "cannot be combined with group_by_field", r => r.SearchParams.Add(Pair("group_by_field", "title")));
        var twice = Search(limit: 5, L2(rescore));
        twice.FunctionChains.Add(L2(rescore));
        Failed((await Client.SearchAsync(twice)).Status, 1100, "appears more than once");
    }

    private static FunctionParamValue Text(string value) => new() { StringValue = value };

    private static FunctionParamValue Whole(long value) => new() { Int64Value = value };

    private static FunctionParamValue Flag(bool value) => new() { BoolValue = value };

    private static FunctionParamValue Numbers(params double[] values) => new() { ArrayValue = new FunctionParamArray { Values = { values.Select(v => new FunctionParamValue { DoubleValue = v }) } } };

    private static FunctionChainExprArg Column(string name) => new() { Column = new FunctionChainColumnArg { Name = name } };

    private static FunctionChainOp Map(string output, string function, FunctionChainExprArg[] args, params (string Key, FunctionParamValue Value)[] parameters)
    {
        var expr = new FunctionChainExpr { Name = function, Args = { args } };
        foreach (var (key, value) in parameters)
        {
            expr.Params[key] = value;
        }

        return new FunctionChainOp { Op = "map", Expr = expr, Outputs = { output } };
    }

    private ProtoSearchRequest Search(int limit, FunctionChain chain) => new()
    {
        CollectionName = _collection,
        PlaceholderGroup = LineQuery(QueryX),
        Nq = 1,
        DslType = DslType.BoolExprV1,
        OutputFields = { "title" },
        ConsistencyLevel = ConsistencyLevel.Strong,
        SearchParams = { Pair("topk", $"{limit}"), Pair("anns_field", "vec"), Pair("metric_type", "L2") },
        FunctionChains = { chain },
    };

    private async Task<SearchResults> SearchAsync(ProtoSearchRequest request)
    {
        var result = await Client.SearchAsync(request);
        Succeeded(result.Status);
        return result;
    }

    private async Task InsertAsync(int first, int count)
    {
        var ids = Enumerable.Range(first, count).Select(i => (long)i).ToList();
        Succeeded((await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection, NumRows = (uint)count,
            FieldsData =
            {
                Int64s("id", ids), LineVectors(ids),
                new FieldData { FieldName = "popularity", Type = DataType.Double, Scalars = new ScalarField { DoubleData = new DoubleArray { Data = { ids.Select(Popularity) } } } },
                Strings("title", ids.Select(id => $"t{id}")),
            },
        })).Status);
    }
}
