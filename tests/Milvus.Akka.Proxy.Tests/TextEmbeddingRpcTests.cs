using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.MilvusRpc;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Text embedding functions through the gRPC endpoint against a model provider on loopback
/// (<see cref="EmbeddingProviderStub"/>): inserts, upserts and partial updates store the provider's vectors of the
/// input texts, searches by text rank by the provider's vectors of the query texts (growing and flushed rows, hybrid
/// search), AddCollectionFunction, AlterCollectionFunction and DropCollectionFunction change what writes need, and every
/// refusal names its cause without writing anything.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class TextEmbeddingRpcTests(GrpcServerFixture server)
{
    private const int Dim = EmbeddingProviderStub.Dim;

    private static readonly string[] Texts =
    [
        "apple is a fruit", "banana is a yellow fruit", "orange juice is sweet", "machine learning is interesting",
        "vector database search", "a river of stone", "yellow light at night", "fruit salad with apple and pear",
    ];

    private MilvusService.MilvusServiceClient Client => server.Client;

    [Fact]
    public async Task Texts_are_embedded_by_the_provider_at_insert_and_at_search()
    {
        var name = "embed_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, OpenAi("stub-model")).ToByteString() }));
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        var function = Assert.Single(described.Schema.Functions);
        Assert.Equal((FunctionType.TextEmbedding, "text", "dense"), (function.Type, function.InputFieldNames.Single(), function.OutputFieldNames.Single()));
        Assert.True(described.Schema.Fields.Single(f => f.Name == "dense").IsFunctionOutput);
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "dense",
            ExtraParams = { Pair("index_type", "HNSW"), Pair("metric_type", "COSINE"), Pair("params", """{"M": 8, "efConstruction": 64}""") },
        }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));

        var before = server.Embeddings.Requests.Count;
        await InsertAsync(name, 0, 5);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        await InsertAsync(name, 5, Texts.Length);
        var sent = server.Embeddings.Requests.Skip(before).ToList();
        Assert.All(sent, r => Assert.Equal(("/v1/embeddings", "Bearer sk-stub", "stub-model"), (r.Path, r.Authorization, r.Body.GetProperty("model").GetString())));
        Assert.Equal(Texts, sent.SelectMany(r => r.Body.GetProperty("input").EnumerateArray().Select(e => e.GetString())));

        // The stored vectors are the provider's (the flushed ones and the growing ones).
        Assert.Equal(Texts.Select(EmbeddingProviderStub.Embed), await StoredVectorsAsync(name, Texts.Length));

        // A search by text ranks by the provider's vector of the text, one query per text.
        var search = await Client.SearchAsync(Bm25RpcTests.TextSearch(name, ["apple fruit", "yellow night"], null, 3, field: "dense"));
        Succeeded(search.Status);
        Assert.Equal([3L, 3L], search.Results.Topks);
        AssertTopHits(search.Results, 0, "apple fruit", 3);
        AssertTopHits(search.Results, 3, "yellow night", 3);

        // A hybrid search embeds its text request the same way.
        var hybrid = await Client.HybridSearchAsync(new ProtoHybridSearchRequest
        {
            CollectionName = name,
            Requests = { Bm25RpcTests.TextSearch(name, ["orange juice"], null, 2, field: "dense") },
            RankParams = { Pair("strategy", "rrf"), Pair("limit", "2") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(hybrid.Status);
        Assert.Equal(Ranked("orange juice")[0], hybrid.Results.Ids.IntId.Data[0]);

        // An upsert embeds its new text; a partial update without the text embeds the stored one again.
        Succeeded((await Client.UpsertAsync(new UpsertRequest
        {
            CollectionName = name, NumRows = 1, FieldsData = { Int64s("id", [2]), Strings("text", ["night river"]), Int64s("tag", [20]) },
        })).Status);
        Succeeded((await Client.UpsertAsync(new UpsertRequest
        {
            CollectionName = name, NumRows = 1, PartialUpdate = true, FieldsData = { Int64s("id", [3]), Int64s("tag", [30]) },
        })).Status);
        var stored = await StoredVectorsAsync(name, Texts.Length);
        Assert.Equal(EmbeddingProviderStub.Embed("night river"), stored[2]);
        Assert.Equal(EmbeddingProviderStub.Embed(Texts[3]), stored[3]);

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Fact]
    public async Task What_cannot_be_embedded_is_refused_and_nothing_is_written()
    {
        var name = "embed_bad_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, OpenAi("stub-model")).ToByteString() }));

        var withOutput = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name, NumRows = 1,
            FieldsData = { Int64s("id", [1]), Strings("text", ["x"]), Int64s("tag", [1]), Vectors("dense", [new float[Dim]]) },
        });
        IllegalArgument(withOutput.Status, "field dense is the output of function embed: the server computes it, do not provide it");
        var nullText = Strings("text", ["a", ""]);
        nullText.ValidData.AddRange([true, false]);
        var withNull = await Client.InsertAsync(new InsertRequest { CollectionName = name, NumRows = 2, FieldsData = { Int64s("id", [1, 2]), nullText, Int64s("tag", [1, 2]) } });
        IllegalArgument(withNull.Status, "function embed: input field 'text' is null at row 1");
        var failing = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name, NumRows = 2, FieldsData = { Int64s("id", [1, 2]), Strings("text", ["fine", "FAIL here"]), Int64s("tag", [1, 2]) },
        });
        Failed(failing.Status, 2, "text embedding provider openai answered 500 InternalServerError: the stub fails FAIL");

        var shortName = "embed_short_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = shortName, Schema = Schema(shortName, OpenAi("short")).ToByteString() }));
        var wrongDim = await Client.InsertAsync(new InsertRequest { CollectionName = shortName, NumRows = 1, FieldsData = { Int64s("id", [1]), Strings("text", ["x"]), Int64s("tag", [1]) } });
        IllegalArgument(wrongDim.Status, $"the required embedding dim is [{Dim}], but the embedding obtained from provider openai is [{Dim - 1}]");

        await CosineIndexAsync(name);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        Assert.Equal(0, await StrongCountAsync(Client, name));

        var unsupported = await Client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = name + "_x", Schema = Schema(name + "_x", Params(("provider", "bedrock"), ("model_name", "titan"))).ToByteString(),
        });
        Failed(unsupported, 2400, "provider bedrock is not supported by Milvus.Akka (supported: openai, tei)");
        IllegalArgument(await Client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = name + "_y", Schema = Schema(name + "_y", Params(("provider", "openai"))).ToByteString(),
        }), "param model_name is required by provider openai");
        Assert.False((await Client.HasCollectionAsync(new HasCollectionRequest { CollectionName = name + "_x" })).Value);

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = shortName }));
    }

    [Fact]
    public async Task A_model_reranker_orders_the_candidates_by_the_providers_relevance()
    {
        var name = "rerank_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, OpenAi("stub-model")).ToByteString() }));
        await CosineIndexAsync(name);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await InsertAsync(name, 0, Texts.Length);

        // The candidates are the search's best offset + limit hits; the reranker orders them by the model's relevance.
        var plain = Bm25RpcTests.TextSearch(name, ["yellow fruit", "apple"], null, 4, field: "dense");
        var candidates = await Client.SearchAsync(plain);
        Succeeded(candidates.Status);
        var reranked = plain.Clone();
        reranked.FunctionScore = Rerank(("provider", "tei"), ("endpoint", server.Embeddings.BaseUrl + "/tei"), ("queries", """["yellow fruit", "apple"]"""));
        var response = await Client.SearchAsync(reranked);
        Succeeded(response.Status);
        Assert.Equal([4L, 4L], response.Results.Topks);
        AssertReranked(candidates.Results, response.Results, 0, "yellow fruit", 4);
        AssertReranked(candidates.Results, response.Results, 4, "apple", 4);

        // In a hybrid search the candidates are every search's hits (vLLM's API this time).
        var hybrid = new ProtoHybridSearchRequest
        {
            CollectionName = name,
            Requests = { Bm25RpcTests.TextSearch(name, ["machine learning"], null, 2, field: "dense"), Bm25RpcTests.TextSearch(name, ["orange juice"], null, 2, field: "dense") },
            RankParams = { Pair("limit", "3") },
            FunctionScore = Rerank(("provider", "vllm"), ("model_name", "reranker-1"), ("endpoint", server.Embeddings.BaseUrl), ("queries", """["sweet orange"]""")),
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
        var fused = await Client.HybridSearchAsync(hybrid);
        Succeeded(fused.Status);
        var union = new List<long>();
        foreach (var sub in hybrid.Requests)
        {
            var part = await Client.SearchAsync(sub);
            union.AddRange(part.Results.Ids.IntId.Data.Where(id => !union.Contains(id)));
        }

        var expected = union.Select(id => EmbeddingProviderStub.Relevance("sweet orange", Texts[id])).OrderDescending().Take(3).ToArray();
        Assert.Equal(expected, fused.Results.Scores, new ToleranceComparer());
        Assert.All(fused.Results.Ids.IntId.Data.Zip(fused.Results.Scores), h => Assert.Equal(EmbeddingProviderStub.Relevance("sweet orange", Texts[h.Item1]), h.Item2, 4));
        Assert.Contains(server.Embeddings.Requests, r => r.Path == "/v1/rerank" && r.Body.GetProperty("model").GetString() == "reranker-1");

        var tooFew = reranked.Clone();
        tooFew.FunctionScore = Rerank(("provider", "tei"), ("endpoint", server.Embeddings.BaseUrl + "/tei"), ("queries", """["only one"]"""));
        IllegalArgument((await Client.SearchAsync(tooFew)).Status, "nq must equal to queries size, but got nq [2], queries size [1]");
        var numeric = reranked.Clone();
        numeric.FunctionScore.Functions[0].InputFieldNames[0] = "tag";
        IllegalArgument((await Client.SearchAsync(numeric)).Status, "Rerank model only supports varchar input field, but got Int64 field 'tag'");
        var noEndpoint = reranked.Clone();
        noEndpoint.FunctionScore = Rerank(("provider", "tei"), ("queries", """["a", "b"]"""));
        IllegalArgument((await Client.SearchAsync(noEndpoint)).Status, "param endpoint is required by provider tei");

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    /// <summary>A query's reranked hits are its candidates, scored by the stub's relevance and ordered by it.</summary>
    private static void AssertReranked(SearchResultData candidates, SearchResultData reranked, int first, string query, int count)
    {
        var ids = candidates.Ids.IntId.Data.Skip(first).Take(count).ToArray();
        var expected = ids.Select(id => EmbeddingProviderStub.Relevance(query, Texts[id])).OrderDescending().ToArray();
        Assert.Equal(expected, reranked.Scores.Skip(first).Take(count), new ToleranceComparer());
        Assert.Equal(ids.Order(), reranked.Ids.IntId.Data.Skip(first).Take(count).Order());
    }

    private static FunctionScore Rerank(params (string Key, string Value)[] parameters) => new()
    {
        Functions =
        {
            new FunctionSchema
            {
                Name = "semantic", Type = FunctionType.Rerank, InputFieldNames = { "text" },
                Params = { parameters.Prepend(("reranker", "model")).Select(p => Pair(p.Item1, p.Item2)) },
            },
        },
    };

    [Fact]
    public async Task Imported_rows_get_their_vectors_from_the_provider()
    {
        var name = "embed_import_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, OpenAi("stub-model")).ToByteString() }));
        await CosineIndexAsync(name);
        var key = $"import_tests/{name}/rows.json";
        await server.Node.Objects.PutAsync(key, System.Text.Encoding.UTF8.GetBytes(
            "[" + string.Join(",", Texts.Select((text, i) => $$"""{"id": {{i}}, "text": "{{text}}", "tag": {{i}}}""")) + "]"));

        var started = await Client.ImportAsync(new ImportRequest { CollectionName = name, Files = { key } });
        Succeeded(started.Status);
        GetImportStateResponse state = null!;
        await Eventually.UntilAsync(async () =>
        {
            state = await Client.GetImportStateAsync(new GetImportStateRequest { Task = Assert.Single(started.Tasks) });
            return state.State is ImportState.ImportCompleted or ImportState.ImportFailed;
        }, "import finished", 60);
        Assert.True(state.State == ImportState.ImportCompleted, state.Infos.FirstOrDefault(i => i.Key == "failed_reason")?.Value);

        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        Assert.Equal(Texts.Select(EmbeddingProviderStub.Embed), await StoredVectorsAsync(name, Texts.Length));
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Fact]
    public async Task Tei_prompts_documents_and_queries_differently()
    {
        var name = "embed_tei_" + Guid.NewGuid().ToString("N")[..8];
        var tei = Params(("provider", "TEI"), ("endpoint", server.Embeddings.BaseUrl + "/tei"), ("ingestion_prompt", "doc: "), ("search_prompt", "query: "));
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, tei).ToByteString() }));
        await CosineIndexAsync(name);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await InsertAsync(name, 0, Texts.Length);

        Assert.Equal(Texts.Select(t => EmbeddingProviderStub.Embed("doc: " + t)), await StoredVectorsAsync(name, Texts.Length));
        var search = await Client.SearchAsync(Bm25RpcTests.TextSearch(name, ["machine learning"], null, 1, field: "dense"));
        Succeeded(search.Status);
        Assert.Equal(Cosine(EmbeddingProviderStub.Embed("query: machine learning"), EmbeddingProviderStub.Embed("doc: " + Texts[3])), search.Results.Scores[0], 4);
        Assert.Equal(3L, search.Results.Ids.IntId.Data[0]);

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Fact]
    public async Task Functions_added_altered_and_dropped_change_what_writes_need()
    {
        var name = "embed_ddl_" + Guid.NewGuid().ToString("N")[..8];
        var schema = Schema(name, OpenAi("stub-model"));
        schema.Functions.Clear();
        schema.Fields.Single(f => f.Name == "dense").IsFunctionOutput = false;
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }));
        await CosineIndexAsync(name);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        var own = new float[Dim];
        own[0] = 1;
        Succeeded((await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name, NumRows = 1, FieldsData = { Int64s("id", [0]), Strings("text", [Texts[0]]), Int64s("tag", [0]), Vectors("dense", [own]) },
        })).Status);

        var embed = Function(OpenAi("stub-model"));
        Failed(await Client.AddCollectionFunctionAsync(new AddCollectionFunctionRequest
        {
            CollectionName = name, FunctionSchema = Function(Params(("provider", "vertexai"), ("model_name", "m"))),
        }), 2400, "provider vertexai is not supported");
        Succeeded(await Client.AddCollectionFunctionAsync(new AddCollectionFunctionRequest { CollectionName = name, FunctionSchema = embed }));
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Assert.Equal("embed", Assert.Single(described.Schema.Functions).Name);
        Assert.True(described.Schema.Fields.Single(f => f.Name == "dense").IsFunctionOutput);
        await InsertAsync(name, 1, 3);
        Assert.Equal([own, .. Texts[1..3].Select(EmbeddingProviderStub.Embed)], await StoredVectorsAsync(name, 3));

        var altered = embed.Clone();
        altered.Description = "altered";
        Succeeded(await Client.AlterCollectionFunctionAsync(new AlterCollectionFunctionRequest { CollectionName = name, FunctionName = "embed", FunctionSchema = altered }));
        described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Assert.Equal("altered", Assert.Single(described.Schema.Functions).Description);
        IllegalArgument(await Client.DropCollectionFunctionAsync(new DropCollectionFunctionRequest { CollectionName = name, FunctionName = "" }), "function_name is required");

        Succeeded(await Client.DropCollectionFunctionAsync(new DropCollectionFunctionRequest { CollectionName = name, FunctionName = "embed" }));
        described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Assert.Empty(described.Schema.Functions);
        Assert.False(described.Schema.Fields.Single(f => f.Name == "dense").IsFunctionOutput);
        var withoutVectors = await Client.InsertAsync(new InsertRequest { CollectionName = name, NumRows = 1, FieldsData = { Int64s("id", [9]), Strings("text", ["x"]), Int64s("tag", [9]) } });
        Assert.NotEqual(0, withoutVectors.Status.Code);
        Assert.Contains("dense", withoutVectors.Status.Reason);
        Assert.Equal(3, await StrongCountAsync(Client, name));

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    private async Task CosineIndexAsync(string name) => Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
    {
        CollectionName = name, FieldName = "dense", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "COSINE") },
    }));

    /// <summary>The rows by their cosine to the provider's vector of <paramref name="query"/>, best first.</summary>
    private static long[] Ranked(string query) =>
        [.. Enumerable.Range(0, Texts.Length).OrderByDescending(i => Cosine(EmbeddingProviderStub.Embed(query), EmbeddingProviderStub.Embed(Texts[i]))).Select(i => (long)i)];

    /// <summary>The hits of one query score each row its cosine to the query's vector and are the best ones (ties in any order).</summary>
    private static void AssertTopHits(SearchResultData results, int first, string query, int count)
    {
        var q = EmbeddingProviderStub.Embed(query);
        var ids = results.Ids.IntId.Data.Skip(first).Take(count).ToArray();
        var scores = results.Scores.Skip(first).Take(count).ToArray();
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(Cosine(q, EmbeddingProviderStub.Embed(Texts[ids[i]])), scores[i], 4);
        }

        Assert.Equal(Ranked(query).Take(count).Select(i => Cosine(q, EmbeddingProviderStub.Embed(Texts[i]))), scores, new ToleranceComparer());
    }

    private sealed class ToleranceComparer : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= 1e-4f;

        public int GetHashCode(float obj) => 0;
    }

    private static float Cosine(float[] a, float[] b) =>
        (float)(a.Zip(b, (x, y) => (double)x * y).Sum() / Math.Sqrt(a.Sum(x => (double)x * x) * b.Sum(x => (double)x * x)));

    private async Task<List<float[]>> StoredVectorsAsync(string name, int rows)
    {
        var query = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = name, Expr = "id >= 0", OutputFields = { "id", "dense" }, ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(query.Status);
        var ids = query.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var values = query.FieldsData.Single(f => f.FieldName == "dense").Vectors.FloatVector.Data;
        Assert.Equal(rows, ids.Count);
        return [.. ids.Select((id, i) => (id, vector: values.Skip(i * Dim).Take(Dim).ToArray())).OrderBy(r => r.id).Select(r => r.vector)];
    }

    private async Task InsertAsync(string name, int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        Succeeded((await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name, NumRows = (uint)ids.Count, FieldsData = { Int64s("id", ids), Strings("text", Texts[from..to]), Int64s("tag", ids) },
        })).Status);
    }

    private static (string, string)[] OpenAi(string model) => [("provider", "openai"), ("model_name", model)];

    private static (string, string)[] Params(params (string, string)[] parameters) => parameters;

    private static FunctionSchema Function((string Key, string Value)[] parameters) => new()
    {
        Name = "embed", Type = FunctionType.TextEmbedding, InputFieldNames = { "text" }, OutputFieldNames = { "dense" },
        Params = { parameters.Select(p => Pair(p.Key, p.Value)) },
    };

    /// <summary>id, text (nullable), tag and dense, the output of a text embedding function over text.</summary>
    private static CollectionSchema Schema(string name, (string, string)[] parameters) => new()
    {
        Name = name,
        Fields =
        {
            new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { Name = "text", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "128") } },
            new FieldSchema { Name = "tag", DataType = DataType.Int64 },
            new FieldSchema { Name = "dense", DataType = DataType.FloatVector, IsFunctionOutput = true, TypeParams = { Pair("dim", $"{Dim}") } },
        },
        Functions = { Function(parameters) },
    };

    private static FieldData Vectors(string field, IEnumerable<float[]> rows) => new()
    {
        FieldName = field, Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { rows.SelectMany(r => r) } } },
    };
}
