using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Embedding;

/// <summary>Whether texts are embedded for storage (insert, upsert, import) or as search queries: some providers prompt them differently.</summary>
public enum EmbeddingPurpose
{
    Ingest,
    Search,
}

/// <summary>
/// A model served over HTTP: one JSON request, one JSON answer. Failures become Milvus errors a client can act on: no
/// answer, 429 and 5xx are ServiceUnavailable (worth retrying), other refusals ParameterInvalid with the provider's
/// own message, an answer of the wrong shape ServiceInternal.
/// </summary>
/// <param name="kind">What the model does, for messages ("text embedding", "rerank").</param>
internal abstract class ModelProvider(HttpClient http, string kind, string name, string? apiKey)
{
    public string Name { get; } = name;

    /// <summary>Texts sent per call.</summary>
    public abstract int MaxBatch { get; }

    protected string Kind { get; } = kind;

    /// <summary>
    /// Calls <paramref name="call"/> with (start, count) for batches of at most <see cref="MaxBatch"/> of
    /// <paramref name="length"/> texts, at most <paramref name="concurrency"/> at once; the first failure fails the whole.
    /// </summary>
    public Task InBatchesAsync(int length, int concurrency, Func<int, int, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(Enumerable.Range(0, (length + MaxBatch - 1) / MaxBatch),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (batch, token) =>
            {
                var start = batch * MaxBatch;
                await call(start, Math.Min(MaxBatch, length - start), token);
            });

    /// <summary>Posts <paramref name="body"/> to <paramref name="endpoint"/> and hands the answer to <paramref name="read"/>.</summary>
    protected async Task CallAsync(Uri endpoint, byte[] body, Action<JsonElement> read, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (!string.IsNullOrEmpty(apiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        HttpResponseMessage response;
        byte[] answer;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new MilvusException(ErrorCode.ServiceUnavailable, $"{Kind} provider {Name} at {endpoint} did not answer: {e.Message}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // Busy or failing providers may answer later; any other refusal is about the request or the key.
                var code = response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
                    ? ErrorCode.ServiceUnavailable
                    : ErrorCode.ParameterInvalid;
                throw new MilvusException(code, $"{Kind} provider {Name} answered {(int)response.StatusCode} {response.StatusCode}: {ErrorText(answer)}");
            }
        }

        try
        {
            using var document = JsonDocument.Parse(answer);
            read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or IndexOutOfRangeException)
        {
            throw new MilvusException(ErrorCode.ServiceInternal, $"{Kind} provider {Name} answered what is not a {Kind} response: {e.Message}", e);
        }
    }

    /// <summary>The answer held <paramref name="answered"/> results for <paramref name="count"/> texts.</summary>
    protected void CheckCount(int answered, int count)
    {
        if (answered != count)
        {
            throw new MilvusException(ErrorCode.ServiceInternal, $"{Kind} provider {Name} answered {answered} results for {count} texts");
        }
    }

    /// <summary>A result placed at <paramref name="index"/> must name one of the <paramref name="count"/> texts sent.</summary>
    protected void CheckIndex(int index, int count)
    {
        if ((uint)index >= (uint)count)
        {
            throw new MilvusException(ErrorCode.ServiceInternal, $"{Kind} provider {Name} answered a result for text {index} of {count}");
        }
    }

    /// <summary>The API path <paramref name="path"/> under a provider's endpoint, whether or not it ends with a slash.</summary>
    protected static Uri Below(Uri endpoint, string path) => new(endpoint.ToString().TrimEnd('/') + "/" + path);

    /// <summary>A JSON object written by <paramref name="write"/> (its properties).</summary>
    protected static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    protected static void WriteTexts(Utf8JsonWriter writer, string property, ReadOnlyMemory<string> texts, string prefix)
    {
        writer.WriteStartArray(property);
        foreach (var text in texts.Span)
        {
            writer.WriteStringValue(prefix.Length == 0 ? text : prefix + text);
        }

        writer.WriteEndArray();
    }

    /// <summary>The provider's own error message (OpenAI's error.message, TEI's error), else the body's start.</summary>
    private static string ErrorText(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                return error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) ? message.ToString() : error.ToString();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the body as text below.
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 500));
        return text.Length == 0 ? "(no body)" : text;
    }
}

/// <summary>One embedding model at one provider: embeds a batch of texts into rows of a flat destination.</summary>
internal abstract class EmbeddingProvider(HttpClient http, string name, string? apiKey) : ModelProvider(http, "text embedding", name, apiKey)
{
    /// <summary>Writes the embedding of <c>texts[i]</c> to row i of <paramref name="destination"/> (rows of <paramref name="dim"/>).</summary>
    public Task EmbedAsync(ReadOnlyMemory<string> texts, Memory<float> destination, int dim, EmbeddingPurpose purpose, CancellationToken cancellationToken) =>
        CallAsync(Endpoint, RequestBody(texts, purpose), root => ReadEmbeddings(root, texts.Length, destination.Span, dim), cancellationToken);

    protected abstract Uri Endpoint { get; }

    protected abstract byte[] RequestBody(ReadOnlyMemory<string> texts, EmbeddingPurpose purpose);

    /// <summary>Reads one embedding per text into <paramref name="destination"/>, each checked for <paramref name="dim"/> values.</summary>
    protected abstract void ReadEmbeddings(JsonElement root, int count, Span<float> destination, int dim);

    /// <summary>Copies one embedding into its row; the model's dim must be the output field's.</summary>
    protected void ReadRow(JsonElement embedding, Span<float> row)
    {
        var length = embedding.GetArrayLength();
        if (length != row.Length)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"the required embedding dim is [{row.Length}], but the embedding obtained from provider {Name} is [{length}]");
        }

        var i = 0;
        foreach (var value in embedding.EnumerateArray())
        {
            row[i++] = value.GetSingle();
        }
    }
}

/// <summary>OpenAI's embeddings API (<c>POST {"model", "input": [...], "dimensions"?, "user"?}</c>).</summary>
internal sealed class OpenAiProvider(HttpClient http, Uri url, string? apiKey, string model, int? dimensions, string? user, int maxBatch)
    : EmbeddingProvider(http, "openai", apiKey)
{
    public override int MaxBatch => maxBatch;

    protected override Uri Endpoint => url;

    protected override byte[] RequestBody(ReadOnlyMemory<string> texts, EmbeddingPurpose purpose) => Json(writer =>
    {
        writer.WriteString("model", model);
        WriteTexts(writer, "input", texts, "");
        writer.WriteString("encoding_format", "float");
        if (dimensions is { } dim)
        {
            writer.WriteNumber("dimensions", dim);
        }

        if (!string.IsNullOrEmpty(user))
        {
            writer.WriteString("user", user);
        }
    });

    protected override void ReadEmbeddings(JsonElement root, int count, Span<float> destination, int dim)
    {
        var data = root.GetProperty("data");
        CheckCount(data.GetArrayLength(), count);

        var ordinal = 0;
        foreach (var item in data.EnumerateArray())
        {
            // Rows are placed by their index (OpenAI's answers carry it); a server leaving it out answers in order.
            var index = item.TryGetProperty("index", out var i) ? i.GetInt32() : ordinal;
            CheckIndex(index, count);

            ReadRow(item.GetProperty("embedding"), destination.Slice(index * dim, dim));
            ordinal++;
        }
    }
}

/// <summary>Hugging Face Text Embeddings Inference (<c>POST {endpoint}/embed {"inputs": [...]}</c>, answered by one array per text).</summary>
internal sealed class TeiProvider(HttpClient http, Uri endpoint, string? apiKey, TeiTruncation truncation,
    string ingestionPrompt, string searchPrompt, int maxBatch) : EmbeddingProvider(http, "TEI", apiKey)
{
    public override int MaxBatch => maxBatch;

    protected override Uri Endpoint { get; } = Below(endpoint, "embed");

    protected override byte[] RequestBody(ReadOnlyMemory<string> texts, EmbeddingPurpose purpose) => Json(writer =>
    {
        WriteTexts(writer, "inputs", texts, purpose == EmbeddingPurpose.Search ? searchPrompt : ingestionPrompt);
        truncation.Write(writer);
    });

    protected override void ReadEmbeddings(JsonElement root, int count, Span<float> destination, int dim)
    {
        CheckCount(root.GetArrayLength(), count);

        var row = 0;
        foreach (var embedding in root.EnumerateArray())
        {
            ReadRow(embedding, destination.Slice(row++ * dim, dim));
        }
    }
}
