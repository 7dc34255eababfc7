namespace Milvus.Akka.Common;

/// <summary>
/// A built scalar index over one segment's rows 0..RowCount-1, as the filter evaluator probes it. Keys are Int64
/// (integer fields, and booleans as 0/1), Double (Float and Double fields, JSON numbers) or String (VarChar, JSON
/// strings); a probe with keys of another type, or of a kind the index type does not answer, returns null and the
/// evaluator scans the column instead. Null rows (and rows whose JSON path holds no value of the index's type) are in
/// no answer. Thread-safe; a probe allocates only its result.
/// </summary>
public interface IScalarIndex
{
    int RowCount { get; }

    /// <summary>The JSON path inside a JSON field the index covers, in <see cref="JsonPaths.Canonical"/> form; empty otherwise.</summary>
    string JsonPath { get; }

    /// <summary>The keys are the elements of each row's array (an Array field, a JSON path cast to ARRAY_*): answers
    /// <c>array_contains*</c> probes, never comparisons of the whole value.</summary>
    bool Elements { get; }

    /// <summary>Rows whose key (some element's, for arrays) lies in <paramref name="range"/>.</summary>
    Bitset? Range<TKey>(in KeyRange<TKey> range);

    /// <summary>Rows whose key (some element's, for arrays) is one of <paramref name="keys"/>.</summary>
    Bitset? In<TKey>(ReadOnlySpan<TKey> keys);

    /// <summary>Rows whose string key starts with <paramref name="prefix"/> (ordinal).</summary>
    Bitset? Prefix(string prefix);
}

/// <summary>The scalar indexes attached to one segment, by field id.</summary>
public interface IScalarIndexes
{
    IScalarIndex? Find(long fieldId);
}

/// <summary>An interval of keys; a missing bound is unbounded. Equality is the interval [k, k].</summary>
public readonly record struct KeyRange<TKey>(TKey? Lower, bool LowerInclusive, TKey? Upper, bool UpperInclusive, bool HasLower, bool HasUpper)
{
    public static KeyRange<TKey> Exactly(TKey key) => new(key, true, key, true, true, true);

    public static KeyRange<TKey> Below(TKey key, bool inclusive) => new(default, false, key, inclusive, false, true);

    public static KeyRange<TKey> Above(TKey key, bool inclusive) => new(key, inclusive, default, false, true, false);
}
