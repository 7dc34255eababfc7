using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Scalar;

/// <summary>Row-id postings of terms 0..Terms-1, ascending within a term, stored term after term (CSR).</summary>
internal sealed class Postings(int[] offsets, int[] rows)
{
    public int[] Offsets { get; } = offsets;

    public int[] Rows { get; } = rows;

    public int Terms => Offsets.Length - 1;

    /// <summary>Sets the rows of terms [<paramref name="firstTerm"/>, <paramref name="endTerm"/>): one contiguous span.</summary>
    public void AddTo(Bitset result, int firstTerm, int endTerm)
    {
        if (firstTerm < endTerm)
        {
            result.Set(Rows.AsSpan(Offsets[firstTerm], Offsets[endTerm] - Offsets[firstTerm]));
        }
    }

    /// <summary>Groups entries already sorted by key (then row) into distinct keys and their postings.</summary>
    public static (TKey[] Terms, Postings Postings) Group<TKey>(ReadOnlySpan<TKey> sortedKeys, int[] rows)
    {
        var terms = new List<TKey>();
        var offsets = new List<int>();
        for (var i = 0; i < sortedKeys.Length; i++)
        {
            if (i == 0 || KeyOrder<TKey>.Comparer.Compare(sortedKeys[i - 1], sortedKeys[i]) != 0)
            {
                terms.Add(sortedKeys[i]);
                offsets.Add(i);
            }
        }

        offsets.Add(sortedKeys.Length);
        return ([.. terms], new Postings([.. offsets], rows));
    }
}

/// <summary>INVERTED: the distinct keys in order, each with its sorted row ids.</summary>
public sealed class InvertedIndex<TKey> : ScalarIndex<TKey>
{
    private readonly TKey[] _terms;
    private readonly Postings _postings;

    internal InvertedIndex(IndexScope scope, TKey[] terms, Postings postings)
        : base(ScalarIndexType.Inverted, scope)
    {
        _terms = terms;
        _postings = postings;
    }

    internal ReadOnlySpan<TKey> Terms => _terms;

    internal Postings Postings => _postings;

    private protected override Bitset RangeOf(in KeyRange<TKey> range)
    {
        var result = new Bitset(RowCount);
        var (start, end) = KeyOrder<TKey>.Positions(_terms, range);
        _postings.AddTo(result, start, end);
        return result;
    }

    private protected override Bitset InOf(ReadOnlySpan<TKey> keys)
    {
        var result = new Bitset(RowCount);
        foreach (var key in keys)
        {
            var (start, end) = KeyOrder<TKey>.Positions(_terms, KeyRange<TKey>.Exactly(key));
            _postings.AddTo(result, start, end);
        }

        return result;
    }

    private protected override Bitset PrefixOf(string prefix)
    {
        var result = new Bitset(RowCount);
        var (start, end) = KeyOrder<string>.PrefixPositions((string[])(object)_terms, prefix);
        _postings.AddTo(result, start, end);
        return result;
    }
}

/// <summary>STL_SORT: every indexed value in order with its row id; a range is one contiguous run of row ids.</summary>
public sealed class SortedIndex<TKey> : ScalarIndex<TKey>
{
    private readonly TKey[] _values;
    private readonly int[] _rows;

    internal SortedIndex(IndexScope scope, TKey[] values, int[] rows)
        : base(ScalarIndexType.StlSort, scope)
    {
        _values = values;
        _rows = rows;
    }

    internal ReadOnlySpan<TKey> Values => _values;

    internal ReadOnlySpan<int> Rows => _rows;

    private protected override Bitset RangeOf(in KeyRange<TKey> range)
    {
        var (start, end) = KeyOrder<TKey>.Positions(_values, range);
        return new Bitset(RowCount).Set(_rows.AsSpan(start, end - start));
    }

    private protected override Bitset InOf(ReadOnlySpan<TKey> keys)
    {
        var result = new Bitset(RowCount);
        foreach (var key in keys)
        {
            var (start, end) = KeyOrder<TKey>.Positions(_values, KeyRange<TKey>.Exactly(key));
            result.Set(_rows.AsSpan(start, end - start));
        }

        return result;
    }
}

/// <summary>BITMAP: one row bitmap per distinct key; an answer ORs the bitmaps of the matching keys.</summary>
public sealed class BitmapIndex<TKey> : ScalarIndex<TKey>
{
    private readonly TKey[] _keys;
    private readonly ulong[] _words;
    private readonly int _wordsPerKey;

    internal BitmapIndex(IndexScope scope, TKey[] keys, ulong[] words)
        : base(ScalarIndexType.Bitmap, scope)
    {
        _keys = keys;
        _words = words;
        _wordsPerKey = (scope.RowCount + 63) >> 6;
        if (words.Length != (long)keys.Length * _wordsPerKey)
        {
            throw new InvalidDataException($"a BITMAP index of {keys.Length} keys over {scope.RowCount} rows needs {keys.Length * _wordsPerKey} words, the file has {words.Length}");
        }
    }

    internal ReadOnlySpan<TKey> Keys => _keys;

    internal ReadOnlySpan<ulong> Words => _words;

    private protected override Bitset RangeOf(in KeyRange<TKey> range)
    {
        var (start, end) = KeyOrder<TKey>.Positions(_keys, range);
        return AddKeys(new Bitset(RowCount), start, end);
    }

    private protected override Bitset InOf(ReadOnlySpan<TKey> keys)
    {
        var result = new Bitset(RowCount);
        foreach (var key in keys)
        {
            var (start, end) = KeyOrder<TKey>.Positions(_keys, KeyRange<TKey>.Exactly(key));
            AddKeys(result, start, end);
        }

        return result;
    }

    private protected override Bitset PrefixOf(string prefix)
    {
        var (start, end) = KeyOrder<string>.PrefixPositions((string[])(object)_keys, prefix);
        return AddKeys(new Bitset(RowCount), start, end);
    }

    private Bitset AddKeys(Bitset result, int start, int end)
    {
        for (var key = start; key < end; key++)
        {
            result.Or(_words.AsSpan(key * _wordsPerKey, _wordsPerKey));
        }

        return result;
    }
}
