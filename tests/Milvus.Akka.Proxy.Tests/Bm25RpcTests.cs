using System.Text.RegularExpressions;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Full-text search with the BM25 function through the gRPC endpoint: schemas with functions checked and described as
/// Milvus does, output fields filled at insert and never returned, and BM25 searches by text over a two-shard
/// collection whose rows lie in several flushed segments and growing ones, compared with a brute-force BM25 over the
/// same rows (its own tokenizer and formula, collection-wide statistics), with deletes, a filter and hybrid search.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed partial class Bm25RpcTests(GrpcServerFixture server)
{
    private const double K1 = 1.5;
    private const double B = 0.6;

    private static readonly string[] Vocabulary =
        ["Red", "green", "blue", "apple", "pear", "tree", "river", "stone", "cloud", "light", "night", "song", "bird", "wind", "fire", "snow"];

    private MilvusService.MilvusServiceClient Client => server.Client;

    [Fact]
    public async Task Bm25_search_by_text_equals_brute_force_over_flushed_and_growing_rows()
    {
        var name = "bm25_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name).ToByteString(), ShardsNum = 2 }));
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "vec", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
        }));
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name,
            FieldName = "sparse",
            ExtraParams =
            {
                Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "BM25"),
                Pair("params", $$"""{"bm25_k1": {{K1}}, "bm25_b": {{B}}, "inverted_index_algo": "DAAT_MAXSCORE"}"""),
            },
        }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));

        // Three batches: two flushed into sealed segments (indexed by the data node when it gets to them), one growing.
        var random = new Random(2024);
        var texts = Enumerable.Range(0, 360).Select(_ => string.Join(random.Next(2) == 0 ? " " : ", ",
            Enumerable.Range(0, random.Next(1, 12)).Select(_ => Vocabulary[random.Next(random.Next(2) == 0 ? 4 : Vocabulary.Length)]))).ToList();
        await InsertAsync(name, texts, 0, 120);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        await InsertAsync(name, texts, 120, 250);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        await InsertAsync(name, texts, 250, 360);

        var live = Enumerable.Range(0, texts.Count).ToHashSet();
        foreach (var query in (string[])["apple", "red TREE apple", "night song, bird bird", "kiwi"])
        {
            await AssertSearchEqualsOracleAsync(name, texts, live, query, null);
        }

        // Deleted rows neither match nor count in the statistics.
        var deleted = Enumerable.Range(0, texts.Count).Where(i => i % 7 == 3).ToList();
        Succeeded((await Client.DeleteAsync(new DeleteRequest { CollectionName = name, Expr = $"id in [{string.Join(", ", deleted)}]" })).Status);
        live.ExceptWith(deleted);
        await AssertSearchEqualsOracleAsync(name, texts, live, "red TREE apple", null);

        // A filter restricts the hits, not the statistics.
        await AssertSearchEqualsOracleAsync(name, texts, live, "green river stone", "id >= 100 and id < 300");

        // A hybrid search whose dense part weighs nothing ranks as the BM25 part does.
        var hybrid = await Client.HybridSearchAsync(new ProtoHybridSearchRequest
        {
            CollectionName = name,
            Requests = { TextSearch(name, ["light fire snow"], null, 10), DenseSearch(name, 10) },
            RankParams = { Pair("strategy", "weighted"), Pair("params", """{"weights": [1, 0]}"""), Pair("limit", "10") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(hybrid.Status);
        // Without output fields a hybrid search returns every field a client may read: not the function output.
        Assert.DoesNotContain("sparse", hybrid.Results.OutputFields);
        Assert.DoesNotContain(hybrid.Results.FieldsData, f => f.FieldName == "sparse");
        var oracle = Oracle(texts, live, "light fire snow");
        var oracleScore = oracle.ToDictionary(h => h.Id, h => h.Score);
        Assert.Equal(oracle.Take(10).Select(h => h.Score), hybrid.Results.Ids.IntId.Data.Select(id => oracleScore[id]), new ScoreComparer());
        var rrf = await Client.HybridSearchAsync(new ProtoHybridSearchRequest
        {
            CollectionName = name,
            Requests = { TextSearch(name, ["light fire snow"], null, 10), DenseSearch(name, 10) },
            RankParams = { Pair("strategy", "rrf"), Pair("params", """{"k": 60}"""), Pair("limit", "5") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(rrf.Status);
        Assert.Equal(5, rrf.Results.Ids.IntId.Data.Count);

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Fact]
    public async Task Functions_are_described_their_outputs_computed_and_never_returned()
    {
        var name = "bm25_io_" + Guid.NewGuid().ToString("N")[..8];
        var schema = Schema(name);
        // SDKs may leave is_function_output to the server.
        schema.Fields.Single(f => f.Name == "sparse").IsFunctionOutput = false;
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }));

        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Succeeded(described.Status);
        var function = Assert.Single(described.Schema.Functions);
        var sparse = described.Schema.Fields.Single(f => f.Name == "sparse");
        var text = described.Schema.Fields.Single(f => f.Name == "text");
        Assert.Equal(("bm25", FunctionType.Bm25, "text", "sparse"), (function.Name, function.Type, function.InputFieldNames.Single(), function.OutputFieldNames.Single()));
        Assert.Equal((text.FieldID, sparse.FieldID), (function.InputFieldIds.Single(), function.OutputFieldIds.Single()));
        Assert.True(sparse.IsFunctionOutput);
        Assert.False(text.IsFunctionOutput);

        var sent = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name,
            NumRows = 1,
            FieldsData =
            {
                Int64s("id", [1]), LineVectors([1]), Strings("text", ["a"]), Strings("tag", ["t"]),
                new FieldData
                {
                    FieldName = "sparse", Type = DataType.SparseFloatVector,
                    Vectors = new VectorField { Dim = 1, SparseFloatVector = new SparseFloatArray { Dim = 1, Contents = { ByteString.CopyFrom(new byte[8]) } } },
                },
            },
        });
        Failed(sent.Status, 1100, "output of function bm25");

        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest { CollectionName = name, FieldName = "vec", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") } }));
        Failed(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "sparse", ExtraParams = { Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "IP") },
        }), 1100, "needs metric type BM25");
        Failed(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "sparse", ExtraParams = { Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "BM25"), Pair("bm25_k1", "7") },
        }), 1100, "bm25_k1");
        // Without a metric the output field's index is a BM25 one.
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest { CollectionName = name, FieldName = "sparse", ExtraParams = { Pair("index_type", "SPARSE_WAND") } }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await InsertAsync(name, ["the cat", "a dog and a cat", ""], 0, 3);

        var query = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = name, Expr = "id >= 0", OutputFields = { "id", "sparse" }, ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Failed(query.Status, 2400, "not allowed to retrieve raw data of field sparse");
        var all = await Client.QueryAsync(new ProtoQueryRequest { CollectionName = name, Expr = "id >= 0", OutputFields = { "*" }, ConsistencyLevel = ConsistencyLevel.Strong });
        Succeeded(all.Status);
        Assert.DoesNotContain(all.FieldsData, f => f.FieldName == "sparse");
        Assert.Equal(3, all.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Count);

        var hits = await SearchAsync(name, ["cat", "dog"], null, 10);
        Assert.Empty(hits.Results.OutputFields);
        var everything = TextSearch(name, ["cat"], null, 10);
        everything.OutputFields.Add("*");
        var withFields = await Client.SearchAsync(everything);
        Succeeded(withFields.Status);
        Assert.Equal(["id", "vec", "text", "tag"], withFields.Results.OutputFields);
        // "cat" is in rows 0 and 1, and weighs more in the shorter row 0; "dog" only in row 1.
        Assert.Equal([2L, 1L], hits.Results.Topks);
        Assert.Equal([0L, 1L, 1L], hits.Results.Ids.IntId.Data);

        // A partial update without the text computes the BM25 output again from the stored text.
        Succeeded((await Client.UpsertAsync(new UpsertRequest
        {
            CollectionName = name, NumRows = 1, PartialUpdate = true, FieldsData = { Int64s("id", [1]), Strings("tag", ["retagged"]) },
        })).Status);
        var afterUpdate = await SearchAsync(name, ["dog"], null, 10);
        Assert.Equal([1L], afterUpdate.Results.Ids.IntId.Data);

        Failed((await Client.SearchAsync(TextSearch(name, ["cat"], null, 3, "vec"))).Status, 1100, "query texts search the output field of a BM25, text embedding or MinHash function");
        var wrongMetric = TextSearch(name, ["cat"], null, 3);
        wrongMetric.SearchParams.Add(Pair("metric_type", "IP"));
        Failed((await Client.SearchAsync(wrongMetric)).Status, 1100, "metric type");
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Theory]
    [InlineData("tag", "sparse", "must set enable_analyzer")]
    [InlineData("id", "sparse", "must be VARCHAR")]
    [InlineData("text", "vec", "must be SparseFloatVector")]
    [InlineData("text", "nothing", "output field nothing not found")]
    [InlineData("missing", "sparse", "input field missing not found")]
    public async Task Create_refuses_a_bm25_function_on_the_wrong_fields(string input, string output, string reason)
    {
        var name = "bm25_bad_" + Guid.NewGuid().ToString("N")[..8];
        var schema = Schema(name);
        schema.Functions[0].InputFieldNames[0] = input;
        schema.Functions[0].OutputFieldNames[0] = output;
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }), 105, reason);
    }

    [Fact]
    public async Task Create_refuses_duplicate_functions_other_function_types_and_unclaimed_outputs()
    {
        var name = "bm25_bad_" + Guid.NewGuid().ToString("N")[..8];
        var twice = Schema(name);
        twice.Functions.Add(twice.Functions[0].Clone());
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = twice.ToByteString() }), 105, "duplicate function name");

        var sameOutput = Schema(name);
        var second = sameOutput.Functions[0].Clone();
        second.Name = "again";
        sameOutput.Functions.Add(second);
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = sameOutput.ToByteString() }), 105, "already the output");

        var rerank = Schema(name);
        rerank.Functions[0].Type = FunctionType.Rerank;
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = rerank.ToByteString() }), 2400, "function type Rerank is not supported");

        var unclaimed = Schema(name);
        unclaimed.Functions.Clear();
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = unclaimed.ToByteString() }), 105, "no function outputs it");
    }

    private async Task AssertSearchEqualsOracleAsync(string name, List<string> texts, HashSet<int> live, string query, string? filter)
    {
        const int TopK = 15;
        var response = await SearchAsync(name, [query], filter, TopK);
        var oracle = Oracle(texts, live, query);
        var allowed = filter is null ? oracle : oracle.Where(h => h.Id >= 100 && h.Id < 300).ToList();
        var expected = allowed.Take(TopK).ToList();
        var ids = response.Results.Ids.IntId.Data;
        var scores = response.Results.Scores;
        Assert.Equal(expected.Count, ids.Count);
        var oracleScore = oracle.ToDictionary(h => h.Id, h => h.Score);
        for (var i = 0; i < ids.Count; i++)
        {
            // Equal scores may come in either order, so each hit is checked against its own oracle score and the
            // score at each rank against the oracle's.
            Assert.True(oracleScore.ContainsKey(ids[i]), $"hit {ids[i]} for '{query}' matches no query term or is deleted");
            Assert.Equal(oracleScore[ids[i]], scores[i], 1e-4 * Math.Max(1, Math.Abs(scores[i])));
            Assert.Equal(expected[i].Score, scores[i], 1e-4 * Math.Max(1, Math.Abs(scores[i])));
        }
    }

    /// <summary>Brute-force BM25 over the live rows: letter runs lowercased as tokens, the statistics of every live row.</summary>
    private static List<(long Id, double Score)> Oracle(List<string> texts, HashSet<int> live, string query)
    {
        var documents = live.Order().Select(i => (Id: (long)i, Tokens: Tokens(texts[i]))).ToList();
        var averageLength = documents.Average(d => (double)d.Tokens.Length);
        var hits = new List<(long Id, double Score)>();
        foreach (var (id, tokens) in documents)
        {
            double score = 0;
            var matched = false;
            foreach (var term in Tokens(query).GroupBy(t => t))
            {
                var tf = tokens.Count(t => t == term.Key);
                if (tf == 0)
                {
                    continue;
                }

                matched = true;
                var df = documents.Count(d => d.Tokens.Contains(term.Key));
                var idf = Math.Log(1 + ((documents.Count - df + 0.5) / (df + 0.5)));
                score += term.Count() * idf * tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * tokens.Length / averageLength))));
            }

            if (matched)
            {
                hits.Add((id, score));
            }
        }

        return [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.Id)];
    }

    private sealed class ScoreComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }

    private async Task<SearchResults> SearchAsync(string name, string[] queries, string? filter, int limit)
    {
        var response = await Client.SearchAsync(TextSearch(name, queries, filter, limit));
        Succeeded(response.Status);
        return response;
    }

    internal static ProtoSearchRequest TextSearch(string name, string[] queries, string? filter, int limit, string field = "sparse")
    {
        var placeholder = new PlaceholderValue { Tag = "$0", Type = PlaceholderType.VarChar };
        placeholder.Values.AddRange(queries.Select(ByteString.CopyFromUtf8));
        return new ProtoSearchRequest
        {
            CollectionName = name,
            Dsl = filter ?? "",
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = new PlaceholderGroup { Placeholders = { placeholder } }.ToByteString(),
            Nq = queries.Length,
            SearchParams = { Pair("anns_field", field), Pair("topk", $"{limit}"), Pair("params", """{"drop_ratio_search": 0}""") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
    }

    private static ProtoSearchRequest DenseSearch(string name, int limit)
    {
        return new ProtoSearchRequest
        {
            CollectionName = name,
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = LineQuery(5f),
            Nq = 1,
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", $"{limit}"), Pair("metric_type", "L2") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
    }

    /// <summary>id, vec, text (analyzed), tag, and sparse, the output of the BM25 function over text; the import tests use it too.</summary>
    internal static CollectionSchema Schema(string name) => new()
    {
        Name = name,
        Fields =
        {
            IdAndVector(LineDim),
            new FieldSchema { Name = "text", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "256"), Pair("enable_analyzer", "true") } },
            new FieldSchema { Name = "tag", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") } },
            new FieldSchema { Name = "sparse", DataType = DataType.SparseFloatVector, IsFunctionOutput = true },
        },
        Functions =
        {
            new FunctionSchema { Name = "bm25", Type = FunctionType.Bm25, InputFieldNames = { "text" }, OutputFieldNames = { "sparse" } },
        },
    };

    private async Task InsertAsync(string name, List<string> texts, int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name,
            NumRows = (uint)ids.Count,
            FieldsData = { Int64s("id", ids), LineVectors(ids), Strings("text", texts[from..to]), Strings("tag", ids.Select(id => $"t{id}")) },
        });
        Succeeded(inserted.Status);
    }

    [GeneratedRegex("[^A-Za-z]+")]
    private static partial Regex NonLetters();

    private static string[] Tokens(string text) => [.. NonLetters().Split(text).Where(t => t.Length > 0).Select(t => t.ToLowerInvariant())];
}
