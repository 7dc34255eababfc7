using System.Buffers;
using System.Globalization;
using System.Text;

namespace Milvus.Akka.Text;

/// <summary>Milvus tokenizer names this engine implements.</summary>
public enum TokenizerKind
{
    /// <summary>Unicode word boundaries (UAX #29 word rules); ideographs are one token each; punctuation-only runs are dropped.</summary>
    Standard,

    /// <summary>Runs of non-whitespace characters.</summary>
    Whitespace,

    /// <summary>jieba's dictionary-and-HMM Chinese word segmentation (<see cref="Jieba.JiebaSegmenter"/>).</summary>
    Jieba,

    /// <summary>ICU's word segmentation, every segment a token (<see cref="IcuTokenizer"/>).</summary>
    Icu,
}

/// <summary>A token of a tokenizer that cuts a whole text at once: [Start, End) in UTF-16 units; Position is its first character's index in code points.</summary>
internal readonly record struct TextToken(int Start, int End, int Position)
{
    /// <summary>How many characters (code points) a text holds: its positions count these, as Milvus's (Rust's chars) do.</summary>
    public static int CodePoints(ReadOnlySpan<char> text)
    {
        var count = text.Length;
        foreach (var c in text)
        {
            if (char.IsLowSurrogate(c))
            {
                count--;
            }
        }

        return count;
    }
}

/// <summary>A tokenizer that cuts a whole text at once (its cut of a character depends on what follows it).</summary>
internal interface IWholeTextTokenizer
{
    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    void Segment(ReadOnlySpan<char> text, List<TextToken> tokens);
}

/// <summary>
/// Splits text into token ranges [start, end) in UTF-16 code units, without allocating. Positions are the token's
/// ordinal among the tokenizer's output (filters that drop tokens leave gaps, as tantivy's do).
/// </summary>
internal static class Tokenizers
{
    /// <summary>Finds the next token at or after <paramref name="from"/>; false when there is none.</summary>
    public static bool Next(TokenizerKind kind, ReadOnlySpan<char> text, int from, out int start, out int end) =>
        kind == TokenizerKind.Whitespace ? NextWhitespace(text, from, out start, out end) : NextWord(text, from, out start, out end);

    private static bool NextWhitespace(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        var i = from;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        start = i;
        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        end = i;
        return end > start;
    }

    /// <summary>
    /// The word rules of UAX #29 that matter for search: letters and digits join (WB5, WB8-10), connectors such as
    /// '_' join them (WB13a/b), an apostrophe, period or colon between letters (WB6/7) and a comma, period or
    /// semicolon between digits (WB11/12) stay inside the word, marks and format characters attach (WB4), Katakana
    /// runs join (WB13), and ideographs, Hiragana and Southeast Asian letters are one token per character. As with
    /// unicode_words, a segment without any letter or digit (underscores alone) is not a token.
    /// </summary>
    private static bool NextWord(ReadOnlySpan<char> text, int from, out int start, out int end)
    {
        var i = from;
        while (i < text.Length)
        {
            var (kind, width) = Classify(text, i);
            if (kind is WordClass.Letter or WordClass.Numeric or WordClass.Katakana or WordClass.Connector or WordClass.Single)
            {
                start = i;
                end = ScanWord(text, i, kind, width, out var alphanumeric);
                if (alphanumeric)
                {
                    return true;
                }

                i = end;
                continue;
            }

            i += width;
        }

        start = end = text.Length;
        return false;
    }

    private static int ScanWord(ReadOnlySpan<char> text, int i, WordClass first, int width, out bool alphanumeric)
    {
        alphanumeric = first is not WordClass.Connector;
        i = SkipExtend(text, i + width);
        if (first == WordClass.Single)
        {
            return i;
        }

        var previous = first;
        while (i < text.Length)
        {
            var (kind, w) = Classify(text, i);
            if (Joins(previous, kind))
            {
                alphanumeric |= kind is not WordClass.Connector;
                previous = kind;
                i = SkipExtend(text, i + w);
                continue;
            }

            // A middle character stays inside the word only between two letters or two digits.
            var middle = previous switch
            {
                WordClass.Letter => kind is WordClass.MidLetter or WordClass.MidNumLet,
                WordClass.Numeric => kind is WordClass.MidNum or WordClass.MidNumLet,
                _ => false,
            };
            if (middle)
            {
                var after = SkipExtend(text, i + w);
                if (after < text.Length && Classify(text, after).Kind == previous)
                {
                    i = after;
                    continue;
                }
            }

            break;
        }

        return i;
    }

    private static bool Joins(WordClass previous, WordClass next) => (previous, next) switch
    {
        (WordClass.Letter or WordClass.Numeric, WordClass.Letter or WordClass.Numeric) => true,
        (WordClass.Katakana, WordClass.Katakana) => true,
        (WordClass.Letter or WordClass.Numeric or WordClass.Katakana or WordClass.Connector, WordClass.Connector) => true,
        (WordClass.Connector, WordClass.Letter or WordClass.Numeric or WordClass.Katakana) => true,
        _ => false,
    };

    private static int SkipExtend(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length)
        {
            var (kind, width) = Classify(text, i);
            if (kind != WordClass.Extend)
            {
                break;
            }

            i += width;
        }

        return i;
    }

    private enum WordClass
    {
        Other,
        Letter,
        Numeric,
        Katakana,
        Connector,
        Extend,
        MidLetter,
        MidNum,
        MidNumLet,

        /// <summary>Ideographs, Hiragana and Southeast Asian scripts: a token of its own.</summary>
        Single,
    }

    private static (WordClass Kind, int Width) Classify(ReadOnlySpan<char> text, int i)
    {
        var c = text[i];
        switch (c)
        {
            case '\'' or '.' or '\u2018' or '\u2019' or '\u2024' or '\uFE52' or '\uFF07' or '\uFF0E':
                return (WordClass.MidNumLet, 1);
            case ':' or '\u00B7' or '\u0387' or '\u05F4' or '\u2027' or '\uFE13' or '\uFE55' or '\uFF1A':
                return (WordClass.MidLetter, 1);
            case ',' or ';' or '\u037E' or '\u0589' or '\u060C' or '\u060D' or '\u066C' or '\u07F8' or '\u2044'
                or '\uFE10' or '\uFE14' or '\uFE50' or '\uFE54' or '\uFF0C' or '\uFF1B':
                return (WordClass.MidNum, 1);
        }

        if (c < 0x80)
        {
            return (char.IsAsciiLetter(c) ? WordClass.Letter : char.IsAsciiDigit(c) ? WordClass.Numeric : c == '_' ? WordClass.Connector : WordClass.Other, 1);
        }

        if (Rune.DecodeFromUtf16(text[i..], out var rune, out var width) != OperationStatus.Done)
        {
            return (WordClass.Other, 1);
        }

        var value = rune.Value;
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.DecimalDigitNumber => (WordClass.Numeric, width),
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.Format => (WordClass.Extend, width),
            UnicodeCategory.ConnectorPunctuation => (WordClass.Connector, width),
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber
                => (IsKatakana(value) ? WordClass.Katakana : IsSingle(value) ? WordClass.Single : WordClass.Letter, width),
            _ => (WordClass.Other, width),
        };
    }

    private static bool IsKatakana(int c) => c is (>= 0x30A0 and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF) or (>= 0xFF66 and <= 0xFF9D);

    /// <summary>Han ideographs, Hiragana, and the scripts written without spaces (Thai, Lao, Khmer, Myanmar).</summary>
    private static bool IsSingle(int c) => c is (>= 0x2E80 and <= 0x2FDF) or (>= 0x3005 and <= 0x3007) or (>= 0x3021 and <= 0x3029)
        or (>= 0x3038 and <= 0x303B) or (>= 0x3040 and <= 0x309F) or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0x20000 and <= 0x3FFFF) or (>= 0x0E00 and <= 0x0EFF) or (>= 0x1000 and <= 0x109F)
        or (>= 0x1780 and <= 0x17FF);
}
