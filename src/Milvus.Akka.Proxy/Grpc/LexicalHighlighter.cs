using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Text;
using DataType = Milvus.Akka.Common.DataType;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus 2.6's lexical highlighter on a search (<c>SearchRequest.highlighter</c>): in the text fields of the hits it
/// wraps the tokens of the BM25 query texts (<c>highlight_search_text</c>, each query's own) and of its
/// <c>highlight_query</c> texts (every query's) in tags, and returns fragments around them (<see cref="Highlighting"/>).
/// Highlighting reads the final hits only; it changes neither which rows are found nor their order.
/// </summary>
internal sealed class LexicalHighlighter
{
    private readonly HighlightOptions _options;
    private readonly bool _highlightSearchText;
    private readonly ImmutableArray<(string Field, string Text)> _queries;

    private LexicalHighlighter(HighlightOptions options, bool highlightSearchText, ImmutableArray<(string Field, string Text)> queries)
    {
        _options = options;
        _highlightSearchText = highlightSearchText;
        _queries = queries;
    }

    /// <summary>The request's highlighter; null without one.</summary>
    /// <exception cref="MilvusException">OperationNotSupported for a semantic highlighter, ParameterInvalid for bad params.</exception>
    public static LexicalHighlighter? Parse(Highlighter? highlighter)
    {
        if (highlighter is null)
        {
            return null;
        }

        if (highlighter.Type != HighlightType.Lexical)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "the semantic highlighter calls a model provider, which is not supported by Milvus.Akka; use the lexical highlighter");
        }

        var parameters = highlighter.Params.ToDictionary(p => p.Key, p => p.Value);
        var options = new HighlightOptions(Tags(parameters, "pre_tags", "<em>"), Tags(parameters, "post_tags", "</em>"),
            Number(parameters, "fragment_offset", 0, minimum: 0), Number(parameters, "fragment_size", HighlightOptions.DefaultFragmentSize, minimum: 1),
            Number(parameters, "num_of_fragments", HighlightOptions.DefaultNumOfFragments, minimum: 0));
        var searchText = false;
        if (parameters.TryGetValue("highlight_search_text", out var flag) && !bool.TryParse(flag, out searchText))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"unmarshal highlight_search_text as bool failed: '{flag}'");
        }

        return new LexicalHighlighter(options, searchText, parameters.TryGetValue("highlight_query", out var queries) ? Queries(queries) : []);
    }

    /// <summary>
    /// What this highlighter reads in one search, resolved once: the BM25 input field of a text search when the search
    /// text is highlighted (with each query's terms; a search by vectors has no search text), and the fields of the
    /// highlight queries (with their terms, for every query).
    /// </summary>
    /// <exception cref="MilvusException">ParameterInvalid for a highlight query on a missing or not analyzed field.</exception>
    public SearchHighlight For(CollectionInfo info, SearchRequest search)
    {
        var fields = new Dictionary<string, HighlightedField>();
        if (_highlightSearchText && search.Texts is { } texts && info.Schema.FindField(search.VectorField ?? "") is { IsBm25Output: true } output)
        {
            var input = info.Schema.Bm25Input(output);
            var analyzer = AnalyzerParams.ForField(input);
            fields[input.Name] = new HighlightedField(input, analyzer, [.. texts.Select(t => Highlighting.Terms(analyzer, t))], []);
        }

        foreach (var (name, text) in _queries)
        {
            var field = info.Schema.FindField(name) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"highlight field not found in schema: {name}");
            if (field.DataType != DataType.VarChar || !AnalyzerParams.IsAnalyzed(field))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"highlight field {name} is not an analyzed VarChar field (enable_analyzer): its text has no tokens to highlight");
            }

            if (!fields.TryGetValue(name, out var entry))
            {
                fields[name] = entry = new HighlightedField(field, AnalyzerParams.ForField(field), null, []);
            }

            entry.QueryTerms.UnionWith(Highlighting.Terms(entry.Analyzer, text));
        }

        return new SearchHighlight([.. fields.Values], _options);
    }

    /// <summary>A highlighted text field: its analyzer, each query's own terms (search text) and every query's terms.</summary>
    internal sealed record HighlightedField(FieldSchema Field, Analyzer Analyzer, HashSet<string>[]? SearchTerms, HashSet<string> QueryTerms);

    /// <summary>A highlighter resolved for one search (<see cref="For"/>).</summary>
    internal sealed class SearchHighlight(ImmutableArray<HighlightedField> fields, HighlightOptions options)
    {
        /// <summary>The search's output fields with the text fields highlighting reads (they come back with the hits).</summary>
        public ImmutableArray<string> WithTextFields(ImmutableArray<string> outputs)
        {
            var missing = fields.Select(f => f.Field.Name).Where(name => !outputs.Contains(name)).ToList();
            return missing.Count == 0 || outputs.Contains("*") ? outputs : outputs.AddRange(missing);
        }

        /// <summary>One result a highlighted field, with the fragments of every hit of every query, in the hits' order.</summary>
        public IEnumerable<HighlightResult> Highlight(SearchResult result)
        {
            foreach (var (field, analyzer, searchTerms, queryTerms) in fields)
            {
                var texts = result.Fields[field.FieldId];
                var highlighted = new HighlightResult { FieldName = field.Name };
                for (var q = 0; q < result.Nq; q++)
                {
                    var terms = new HashSet<string>(queryTerms);
                    if (searchTerms is not null)
                    {
                        terms.UnionWith(searchTerms[q]);
                    }

                    for (var hit = result.Offsets[q]; hit < result.Offsets[q + 1]; hit++)
                    {
                        var data = new HighlightData();
                        if (texts.GetValue(hit) is string text)
                        {
                            data.Fragments.AddRange(Highlighting.Fragments(analyzer, text, terms, options));
                        }

                        highlighted.Datas.Add(data);
                    }
                }

                yield return highlighted;
            }
        }
    }

    private static string[] Tags(Dictionary<string, string> parameters, string key, string fallback)
    {
        if (!parameters.TryGetValue(key, out var json))
        {
            return [fallback];
        }

        string[]? tags;
        try
        {
            tags = JsonSerializer.Deserialize<string[]>(json);
        }
        catch (JsonException e)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"unmarshal {key} as string array failed: {e.Message}");
        }

        return tags is { Length: > 0 } ? tags : throw new MilvusException(ErrorCode.ParameterInvalid, $"{key} cannot be empty list");
    }

    private static int Number(Dictionary<string, string> parameters, string key, int fallback, int minimum) =>
        !parameters.TryGetValue(key, out var text) ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum ? value
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid {key}: {text}");

    private static ImmutableArray<(string Field, string Text)> Queries(string json) =>
        [.. RequestJson.Parse(json, "highlight_query", JsonValueKind.Array).EnumerateArray().Select(Query)];

    private static (string Field, string Text) Query(JsonElement query)
    {
        string Member(string name) => query.ValueKind != JsonValueKind.Object
            ? throw new MilvusException(ErrorCode.ParameterInvalid, "unmarshal highlight queries failed: item in array is not json object")
            : !query.TryGetProperty(name, out var value) ? throw new MilvusException(ErrorCode.ParameterInvalid, $"unmarshal highlight queries failed: must set `{name}` in query")
            : value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"unmarshal highlight queries failed: `{name}` must be string");

        var type = Member("type");
        return type == "TextMatch"
            ? (Member("field"), Member("text"))
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"unmarshal highlight queries failed: invalid highlight query type: {type} (supported: TextMatch)");
    }
}
