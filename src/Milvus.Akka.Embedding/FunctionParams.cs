using System.Collections.Immutable;
using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Embedding;

/// <summary>
/// A model function's params as Milvus reads them (keys in any case) with the checks both kinds of model function share:
/// the provider, the endpoint, TEI's truncation and batch size, the key a credential label names.
/// </summary>
internal sealed class FunctionParams(string kind, string function, ImmutableSortedDictionary<string, string> parameters, TextEmbeddingSettings settings)
{
    private readonly ImmutableDictionary<string, string> _values = parameters.ToImmutableDictionary(p => p.Key.ToLowerInvariant(), p => p.Value);

    /// <summary>The param's value; absent or empty: null.</summary>
    public string? this[string key] => _values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    public MilvusException Invalid(string message) => new(ErrorCode.ParameterInvalid, $"{kind} function {function}: {message}");

    /// <summary>The provider named, lower-cased, which must be one of <paramref name="served"/>.</summary>
    public string Provider(ImmutableArray<string> served)
    {
        var provider = this["provider"]?.ToLowerInvariant() ?? throw Invalid("param provider is required");
        return served.Contains(provider)
            ? provider
            : throw new MilvusException(ErrorCode.OperationNotSupported,
                $"{kind} function {function}: provider {provider} is not supported by Milvus.Akka (supported: {string.Join(", ", served)})");
    }

    /// <summary>The endpoint param, an http or https URL.</summary>
    public Uri Endpoint(string provider)
    {
        var endpoint = this["endpoint"] ?? throw Invalid($"param endpoint is required by provider {provider}");
        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw Invalid($"endpoint {endpoint} is not an http or https URL");
    }

    /// <summary>TEI's <c>truncate</c> and <c>truncation_direction</c>.</summary>
    public TeiTruncation Truncation => new(
        this["truncate"] is { } value ? bool.TryParse(value, out var on) ? on : throw Invalid($"truncate must be true or false, got {value}") : false,
        this["truncation_direction"] is { } direction
            ? direction is "Left" or "Right" ? direction : throw Invalid($"truncation_direction must be Left or Right, got {direction}")
            : "Right");

    public int MaxClientBatchSize(int fallback) => this["max_client_batch_size"] is { } value
        ? int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
            ? size
            : throw Invalid($"max_client_batch_size must be a positive integer, got {value}")
        : fallback;

    /// <summary>The key of the function's credential label, else of the provider's default label, else <paramref name="fallback"/>.</summary>
    public string? Key(string defaultLabel, string? fallback) =>
        this["credential"] is { } label ? settings.KeyOf(label, function)
        : defaultLabel.Length > 0 ? settings.KeyOf(defaultLabel, function)
        : fallback;
}

/// <summary>Whether TEI cuts texts longer than its model takes (else it refuses them), and from which end.</summary>
internal sealed record TeiTruncation(bool Truncate, string Direction)
{
    /// <summary>The request's <c>truncate</c> and, when set, <c>truncation_direction</c>.</summary>
    public void Write(System.Text.Json.Utf8JsonWriter writer)
    {
        writer.WriteBoolean("truncate", Truncate);
        if (Truncate)
        {
            writer.WriteString("truncation_direction", Direction);
        }
    }
}
