using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// The lexical highlighter through the real gRPC endpoint, on the sample documents of Milvus's Text Highlighter guide
/// (one flushed, the others growing): every hit of every query gets the fragments the guide documents for it, in the
/// field's highlight result, and bad highlighters are refused.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class HighlightRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private static readonly string[] Docs =
    [
        "my first test doc",
        "my second test doc",
        "my first test doc. Milvus is an open-source vector database built for GenAI applications.",
        "my second test doc. Milvus is an open-source vector database that suits AI applications of every size from running a demo chatbot to building web-scale search.",
    ];

    private readonly string _collection = "highlight_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "text", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "512"), Pair("enable_analyzer", "true"), Pair("enable_match", "true") } },
                new FieldSchema { Name = "title", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "64"), Pair("enable_analyzer", "true"), Pair("enable_match", "true") } },
                new FieldSchema { Name = "rank", DataType = DataType.Int64 },
                new FieldSchema { Name = "sparse", DataType = DataType.SparseFloatVector, IsFunctionOutput = true },
            },
            Functions = { new FunctionSchema { Name = "bm25", Type = FunctionType.Bm25, InputFieldNames = { "text" }, OutputFieldNames = { "sparse" } } },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString() }));
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = _collection, FieldName = "sparse", ExtraParams = { Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "BM25") },
        }));
        await InsertAsync(0, 1);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        await InsertAsync(1, Docs.Length);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task The_search_terms_of_each_query_are_highlighted_in_fragments_of_its_hits()
    {
        var result = await SearchAsync(["test", "Milvus"], Highlighter(("highlight_search_text", "true")), outputs: ["text"]);

        var highlighted = Assert.Single(result.Results.HighlightResults);
        Assert.Equal("text", highlighted.FieldName);
        Assert.Equal(result.Results.Ids.IntId.Data.Count, highlighted.Datas.Count);
        var byQuery = Fragments(result, highlighted);
        Assert.Equal(new Dictionary<long, string[]>
        {
            [0] = ["{test} doc"],
            [1] = ["{test} doc"],
            [2] = ["{test} doc. Milvus is an open-source vector database built for GenAI applications."],
            [3] = ["{test} doc. Milvus is an open-source vector database that suits AI applications of every size from run"],
        }, byQuery[0]);
        Assert.Equal(new Dictionary<long, string[]>
        {
            [2] = ["{Milvus} is an open-source vector database built for GenAI applications."],
            [3] = ["{Milvus} is an open-source vector database that suits AI applications of every size from running a dem"],
        }, byQuery[1]);
    }

    [Fact]
    public async Task Query_terms_are_highlighted_for_every_query_with_fragment_settings_and_the_text_comes_back_with_the_hits()
    {
        var highlighter = Highlighter(("highlight_search_text", "true"), ("fragment_offset", "20"), ("fragment_size", "60"), ("num_of_fragments", "1"),
            ("highlight_query", """[{"type": "TextMatch", "field": "text", "text": "my doc"}, {"type": "TextMatch", "field": "title", "text": "second"}]"""));

        // No output fields asked for: the highlighted fields are read, and returned, anyway.
        var result = await SearchAsync(["Milvus"], highlighter, outputs: []);

        var text = result.Results.HighlightResults.Single(h => h.FieldName == "text");
        Assert.Equal(new Dictionary<long, string[]>
        {
            [2] = ["{my} first test {doc}. {Milvus} is an open-source vector database "],
            [3] = ["{my} second test {doc}. {Milvus} is an open-source vector database"],
        }, Fragments(result, text)[0]);
        var title = result.Results.HighlightResults.Single(h => h.FieldName == "title");
        Assert.Equal(new Dictionary<long, string[]> { [2] = [], [3] = ["the {second} one"] }, Fragments(result, title)[0]);
        Assert.Contains("text", result.Results.FieldsData.Select(f => f.FieldName));
    }

    [Fact]
    public async Task A_search_without_a_highlighter_has_no_highlight_results_and_bad_highlighters_are_refused()
    {
        Assert.Empty((await SearchAsync(["test"], null, outputs: ["text"])).Results.HighlightResults);

        Failed((await Client.SearchAsync(Search(["test"], new Highlighter { Type = HighlightType.Semantic }, []))).Status, 2400, "semantic highlighter");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("pre_tags", "<b>")), []))).Status, "unmarshal pre_tags as string array failed");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("post_tags", "[]")), []))).Status, "post_tags cannot be empty list");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("fragment_size", "0")), []))).Status, "invalid fragment_size: 0");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("highlight_search_text", "maybe")), []))).Status, "highlight_search_text");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("highlight_query", """[{"type": "TextMatch", "field": "nope", "text": "x"}]""")), []))).Status,
            "highlight field not found in schema: nope");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("highlight_query", """[{"type": "Fuzzy", "field": "text", "text": "x"}]""")), []))).Status,
            "invalid highlight query type: Fuzzy");
        IllegalArgument((await Client.SearchAsync(Search(["test"], Highlighter(("highlight_query", """[{"type": "TextMatch", "field": "rank", "text": "x"}]""")), []))).Status,
            "highlight field rank is not an analyzed VarChar field");
    }

    /// <summary>Per query, the fragments of each hit by its id.</summary>
    private static List<Dictionary<long, string[]>> Fragments(SearchResults result, HighlightResult highlighted)
    {
        var ids = result.Results.Ids.IntId.Data;
        var byQuery = new List<Dictionary<long, string[]>>();
        var hit = 0;
        foreach (var count in result.Results.Topks)
        {
            var query = new Dictionary<long, string[]>();
            for (var i = 0; i < count; i++, hit++)
            {
                query[ids[hit]] = [.. highlighted.Datas[hit].Fragments];
            }

            byQuery.Add(query);
        }

        return byQuery;
    }

    private static Highlighter Highlighter(params (string Key, string Value)[] parameters)
    {
        var tags = new Dictionary<string, string> { ["pre_tags"] = """["{"]""", ["post_tags"] = """["}"]""" };
        foreach (var (key, value) in parameters)
        {
            tags[key] = value;
        }

        return new Highlighter { Type = HighlightType.Lexical, Params = { tags.Select(p => Pair(p.Key, p.Value)) } };
    }

    private ProtoSearchRequest Search(string[] queries, Highlighter? highlighter, string[] outputs)
    {
        var placeholder = new PlaceholderValue { Tag = "$0", Type = PlaceholderType.VarChar };
        placeholder.Values.AddRange(queries.Select(ByteString.CopyFromUtf8));
        return new ProtoSearchRequest
        {
            CollectionName = _collection,
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = new PlaceholderGroup { Placeholders = { placeholder } }.ToByteString(),
            Nq = queries.Length,
            OutputFields = { outputs },
            SearchParams = { Pair("anns_field", "sparse"), Pair("topk", "10"), Pair("params", """{"drop_ratio_search": 0}""") },
            ConsistencyLevel = ConsistencyLevel.Strong,
            Highlighter = highlighter,
        };
    }

    private async Task<SearchResults> SearchAsync(string[] queries, Highlighter? highlighter, string[] outputs)
    {
        var result = await Client.SearchAsync(Search(queries, highlighter, outputs));
        Succeeded(result.Status);
        return result;
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
                new FieldData { FieldName = "text", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(id => Docs[id]) } } } },
                new FieldData
                {
                    FieldName = "title", Type = DataType.VarChar, ValidData = { ids.Select(id => id != 0) },
                    Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(id => id == 0 ? "" : id % 2 == 1 ? "the second one" : "a third") } } },
                },
                Int64s("rank", ids),
            },
        })).Status);
    }
}
