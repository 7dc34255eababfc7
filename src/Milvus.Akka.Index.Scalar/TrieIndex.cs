using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Scalar;

/// <summary>
/// Trie: the distinct VarChar terms as a character trie (UTF-16 code units, children ordered by label), with the
/// postings of each term. Terms are numbered in ordinal order, so the terms below a node are a contiguous range and a
/// prefix answers with one contiguous span of postings. Answers equality, <c>in</c> and prefixes; ranges scan.
/// </summary>
public sealed class TrieIndex : ScalarIndex<string>
{
    internal TrieIndex(IndexScope scope, TrieNodes nodes, Postings postings)
        : base(ScalarIndexType.Trie, scope)
    {
        Nodes = nodes;
        Postings = postings;
    }

    internal TrieNodes Nodes { get; }

    internal Postings Postings { get; }

    private protected override Bitset? RangeOf(in KeyRange<string> range)
    {
        if (!(range.HasLower && range.HasUpper && range.LowerInclusive && range.UpperInclusive && range.Lower == range.Upper))
        {
            return null;
        }

        return InOf([range.Lower!]);
    }

    private protected override Bitset InOf(ReadOnlySpan<string> keys)
    {
        var result = new Bitset(RowCount);
        foreach (var key in keys)
        {
            var node = Nodes.Find(key);
            if (node >= 0 && Nodes.Terminal[node])
            {
                Postings.AddTo(result, Nodes.TermLow[node], Nodes.TermLow[node] + 1);
            }
        }

        return result;
    }

    private protected override Bitset PrefixOf(string prefix)
    {
        var result = new Bitset(RowCount);
        var node = Nodes.Find(prefix);
        if (node >= 0)
        {
            Postings.AddTo(result, Nodes.TermLow[node], Nodes.TermHigh[node]);
        }

        return result;
    }
}

/// <summary>The trie's nodes as parallel arrays in breadth-first order (node 0 is the root).</summary>
internal sealed record TrieNodes(char[] Labels, int[] ChildStart, int[] ChildCount, int[] TermLow, int[] TermHigh, bool[] Terminal)
{
    /// <summary>The node reached by <paramref name="text"/> from the root, or -1.</summary>
    public int Find(string text)
    {
        var node = 0;
        foreach (var c in text)
        {
            var (low, high) = (ChildStart[node], ChildStart[node] + ChildCount[node]);
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (Labels[middle] < c)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            if (low == ChildStart[node] + ChildCount[node] || Labels[low] != c)
            {
                return -1;
            }

            node = low;
        }

        return node;
    }

    /// <summary>The trie of distinct terms in ordinal order, built breadth first without recursion (terms may be long).</summary>
    public static TrieNodes Build(ReadOnlySpan<string> terms)
    {
        var labels = new List<char> { '\0' };
        var childStart = new List<int> { 0 };
        var childCount = new List<int> { 0 };
        var termLow = new List<int> { 0 };
        var termHigh = new List<int> { terms.Length };
        var terminal = new List<bool> { false };
        var depth = new List<int> { 0 };
        for (var node = 0; node < labels.Count; node++)
        {
            var (low, high, d) = (termLow[node], termHigh[node], depth[node]);
            if (low < high && terms[low].Length == d)
            {
                terminal[node] = true;
                low++;
            }

            childStart[node] = labels.Count;
            for (var start = low; start < high;)
            {
                var c = terms[start][d];
                var end = start + 1;
                while (end < high && terms[end][d] == c)
                {
                    end++;
                }

                labels.Add(c);
                childStart.Add(0);
                childCount.Add(0);
                termLow.Add(start);
                termHigh.Add(end);
                terminal.Add(false);
                depth.Add(d + 1);
                start = end;
            }

            childCount[node] = labels.Count - childStart[node];
        }

        return new TrieNodes([.. labels], [.. childStart], [.. childCount], [.. termLow], [.. termHigh], [.. terminal]);
    }
}
