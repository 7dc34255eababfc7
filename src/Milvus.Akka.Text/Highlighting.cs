using System.Text;

namespace Milvus.Akka.Text;

/// <summary>
/// How a lexical highlighter shapes its output (Milvus 2.6's defaults): tags around each highlighted span, used in turn
/// within a fragment; a fragment starts <see cref="FragmentOffset"/> characters before its first span and runs at least
/// <see cref="FragmentSize"/> characters; at most <see cref="NumOfFragments"/> fragments a text.
/// Sizes and offsets count Unicode characters (code points), as Milvus's do.
/// </summary>
public sealed record HighlightOptions(IReadOnlyList<string> PreTags, IReadOnlyList<string> PostTags, int FragmentOffset = 0,
    int FragmentSize = HighlightOptions.DefaultFragmentSize, int NumOfFragments = HighlightOptions.DefaultNumOfFragments)
{
    public const int DefaultFragmentSize = 100;
    public const int DefaultNumOfFragments = 5;
}

/// <summary>
/// Milvus's lexical highlighting of one text: the spans of the tokens (by the field's analyzer) that are among the
/// highlighted terms, overlapping spans merged, gathered into fragments and wrapped in tags.
/// </summary>
public static class Highlighting
{
    /// <summary>The terms <paramref name="analyzer"/> makes of <paramref name="text"/>: what a query's words match.</summary>
    public static HashSet<string> Terms(Analyzer analyzer, string text) => [.. analyzer.Tokens(text).Select(t => t.Term)];

    /// <summary>The highlighted fragments of <paramref name="text"/>; none when no token of it is among <paramref name="terms"/>.</summary>
    public static List<string> Fragments(Analyzer analyzer, string text, IReadOnlySet<string> terms, HighlightOptions options)
    {
        var spans = MergedSpans(analyzer.Tokens(text).Where(t => terms.Contains(t.Term)).Select(t => (t.Start, t.End)));
        if (spans.Count == 0)
        {
            return [];
        }

        // Fragments are measured in code points; the text is sliced by UTF-16 index.
        var charOfPoint = new List<int>(text.Length + 1);
        var pointOfChar = new int[text.Length + 1];
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            pointOfChar.AsSpan(index, rune.Utf16SequenceLength).Fill(charOfPoint.Count);
            charOfPoint.Add(index);
            index += rune.Utf16SequenceLength;
        }

        pointOfChar[text.Length] = charOfPoint.Count;
        charOfPoint.Add(text.Length);
        var length = charOfPoint.Count - 1;

        var fragments = new List<string>();
        var fragment = new StringBuilder();
        int end = 0, cursor = 0, spanInFragment = 0;
        var open = false;
        foreach (var (spanStartChar, spanEndChar) in spans)
        {
            int spanStart = pointOfChar[spanStartChar], spanEnd = pointOfChar[spanEndChar];
            if (!open || spanStart > end)
            {
                if (open)
                {
                    fragments.Add(Close(fragment, text, charOfPoint, cursor, end));
                }

                if (fragments.Count >= options.NumOfFragments)
                {
                    return fragments;
                }

                var start = Math.Max(0, spanStart - options.FragmentOffset);
                end = Math.Min(Math.Max(spanEnd, start + options.FragmentSize), length);
                cursor = start;
                spanInFragment = 0;
                open = true;
            }

            end = Math.Max(end, spanEnd);
            fragment.Append(text, charOfPoint[cursor], charOfPoint[spanStart] - charOfPoint[cursor])
                .Append(options.PreTags[spanInFragment % options.PreTags.Count])
                .Append(text, charOfPoint[spanStart], charOfPoint[spanEnd] - charOfPoint[spanStart])
                .Append(options.PostTags[spanInFragment % options.PostTags.Count]);
            cursor = spanEnd;
            spanInFragment++;
        }

        fragments.Add(Close(fragment, text, charOfPoint, cursor, end));
        return fragments;
    }

    private static string Close(StringBuilder fragment, string text, List<int> charOfPoint, int cursor, int end)
    {
        var result = fragment.Append(text, charOfPoint[cursor], charOfPoint[end] - charOfPoint[cursor]).ToString();
        fragment.Clear();
        return result;
    }

    /// <summary>The spans in text order, those that overlap or touch merged into one.</summary>
    private static List<(int Start, int End)> MergedSpans(IEnumerable<(int Start, int End)> spans)
    {
        var merged = new List<(int Start, int End)>();
        foreach (var span in spans.OrderBy(s => s.Start).ThenBy(s => s.End))
        {
            if (merged.Count > 0 && span.Start <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, span.End));
            }
            else
            {
                merged.Add(span);
            }
        }

        return merged;
    }
}
