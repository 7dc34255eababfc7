using System.Runtime.CompilerServices;

namespace Milvus.Akka.Text;

/// <summary>
/// An inverted index of one column of texts: each token to the ascending rows holding it. Built once per immutable
/// column (a sealed segment's) through <see cref="TokenIndexCache"/>; answers TEXT_MATCH without analyzing any row and
/// narrows PHRASE_MATCH to the rows holding its rarest token.
/// </summary>
public sealed class TokenIndex
{
    private readonly Dictionary<string, int[]> _rows;
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private TokenIndex(Dictionary<string, int[]> rows)
    {
        _rows = rows;
        _lookup = rows.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int TermCount => _rows.Count;

    /// <summary>The rows holding <paramref name="term"/>, ascending; empty when none does.</summary>
    public ReadOnlySpan<int> Rows(ReadOnlySpan<char> term) => _lookup.TryGetValue(term, out var rows) ? rows : [];

    public static TokenIndex Build(Analyzer analyzer, string?[] texts)
    {
        var postings = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var sink = new PostingSink(postings.GetAlternateLookup<ReadOnlySpan<char>>());
        for (var row = 0; row < texts.Length; row++)
        {
            if (texts[row] is { Length: > 0 } text)
            {
                sink.Row = row;
                analyzer.Analyze(text, ref sink);
            }
        }

        return new TokenIndex(postings.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));
    }

    private struct PostingSink(Dictionary<string, List<int>>.AlternateLookup<ReadOnlySpan<char>> postings) : ITokenSink
    {
        public int Row;

        public readonly bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position)
        {
            if (!postings.TryGetValue(term, out var rows))
            {
                rows = [];
                postings[term.ToString()] = rows;
            }

            // A token repeated in one text is one posting.
            if (rows.Count == 0 || rows[^1] != Row)
            {
                rows.Add(Row);
            }

            return true;
        }
    }
}

/// <summary>
/// Token indexes of columns, held as long as the column's array lives (columns are immutable). A column is indexed the
/// second time a match filter reads it: a sealed segment's column is read again and again, while a growing segment's
/// view, read once and replaced, costs a scan and no index.
/// </summary>
public static class TokenIndexCache
{
    private static readonly ConditionalWeakTable<string[], Entry> Entries = [];

    /// <summary>The index of <paramref name="texts"/> under <paramref name="analyzer"/>, or null the first time.</summary>
    public static TokenIndex? TryGet(string[] texts, Analyzer analyzer)
    {
        var entry = Entries.GetOrCreateValue(texts);
        lock (entry)
        {
            if (entry.Indexes.TryGetValue(analyzer.Key, out var index))
            {
                return index ??= entry.Indexes[analyzer.Key] = TokenIndex.Build(analyzer, texts);
            }

            entry.Indexes[analyzer.Key] = null;
            return null;
        }
    }

    private sealed class Entry
    {
        /// <summary>Per analyzer (its params): null once seen, the index from the second read on.</summary>
        public Dictionary<string, TokenIndex?> Indexes { get; } = new(StringComparer.Ordinal);
    }
}
