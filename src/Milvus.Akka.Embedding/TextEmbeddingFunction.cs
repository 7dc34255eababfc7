using System.Collections.Immutable;
using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Embedding;

/// <summary>
/// A collection's text embedding function bound to its model provider: embeds the input field's texts into the output
/// field's vectors at insert, and query texts into query vectors at search. Binding checks the function's params as
/// Milvus does (provider, model, dim, endpoint) and that this node can reach the provider (a key where one is needed).
/// </summary>
public sealed class TextEmbeddingFunction
{
    /// <summary>The providers served here; Milvus's others (azure_openai, bedrock, vertexai, ...) are refused by name.</summary>
    public static readonly ImmutableArray<string> Providers = ["openai", "tei"];

    private readonly EmbeddingProvider _provider;
    private readonly int _concurrency;

    private TextEmbeddingFunction(string name, int dim, EmbeddingProvider provider, int concurrency)
    {
        Name = name;
        Dim = dim;
        _provider = provider;
        _concurrency = concurrency;
    }

    public string Name { get; }

    /// <summary>Values per embedding: the output field's dim.</summary>
    public int Dim { get; }

    /// <exception cref="MilvusException">OperationNotSupported for a provider not served here; ParameterInvalid for
    /// params Milvus refuses, or a provider this node has no key for.</exception>
    public static TextEmbeddingFunction Bind(FunctionSchema function, FieldSchema output, TextEmbeddingSettings settings, HttpClient http)
    {
        var parameters = new FunctionParams("text embedding", function.Name, function.Params, settings);
        var providerName = parameters.Provider(Providers);
        if (output.DataType != DataType.FloatVector)
        {
            throw parameters.Invalid($"provider {providerName} embeds into FloatVector fields, and output field {output.Name} is {output.DataType}");
        }

        var dim = output.Dim;
        if (parameters["dim"] is { } dimParam && (!int.TryParse(dimParam, NumberStyles.None, CultureInfo.InvariantCulture, out var requested) || requested != dim))
        {
            throw parameters.Invalid($"field {output.Name}'s dim is [{dim}], but the function's dim param is [{dimParam}]");
        }

        EmbeddingProvider provider;
        if (providerName == "openai")
        {
            var model = parameters["model_name"] ?? throw parameters.Invalid("param model_name is required by provider openai");
            var url = new Uri(settings.OpenAi.Url);
            var key = parameters.Key(settings.OpenAi.Credential, Environment.GetEnvironmentVariable(OpenAiSettings.ApiKeyVariable));
            if (string.IsNullOrEmpty(key) && url.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase))
            {
                throw parameters.Invalid($"no API key for provider openai: set {OpenAiSettings.ApiKeyVariable}, or milvus.proxy.text-embedding.credentials " +
                    "with providers.openai.credential, or point providers.openai.url at a server that needs none");
            }

            provider = new OpenAiProvider(http, url, key, model, parameters["dim"] is null ? null : dim, parameters["user"], settings.OpenAi.MaxBatch);
        }
        else
        {
            if (!settings.Tei.Enabled)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"text embedding function {function.Name}: provider TEI is turned off on this node (milvus.proxy.text-embedding.providers.tei.enabled)");
            }

            provider = new TeiProvider(http, parameters.Endpoint("TEI"), parameters.Key(settings.Tei.Credential, null), parameters.Truncation,
                parameters["ingestion_prompt"] ?? "", parameters["search_prompt"] ?? "", parameters.MaxClientBatchSize(32));
        }

        return new TextEmbeddingFunction(function.Name, dim, provider, settings.MaxConcurrentCalls);
    }

    /// <summary>
    /// The embeddings of <paramref name="texts"/>, row after row (<see cref="Dim"/> values each), asked in batches,
    /// <see cref="TextEmbeddingSettings.MaxConcurrentCalls"/> at once.
    /// </summary>
    public async Task<float[]> EmbedAsync(ReadOnlyMemory<string> texts, EmbeddingPurpose purpose, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Length * Dim];
        await _provider.InBatchesAsync(texts.Length, _concurrency, (start, count, token) =>
            _provider.EmbedAsync(texts.Slice(start, count), vectors.AsMemory(start * Dim, count * Dim), Dim, purpose, token), cancellationToken);
        return vectors;
    }
}
