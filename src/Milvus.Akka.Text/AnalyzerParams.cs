using System.Text.Json;
using Milvus.Akka.Common;
using Milvus.Akka.Text.Jieba;

namespace Milvus.Akka.Text;

/// <summary>
/// Builds an <see cref="Analyzer"/> from Milvus's <c>analyzer_params</c> JSON: a built-in analyzer
/// (<c>{"type": "standard", "stop_words": [...]}</c>) or a custom one (<c>{"tokenizer": ..., "filter": [...]}</c>).
/// Tokenizers, filters and analyzer types Milvus has and this engine does not (lindera, language_identifier, other
/// languages' stemmers...) are refused with OperationNotSupported, so a field is never analyzed differently from what was asked.
/// </summary>
public static class AnalyzerParams
{
    /// <summary>The FieldSchema type param holding the JSON.</summary>
    public const string Key = "analyzer_params";

    public const string EnableAnalyzerKey = "enable_analyzer";

    public const string EnableMatchKey = "enable_match";

    /// <summary>Analyzers by their params: analyzers are immutable, so one serves every caller.</summary>
    private static readonly ParamsCache<Analyzer> Cache = new(capacity: 256);

    /// <exception cref="MilvusException">ParameterInvalid for malformed params, OperationNotSupported for features not implemented.</exception>
    public static Analyzer Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Analyzer.Standard;
        }

        return Cache.Get(json, Build);
    }

    private static Analyzer Build(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonLimits.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw AnalyzerErrors.Invalid($"not valid JSON ({e.Message})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw AnalyzerErrors.Invalid("expected a JSON object such as {\"type\": \"standard\"} or {\"tokenizer\": \"standard\", \"filter\": [\"lowercase\"]}");
            }

            // As Milvus: a "type" names a built-in analyzer whatever else is set; without one, a "tokenizer" a custom one.
            if (root.TryGetProperty("type", out var type))
            {
                return BuiltIn(type, root, json);
            }

            if (root.TryGetProperty("tokenizer", out var tokenizer))
            {
                return Custom(tokenizer, root, json);
            }

            return root.EnumerateObject().All(p => p.Name == "stop_words")
                ? BuiltIn(default, root, json)
                : throw AnalyzerErrors.Invalid("give a built-in analyzer \"type\" or a custom \"tokenizer\"");
        }
    }

    /// <summary>The analyzer of a VarChar field: its <c>analyzer_params</c>, or the standard analyzer when none are set.</summary>
    /// <exception cref="MilvusException">OperationNotSupported for a field with multi-language analyzers, which has no one analyzer.</exception>
    public static Analyzer ForField(FieldSchema field) =>
        field.TypeParams.ContainsKey(MultiAnalyzer.Key)
            ? throw new MilvusException(ErrorCode.OperationNotSupported,
                $"field {field.Name} picks one of its multi-language analyzers (multi_analyzer_params) per row and per query; this use of a single analyzer for it is not supported by Milvus.Akka")
            : Parse(field.TypeParams.TryGetValue(Key, out var json) ? json : null);

    /// <summary>
    /// The analyzer <paramref name="analyzerName"/> picks among the field's multi-language analyzers (the default for
    /// none), or the field's one analyzer, whatever the name, when it has no multi-language analyzers.
    /// </summary>
    public static Analyzer ForField(FieldSchema field, string? analyzerName) =>
        MultiAnalyzer.ForField(field) is { } multi ? multi.Resolve(analyzerName) : ForField(field);

    /// <summary>True when the field asks for analysis (<c>enable_analyzer</c> or <c>enable_match</c> is "true").</summary>
    public static bool IsAnalyzed(FieldSchema field) => IsOn(field, EnableAnalyzerKey) || IsOn(field, EnableMatchKey);

    public static bool IsOn(FieldSchema field, string key) =>
        field.TypeParams.TryGetValue(key, out var value) && bool.TryParse(value, out var on) && on;

    private static Analyzer BuiltIn(JsonElement type, JsonElement root, string key)
    {
        var name = type.ValueKind == JsonValueKind.Undefined ? "standard" : StringOf(type, "type");
        // english = standard + stemming + the English stop words; chinese = jieba (search mode, HMM) keeping tokens of
        // ASCII letters, digits and ideographs only, not lowercased: as Milvus builds them.
        List<TokenFilter> filters = name switch
        {
            "standard" => [LowercaseFilter.Instance],
            "english" => [LowercaseFilter.Instance, EnglishStemmer.Instance, new StopFilter(StopWords.Expand(["_english_"]))],
            "chinese" => [CharacterClassFilter.CnAlphaNumOnly],
            _ => throw AnalyzerErrors.NotSupported($"analyzer type '{name}'"),
        };
        // As Milvus builds a built-in analyzer: from its type and stop_words alone; other keys (a filter list or a
        // tokenizer beside the type) are kept with the field and not applied.
        if (root.TryGetProperty("stop_words", out var stopWords))
        {
            filters.Add(new StopFilter(StopWords.Expand(Strings(stopWords, "stop_words"))));
        }

        return name switch
        {
            "chinese" => new Analyzer(TokenizerKind.Jieba, DefaultJieba.Value, [.. filters], key),
            "standard" when filters.Count == 1 => Analyzer.Standard,
            _ => new Analyzer(TokenizerKind.Standard, [.. filters], key),
        };
    }

    private static readonly Lazy<JiebaSegmenter> DefaultJieba = new(() => new JiebaSegmenter(JiebaDictionary.Default, JiebaMode.Search, hmm: true));

    private static Analyzer Custom(JsonElement tokenizer, JsonElement root, string key)
    {
        var tokenizerName = tokenizer.ValueKind == JsonValueKind.Object
            ? tokenizer.TryGetProperty("type", out var t) ? StringOf(t, "tokenizer.type") : throw AnalyzerErrors.Invalid("the tokenizer object needs a \"type\"")
            : StringOf(tokenizer, "tokenizer");
        var kind = tokenizerName switch
        {
            "standard" => TokenizerKind.Standard,
            "whitespace" => TokenizerKind.Whitespace,
            "jieba" => TokenizerKind.Jieba,
            "icu" => IcuTokenizer.Instance is not null
                ? TokenizerKind.Icu
                : throw AnalyzerErrors.NotSupported("tokenizer 'icu' without the ICU library (libicuuc, not found on this node)"),
            _ => throw AnalyzerErrors.NotSupported($"tokenizer '{tokenizerName}'"),
        };

        var filters = new List<TokenFilter>();
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "tokenizer":
                    break;
                case "filter" when property.Value.ValueKind == JsonValueKind.Array:
                    filters.AddRange(property.Value.EnumerateArray().Select(Filter));
                    break;
                case "filter":
                    throw AnalyzerErrors.Invalid("\"filter\" must be a list, e.g. [\"lowercase\"]");
                default:
                    throw AnalyzerErrors.Invalid($"unknown key \"{property.Name}\" (a custom analyzer takes \"tokenizer\" and \"filter\")");
            }
        }

        return kind switch
        {
            TokenizerKind.Jieba => new Analyzer(kind, tokenizer.ValueKind == JsonValueKind.Object ? Jieba(tokenizer) : DefaultJieba.Value, [.. filters], key),
            TokenizerKind.Icu => new Analyzer(kind, IcuTokenizer.Instance!, [.. filters], key),
            _ => new Analyzer(kind, [.. filters], key),
        };
    }

    /// <summary>
    /// A jieba tokenizer's params, as Milvus reads them: <c>dict</c> (words to add; <c>"_default_"</c> among them
    /// keeps jieba's dictionary, which a missing <c>dict</c> means too), <c>mode</c> (<c>"search"</c>, the default,
    /// or <c>"exact"</c>) and <c>hmm</c> (default true).
    /// </summary>
    private static JiebaSegmenter Jieba(JsonElement tokenizer)
    {
        var mode = JiebaMode.Search;
        if (tokenizer.TryGetProperty("mode", out var modeValue))
        {
            mode = StringOf(modeValue, "jieba tokenizer mode") switch
            {
                "search" => JiebaMode.Search,
                "exact" => JiebaMode.Exact,
                _ => throw AnalyzerErrors.Invalid("jieba tokenizer mode must be \"exact\" or \"search\""),
            };
        }

        var hmm = true;
        if (tokenizer.TryGetProperty("hmm", out var hmmValue))
        {
            hmm = hmmValue.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? hmmValue.GetBoolean()
                : throw AnalyzerErrors.Invalid("jieba tokenizer hmm must be a boolean");
        }

        if (tokenizer.TryGetProperty("extra_dict_file", out _))
        {
            throw AnalyzerErrors.NotSupported("the jieba tokenizer's extra_dict_file");
        }

        if (!tokenizer.TryGetProperty("dict", out var dict))
        {
            return new JiebaSegmenter(JiebaDictionary.Default, mode, hmm);
        }

        var words = Strings(dict, "jieba tokenizer dict").Where(word => word.Length > 0).ToList();
        var systemDictionaries = words.Where(word => word is "_default_" or "_extend_default_").ToList();
        if (systemDictionaries.Count > 1)
        {
            throw AnalyzerErrors.Invalid("jieba tokenizer dict can only set one system dict");
        }

        if (systemDictionaries is ["_extend_default_"])
        {
            throw AnalyzerErrors.NotSupported("the jieba tokenizer's _extend_default_ dictionary");
        }

        var added = words.Where(word => word is not "_default_").ToList();
        var useDefault = systemDictionaries.Count == 1;
        return useDefault && added.Count == 0
            ? new JiebaSegmenter(JiebaDictionary.Default, mode, hmm)
            : new JiebaSegmenter(JiebaDictionary.WithWords(useDefault, added), mode, hmm);
    }

    private static TokenFilter Filter(JsonElement spec)
    {
        if (spec.ValueKind == JsonValueKind.String)
        {
            var name = spec.GetString()!;
            return NamedFilter(name) ?? throw AnalyzerErrors.NotSupported($"filter '{name}'");
        }

        if (spec.ValueKind != JsonValueKind.Object || !spec.TryGetProperty("type", out var type))
        {
            throw AnalyzerErrors.Invalid("a filter is a name such as \"lowercase\" or an object with a \"type\"");
        }

        var filterName = StringOf(type, "filter type");
        return NamedFilter(filterName) ?? filterName switch
        {
            "stop" => spec.TryGetProperty("stop_words", out var words)
                ? new StopFilter(StopWords.Expand(Strings(words, "stop_words")))
                : throw AnalyzerErrors.Invalid("the stop filter needs \"stop_words\", e.g. [\"_english_\"]"),
            "stemmer" => spec.TryGetProperty("language", out var language) && language.ValueKind == JsonValueKind.String
                ? language.GetString() == "english" ? EnglishStemmer.Instance : throw AnalyzerErrors.NotSupported($"stemmer language '{language.GetString()}'")
                : throw AnalyzerErrors.Invalid("the stemmer filter needs a \"language\", e.g. \"english\""),
            "length" => spec.TryGetProperty("max", out var max) && max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var limit) && limit > 0
                ? new LengthFilter(limit)
                : throw AnalyzerErrors.Invalid("the length filter needs a positive integer \"max\""),
            "regex" => spec.TryGetProperty("expr", out var expr) && expr.ValueKind == JsonValueKind.String
                ? new RegexFilter(Regex(expr.GetString()!))
                : throw AnalyzerErrors.Invalid("the regex filter needs an \"expr\" string"),
            _ => throw AnalyzerErrors.NotSupported($"filter '{filterName}'"),
        };
    }

    /// <summary>The filters Milvus names without params (a string, or an object with only a type).</summary>
    private static TokenFilter? NamedFilter(string name) => name switch
    {
        "lowercase" => LowercaseFilter.Instance,
        "alphanumonly" => CharacterClassFilter.AlphaNumOnly,
        "cncharonly" => CharacterClassFilter.CnCharOnly,
        "cnalphanumonly" => CharacterClassFilter.CnAlphaNumOnly,
        "removepunct" => RemovePunctuationFilter.Instance,
        "asciifolding" => AsciiFoldingFilter.Instance,
        _ => null,
    };

    /// <summary>An expression matched without backtracking; what needs backtracking (lookarounds, backreferences) is refused.</summary>
    private static System.Text.RegularExpressions.Regex Regex(string expression)
    {
        try
        {
            return new System.Text.RegularExpressions.Regex(expression,
                System.Text.RegularExpressions.RegexOptions.NonBacktracking | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw AnalyzerErrors.Invalid($"the regex filter's expr \"{expression}\" is not an expression this engine matches: {e.Message}");
        }
    }

    private static string StringOf(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw AnalyzerErrors.Invalid($"\"{what}\" must be a string");

    private static IEnumerable<string> Strings(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? element.EnumerateArray().Select(e => e.GetString()!).ToList()
            : throw AnalyzerErrors.Invalid($"\"{what}\" must be a list of strings");
}
