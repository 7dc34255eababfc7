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

    private TextEmbeddingFunction(string name, int dim, EmbeddingProvider provider)
    {
        Name = name;
        Dim = dim;
        _provider = provider;
    }

    public string Name { get; }

    /// <summary>Values per embedding: the output field's dim.</summary>
    public int Dim { get; }

    /// <exception cref="MilvusException">OperationNotSupported for a provider not served here; ParameterInvalid for
    /// params Milvus refuses, or a provider this node has no key for.</exception>
    public static TextEmbeddingFunction Bind(FunctionSchema function, FieldSchema output, TextEmbeddingSettings settings, HttpClient http)
    {
        var parameters = function.Params.ToImmutableDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);
        string? Param(string key) => parameters.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        MilvusException Invalid(string message) => new(ErrorCode.ParameterInvalid, $"text embedding function {function.Name}: {message}");

        var providerName = Param("provider")?.ToLowerInvariant() ?? throw Invalid("param provider is required");
        if (!Providers.Contains(providerName))
        {
            throw new MilvusException(ErrorCode.OperationNotSupported,
                $"text embedding function {function.Name}: provider {providerName} is not supported by Milvus.Akka (supported: openai, tei)");
        }

        if (output.DataType != DataType.FloatVector)
        {
            throw Invalid($"provider {providerName} embeds into FloatVector fields, and output field {output.Name} is {output.DataType}");
        }

        var dim = output.Dim;
        if (Param("dim") is { } dimParam && (!int.TryParse(dimParam, NumberStyles.None, CultureInfo.InvariantCulture, out var requested) || requested != dim))
        {
            throw Invalid($"field {output.Name}'s dim is [{dim}], but the function's dim param is [{dimParam}]");
        }

        string? Key(string defaultLabel, string? fallback) =>
            Param("credential") is { } label ? settings.KeyOf(label, function.Name)
            : defaultLabel.Length > 0 ? settings.KeyOf(defaultLabel, function.Name)
            : fallback;

        EmbeddingProvider provider;
        if (providerName == "openai")
        {
            var model = Param("model_name") ?? throw Invalid("param model_name is required by provider openai");
            var url = new Uri(settings.OpenAi.Url);
            var key = Key(settings.OpenAi.Credential, Environment.GetEnvironmentVariable(OpenAiSettings.ApiKeyVariable));
            if (string.IsNullOrEmpty(key) && url.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid($"no API key for provider openai: set {OpenAiSettings.ApiKeyVariable}, or milvus.proxy.text-embedding.credentials " +
                    "with providers.openai.credential, or point providers.openai.url at a server that needs none");
            }

            provider = new OpenAiProvider(http, url, key, model, Param("dim") is null ? null : dim, Param("user"), settings.OpenAi.MaxBatch);
        }
        else
        {
            if (!settings.Tei.Enabled)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported,
                    $"text embedding function {function.Name}: provider TEI is turned off on this node (milvus.proxy.text-embedding.providers.tei.enabled)");
            }

            var endpoint = Param("endpoint") ?? throw Invalid("param endpoint is required by provider TEI");
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri) || endpointUri.Scheme is not ("http" or "https"))
            {
                throw Invalid($"endpoint {endpoint} is not an http or https URL");
            }

            var truncate = Param("truncate") is { } t
                ? bool.TryParse(t, out var on) ? on : throw Invalid($"truncate must be true or false, got {t}")
                : false;
            var direction = Param("truncation_direction") ?? "Right";
            if (direction is not ("Left" or "Right"))
            {
                throw Invalid($"truncation_direction must be Left or Right, got {direction}");
            }

            var batch = Param("max_client_batch_size") is { } b
                ? int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0 ? size : throw Invalid($"max_client_batch_size must be a positive integer, got {b}")
                : 32;
            provider = new TeiProvider(http, endpointUri, Key(settings.Tei.Credential, null), truncate, direction,
                Param("ingestion_prompt") ?? "", Param("search_prompt") ?? "", batch);
        }

        return new TextEmbeddingFunction(function.Name, dim, provider);
    }

    /// <summary>The embeddings of <paramref name="texts"/>, row after row (<see cref="Dim"/> values each), asked in batches.</summary>
    public async Task<float[]> EmbedAsync(ReadOnlyMemory<string> texts, EmbeddingPurpose purpose, CancellationToken cancellationToken)
    {
        var vectors = new float[texts.Length * Dim];
        for (var start = 0; start < texts.Length; start += _provider.MaxBatch)
        {
            var count = Math.Min(_provider.MaxBatch, texts.Length - start);
            await _provider.EmbedAsync(texts.Slice(start, count), vectors.AsMemory(start * Dim, count * Dim), Dim, purpose, cancellationToken);
        }

        return vectors;
    }
}
