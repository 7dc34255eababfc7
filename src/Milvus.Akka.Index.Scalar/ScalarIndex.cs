using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Scalar;

/// <summary>The scalar index types Milvus offers, each with its own layout and the probes it answers.</summary>
public enum ScalarIndexType
{
    /// <summary>Distinct terms with sorted row-id postings: equality, <c>in</c>, ranges, prefixes; array elements.</summary>
    Inverted,

    /// <summary>Every value sorted with its row id: equality, <c>in</c> and ranges over numbers.</summary>
    StlSort,

    /// <summary>One row bitmap per distinct value, for low-cardinality fields: equality, <c>in</c>, ranges, prefixes.</summary>
    Bitmap,

    /// <summary>A character trie over VarChar terms with postings: equality, <c>in</c> and prefixes.</summary>
    Trie,
}

/// <summary>
/// A built scalar index over one segment's rows. Subclasses answer the probes their layout serves; the rest return
/// null so the evaluator scans. Immutable and thread-safe.
/// </summary>
public abstract class ScalarIndex : IScalarIndex
{
    private protected ScalarIndex(ScalarIndexType type, IndexScope scope)
    {
        Type = type;
        Scope = scope;
    }

    public ScalarIndexType Type { get; }

    public int RowCount => Scope.RowCount;

    public string JsonPath => Scope.JsonPath;

    public bool Elements => Scope.Elements;

    /// <summary>Some value could not be held exactly (a JSON integer beyond 2^53 kept as a double): no probe is answered.</summary>
    public bool Lossy => Scope.Lossy;

    internal IndexScope Scope { get; }

    /// <summary>The CLR type of the keys: long, double or string.</summary>
    public abstract Type KeyType { get; }

    public abstract Bitset? Range<TKey>(in KeyRange<TKey> range);

    public abstract Bitset? In<TKey>(ReadOnlySpan<TKey> keys);

    public virtual Bitset? Prefix(string prefix) => null;

    /// <summary>Writes the index file (<see cref="ScalarIndexFile"/>).</summary>
    public void Save(Stream destination) => ScalarIndexFile.Write(this, destination);
}

/// <summary>An index whose keys are <typeparamref name="TKey"/>: probes with other key types are not answered.</summary>
public abstract class ScalarIndex<TKey> : ScalarIndex
{
    private protected ScalarIndex(ScalarIndexType type, IndexScope scope)
        : base(type, scope)
    {
    }

    public sealed override Type KeyType => typeof(TKey);

    public sealed override Bitset? Range<T>(in KeyRange<T> range) => typeof(T) == typeof(TKey) && !Lossy
        ? RangeOf(Unsafe.As<KeyRange<T>, KeyRange<TKey>>(ref Unsafe.AsRef(in range)))
        : null;

    public sealed override Bitset? In<T>(ReadOnlySpan<T> keys) => typeof(T) == typeof(TKey) && !Lossy
        ? InOf(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, TKey>(ref MemoryMarshal.GetReference(keys)), keys.Length))
        : null;

    public sealed override Bitset? Prefix(string prefix) => typeof(TKey) == typeof(string) && !Lossy ? PrefixOf(prefix) : null;

    private protected abstract Bitset? RangeOf(in KeyRange<TKey> range);

    private protected abstract Bitset InOf(ReadOnlySpan<TKey> keys);

    private protected virtual Bitset? PrefixOf(string prefix) => null;
}

/// <summary>What an index covers: the segment's rows, the JSON path, whether keys are array elements, whether it is lossy.</summary>
internal readonly record struct IndexScope(int RowCount, string JsonPath, bool Lossy, bool Elements);

/// <summary>The order of keys: ordinal for strings (as the evaluator compares them), the natural order otherwise.</summary>
internal static class KeyOrder<TKey>
{
    public static readonly IComparer<TKey> Comparer = typeof(TKey) == typeof(string)
        ? (IComparer<TKey>)StringComparer.Ordinal
        : Comparer<TKey>.Default;

    /// <summary>The first position whose key is not below <paramref name="key"/> (or above it, when <paramref name="after"/>).</summary>
    public static int Bound(ReadOnlySpan<TKey> sorted, TKey key, bool after)
    {
        var (low, high) = (0, sorted.Length);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            var comparison = Comparer.Compare(sorted[middle], key);
            if (comparison < 0 || (after && comparison == 0))
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>The positions [Start, End) of <paramref name="sorted"/> whose keys lie in <paramref name="range"/>.</summary>
    public static (int Start, int End) Positions(ReadOnlySpan<TKey> sorted, in KeyRange<TKey> range)
    {
        var start = range.HasLower ? Bound(sorted, range.Lower!, after: !range.LowerInclusive) : 0;
        var end = range.HasUpper ? Bound(sorted, range.Upper!, after: range.UpperInclusive) : sorted.Length;
        return (start, Math.Max(start, end));
    }

    /// <summary>The positions of the keys starting with <paramref name="prefix"/> in sorted strings.</summary>
    public static (int Start, int End) PrefixPositions(ReadOnlySpan<string> sorted, string prefix)
    {
        var start = KeyOrder<string>.Bound(sorted, prefix, after: false);
        var end = start;
        while (end < sorted.Length && sorted[end].StartsWith(prefix, StringComparison.Ordinal))
        {
            end++;
        }

        return (start, end);
    }
}

/// <summary>The Milvus names of the scalar index types.</summary>
public static class ScalarIndexTypes
{
    /// <summary>INVERTED, STL_SORT, BITMAP or Trie (case-insensitive), as the coordinator records them.</summary>
    public static ScalarIndexType Parse(string name) => name.Trim().ToUpperInvariant() switch
    {
        "INVERTED" => ScalarIndexType.Inverted,
        "STL_SORT" => ScalarIndexType.StlSort,
        "BITMAP" => ScalarIndexType.Bitmap,
        "TRIE" => ScalarIndexType.Trie,
        _ => throw new MilvusException(ErrorCode.IndexNotSupported, $"invalid scalar index type: {name}"),
    };
}
