using System.Text.RegularExpressions;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using Milvus.Akka.Text;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Full-text features through the real gRPC endpoint: analyzers checked at create, RunAnalyzer, and TEXT_MATCH /
/// PHRASE_MATCH over flushed and growing rows of a two-shard collection, against a brute-force oracle.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed partial class TextRpcTests(GrpcServerFixture server)
{
    private static readonly string[] Vocabulary = ["Red", "green", "blue", "apple", "pear", "tree"];

    private MilvusService.MilvusServiceClient Client => server.Client;

    [Fact]
    public async Task Run_analyzer_reports_tokens_offsets_positions_and_hashes()
    {
        var response = await Client.RunAnalyzerAsync(new RunAnalyzerRequest
        {
            AnalyzerParams = """{"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": ["_english_"]}]}""",
            Placeholder = { ByteString.CopyFromUtf8("Où est the Café?"), ByteString.CopyFromUtf8("") },
            WithDetail = true,
            WithHash = true,
        });
        Succeeded(response.Status);
        Assert.Equal(2, response.Results.Count);
        var tokens = response.Results[0].Tokens;
        Assert.Equal(["où", "est", "café"], tokens.Select(t => t.Token));
        // Offsets are UTF-8 byte offsets: "Où" is three bytes.
        Assert.Equal([(0L, 3L, 0L), (4, 7, 1), (12, 17, 3)], tokens.Select(t => (t.StartOffset, t.EndOffset, t.Position)));
        Assert.All(tokens, t => Assert.Equal(TokenHash.Of(t.Token), t.Hash));
        Assert.Empty(response.Results[1].Tokens);

        var plain = await Client.RunAnalyzerAsync(new RunAnalyzerRequest { Placeholder = { ByteString.CopyFromUtf8("A b") } });
        Assert.Equal(["a", "b"], plain.Results[0].Tokens.Select(t => t.Token));
        Assert.All(plain.Results[0].Tokens, t => Assert.Equal((0L, 0u), (t.EndOffset, t.Hash)));

        // jieba: positions are character indexes (sub-words share them), offsets UTF-8 bytes (three an ideograph).
        var chinese = await Client.RunAnalyzerAsync(new RunAnalyzerRequest { AnalyzerParams = """{"type": "chinese"}""", Placeholder = { ByteString.CopyFromUtf8("用数据库") }, WithDetail = true });
        Succeeded(chinese.Status);
        Assert.Equal([("用", 0L, 3L, 0L, 1L), ("数据", 3, 9, 1, 2), ("据库", 6, 12, 2, 2), ("数据库", 3, 12, 1, 3)],
            chinese.Results[0].Tokens.Select(t => (t.Token, t.StartOffset, t.EndOffset, t.Position, t.PositionLength)));

        var icu = await Client.RunAnalyzerAsync(new RunAnalyzerRequest { AnalyzerParams = """{"tokenizer": "icu"}""", Placeholder = { ByteString.CopyFromUtf8("Go 中文") }, WithDetail = true });
        Succeeded(icu.Status);
        Assert.Equal([("Go", 0L, 2L, 0L, 2L), (" ", 2, 3, 2, 1), ("中文", 3, 9, 3, 2)],
            icu.Results[0].Tokens.Select(t => (t.Token, t.StartOffset, t.EndOffset, t.Position, t.PositionLength)));

        var unsupported = await Client.RunAnalyzerAsync(new RunAnalyzerRequest { AnalyzerParams = """{"tokenizer": "lindera"}""", Placeholder = { ByteString.CopyFromUtf8("x") } });
        Failed(unsupported.Status, 2400, "tokenizer 'lindera'");
    }

    [Fact]
    public async Task Compute_phrase_match_slop_answers_the_least_slop_per_text()
    {
        var response = await Client.ComputePhraseMatchSlopAsync(new ComputePhraseMatchSlopRequest
        {
            QueryText = "Machine learning",
            DataTexts = { "machine learning rocks", "learning, deep machine", "machine only", "MACHINE big deep learning" },
        });
        Succeeded(response.Status);
        Assert.Equal([true, true, false, true], response.IsMatch);
        Assert.Equal([0L, 3, -1, 2], response.Slops);

        // The analyzer asked for: a stop filter removes "the" from both sides.
        var stopped = await Client.ComputePhraseMatchSlopAsync(new ComputePhraseMatchSlopRequest
        {
            AnalyzerParams = """{"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": ["the"]}]}""",
            QueryText = "the fox",
            DataTexts = { "Fox" },
        });
        Assert.Equal([true], stopped.IsMatch);
        Assert.Equal([0L], stopped.Slops);
        var empty = await Client.ComputePhraseMatchSlopAsync(new ComputePhraseMatchSlopRequest { QueryText = "x" });
        Succeeded(empty.Status);
        Assert.Empty(empty.Slops);
        Failed((await Client.ComputePhraseMatchSlopAsync(new ComputePhraseMatchSlopRequest
        {
            AnalyzerParams = """{"tokenizer": "lindera"}""", QueryText = "x", DataTexts = { "x" },
        })).Status, 2400, "tokenizer 'lindera'");
    }

    [Fact]
    public async Task Create_refuses_analyzers_it_cannot_run()
    {
        var name = "fts_bad_" + Guid.NewGuid().ToString("N")[..8];
        var lindera = await Client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = name,
            Schema = Schema(name, """{"tokenizer": "lindera"}""").ToByteString(),
        });
        Failed(lindera, 2400, "tokenizer 'lindera'");

        var noAnalyzer = Schema(name, null);
        noAnalyzer.Fields[2].TypeParams.Remove(noAnalyzer.Fields[2].TypeParams.Single(p => p.Key == "enable_analyzer"));
        Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = noAnalyzer.ToByteString() }),
            105, "enable_analyzer");
    }

    [Fact]
    public async Task Text_and_phrase_match_equal_brute_force_over_flushed_and_growing_rows()
    {
        var name = "fts_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name, null).ToByteString(), ShardsNum = 2 }));
        await CreateFlatIndexAsync(Client, name);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));

        var random = new Random(77);
        var texts = Enumerable.Range(0, 240).Select(_ => string.Join(random.Next(2) == 0 ? " " : ", ",
            Enumerable.Range(0, random.Next(1, 7)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]))).ToList();
        await InsertAsync(name, texts, 0, 120);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        await InsertAsync(name, texts, 120, 240);

        foreach (var words in (string[])["apple", "RED tree", "kiwi"])
        {
            var wanted = Tokens(words);
            Assert.Equal(Ids(texts, t => Tokens(t).Intersect(wanted).Any()), await QueryAsync(name, $"TEXT_MATCH(text, '{words}')"));
        }

        foreach (var (phrase, slop) in ((string, int)[])[("red apple", 0), ("red apple", 1), ("apple red", 2), ("green green", 0)])
        {
            Assert.Equal(Ids(texts, t => PhraseOracle(Tokens(t), Tokens(phrase), slop)), await QueryAsync(name, $"PHRASE_MATCH(text, '{phrase}', {slop})"));
        }

        var plainField = await Client.QueryAsync(new ProtoQueryRequest { CollectionName = name, Expr = "TEXT_MATCH(tag, 'a')", OutputFields = { "id" } });
        Failed(plainField.Status, 1100, "does not enable match");
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    private static CollectionSchema Schema(string name, string? analyzerParams)
    {
        var text = new FieldSchema
        {
            Name = "text",
            DataType = DataType.VarChar,
            TypeParams = { Pair("max_length", "256"), Pair("enable_analyzer", "true"), Pair("enable_match", "true") },
        };
        if (analyzerParams is not null)
        {
            text.TypeParams.Add(Pair("analyzer_params", analyzerParams));
        }

        return new CollectionSchema
        {
            Name = name,
            Fields =
            {
                IdAndVector(LineDim),
                text,
                new FieldSchema { Name = "tag", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") } },
            },
        };
    }

    private async Task InsertAsync(string name, List<string> texts, int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name,
            NumRows = (uint)ids.Count,
            FieldsData =
            {
                Int64s("id", ids),
                LineVectors(ids),
                new FieldData { FieldName = "text", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { texts[from..to] } } } },
                new FieldData { FieldName = "tag", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(id => $"t{id}") } } } },
            },
        });
        Succeeded(inserted.Status);
    }

    private async Task<List<long>> QueryAsync(string name, string expr)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = name, Expr = expr, OutputFields = { "id" }, ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        return [.. response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order()];
    }

    private static List<long> Ids(List<string> texts, Func<string, bool> matches) =>
        [.. Enumerable.Range(0, texts.Count).Where(i => matches(texts[i])).Select(i => (long)i)];

    [GeneratedRegex("[^A-Za-z]+")]
    private static partial Regex NonLetters();

    private static string[] Tokens(string text) => [.. NonLetters().Split(text).Where(t => t.Length > 0).Select(t => t.ToLowerInvariant())];

    /// <summary>Distinct positions for the phrase's tokens whose shifts from the phrase's own positions span at most the slop.</summary>
    private static bool PhraseOracle(string[] tokens, string[] phrase, int slop)
    {
        bool Place(int slot, int[] chosen) => slot == phrase.Length
            ? chosen.Select((p, i) => p - i).Max() - chosen.Select((p, i) => p - i).Min() <= slop
            : Enumerable.Range(0, tokens.Length).Any(p => tokens[p] == phrase[slot] && !chosen[..slot].Contains(p) && Place(slot + 1, Set(chosen, slot, p)));

        static int[] Set(int[] chosen, int slot, int p)
        {
            chosen[slot] = p;
            return chosen;
        }

        return phrase.Length > 0 && Place(0, new int[phrase.Length]);
    }
}
