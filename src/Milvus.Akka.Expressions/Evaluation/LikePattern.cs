using System.Text;
using System.Text.RegularExpressions;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// A compiled <c>LIKE</c> pattern: <c>%</c> matches any run of characters, <c>_</c> exactly one, <c>\%</c> and <c>\_</c>
/// the characters themselves; case-sensitive. Exact, prefix, suffix and infix patterns use ordinal string searches;
/// anything else becomes an anchored, non-backtracking regular expression.
/// </summary>
internal sealed class LikePattern
{
    private readonly Func<string, bool> _match;

    /// <summary>The pattern as written.</summary>
    public string Source { get; }

    public LikePattern(string pattern)
    {
        Source = pattern;
        var pieces = Split(pattern);
        var literalOnly = pieces.All(p => p.Literal is not null || p.Wildcard == '%');
        var percents = pieces.Count(p => p.Wildcard == '%');
        if (literalOnly && pieces.Count(p => p.Literal is not null) <= 1)
        {
            var text = pieces.FirstOrDefault(p => p.Literal is not null).Literal ?? "";
            var leading = pieces.Count > 0 && pieces[0].Wildcard == '%';
            var trailing = pieces.Count > 0 && pieces[^1].Wildcard == '%';
            Exact = (leading, trailing) == (false, false) ? text : null;
            Prefix = (leading, trailing, percents) == (false, true, 1) ? text : null;
            _match = (leading, trailing, percents) switch
            {
                (false, false, _) => value => value == text,
                (false, true, 1) => value => value.StartsWith(text, StringComparison.Ordinal),
                (true, false, 1) => value => value.EndsWith(text, StringComparison.Ordinal),
                _ => value => value.Contains(text, StringComparison.Ordinal),
            };
            return;
        }

        var regex = new StringBuilder("^");
        foreach (var piece in pieces)
        {
            regex.Append(piece.Literal is { } literal ? Regex.Escape(literal) : piece.Wildcard == '%' ? ".*" : ".");
        }

        var compiled = new Regex(regex.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        _match = compiled.IsMatch;
    }

    /// <summary>The text when the pattern has no wildcard (it matches only that string); otherwise null.</summary>
    public string? Exact { get; }

    /// <summary>The text before a single trailing <c>%</c> (a prefix pattern); otherwise null.</summary>
    public string? Prefix { get; }

    public bool IsMatch(string value) => _match(value);

    /// <summary>The pattern as runs of literal text and single wildcards; consecutive '%' collapse into one.</summary>
    private static List<(string? Literal, char Wildcard)> Split(string pattern)
    {
        var pieces = new List<(string? Literal, char Wildcard)>();
        var literal = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '%' or '_' or '\\')
            {
                literal.Append(pattern[++i]);
                continue;
            }

            if (c is not ('%' or '_'))
            {
                literal.Append(c);
                continue;
            }

            if (literal.Length > 0)
            {
                pieces.Add((literal.ToString(), '\0'));
                literal.Clear();
            }

            if (c == '_' || pieces.Count == 0 || pieces[^1].Wildcard != '%')
            {
                pieces.Add((null, c));
            }
        }

        if (literal.Length > 0)
        {
            pieces.Add((literal.ToString(), '\0'));
        }

        return pieces;
    }
}
