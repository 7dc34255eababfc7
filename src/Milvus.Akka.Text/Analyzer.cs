using System.Buffers;
using Milvus.Akka.Common;

namespace Milvus.Akka.Text;

/// <summary>Receives the tokens of one text; returning false stops the analysis (a match was already decided).</summary>
public interface ITokenSink
{
    /// <param name="term">The token after the filters; valid only during the call.</param>
    /// <param name="start">Start of the token in the source text, in UTF-16 code units.</param>
    /// <param name="end">End (exclusive) of the token in the source text.</param>
    /// <param name="position">The token's ordinal among the tokenizer's tokens (dropped tokens leave gaps).</param>
    bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position);
}

/// <summary>A token with its place in the source text, for callers that keep tokens (queries, RunAnalyzer).</summary>
public readonly record struct AnalyzedToken(string Term, int Start, int End, int Position);

/// <summary>
/// A Milvus analyzer: a tokenizer followed by token filters, built from a field's <c>analyzer_params</c>
/// (<see cref="AnalyzerParams.Parse"/>). Immutable and thread-safe; analysis allocates nothing per token.
/// </summary>
public sealed class Analyzer
{
    /// <summary>Token buffers up to this length are on the stack; longer ones in a pooled array.</summary>
    private const int StackBufferLength = 256;

    private readonly TokenFilter[] _filters;

    /// <summary>How many times its text a token may grow to through the chain (folding lengthens; the rest shorten).</summary>
    private readonly int _growth;

    internal Analyzer(TokenizerKind tokenizer, TokenFilter[] filters, string key)
    {
        Tokenizer = tokenizer;
        _filters = filters;
        _growth = filters.Length == 0 ? 1 : filters.Max(f => f.Growth);
        Key = key;
    }

    /// <summary>Milvus's default analyzer (<c>{"type": "standard"}</c>): standard tokenizer, lowercase.</summary>
    public static Analyzer Standard { get; } = new(TokenizerKind.Standard, [LowercaseFilter.Instance], "");

    /// <summary>The params it was built from: analyzers with equal keys produce equal tokens (what caches are keyed by).</summary>
    public string Key { get; }

    public TokenizerKind Tokenizer { get; }

    /// <summary>Runs the analyzer over <paramref name="text"/>, handing each surviving token to <paramref name="sink"/>.</summary>
    public void Analyze<TSink>(ReadOnlySpan<char> text, ref TSink sink) where TSink : ITokenSink, allows ref struct
    {
        char[]? rented = null;
        var needed = text.Length * _growth;
        Span<char> buffer = needed <= StackBufferLength ? stackalloc char[StackBufferLength] : (rented = ArrayPool<char>.Shared.Rent(needed));
        try
        {
            var position = 0;
            var from = 0;
            while (Tokenizers.Next(Tokenizer, text, from, out var start, out var end))
            {
                from = end;
                var length = end - start;
                text[start..end].CopyTo(buffer);
                var kept = true;
                foreach (var filter in _filters)
                {
                    if (!filter.Apply(buffer, ref length))
                    {
                        kept = false;
                        break;
                    }
                }

                if (kept && length > 0 && !sink.Accept(buffer[..length], start, end, position))
                {
                    return;
                }

                position++;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The tokens of <paramref name="text"/> as strings (for queries and RunAnalyzer, not for rows).</summary>
    public List<AnalyzedToken> Tokens(string text)
    {
        var collector = new Collector();
        Analyze(text, ref collector);
        return collector.Tokens;
    }

    private readonly struct Collector() : ITokenSink
    {
        public List<AnalyzedToken> Tokens { get; } = [];

        public bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position)
        {
            Tokens.Add(new AnalyzedToken(term.ToString(), start, end, position));
            return true;
        }
    }
}

/// <summary>Thrown for analyzer params this engine does not implement (other tokenizers, filters or languages).</summary>
internal static class AnalyzerErrors
{
    public static MilvusException NotSupported(string what) =>
        new(ErrorCode.OperationNotSupported, $"{what} is not supported by Milvus.Akka (supported: tokenizers standard and whitespace; filters lowercase, asciifolding, alphanumonly, cncharonly, cnalphanumonly, removepunct, regex, stop, length and stemmer (english); analyzer types standard and english)");

    public static MilvusException Invalid(string problem) => new(ErrorCode.ParameterInvalid, $"invalid analyzer params: {problem}");
}
