using System.Collections.Frozen;
using System.Text;

namespace Milvus.Akka.Text;

/// <summary>One step of an analyzer's filter chain: rewrites the token in place or drops it.</summary>
internal abstract class TokenFilter
{
    /// <summary>
    /// Applies the filter to <c>buffer[..length]</c> (it may shorten the token); false drops the token.
    /// The buffer is at least as long as the token.
    /// </summary>
    public abstract bool Apply(Span<char> buffer, ref int length);
}

/// <summary>Milvus's <c>lowercase</c>: Unicode simple lowercasing (lengths do not change).</summary>
internal sealed class LowercaseFilter : TokenFilter
{
    public static readonly LowercaseFilter Instance = new();

    public override bool Apply(Span<char> buffer, ref int length)
    {
        var token = buffer[..length];
        for (var i = 0; i < token.Length; i++)
        {
            if (char.IsAscii(token[i]))
            {
                token[i] = char.ToLowerInvariant(token[i]);
                continue;
            }

            // Non-ASCII: lowercase the rest through the span API, which handles surrogate pairs.
            Span<char> scratch = token.Length - i <= 128 ? stackalloc char[token.Length - i] : new char[token.Length - i];
            token[i..].ToLowerInvariant(scratch);
            scratch.CopyTo(token[i..]);
            break;
        }

        return true;
    }
}

/// <summary>Milvus's <c>stop</c>: drops tokens in the list (compared exactly, after the filters before it).</summary>
internal sealed class StopFilter(FrozenSet<string> words) : TokenFilter
{
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup = words.GetAlternateLookup<ReadOnlySpan<char>>();

    public FrozenSet<string> Words { get; } = words;

    public override bool Apply(Span<char> buffer, ref int length) => !_lookup.Contains(buffer[..length]);
}

/// <summary>Milvus's <c>length</c> filter: drops tokens longer than <c>max</c> bytes in UTF-8.</summary>
internal sealed class LengthFilter(int max) : TokenFilter
{
    public override bool Apply(Span<char> buffer, ref int length) => Encoding.UTF8.GetByteCount(buffer[..length]) <= max;
}

/// <summary>Built-in stop word lists, named as Milvus names them in <c>stop_words</c>.</summary>
internal static class StopWords
{
    /// <summary>The English list Milvus (and Lucene) use for <c>_english_</c>.</summary>
    public static readonly string[] English =
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
        "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
    ];

    /// <summary>Expands <c>_english_</c> and keeps every other word as given.</summary>
    public static FrozenSet<string> Expand(IEnumerable<string> words) =>
        words.SelectMany(word => word == "_english_" ? English : [word]).ToFrozenSet(StringComparer.Ordinal);
}
