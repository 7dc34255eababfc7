using System.Collections.Immutable;
using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Embedding;

/// <summary>
/// Milvus's model reranker (a rerank function with <c>reranker: model</c>, in a search's function_score or as a hybrid
/// search's ranker): a search's candidates are scored against the query text by a reranking model, and ranked by that
/// score. Params as Milvus reads them: <c>provider</c> (tei: Text Embeddings Inference's /rerank; vllm: vLLM's
/// /v1/rerank), <c>queries</c> (a JSON list, one text per query of the search), <c>endpoint</c>,
/// <c>max_client_batch_size</c>, TEI's <c>truncate</c> and <c>truncation_direction</c>, vLLM's <c>model_name</c>,
/// <c>credential</c>.
/// </summary>
public sealed class ModelReranker
{
    /// <summary>The providers served here; Milvus's others (cohere, voyageai, siliconflow, ali) are refused by name.</summary>
    public static readonly ImmutableArray<string> Providers = ["tei", "vllm"];

    private readonly RerankProvider _provider;
    private readonly int _concurrency;

    private ModelReranker(ImmutableArray<string> queries, RerankProvider provider, int concurrency)
    {
        Queries = queries;
        _provider = provider;
        _concurrency = concurrency;
    }

    /// <summary>The query texts, one per query of the search.</summary>
    public ImmutableArray<string> Queries { get; }

    /// <exception cref="MilvusException">OperationNotSupported for a provider not served here; ParameterInvalid for params Milvus refuses.</exception>
    public static ModelReranker Bind(string name, ImmutableSortedDictionary<string, string> functionParams, TextEmbeddingSettings settings, HttpClient http)
    {
        var parameters = new FunctionParams("rerank", name, functionParams, settings);
        var providerName = parameters.Provider(Providers);
        var queriesText = parameters["queries"] ?? throw parameters.Invalid("param queries is required: a JSON list of the query texts, one per query");
        ImmutableArray<string> queries;
        try
        {
            using var document = JsonDocument.Parse(queriesText);
            queries = [.. document.RootElement.EnumerateArray().Select(q => q.GetString() ?? throw new InvalidOperationException("a query is null"))];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw parameters.Invalid($"queries must be a JSON list of texts, got {queriesText}");
        }

        var endpoint = parameters.Endpoint(providerName);
        var key = parameters.Key("", null);
        RerankProvider provider = providerName == "tei"
            ? new TeiRerankProvider(http, endpoint, key, parameters.Truncation, parameters.MaxClientBatchSize(32))
            : new VllmRerankProvider(http, endpoint, key, parameters["model_name"], parameters.MaxClientBatchSize(128));
        return new ModelReranker(queries, provider, settings.MaxConcurrentCalls);
    }

    /// <summary>
    /// The model's score of each document against <paramref name="query"/>, in the documents' order, asked in batches,
    /// <see cref="TextEmbeddingSettings.MaxConcurrentCalls"/> at once.
    /// </summary>
    public async Task<float[]> ScoreAsync(string query, ReadOnlyMemory<string> documents, CancellationToken cancellationToken)
    {
        var scores = new float[documents.Length];
        await _provider.InBatchesAsync(documents.Length, _concurrency, (start, count, token) =>
            _provider.ScoreAsync(query, documents.Slice(start, count), scores.AsMemory(start, count), token), cancellationToken);
        return scores;
    }
}

/// <summary>One reranking model at one provider: scores a batch of documents against a query.</summary>
internal abstract class RerankProvider(HttpClient http, string name, string? apiKey) : ModelProvider(http, "rerank", name, apiKey)
{
    public Task ScoreAsync(string query, ReadOnlyMemory<string> documents, Memory<float> scores, CancellationToken cancellationToken) =>
        CallAsync(Endpoint, RequestBody(query, documents), root => ReadScores(root, scores.Span), cancellationToken);

    protected abstract Uri Endpoint { get; }

    protected abstract byte[] RequestBody(string query, ReadOnlyMemory<string> documents);

    /// <summary>Reads one score per document (results name their document by index, in any order).</summary>
    protected abstract void ReadScores(JsonElement root, Span<float> scores);

    /// <summary>Places each result's score at its index; every document must be scored once.</summary>
    protected void ReadResults(JsonElement results, string scoreProperty, Span<float> scores)
    {
        CheckCount(results.GetArrayLength(), scores.Length);
        scores.Fill(float.NaN);
        foreach (var result in results.EnumerateArray())
        {
            var index = result.GetProperty("index").GetInt32();
            CheckIndex(index, scores.Length);
            if (!float.IsNaN(scores[index]))
            {
                throw new MilvusException(ErrorCode.ServiceInternal, $"{Kind} provider {Name} answered text {index} twice");
            }

            scores[index] = result.GetProperty(scoreProperty).GetSingle();
        }
    }
}

/// <summary>Text Embeddings Inference (<c>POST {endpoint}/rerank {"query", "texts": [...]}</c>, answered by <c>[{"index", "score"}]</c>).</summary>
internal sealed class TeiRerankProvider(HttpClient http, Uri endpoint, string? apiKey, TeiTruncation truncation, int maxBatch)
    : RerankProvider(http, "TEI", apiKey)
{
    public override int MaxBatch => maxBatch;

    protected override Uri Endpoint { get; } = Below(endpoint, "rerank");

    protected override byte[] RequestBody(string query, ReadOnlyMemory<string> documents) => Json(writer =>
    {
        writer.WriteString("query", query);
        WriteTexts(writer, "texts", documents, "");
        truncation.Write(writer);
    });

    protected override void ReadScores(JsonElement root, Span<float> scores) => ReadResults(root, "score", scores);
}

/// <summary>vLLM's rerank API (<c>POST {endpoint}/v1/rerank {"query", "documents": [...]}</c>, answered by <c>{"results": [{"index", "relevance_score"}]}</c>).</summary>
internal sealed class VllmRerankProvider(HttpClient http, Uri endpoint, string? apiKey, string? model, int maxBatch) : RerankProvider(http, "vllm", apiKey)
{
    public override int MaxBatch => maxBatch;

    protected override Uri Endpoint { get; } = Below(endpoint, "v1/rerank");

    protected override byte[] RequestBody(string query, ReadOnlyMemory<string> documents) => Json(writer =>
    {
        if (model is not null)
        {
            writer.WriteString("model", model);
        }

        writer.WriteString("query", query);
        WriteTexts(writer, "documents", documents, "");
    });

    protected override void ReadScores(JsonElement root, Span<float> scores) => ReadResults(root.GetProperty("results"), "relevance_score", scores);
}
