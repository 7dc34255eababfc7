using System.Collections.Immutable;

namespace Milvus.Akka.Embedding;

/// <summary>
/// Where text embedding functions reach their model providers (<c>milvus.proxy.text-embedding</c>, Milvus's
/// <c>function.textEmbedding</c> and <c>credential</c> sections).
/// </summary>
/// <param name="Timeout">How long one call to a provider may take.</param>
/// <param name="Credentials">API keys by label; a function's <c>credential</c> param, or a provider's default, names one.</param>
public sealed record TextEmbeddingSettings(TimeSpan Timeout, ImmutableDictionary<string, string> Credentials, OpenAiSettings OpenAi, TeiSettings Tei)
{
    public static TextEmbeddingSettings Default { get; } = new(TimeSpan.FromSeconds(30), ImmutableDictionary<string, string>.Empty,
        OpenAiSettings.Default, TeiSettings.Default);

    /// <summary>Calls one request (a write's texts, a search's candidates) makes to a provider at once.</summary>
    public int MaxConcurrentCalls { get; init; } = 4;

    /// <summary>The key a label names; an unknown label is refused (a typo must not call the provider without a key).</summary>
    internal string KeyOf(string label, string function) => Credentials.TryGetValue(label, out var key)
        ? key
        : throw new Common.MilvusException(Common.ErrorCode.ParameterInvalid,
            $"function {function}: credential '{label}' is not configured (milvus.proxy.text-embedding.credentials)");
}

/// <param name="Url">The embeddings endpoint: OpenAI's, or any server speaking its API (vLLM, Ollama, LocalAI...).</param>
/// <param name="Credential">The label of the key used when a function names none; empty: the environment variable
/// MILVUSAI_OPENAI_API_KEY, as Milvus.</param>
/// <param name="MaxBatch">Texts sent per call.</param>
public sealed record OpenAiSettings(string Url, string Credential, int MaxBatch)
{
    public const string ApiKeyVariable = "MILVUSAI_OPENAI_API_KEY";

    public static OpenAiSettings Default { get; } = new("https://api.openai.com/v1/embeddings", "", 128);
}

/// <param name="Enabled">Off: functions naming provider TEI are refused.</param>
/// <param name="Credential">The label of the key sent when a function names none; empty: no key (TEI's default).</param>
public sealed record TeiSettings(bool Enabled, string Credential)
{
    public static TeiSettings Default { get; } = new(true, "");
}
