using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Scalar;

/// <summary>How a JSON path index reads the value at its path (Milvus's <c>json_cast_type</c>).</summary>
public enum JsonCastType
{
    Bool,
    Double,
    VarChar,
    ArrayBool,
    ArrayDouble,
    ArrayVarChar,
}

/// <summary>The value a JSON field's index covers: the path inside each row's JSON and the type it is read as.</summary>
public sealed record JsonIndexTarget(IReadOnlyList<object> Path, JsonCastType Cast)
{
    /// <summary>Milvus's <c>json_cast_type</c> names: BOOL, DOUBLE, VARCHAR, ARRAY_BOOL, ARRAY_DOUBLE, ARRAY_VARCHAR.</summary>
    public static JsonCastType ParseCast(string name) => name.Trim().ToUpperInvariant() switch
    {
        "BOOL" => JsonCastType.Bool,
        "DOUBLE" => JsonCastType.Double,
        "VARCHAR" => JsonCastType.VarChar,
        "ARRAY_BOOL" => JsonCastType.ArrayBool,
        "ARRAY_DOUBLE" => JsonCastType.ArrayDouble,
        "ARRAY_VARCHAR" => JsonCastType.ArrayVarChar,
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"json_cast_type {name} is not one of BOOL, DOUBLE, VARCHAR, ARRAY_BOOL, ARRAY_DOUBLE, ARRAY_VARCHAR"),
    };
}

/// <summary>Builds a scalar index over one segment's column (null rows, NaNs and JSON values of another type are left out).</summary>
public static class ScalarIndexBuilder
{
    /// <summary>Integers a double holds exactly: JSON integers beyond this make a DOUBLE path index lossy.</summary>
    private const long ExactDoubleLimit = 1L << 53;

    public static ScalarIndex Build(ScalarIndexType type, Column column, JsonIndexTarget? json = null)
    {
        switch (column)
        {
            case ScalarColumn<bool> bools:
                return Create(type, new IndexScope(column.Count, "", false, Elements: false), Entries(bools, b => b ? 1L : 0L));
            case ScalarColumn<int> ints:
                return Create(type, new IndexScope(column.Count, "", false, Elements: false), Entries(ints, i => (long)i));
            case ScalarColumn<long> longs:
                return Create(type, new IndexScope(column.Count, "", false, Elements: false), Entries(longs, l => l));
            case ScalarColumn<float> floats:
                return Create(type, new IndexScope(column.Count, "", false, Elements: false), Entries(floats, f => (double)f, f => !float.IsNaN(f)));
            case ScalarColumn<double> doubles:
                return Create(type, new IndexScope(column.Count, "", false, Elements: false), Entries(doubles, d => d, d => !double.IsNaN(d)));
            case StringColumn strings:
                return Create(type, new IndexScope(column.Count, "", false, Elements: false), Entries(strings.Values, column, s => s));
            case ArrayColumn arrays:
                return BuildArray(type, arrays);
            case JsonColumn document when json is not null:
                return BuildJson(type, document, json);
            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"a {type} index cannot be built over a {column.Type} column{(column is JsonColumn ? " without a json_path" : "")}");
        }
    }

    private static ScalarIndex BuildArray(ScalarIndexType type, ArrayColumn arrays)
    {
        var scope = new IndexScope(arrays.Count, "", false, Elements: true);
        return arrays.ElementType switch
        {
            DataType.Bool => Create(type, scope, Elements<bool, long>(arrays, b => b ? 1 : 0)),
            DataType.Int8 or DataType.Int16 or DataType.Int32 => Create(type, scope, Elements<int, long>(arrays, i => i)),
            DataType.Int64 => Create(type, scope, Elements<long, long>(arrays, l => l)),
            DataType.Float => Create(type, scope, Elements<float, double>(arrays, f => f, f => !float.IsNaN(f))),
            DataType.Double => Create(type, scope, Elements<double, double>(arrays, d => d, d => !double.IsNaN(d))),
            DataType.VarChar or DataType.String => Create(type, scope, Elements<string, string>(arrays, s => s)),
            var other => throw new MilvusException(ErrorCode.ParameterInvalid, $"a {type} index cannot be built over an Array of {other}"),
        };
    }

    private static ScalarIndex BuildJson(ScalarIndexType type, JsonColumn column, JsonIndexTarget target)
    {
        var scope = new IndexScope(column.Count, JsonPaths.Canonical(target.Path), false,
            target.Cast is JsonCastType.ArrayBool or JsonCastType.ArrayDouble or JsonCastType.ArrayVarChar);
        switch (target.Cast)
        {
            case JsonCastType.Double or JsonCastType.ArrayDouble:
            {
                var lossy = false;
                var entries = JsonEntries(column, target, element =>
                {
                    if (element.ValueKind != JsonValueKind.Number)
                    {
                        return (false, 0d);
                    }

                    if (element.TryGetInt64(out var integer) && Math.Abs(integer) > ExactDoubleLimit)
                    {
                        lossy = true;
                    }

                    return (true, element.GetDouble());
                });
                return Create(type, scope with { Lossy = lossy }, entries);
            }

            case JsonCastType.Bool or JsonCastType.ArrayBool:
                return Create(type, scope, JsonEntries(column, target, element => element.ValueKind switch
                {
                    JsonValueKind.True => (true, 1L),
                    JsonValueKind.False => (true, 0L),
                    _ => (false, 0L),
                }));
            default:
                return Create(type, scope, JsonEntries(column, target, element =>
                    element.ValueKind == JsonValueKind.String ? (true, element.GetString()!) : (false, "")));
        }
    }

    private static (List<TKey> Keys, List<int> Rows) Entries<T, TKey>(ScalarColumn<T> column, Func<T, TKey> key, Func<T, bool>? indexed = null)
        where T : unmanaged => Entries(column.Values, column, key, indexed);

    private static (List<TKey> Keys, List<int> Rows) Entries<T, TKey>(T[] values, Column column, Func<T, TKey> key, Func<T, bool>? indexed = null)
    {
        var (keys, rows) = (new List<TKey>(values.Length), new List<int>(values.Length));
        for (var row = 0; row < values.Length; row++)
        {
            if (!column.IsNull(row) && (indexed is null || indexed(values[row])))
            {
                keys.Add(key(values[row]));
                rows.Add(row);
            }
        }

        return (keys, rows);
    }

    private static (List<TKey> Keys, List<int> Rows) Elements<T, TKey>(ArrayColumn column, Func<T, TKey> key, Func<T, bool>? indexed = null)
    {
        var (keys, rows) = (new List<TKey>(), new List<int>());
        for (var row = 0; row < column.Count; row++)
        {
            if (column.IsNull(row))
            {
                continue;
            }

            var elements = column.Values[row] as T[]
                ?? throw new InvalidDataException($"row {row} of an Array of {column.ElementType} holds {column.Values[row].GetType().Name}, expected {typeof(T).Name}[]");

            foreach (var element in elements)
            {
                if (indexed is null || indexed(element))
                {
                    keys.Add(key(element));
                    rows.Add(row);
                }
            }
        }

        return (keys, rows);
    }

    /// <summary>The value at the target's path in each row (each element of it, for ARRAY_* casts) read by <paramref name="read"/>.</summary>
    private static (List<TKey> Keys, List<int> Rows) JsonEntries<TKey>(JsonColumn column, JsonIndexTarget target, Func<JsonElement, (bool Indexed, TKey Key)> read)
    {
        var (keys, rows) = (new List<TKey>(), new List<int>());
        var elements = target.Cast is JsonCastType.ArrayBool or JsonCastType.ArrayDouble or JsonCastType.ArrayVarChar;
        for (var row = 0; row < column.Count; row++)
        {
            if (column.IsNull(row) || column.Values[row].Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(column.Values[row], JsonLimits.DocumentOptions);
            if (!JsonPaths.TryNavigate(document.RootElement, target.Path, out var value))
            {
                continue;
            }

            if (!elements)
            {
                Add(value);
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in value.EnumerateArray())
                {
                    Add(element);
                }
            }

            void Add(JsonElement element)
            {
                var (indexed, key) = read(element);
                if (indexed)
                {
                    keys.Add(key);
                    rows.Add(row);
                }
            }
        }

        return (keys, rows);
    }

    /// <summary>Sorts the entries by key, then row, and lays them out as the index type stores them.</summary>
    private static ScalarIndex Create<TKey>(ScalarIndexType type, IndexScope scope, (List<TKey> Keys, List<int> Rows) entries)
    {
        var keys = entries.Keys.ToArray();
        var rows = entries.Rows.ToArray();
        Array.Sort(keys, rows, KeyOrder<TKey>.Comparer);
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && KeyOrder<TKey>.Comparer.Compare(keys[start], keys[end]) == 0)
            {
                end++;
            }

            Array.Sort(rows, start, end - start);
            start = end;
        }

        switch (type)
        {
            case ScalarIndexType.StlSort when typeof(TKey) != typeof(string):
                return new SortedIndex<TKey>(scope, keys, rows);
            case ScalarIndexType.Inverted:
            {
                var (terms, postings) = Postings.Group<TKey>(keys, rows);
                return new InvertedIndex<TKey>(scope, terms, postings);
            }

            case ScalarIndexType.Bitmap:
            {
                var (terms, postings) = Postings.Group<TKey>(keys, rows);
                var wordsPerKey = (scope.RowCount + 63) >> 6;
                var words = new ulong[(long)terms.Length * wordsPerKey];
                for (var term = 0; term < terms.Length; term++)
                {
                    foreach (var row in postings.Rows.AsSpan(postings.Offsets[term], postings.Offsets[term + 1] - postings.Offsets[term]))
                    {
                        words[(term * wordsPerKey) + (row >> 6)] |= 1UL << row;
                    }
                }

                return new BitmapIndex<TKey>(scope, terms, words);
            }

            case ScalarIndexType.Trie when typeof(TKey) == typeof(string) && scope.JsonPath.Length == 0 && !scope.Elements:
            {
                var (terms, postings) = Postings.Group<TKey>(keys, rows);
                return new TrieIndex(scope, TrieNodes.Build((string[])(object)terms), postings);
            }

            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"a {type} index cannot hold {(typeof(TKey) == typeof(string) ? "strings" : "numbers")}{(scope.JsonPath.Length > 0 ? " of a JSON path" : "")}");
        }
    }
}
