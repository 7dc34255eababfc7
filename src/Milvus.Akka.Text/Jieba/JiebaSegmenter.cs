using System.Text;

namespace Milvus.Akka.Text.Jieba;

/// <summary>jieba's cutting modes as Milvus names them.</summary>
public enum JiebaMode
{
    /// <summary>The most likely cut, each character in one word.</summary>
    Exact,

    /// <summary>The exact cut, plus the dictionary's two- and three-character words inside each longer word, before it.</summary>
    Search,
}

/// <summary>
/// jieba's segmentation (as jieba-rs, which Milvus's jieba tokenizer runs): the text splits into runs of ideographs,
/// ASCII letters, digits and <c>+#&amp;._%-</c>, and the characters between them, each its own token (<c>\r\n</c>
/// one). A run is cut along the most probable path through the dictionary's words (their counts over the total);
/// characters left single in a row are joined by the HMM when they do not form a dictionary word
/// (<paramref name="hmm"/>), or ASCII letters and digits are joined into one word (without HMM).
/// </summary>
internal sealed class JiebaSegmenter(JiebaDictionary dictionary, JiebaMode mode, bool hmm) : IWholeTextTokenizer
{
    [ThreadStatic]
    private static Scratch? _scratch;

    public JiebaMode Mode { get; } = mode;

    public bool Hmm { get; } = hmm;

    /// <summary>The tokens of <paramref name="text"/> in order (a search mode's sub-words before their word).</summary>
    public List<TextToken> Segment(ReadOnlySpan<char> text)
    {
        var tokens = new List<TextToken>();
        Segment(text, tokens);
        return tokens;
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    public void Segment(ReadOnlySpan<char> text, List<TextToken> tokens)
    {
        var scratch = _scratch ??= new Scratch();
        var position = 0;
        var i = 0;
        while (i < text.Length)
        {
            var width = Width(text, i);
            if (!InRun(text, i))
            {
                // Between runs: one token a character, "\r\n" (two characters) together.
                var characters = 1;
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    (width, characters) = (2, 2);
                }

                tokens.Add(new TextToken(i, i + width, position));
                position += characters;
                i += width;
                continue;
            }

            var start = i;
            while (i < text.Length && InRun(text, i))
            {
                i += Width(text, i);
            }

            scratch.Words.Clear();
            CutRun(text, start, i, scratch);
            foreach (var (wordStart, wordEnd) in scratch.Words)
            {
                position = Emit(text, wordStart, wordEnd, position, tokens);
            }
        }
    }

    private int Emit(ReadOnlySpan<char> text, int start, int end, int position, List<TextToken> tokens)
    {
        var length = TextToken.CodePoints(text[start..end]);
        if (Mode == JiebaMode.Search && length > 2)
        {
            AddGrams(text, start, end, position, 2, tokens);
            if (length > 3)
            {
                AddGrams(text, start, end, position, 3, tokens);
            }
        }

        tokens.Add(new TextToken(start, end, position));
        return position + length;
    }

    /// <summary>The dictionary words of <paramref name="size"/> characters inside the word, left to right.</summary>
    private void AddGrams(ReadOnlySpan<char> text, int start, int end, int position, int size, List<TextToken> tokens)
    {
        for (var (gramStart, index) = (start, 0); gramStart < end; gramStart += Width(text, gramStart), index++)
        {
            var gramEnd = gramStart;
            for (var n = 0; n < size && gramEnd < end; n++)
            {
                gramEnd += Width(text, gramEnd);
            }

            if (TextToken.CodePoints(text[gramStart..gramEnd]) < size)
            {
                break;
            }

            if (dictionary.IsWord(text[gramStart..gramEnd]))
            {
                tokens.Add(new TextToken(gramStart, gramEnd, position + index));
            }
        }
    }

    /// <summary>Cuts the run <c>text[start..end]</c> into <c>scratch.Words</c>.</summary>
    private void CutRun(ReadOnlySpan<char> text, int start, int end, Scratch scratch)
    {
        // Character boundaries of the run, in UTF-16 offsets: offsets[k] is where character k starts.
        var offsets = scratch.Offsets;
        offsets.Clear();
        for (var i = start; i < end; i += Width(text, i))
        {
            offsets.Add(i);
        }

        var count = offsets.Count;
        offsets.Add(end);
        BestRoute(text, offsets, count, scratch.Route);

        var route = scratch.Route;
        var pending = -1;
        for (var x = 0; x < count; x = route[x].End)
        {
            var y = route[x].End;
            var single = y - x == 1;
            // With HMM any single character waits to be joined; without, only ASCII letters and digits.
            if (single && (Hmm || char.IsAsciiLetterOrDigit(text[offsets[x]])))
            {
                if (pending < 0)
                {
                    pending = x;
                }

                continue;
            }

            if (pending >= 0)
            {
                FlushSingles(text, offsets, pending, x, scratch.Words);
                pending = -1;
            }

            scratch.Words.Add((offsets[x], offsets[y]));
        }

        if (pending >= 0)
        {
            FlushSingles(text, offsets, pending, count, scratch.Words);
        }
    }

    /// <summary>
    /// Characters <paramref name="from"/>..<paramref name="to"/> that the route left single: without HMM one word
    /// (ASCII letters and digits); with HMM one character stays itself, a dictionary word is split back into its
    /// characters (the route preferred them), anything else goes through the HMM.
    /// </summary>
    private void FlushSingles(ReadOnlySpan<char> text, List<int> offsets, int from, int to, List<(int, int)> words)
    {
        var (start, end) = (offsets[from], offsets[to]);
        if (!Hmm || to - from == 1)
        {
            words.Add((start, end));
        }
        else if (!dictionary.IsWord(text[start..end]))
        {
            CutUnknown(text, start, end, words);
        }
        else
        {
            for (var k = from; k < to; k++)
            {
                words.Add((offsets[k], offsets[k + 1]));
            }
        }
    }

    /// <summary>
    /// jieba's finalseg over a piece the dictionary does not know: runs of modelled ideographs through the HMM;
    /// between them, ASCII words and numbers (<c>[a-zA-Z0-9]+(\.\d+)?%?</c>) and the text between those whole.
    /// </summary>
    private static void CutUnknown(ReadOnlySpan<char> text, int start, int end, List<(int, int)> words)
    {
        var i = start;
        while (i < end)
        {
            var runStart = i;
            if (JiebaHmm.IsModelled(text[i]))
            {
                while (i < end && JiebaHmm.IsModelled(text[i]))
                {
                    i++;
                }

                JiebaHmm.Cut(text, runStart, i, words);
                continue;
            }

            while (i < end && !JiebaHmm.IsModelled(text[i]))
            {
                i++;
            }

            SplitAsciiWords(text, runStart, i, words);
        }
    }

    private static void SplitAsciiWords(ReadOnlySpan<char> text, int start, int end, List<(int, int)> words)
    {
        var gap = start;
        var i = start;
        while (i < end)
        {
            if (!char.IsAsciiLetterOrDigit(text[i]))
            {
                i++;
                continue;
            }

            var wordStart = i;
            while (i < end && char.IsAsciiLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i + 1 < end && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
            {
                i += 2;
                while (i < end && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }
            }

            if (i < end && text[i] == '%')
            {
                i++;
            }

            if (wordStart > gap)
            {
                words.Add((gap, wordStart));
            }

            words.Add((wordStart, i));
            gap = i;
        }

        if (end > gap)
        {
            words.Add((gap, end));
        }
    }

    /// <summary>
    /// jieba's <c>calc</c>: from the last character back, the most probable way to cut the rest — each step a
    /// dictionary word starting here (log count - log total) or, when none starts here, the character alone (count 1).
    /// Ties go to the longer word.
    /// </summary>
    private void BestRoute(ReadOnlySpan<char> text, List<int> offsets, int count, List<(double Score, int End)> route)
    {
        route.Clear();
        for (var k = 0; k <= count; k++)
        {
            route.Add((0, 0));
        }

        var logTotal = Math.Log(dictionary.Total);
        for (var k = count - 1; k >= 0; k--)
        {
            var best = (Score: double.NegativeInfinity, End: -1);
            for (var e = k + 1; e <= count; e++)
            {
                var frequency = dictionary.Frequency(text[offsets[k]..offsets[e]]);
                if (frequency < 0)
                {
                    break;
                }

                if (frequency > 0)
                {
                    var score = Math.Log(frequency) - logTotal + route[e].Score;
                    if (score >= best.Score)
                    {
                        best = (score, e);
                    }
                }
            }

            route[k] = best.End < 0 ? (-logTotal + route[k + 1].Score, k + 1) : best;
        }
    }

    /// <summary>True when the character at <paramref name="i"/> belongs to a run jieba cuts with its dictionary.</summary>
    private static bool InRun(ReadOnlySpan<char> text, int i)
    {
        var c = text[i];
        if (char.IsAsciiLetterOrDigit(c) || c is '+' or '#' or '&' or '.' or '_' or '%' or '-')
        {
            return true;
        }

        return Rune.DecodeFromUtf16(text[i..], out var rune, out _) == System.Buffers.OperationStatus.Done && IsIdeograph(rune.Value);
    }

    /// <summary>CJK Unified Ideographs, extensions A to F and the compatibility ideographs (jieba-rs's ranges).</summary>
    private static bool IsIdeograph(int c) =>
        c is (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2EBEF) or (>= 0x2F800 and <= 0x2FA1F);

    private static int Width(ReadOnlySpan<char> text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;

    /// <summary>Per-thread buffers, so a text costs no allocation beyond its token list.</summary>
    private sealed class Scratch
    {
        public List<int> Offsets { get; } = [];

        public List<(double Score, int End)> Route { get; } = [];

        public List<(int Start, int End)> Words { get; } = [];
    }
}
