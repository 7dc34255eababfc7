using System.Collections.Immutable;
using System.Net;
using System.Text;
using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Embedding.Tests;

/// <summary>
/// Binding a text embedding function checks its params as Milvus does; embedding sends the provider's request (OpenAI's
/// embeddings API, TEI's /embed) in batches and reads its answer into rows, checking counts and dims; provider failures
/// become Milvus errors a client can act on.
/// </summary>
public sealed class TextEmbeddingFunctionTests
{
    private static readonly FieldSchema Output = new()
    {
        FieldId = 102, Name = "dense", DataType = DataType.FloatVector, IsFunctionOutput = true,
        TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, "3"),
    };

    private static readonly TextEmbeddingSettings Settings = TextEmbeddingSettings.Default with
    {
        Credentials = ImmutableDictionary<string, string>.Empty.Add("team", "sk-team").Add("local", "sk-local"),
        OpenAi = new OpenAiSettings("http://127.0.0.1:9/v1/embeddings", "local", 2),
    };

    private static FunctionSchema Function(params (string Key, string Value)[] parameters) => new()
    {
        Name = "embed", Type = FunctionType.TextEmbedding, InputFieldNames = ["text"], OutputFieldNames = ["dense"],
        Params = ImmutableSortedDictionary.CreateRange(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value))),
    };

    [Fact]
    public async Task OpenAi_requests_go_in_batches_with_the_model_and_key_and_rows_are_placed_by_index()
    {
        var provider = new RecordingHandler(body =>
        {
            // Answers each batch in reverse order: rows must be placed by their index.
            var inputs = body.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToArray();
            var data = inputs.Select((text, i) => $$"""{"object":"embedding","index":{{i}},"embedding":[{{text.Length}},{{i}},0.5]}""").Reverse();
            return (HttpStatusCode.OK, $$"""{"object":"list","data":[{{string.Join(",", data)}}],"model":"m"}""");
        });
        var function = TextEmbeddingFunction.Bind(Function(("Provider", "OpenAI"), ("model_name", "text-embedding-3-small"), ("dim", "3"), ("user", "u1")),
            Output, Settings, new HttpClient(provider));

        var vectors = await function.EmbedAsync(new[] { "a", "bb", "ccc" }, EmbeddingPurpose.Ingest, CancellationToken.None);

        Assert.Equal([1, 0, 0.5f, 2, 1, 0.5f, 3, 0, 0.5f], vectors);
        Assert.Equal(2, provider.Requests.Count);
        var first = provider.Requests[0];
        Assert.Equal("http://127.0.0.1:9/v1/embeddings", first.Uri);
        Assert.Equal("Bearer sk-local", first.Authorization);
        Assert.Equal("text-embedding-3-small", first.Body.GetProperty("model").GetString());
        Assert.Equal(["a", "bb"], first.Body.GetProperty("input").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, first.Body.GetProperty("dimensions").GetInt32());
        Assert.Equal("u1", first.Body.GetProperty("user").GetString());
        Assert.Equal(["ccc"], provider.Requests[1].Body.GetProperty("input").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Batches_go_out_at_most_max_concurrent_calls_at_once_and_rows_land_in_place()
    {
        // Each call waits until two are in flight (or 10 s pass): a third at once would show in the count.
        var inFlight = 0;
        var most = 0;
        var two = new TaskCompletionSource();
        var provider = new DelegatingAnswer(async body =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            if (now >= 2)
            {
                two.TrySetResult();
            }

            await Task.WhenAny(two.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            Interlocked.Decrement(ref inFlight);
            var text = body.GetProperty("input")[0].GetString()!;
            return $$"""{"data":[{"index":0,"embedding":[{{text.Length}},0,0]}]}""";
        });
        var settings = Settings with { OpenAi = Settings.OpenAi with { MaxBatch = 1 }, MaxConcurrentCalls = 2 };
        var function = TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m")), Output, settings, new HttpClient(provider));

        var vectors = await function.EmbedAsync(new[] { "a", "bb", "ccc", "dddd", "eeeee", "ffffff" }, EmbeddingPurpose.Ingest, CancellationToken.None);

        Assert.Equal([1f, 2, 3, 4, 5, 6], Enumerable.Range(0, 6).Select(i => vectors[i * 3]));
        Assert.Equal(2, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = target; value > seen; seen = target)
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    /// <summary>Answers each request with what <paramref name="answer"/> makes of its JSON body, asynchronously.</summary>
    private sealed class DelegatingAnswer(Func<JsonElement, Task<string>> answer) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(await answer(body), Encoding.UTF8, "application/json") };
        }
    }

    [Fact]
    public async Task A_function_credential_picks_its_key_and_without_a_dim_param_no_dimensions_are_sent()
    {
        var provider = new RecordingHandler(_ => (HttpStatusCode.OK, """{"data":[{"index":0,"embedding":[1,2,3]}]}"""));
        var function = TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m"), ("credential", "team")), Output, Settings,
            new HttpClient(provider));

        var vectors = await function.EmbedAsync(new[] { "x" }, EmbeddingPurpose.Search, CancellationToken.None);
        Assert.Equal([1f, 2, 3], vectors);
        Assert.Equal("Bearer sk-team", provider.Requests[0].Authorization);
        Assert.False(provider.Requests[0].Body.TryGetProperty("dimensions", out _));
    }

    [Fact]
    public async Task Tei_sends_prompts_by_purpose_and_truncation_and_reads_one_array_per_text()
    {
        var provider = new RecordingHandler(body => (HttpStatusCode.OK,
            "[" + string.Join(",", body.GetProperty("inputs").EnumerateArray().Select(e => $"[{e.GetString()!.Length},0,1]")) + "]"));
        var function = TextEmbeddingFunction.Bind(Function(("provider", "TEI"), ("endpoint", "http://127.0.0.1:9/tei/"), ("truncate", "true"),
            ("truncation_direction", "Left"), ("ingestion_prompt", "doc: "), ("search_prompt", "q: "), ("max_client_batch_size", "5")), Output, Settings,
            new HttpClient(provider));

        var documents = await function.EmbedAsync(new[] { "ab", "abc" }, EmbeddingPurpose.Ingest, CancellationToken.None);
        var query = await function.EmbedAsync(new[] { "ab" }, EmbeddingPurpose.Search, CancellationToken.None);
        Assert.Equal([7f, 0, 1, 8, 0, 1], documents);
        Assert.Equal([5f, 0, 1], query);
        var ingest = provider.Requests[0];
        Assert.Equal("http://127.0.0.1:9/tei/embed", ingest.Uri);
        Assert.Null(ingest.Authorization);
        Assert.Equal(["doc: ab", "doc: abc"], ingest.Body.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()));
        Assert.True(ingest.Body.GetProperty("truncate").GetBoolean());
        Assert.Equal("Left", ingest.Body.GetProperty("truncation_direction").GetString());
        Assert.Equal(["q: ab"], provider.Requests[1].Body.GetProperty("inputs").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, ErrorCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.BadGateway, ErrorCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.Unauthorized, ErrorCode.ParameterInvalid)]
    public async Task Provider_refusals_carry_its_message_and_a_code_saying_whether_to_retry(HttpStatusCode status, ErrorCode code)
    {
        var provider = new RecordingHandler(_ => (status, """{"error":{"message":"no such thing","type":"x"}}"""));
        var function = TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m")), Output, Settings, new HttpClient(provider));

        var refused = await Assert.ThrowsAsync<MilvusException>(() => function.EmbedAsync(new[] { "x" }, EmbeddingPurpose.Ingest, CancellationToken.None));
        Assert.Equal(code, refused.Code);
        Assert.Contains($"answered {(int)status}", refused.Message);
        Assert.Contains("no such thing", refused.Message);
    }

    [Theory]
    [InlineData("""{"data":[{"index":0,"embedding":[1,2]}]}""", "the required embedding dim is [3], but the embedding obtained from provider openai is [2]")]
    [InlineData("""{"data":[]}""", "answered 0 results for 1 texts")]
    [InlineData("""{"data":[{"index":4,"embedding":[1,2,3]}]}""", "a result for text 4 of 1")]
    [InlineData("""not json""", "not a text embedding response")]
    public async Task Answers_that_do_not_fit_are_refused(string answer, string reason)
    {
        var provider = new RecordingHandler(_ => (HttpStatusCode.OK, answer));
        var function = TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m")), Output, Settings, new HttpClient(provider));

        var refused = await Assert.ThrowsAsync<MilvusException>(() => function.EmbedAsync(new[] { "x" }, EmbeddingPurpose.Ingest, CancellationToken.None));
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public async Task An_unreachable_provider_is_unavailable()
    {
        var function = TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m")), Output, Settings,
            new HttpClient(new RecordingHandler(_ => throw new HttpRequestException("connection refused"))));

        var refused = await Assert.ThrowsAsync<MilvusException>(() => function.EmbedAsync(new[] { "x" }, EmbeddingPurpose.Ingest, CancellationToken.None));
        Assert.Equal(ErrorCode.ServiceUnavailable, refused.Code);
        Assert.Contains("did not answer: connection refused", refused.Message);
    }

    public static TheoryData<(string, string)[], ErrorCode, string> Refusals => new()
    {
        { [], ErrorCode.ParameterInvalid, "param provider is required" },
        { [("provider", "bedrock"), ("model_name", "m")], ErrorCode.OperationNotSupported, "provider bedrock is not supported by Milvus.Akka (supported: openai, tei)" },
        { [("provider", "openai")], ErrorCode.ParameterInvalid, "param model_name is required by provider openai" },
        { [("provider", "openai"), ("model_name", "m"), ("dim", "512")], ErrorCode.ParameterInvalid, "field dense's dim is [3], but the function's dim param is [512]" },
        { [("provider", "openai"), ("model_name", "m"), ("credential", "nobody")], ErrorCode.ParameterInvalid, "credential 'nobody' is not configured" },
        { [("provider", "tei")], ErrorCode.ParameterInvalid, "param endpoint is required by provider TEI" },
        { [("provider", "tei"), ("endpoint", "ftp://host")], ErrorCode.ParameterInvalid, "endpoint ftp://host is not an http or https URL" },
        { [("provider", "tei"), ("endpoint", "http://h"), ("truncate", "maybe")], ErrorCode.ParameterInvalid, "truncate must be true or false" },
        { [("provider", "tei"), ("endpoint", "http://h"), ("truncation_direction", "Up")], ErrorCode.ParameterInvalid, "truncation_direction must be Left or Right" },
        { [("provider", "tei"), ("endpoint", "http://h"), ("max_client_batch_size", "0")], ErrorCode.ParameterInvalid, "max_client_batch_size must be a positive integer" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Params_Milvus_refuses_are_refused_at_bind((string, string)[] parameters, ErrorCode code, string reason)
    {
        var refused = Assert.Throws<MilvusException>(() => TextEmbeddingFunction.Bind(Function(parameters), Output, Settings, new HttpClient()));
        Assert.Equal(code, refused.Code);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public void OpenAis_own_endpoint_needs_a_key_and_outputs_must_be_float_vectors()
    {
        var withoutKey = TextEmbeddingSettings.Default with { OpenAi = OpenAiSettings.Default with { Credential = "" } };
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OpenAiSettings.ApiKeyVariable)))
        {
            var refused = Assert.Throws<MilvusException>(() =>
                TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m")), Output, withoutKey, new HttpClient()));
            Assert.Contains("no API key for provider openai", refused.Message);
        }

        var int8 = Output with { DataType = DataType.Int8Vector };
        var wrongType = Assert.Throws<MilvusException>(() => TextEmbeddingFunction.Bind(Function(("provider", "openai"), ("model_name", "m")), int8, Settings, new HttpClient()));
        Assert.Contains("provider openai embeds into FloatVector fields, and output field dense is Int8Vector", wrongType.Message);
        var disabled = Settings with { Tei = new TeiSettings(false, "") };
        var off = Assert.Throws<MilvusException>(() => TextEmbeddingFunction.Bind(Function(("provider", "tei"), ("endpoint", "http://h")), Output, disabled, new HttpClient()));
        Assert.Equal(ErrorCode.OperationNotSupported, off.Code);
    }

    /// <summary>Answers every request with the given function of its JSON body, and keeps what it was sent.</summary>
    internal sealed class RecordingHandler(Func<JsonElement, (HttpStatusCode Status, string Body)> answer) : HttpMessageHandler
    {
        public List<(string Uri, string? Authorization, JsonElement Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
            lock (Requests)
            {
                Requests.Add((request.RequestUri!.ToString(), request.Headers.Authorization?.ToString(), body));
            }

            var (status, text) = answer(body);
            return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "application/json") };
        }
    }
}
