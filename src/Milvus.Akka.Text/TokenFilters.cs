using System.Collections.Frozen;
using System.Text;

namespace Milvus.Akka.Text;

/// <summary>One step of an analyzer's filter chain: rewrites the token in place or drops it.</summary>
internal abstract class TokenFilter
{
    /// <summary>
    /// Applies the filter to <c>buffer[..length]</c> (it may shorten the token, or lengthen it up to <see cref="Growth"/>
    /// times); false drops the token. The buffer holds the token's text times the largest growth of the chain.
    /// </summary>
    public abstract bool Apply(Span<char> buffer, ref int length);

    /// <summary>How many times longer than its input a token may come out (1: never longer).</summary>
    public virtual int Growth => 1;
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

/// <summary>
/// Milvus's character-class filters: <c>alphanumonly</c> keeps tokens of ASCII letters and digits only,
/// <c>cncharonly</c> tokens of Chinese characters only, <c>cnalphanumonly</c> tokens of both; any other character in a
/// token drops it.
/// </summary>
internal sealed class CharacterClassFilter(Func<Rune, bool> allowed) : TokenFilter
{
    public static readonly CharacterClassFilter AlphaNumOnly = new(IsAsciiLetterOrDigit);
    public static readonly CharacterClassFilter CnCharOnly = new(IsChinese);
    public static readonly CharacterClassFilter CnAlphaNumOnly = new(rune => IsAsciiLetterOrDigit(rune) || IsChinese(rune));

    public override bool Apply(Span<char> buffer, ref int length) => Runes.All(buffer[..length], allowed);

    private static bool IsAsciiLetterOrDigit(Rune rune) => rune.IsAscii && char.IsAsciiLetterOrDigit((char)rune.Value);

    /// <summary>CJK Unified Ideographs with extensions A to F, and the compatibility ideographs.</summary>
    private static bool IsChinese(Rune rune) => rune.Value is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0xF900 and <= 0xFAFF)
        or (>= 0x20000 and <= 0x2EBEF) or (>= 0x2F800 and <= 0x2FA1F);
}

/// <summary>Milvus's <c>removepunct</c>: drops tokens made only of punctuation (ASCII punctuation and Unicode's).</summary>
internal sealed class RemovePunctuationFilter : TokenFilter
{
    public static readonly RemovePunctuationFilter Instance = new();

    public override bool Apply(Span<char> buffer, ref int length) => !Runes.All(buffer[..length], IsPunctuation);

    /// <summary>ASCII punctuation as Rust's is_ascii_punctuation counts it ($, +, &lt;, =, &gt;, ^, `, |, ~ included), else Unicode's.</summary>
    private static bool IsPunctuation(Rune rune) => rune.IsAscii
        ? rune.Value is (>= 0x21 and <= 0x2F) or (>= 0x3A and <= 0x40) or (>= 0x5B and <= 0x60) or (>= 0x7B and <= 0x7E)
        : Rune.IsPunctuation(rune);
}

internal static class Runes
{
    /// <summary>Whether every character of <paramref name="token"/> (surrogate pairs as one) satisfies <paramref name="test"/>.</summary>
    public static bool All(ReadOnlySpan<char> token, Func<Rune, bool> test)
    {
        foreach (var rune in token.EnumerateRunes())
        {
            if (!test(rune))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// Milvus's <c>regex</c> filter: keeps only tokens the expression matches somewhere. Matched without backtracking, as
/// Milvus's Rust regex engine does: linear time whatever the expression, so no filter can stall a write.
/// </summary>
internal sealed class RegexFilter(System.Text.RegularExpressions.Regex expression) : TokenFilter
{
    public override bool Apply(Span<char> buffer, ref int length) => expression.IsMatch(buffer[..length]);
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

    /// <summary>
    /// Milvus's other lists, <c>_chinese_</c> and the Snowball project's <c>_danish_</c> ... <c>_swedish_</c>
    /// (StopWords/, embedded), by the name a stop_words list gives them.
    /// </summary>
    private static readonly Lazy<FrozenDictionary<string, string[]>> Languages = new(Load);

    /// <summary>Expands the language lists (<c>_english_</c>, <c>_french_</c>...) and keeps every other word as given.</summary>
    public static FrozenSet<string> Expand(IEnumerable<string> words) =>
        words.SelectMany(word => word == "_english_" ? English : Languages.Value.GetValueOrDefault(word, [word])).ToFrozenSet(StringComparer.Ordinal);

    private static FrozenDictionary<string, string[]> Load()
    {
        var lists = ReadResource("Milvus.Akka.Text.stopwords.tsv")
            .Select(line => line.Split('\t'))
            .GroupBy(fields => $"_{fields[0]}_", fields => fields[1])
            .ToDictionary(g => g.Key, g => g.ToArray());
        lists["_chinese_"] = [.. ReadResource("Milvus.Akka.Text.stopwords-chinese.txt")];
        return lists.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The lines of an embedded list, without its comment lines.</summary>
    private static IEnumerable<string> ReadResource(string name)
    {
        using var reader = new StreamReader(EmbeddedResources.Open(name));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
