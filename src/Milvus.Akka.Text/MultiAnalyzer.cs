using System.Collections.Frozen;
using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Text;

/// <summary>
/// Milvus's multi-language analyzers (<c>multi_analyzer_params</c>): named analyzers for one text field, the one a row
/// uses picked by the value of another VarChar field (<c>by_field</c>), a query's by its <c>analyzer_name</c>; a name
/// goes through <c>alias</c> first, and a name with no analyzer (a null value included) picks <c>"default"</c>. As in
/// Milvus they serve BM25 only (a field with them cannot enable match). Immutable and thread-safe.
/// </summary>
public sealed class MultiAnalyzer
{
    /// <summary>The FieldSchema type param holding the JSON.</summary>
    public const string Key = "multi_analyzer_params";

    public const string DefaultName = "default";

    /// <summary>Parsed params by their JSON: a field's are read on every write batch and text search.</summary>
    private static readonly ParamsCache<MultiAnalyzer> Cache = new(capacity: 64);

    private MultiAnalyzer(string byField, FrozenDictionary<string, Analyzer> analyzers, FrozenDictionary<string, string> alias)
    {
        ByField = byField;
        Analyzers = analyzers;
        Alias = alias;
    }

    /// <summary>The VarChar field whose value names a row's analyzer.</summary>
    public string ByField { get; }

    public FrozenDictionary<string, Analyzer> Analyzers { get; }

    public FrozenDictionary<string, string> Alias { get; }

    /// <summary>The analyzer a name picks: through the alias, else the analyzer of that name, else the default.</summary>
    public Analyzer Resolve(string? name)
    {
        if (name is not null && Alias.TryGetValue(name, out var aliased))
        {
            name = aliased;
        }

        return name is not null && Analyzers.TryGetValue(name, out var analyzer) ? analyzer : Analyzers[DefaultName];
    }

    /// <summary>The field's multi-language analyzers, or null when it has none.</summary>
    public static MultiAnalyzer? ForField(FieldSchema field) =>
        field.TypeParams.TryGetValue(Key, out var json) ? Parse(json) : null;

    /// <exception cref="MilvusException">ParameterInvalid for malformed params (Milvus's messages), an analyzer's own error otherwise.</exception>
    public static MultiAnalyzer Parse(string json) => Cache.Get(json, Build);

    private static MultiAnalyzer Build(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonLimits.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw Invalid($"multi analyzer params are not valid JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("multi analyzer params must be a JSON object with by_field and analyzers");
            }

            if (!root.TryGetProperty("by_field", out var byField))
            {
                throw Invalid("multi analyzer params now must set by_field to specify with field decide analyzer");
            }

            if (byField.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"multi analyzer params by_field must be string but now: {byField.GetRawText()}");
            }

            var alias = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("alias", out var aliasValue))
            {
                if (aliasValue.ValueKind != JsonValueKind.Object || aliasValue.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
                {
                    throw Invalid($"multi analyzer alias must be string map but now: {aliasValue.GetRawText()}");
                }

                foreach (var entry in aliasValue.EnumerateObject())
                {
                    alias[entry.Name] = entry.Value.GetString()!;
                }
            }

            if (!root.TryGetProperty("analyzers", out var analyzersValue))
            {
                throw Invalid("multi analyzer params must set analyzers");
            }

            if (analyzersValue.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"multi analyzer analyzers must be a map of analyzer name to analyzer params but now: {analyzersValue.GetRawText()}");
            }

            var analyzers = new Dictionary<string, Analyzer>(StringComparer.Ordinal);
            foreach (var entry in analyzersValue.EnumerateObject())
            {
                try
                {
                    analyzers[entry.Name] = AnalyzerParams.Parse(entry.Value.GetRawText());
                }
                catch (MilvusException e)
                {
                    throw new MilvusException(e.Code, $"analyzer {entry.Name} params invalid: {e.Message}", e);
                }
            }

            if (!analyzers.ContainsKey(DefaultName))
            {
                throw Invalid("multi analyzer must set default analyzer for all unknown value");
            }

            return new MultiAnalyzer(byField.GetString()!, analyzers.ToFrozenDictionary(StringComparer.Ordinal), alias.ToFrozenDictionary(StringComparer.Ordinal));
        }
    }

    private static MilvusException Invalid(string message) => new(ErrorCode.ParameterInvalid, message);
}
