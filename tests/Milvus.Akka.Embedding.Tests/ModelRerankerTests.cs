using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using Milvus.Akka.Common;
using RecordingHandler = Milvus.Akka.Embedding.Tests.TextEmbeddingFunctionTests.RecordingHandler;

namespace Milvus.Akka.Embedding.Tests;

/// <summary>
/// Model rerankers: params checked as Milvus checks them, TEI's /rerank and vLLM's /v1/rerank asked in batches, each
/// answer's scores placed by index whatever order it lists them in.
/// </summary>
public sealed class ModelRerankerTests
{
    private static ImmutableSortedDictionary<string, string> Params(params (string Key, string Value)[] parameters) =>
        ImmutableSortedDictionary.CreateRange(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value)));

    /// <summary>A score per document: its length, so the order of an answer says nothing about which document it scores.</summary>
    private static string Scored(JsonElement documents, string scoreName, bool bestFirst) =>
        "[" + string.Join(",", documents.EnumerateArray().Select((d, i) => (i, d.GetString()!.Length))
            .OrderBy(r => bestFirst ? -r.Length : r.i).Select(r => $$"""{"index":{{r.i}},"{{scoreName}}":{{r.Length}}}""")) + "]";

    [Fact]
    public async Task Tei_scores_documents_in_batches_with_truncation()
    {
        var provider = new RecordingHandler(body => (HttpStatusCode.OK, Scored(body.GetProperty("texts"), "score", bestFirst: true)));
        var reranker = ModelReranker.Bind("semantic", Params(("provider", "TEI"), ("queries", """["q1", "q2"]"""), ("endpoint", "http://127.0.0.1:9"),
            ("max_client_batch_size", "2"), ("truncate", "true")), TextEmbeddingSettings.Default, new HttpClient(provider));

        Assert.Equal(["q1", "q2"], reranker.Queries.ToArray());
        var scores = await reranker.ScoreAsync("q2", new[] { "a", "bbb", "cc" }, CancellationToken.None);

        Assert.Equal([1f, 3, 2], scores);
        Assert.Equal(2, provider.Requests.Count);
        var first = provider.Requests[0];
        Assert.Equal("http://127.0.0.1:9/rerank", first.Uri);
        Assert.Equal("q2", first.Body.GetProperty("query").GetString());
        Assert.Equal(["a", "bbb"], first.Body.GetProperty("texts").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Right", first.Body.GetProperty("truncation_direction").GetString());
    }

    [Fact]
    public async Task Vllm_scores_documents_with_the_model_named_and_the_key_of_its_credential()
    {
        var provider = new RecordingHandler(body => (HttpStatusCode.OK, $$"""{"results":{{Scored(body.GetProperty("documents"), "relevance_score", bestFirst: false)}}}"""));
        var settings = TextEmbeddingSettings.Default with { Credentials = ImmutableDictionary<string, string>.Empty.Add("v", "sk-v") };
        var reranker = ModelReranker.Bind("semantic", Params(("provider", "vllm"), ("queries", """["q"]"""), ("endpoint", "http://127.0.0.1:9/"),
            ("model_name", "bge-reranker"), ("credential", "v")), settings, new HttpClient(provider));

        var scores = await reranker.ScoreAsync("q", new[] { "dddd", "e" }, CancellationToken.None);
        Assert.Equal([4f, 1], scores);
        var request = Assert.Single(provider.Requests);
        Assert.Equal(("http://127.0.0.1:9/v1/rerank", "Bearer sk-v", "bge-reranker"), (request.Uri, request.Authorization, request.Body.GetProperty("model").GetString()));
    }

    [Theory]
    [InlineData("""[{"index":0,"score":1}]""", "rerank provider TEI answered 1 results for 2 texts")]
    [InlineData("""[{"index":1,"score":1},{"index":1,"score":2}]""", "rerank provider TEI answered text 1 twice")]
    public async Task An_answer_missing_a_document_is_refused(string answer, string reason)
    {
        var provider = new RecordingHandler(_ => (HttpStatusCode.OK, answer));
        var reranker = ModelReranker.Bind("semantic", Params(("provider", "tei"), ("queries", """["q"]"""), ("endpoint", "http://h")),
            TextEmbeddingSettings.Default, new HttpClient(provider));

        var refused = await Assert.ThrowsAsync<MilvusException>(() => reranker.ScoreAsync("q", new[] { "a", "b" }, CancellationToken.None));
        Assert.Contains(reason, refused.Message);
    }

    public static TheoryData<(string, string)[], ErrorCode, string> Refusals => new()
    {
        { [("queries", "[]")], ErrorCode.ParameterInvalid, "param provider is required" },
        { [("provider", "cohere"), ("queries", "[\"q\"]")], ErrorCode.OperationNotSupported, "provider cohere is not supported by Milvus.Akka (supported: tei, vllm)" },
        { [("provider", "tei"), ("endpoint", "http://h")], ErrorCode.ParameterInvalid, "param queries is required" },
        { [("provider", "tei"), ("endpoint", "http://h"), ("queries", "q")], ErrorCode.ParameterInvalid, "queries must be a JSON list of texts, got q" },
        { [("provider", "tei"), ("endpoint", "http://h"), ("queries", "[1]")], ErrorCode.ParameterInvalid, "queries must be a JSON list of texts" },
        { [("provider", "vllm"), ("queries", "[\"q\"]")], ErrorCode.ParameterInvalid, "param endpoint is required by provider vllm" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Params_Milvus_refuses_are_refused_at_bind((string, string)[] parameters, ErrorCode code, string reason)
    {
        var refused = Assert.Throws<MilvusException>(() => ModelReranker.Bind("semantic", Params(parameters), TextEmbeddingSettings.Default, new HttpClient()));
        Assert.Equal(code, refused.Code);
        Assert.Contains(reason, refused.Message);
        Assert.Contains("rerank function semantic", refused.Message);
    }
}
