using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// A model provider on 127.0.0.1 speaking OpenAI's embeddings API (<c>/v1/embeddings</c>), TEI's (<c>/tei/embed</c>,
/// <c>/tei/rerank</c>) and vLLM's rerank API (<c>/v1/rerank</c>): a text's embedding counts its words, each into a
/// bucket of a stable hash, so texts sharing words are near; a document's relevance to a query is
/// <see cref="Relevance"/>. A text containing FAIL is answered 500; model <c>short</c> answers vectors one value short.
/// </summary>
public sealed class EmbeddingProviderStub : IAsyncDisposable
{
    public const int Dim = 64;

    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every request: path, Authorization header, JSON body.</summary>
    public ConcurrentQueue<(string Path, string? Authorization, JsonElement Body)> Requests { get; } = new();

    /// <summary>How many of the query's words the document holds, plus a little for a shorter document.</summary>
    public static float Relevance(string query, string document)
    {
        var words = Words(document).ToHashSet();
        return Words(query).Distinct().Count(words.Contains) + (1f / (1 + document.Length));
    }

    private static string[] Words(string text) => text.ToLowerInvariant().Split([' ', ',', '.', ':'], StringSplitOptions.RemoveEmptyEntries);

    public static float[] Embed(string text)
    {
        var vector = new float[Dim];
        foreach (var word in Words(text))
        {
            var hash = 2166136261u;
            foreach (var c in word)
            {
                hash = (hash ^ c) * 16777619u;
            }

            vector[hash % Dim] += 1;
        }

        return vector;
    }

    public static async Task<EmbeddingProviderStub> StartAsync()
    {
        var stub = new EmbeddingProviderStub();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/embeddings", async (HttpContext context) =>
        {
            var body = await stub.ReadAsync(context);
            var texts = body.GetProperty("input").EnumerateArray().Select(e => e.GetString()!).ToArray();
            if (texts.Any(t => t.Contains("FAIL")))
            {
                return Results.Json(new Dictionary<string, object> { ["error"] = new Dictionary<string, string> { ["message"] = "the stub fails FAIL" } }, statusCode: 500);
            }

            var shortBy = body.GetProperty("model").GetString() == "short" ? 1 : 0;
            return Results.Json(new Dictionary<string, object>
            {
                ["object"] = "list",
                ["data"] = texts.Select((t, i) => new Dictionary<string, object> { ["index"] = i, ["embedding"] = Embed(t)[..(Dim - shortBy)] }).ToArray(),
            });
        });
        app.MapPost("/tei/rerank", async (HttpContext context) =>
        {
            var body = await stub.ReadAsync(context);
            var query = body.GetProperty("query").GetString()!;
            // TEI answers best first.
            return Results.Json(body.GetProperty("texts").EnumerateArray()
                .Select((text, i) => new Dictionary<string, object> { ["index"] = i, ["score"] = Relevance(query, text.GetString()!) })
                .OrderByDescending(r => (float)r["score"]).ToArray());
        });
        app.MapPost("/v1/rerank", async (HttpContext context) =>
        {
            var body = await stub.ReadAsync(context);
            var query = body.GetProperty("query").GetString()!;
            return Results.Json(new Dictionary<string, object>
            {
                ["results"] = body.GetProperty("documents").EnumerateArray()
                    .Select((text, i) => new Dictionary<string, object> { ["index"] = i, ["relevance_score"] = Relevance(query, text.GetString()!) }).ToArray(),
            });
        });
        app.MapPost("/tei/embed", async (HttpContext context) =>
        {
            var body = await stub.ReadAsync(context);
            return Results.Json(body.GetProperty("inputs").EnumerateArray().Select(e => Embed(e.GetString()!)).ToArray());
        });
        await app.StartAsync();
        stub._app = app;
        stub.BaseUrl = app.Urls.Single().TrimEnd('/');
        return stub;
    }

    private async Task<JsonElement> ReadAsync(HttpContext context)
    {
        var body = (await JsonDocument.ParseAsync(context.Request.Body)).RootElement.Clone();
        Requests.Enqueue((context.Request.Path, context.Request.Headers.Authorization.FirstOrDefault(), body));
        return body;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
