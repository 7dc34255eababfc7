using System.Buffers;
using Milvus.Akka.Common;
using Milvus.Akka.Text.Jieba;

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

    /// <summary>This thread's token list for whole-text tokenizers (taken while in use, so a nested analysis gets its own).</summary>
    [ThreadStatic]
    private static List<TextToken>? WholeTextTokens;

    private readonly IWholeTextTokenizer? _wholeText;

    internal Analyzer(TokenizerKind tokenizer, TokenFilter[] filters, string key)
    {
        Tokenizer = tokenizer;
        _filters = filters;
        _growth = filters.Length == 0 ? 1 : filters.Max(f => f.Growth);
        Key = key;
    }

    internal Analyzer(TokenizerKind tokenizer, IWholeTextTokenizer wholeText, TokenFilter[] filters, string key)
        : this(tokenizer, filters, key) => _wholeText = wholeText;

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
            if (_wholeText is null)
            {
                var position = 0;
                var from = 0;
                while (Tokenizers.Next(Tokenizer, text, from, out var start, out var end))
                {
                    from = end;
                    if (!Filter(text, start, end, position++, buffer, ref sink))
                    {
                        return;
                    }
                }

                return;
            }

            // jieba and ICU cut a whole text at once (a cut depends on what follows), so their tokens come as a list.
            var tokens = WholeTextTokens ?? [];
            WholeTextTokens = null;
            try
            {
                _wholeText.Segment(text, tokens);
                foreach (var token in tokens)
                {
                    if (!Filter(text, token.Start, token.End, token.Position, buffer, ref sink))
                    {
                        return;
                    }
                }
            }
            finally
            {
                tokens.Clear();
                WholeTextTokens = tokens;
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

    /// <summary>Runs the filters over one token; false when the sink asks to stop.</summary>
    private bool Filter<TSink>(ReadOnlySpan<char> text, int start, int end, int position, scoped Span<char> buffer, ref TSink sink)
        where TSink : ITokenSink, allows ref struct
    {
        var length = end - start;
        text[start..end].CopyTo(buffer);
        foreach (var filter in _filters)
        {
            if (!filter.Apply(buffer, ref length))
            {
                return true;
            }
        }

        return length == 0 || sink.Accept(buffer[..length], start, end, position);
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
        new(ErrorCode.OperationNotSupported, $"{what} is not supported by Milvus.Akka (supported: tokenizers standard, whitespace, jieba and icu; filters lowercase, asciifolding, alphanumonly, cncharonly, cnalphanumonly, removepunct, regex, stop, length and stemmer (english); analyzer types standard, english and chinese)");

    public static MilvusException Invalid(string problem) => new(ErrorCode.ParameterInvalid, $"invalid analyzer params: {problem}");
}
