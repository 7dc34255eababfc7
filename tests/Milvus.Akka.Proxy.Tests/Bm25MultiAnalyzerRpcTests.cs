using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// BM25 with multi-language analyzers (<c>multi_analyzer_params</c>): each row analyzed by the analyzer its language
/// field names (through the alias; unknown or null names the default), each query by its <c>analyzer_name</c>, scored
/// against a brute-force BM25 over the terms each analyzer makes of this corpus's words (written out below, not computed
/// by the server's analyzers).
/// </summary>
public sealed partial class Bm25RpcTests
{
    private const string MultiAnalyzers =
        """{"by_field": "lang", "analyzers": {"english": {"type": "english"}, "default": {"tokenizer": "whitespace"}}, "alias": {"en": "english"}}""";

    private static readonly string[] Words = ["running", "runs", "Dogs", "dog", "the", "bark"];

    // The english analyzer lowercases, stems and drops English stop words; the default (whitespace) keeps each word as written.
    private static readonly Dictionary<string, string?> English = new()
    {
        ["running"] = "run", ["runs"] = "run", ["Dogs"] = "dog", ["dog"] = "dog", ["the"] = null, ["bark"] = "bark",
    };

    [Fact]
    public async Task Rows_and_queries_are_analyzed_by_the_multi_language_analyzer_their_name_picks()
    {
        var name = "bm25_multi_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = MultiSchema(name, MultiAnalyzers).ToByteString(), ShardsNum = 2 }));
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Assert.Equal(MultiAnalyzers, described.Schema.Fields.Single(f => f.Name == "text").TypeParams.Single(p => p.Key == "multi_analyzer_params").Value);
        await CreateFlatIndexAsync(Client, name);
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name, FieldName = "sparse",
            ExtraParams = { Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "BM25"), Pair("params", $$"""{"bm25_k1": {{K1}}, "bm25_b": {{B}}}""") },
        }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));

        var random = new Random(31);
        string?[] languages = ["en", "english", "fr", null];
        var rows = Enumerable.Range(0, 200).Select(_ => (
            Text: string.Join(' ', Enumerable.Range(0, random.Next(1, 7)).Select(_ => Words[random.Next(Words.Length)])),
            Language: languages[random.Next(languages.Length)])).ToList();
        foreach (var (from, to) in new[] { (0, 90), (90, 200) })
        {
            var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
            Succeeded((await Client.InsertAsync(new InsertRequest
            {
                CollectionName = name, NumRows = (uint)ids.Count,
                FieldsData = { Int64s("id", ids), LineVectors(ids), Strings("text", ids.Select(i => rows[(int)i].Text)), Languages(ids.Select(i => rows[(int)i].Language)) },
            })).Status);
            if (from == 0)
            {
                Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
            }
        }

        var documents = rows.Select(r => r.Language is "en" or "english" ? EnglishTerms(r.Text) : r.Text.Split(' ')).ToList();
        foreach (var (query, analyzer, terms) in new (string, string?, string[])[]
        {
            ("runs Dogs", "en", ["run", "dog"]),
            ("runs Dogs", "english", ["run", "dog"]),
            ("runs Dogs", null, ["runs", "Dogs"]),
            ("the bark", "klingon", ["the", "bark"]),
        })
        {
            var request = TextSearch(name, [query], null, 20);
            if (analyzer is not null)
            {
                request.SearchParams.Add(Pair("analyzer_name", analyzer));
            }

            var response = await Client.SearchAsync(request);
            Succeeded(response.Status);
            var oracle = MultiOracle(documents, terms);
            Assert.True(oracle.Count > 0, $"{query}/{analyzer}: the oracle matches nothing");
            var oracleScore = oracle.ToDictionary(h => h.Id, h => h.Score);
            Assert.Equal(Math.Min(20, oracle.Count), response.Results.Ids.IntId.Data.Count);
            Assert.All(response.Results.Ids.IntId.Data, id => Assert.True(oracleScore.ContainsKey(id), $"{query}/{analyzer}: row {id} ({rows[(int)id]}) matches no term"));
            Assert.Equal(oracle.Take(20).Select(h => h.Score), response.Results.Scores.Select(s => (double)s), new ScoreComparer());
            Assert.Equal(response.Results.Ids.IntId.Data.Select(id => oracleScore[id]), response.Results.Scores.Select(s => (double)s), new ScoreComparer());
        }

        // RunAnalyzer on the field: one analyzer name for every text, or one per text.
        var analyzed = await Client.RunAnalyzerAsync(new RunAnalyzerRequest
        {
            CollectionName = name, FieldName = "text", AnalyzerNames = { "en", "fr" },
            Placeholder = { ByteString.CopyFromUtf8("the Dogs running"), ByteString.CopyFromUtf8("the Dogs running") },
        });
        Succeeded(analyzed.Status);
        Assert.Equal([["dog", "run"], ["the", "Dogs", "running"]], analyzed.Results.Select(r => r.Tokens.Select(t => t.Token).ToArray()));
        Failed((await Client.RunAnalyzerAsync(new RunAnalyzerRequest
        {
            CollectionName = name, FieldName = "text", AnalyzerNames = { "en", "fr", "de" },
            Placeholder = { ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("b") },
        })).Status, 1100, "one per text");

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    [Theory]
    [InlineData(MultiAnalyzers, true, false, "lang", 105, "enable match")]
    [InlineData(MultiAnalyzers, false, true, "lang", 105, "analyzer params should be none")]
    [InlineData(MultiAnalyzers, false, false, "language", 105, "dependent field lang not exist")]
    [InlineData("""{"analyzers": {"default": {}}}""", false, false, "lang", 1100, "must set by_field")]
    [InlineData("""{"by_field": "lang", "analyzers": {"english": {"type": "english"}}}""", false, false, "lang", 1100, "must set default analyzer")]
    [InlineData("""{"by_field": "lang", "analyzers": {"default": {}}, "alias": {"en": 1}}""", false, false, "lang", 1100, "alias must be string map")]
    [InlineData("""{"by_field": "lang", "analyzers": {"default": {"tokenizer": "lindera"}}}""", false, false, "lang", 2400, "analyzer default params invalid")]
    public async Task Multi_language_analyzers_are_refused_where_milvus_refuses_them(string multi, bool enableMatch, bool analyzerParams, string languageField, int code, string reason)
    {
        var name = "bm25_multi_bad_" + Guid.NewGuid().ToString("N")[..8];
        var schema = MultiSchema(name, multi, languageField);
        var text = schema.Fields.Single(f => f.Name == "text");
        if (enableMatch)
        {
            text.TypeParams.Add(Pair("enable_match", "true"));
        }

        if (analyzerParams)
        {
            text.TypeParams.Add(Pair("analyzer_params", """{"type": "standard"}"""));
        }

        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }), code, reason);
    }

    [Fact]
    public async Task A_language_field_of_another_type_is_refused()
    {
        var name = "bm25_multi_int_" + Guid.NewGuid().ToString("N")[..8];
        var schema = MultiSchema(name, MultiAnalyzers);
        var language = schema.Fields.Single(f => f.Name == "lang");
        language.DataType = DataType.Int64;
        language.TypeParams.Clear();
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }), 105, "only support by string field");
    }

    /// <summary>The nullable "lang" column.</summary>
    private static FieldData Languages(IEnumerable<string?> values)
    {
        var column = Strings("lang", values.Select(v => v ?? ""));
        column.ValidData.AddRange(values.Select(v => v is not null));
        return column;
    }

    private static string[] EnglishTerms(string text) => [.. text.Split(' ').Select(w => English[w]).OfType<string>()];

    /// <summary>Brute-force BM25 of the query terms over every row's terms (collection-wide statistics).</summary>
    private static List<(long Id, double Score)> MultiOracle(List<string[]> documents, string[] query)
    {
        var averageLength = documents.Average(d => (double)d.Length);
        var hits = new List<(long Id, double Score)>();
        for (var id = 0; id < documents.Count; id++)
        {
            var tokens = documents[id];
            var matching = query.Where(term => tokens.Contains(term)).ToList();
            if (matching.Count == 0)
            {
                continue;
            }

            hits.Add((id, matching.Sum(term =>
            {
                var tf = tokens.Count(t => t == term);
                var df = documents.Count(d => d.Contains(term));
                var idf = Math.Log(1 + ((documents.Count - df + 0.5) / (df + 0.5)));
                return idf * tf * (K1 + 1) / (tf + (K1 * (1 - B + (B * tokens.Length / averageLength))));
            })));
        }

        return [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.Id)];
    }

    private static CollectionSchema MultiSchema(string name, string multi, string languageField = "lang") => new()
    {
        Name = name,
        Fields =
        {
            IdAndVector(LineDim),
            new FieldSchema { Name = languageField, DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "16") } },
            new FieldSchema { Name = "text", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "256"), Pair("enable_analyzer", "true"), Pair("multi_analyzer_params", multi) } },
            new FieldSchema { Name = "sparse", DataType = DataType.SparseFloatVector, IsFunctionOutput = true },
        },
        Functions =
        {
            new FunctionSchema { Name = "bm25", Type = FunctionType.Bm25, InputFieldNames = { "text" }, OutputFieldNames = { "sparse" } },
        },
    };
}
