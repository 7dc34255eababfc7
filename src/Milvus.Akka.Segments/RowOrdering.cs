using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>
/// One key of an ORDER BY (Milvus's <c>order_by_fields</c>): a scalar field, or the value at <see cref="JsonPath"/> in a
/// JSON field (a search's keys only), its direction, and whether null values come before the others. Nulls go where the
/// order's direction does not reverse them.
/// </summary>
public sealed record OrderKey(long FieldId, bool Descending, bool NullsFirst)
{
    private readonly ImmutableArray<object> _jsonPath = [];

    /// <summary>Member names (string) and array positions (long) into a JSON field; empty for a scalar field.</summary>
    public ImmutableArray<object> JsonPath
    {
        get => _jsonPath;
        init => _jsonPath = value.IsDefault ? [] : value;
    }

    public bool Equals(OrderKey? other) => other is not null && FieldId == other.FieldId && Descending == other.Descending
        && NullsFirst == other.NullsFirst && JsonPath.SequenceEqual(other.JsonPath);

    public override int GetHashCode() => HashCode.Combine(FieldId, Descending, NullsFirst, JsonPath.Length);

    /// <summary>The types an ORDER BY accepts, as Milvus: booleans (false first), integers, floats and strings.</summary>
    public static bool IsSortable(DataType type) => type is DataType.Bool or DataType.Int8 or DataType.Int16 or DataType.Int32
        or DataType.Int64 or DataType.Float or DataType.Double or DataType.VarChar or DataType.String;
}

/// <summary>Compares rows by ORDER BY keys, for a segment's retrieval, the reducers and a search's final page.</summary>
public static class RowOrdering
{
    /// <summary>Row <paramref name="i"/> of <paramref name="a"/> against row <paramref name="j"/> of <paramref name="b"/>, columns of one field.</summary>
    public static int Compare(Column a, int i, Column b, int j, OrderKey key)
    {
        var (aNull, bNull) = (a.IsNull(i), b.IsNull(j));
        if (aNull || bNull)
        {
            return NullPlacement(aNull, bNull, key);
        }

        var byValue = a switch
        {
            ScalarColumn<long> x => x.Values[i].CompareTo(((ScalarColumn<long>)b).Values[j]),
            ScalarColumn<int> x => x.Values[i].CompareTo(((ScalarColumn<int>)b).Values[j]),
            ScalarColumn<double> x => x.Values[i].CompareTo(((ScalarColumn<double>)b).Values[j]),
            ScalarColumn<float> x => x.Values[i].CompareTo(((ScalarColumn<float>)b).Values[j]),
            ScalarColumn<bool> x => x.Values[i].CompareTo(((ScalarColumn<bool>)b).Values[j]),
            StringColumn x => string.CompareOrdinal(x.Values[i], ((StringColumn)b).Values[j]),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"a {a.Type} field cannot be ordered by"),
        };
        return key.Descending ? -byValue : byValue;
    }

    /// <summary>Row <paramref name="i"/> of <paramref name="a"/> against row <paramref name="j"/> of <paramref name="b"/> by every key in turn.</summary>
    public static int Compare(RowBatch a, int i, RowBatch b, int j, ImmutableArray<OrderKey> keys)
    {
        foreach (var key in keys)
        {
            var byKey = Compare(a[key.FieldId], i, b[key.FieldId], j, key);
            if (byKey != 0)
            {
                return byKey;
            }
        }

        return 0;
    }

    /// <summary>
    /// Orders each query's hits by <paramref name="keys"/> (ties keep their rank) and keeps the page
    /// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="limit"/>): Milvus orders a search's best
    /// offset + limit hits, then pages them. With <paramref name="groupFieldIds"/> (not empty), hits come group by group;
    /// groups are ordered by their first hit and paged as groups. The hits' fields must hold every key's column.
    /// </summary>
    public static SearchHits OrderPage(SearchHits hits, ImmutableArray<OrderKey> keys, int offset, int limit, ImmutableArray<long> groupFieldIds)
    {
        if (hits.Fields is not { } fields)
        {
            // Shards without segments answer without fields, and so does their reduce: nothing to order.
            return hits.Scores.Length == 0 ? hits : throw new ArgumentException("ordered hits need their fields", nameof(hits));
        }

        var compare = RowComparer(fields, keys);
        var groupOf = groupFieldIds.IsDefaultOrEmpty ? null : GroupKeys.Reader(fields, groupFieldIds);
        var bounds = new int[hits.Nq + 1];
        var picks = new List<int>(hits.Scores.Length);
        var runs = new List<(int Start, int End)>();
        for (var q = 0; q < hits.Nq; q++)
        {
            runs.Clear();
            for (var row = hits.Offsets[q]; row < hits.Offsets[q + 1];)
            {
                var end = row + 1;
                while (groupOf is not null && end < hits.Offsets[q + 1] && groupOf(row).Equals(groupOf(end)))
                {
                    end++;
                }

                runs.Add((row, end));
                row = end;
            }

            // A run's rank breaks ties, so the order is stable.
            runs.Sort((x, y) => compare(x.Start, y.Start) is var byKeys and not 0 ? byKeys : x.Start.CompareTo(y.Start));
            foreach (var (start, end) in runs.Skip(offset).Take(limit))
            {
                for (var row = start; row < end; row++)
                {
                    picks.Add(row);
                }
            }

            bounds[q + 1] = picks.Count;
        }

        var picked = CollectionsMarshal.AsSpan(picks);
        var scores = new float[picked.Length];
        for (var i = 0; i < picked.Length; i++)
        {
            scores[i] = hits.Scores[picked[i]];
        }

        return new SearchHits(hits.Nq, bounds, hits.Pks.Gather(picked), scores, fields.Gather(picked)) { SearchedRows = hits.SearchedRows };
    }

    /// <summary>
    /// The first <paramref name="limit"/> of <paramref name="rows"/> in <paramref name="order"/> (all when null), in
    /// order. A small limit keeps only the best rows seen in a bounded heap, O(n log limit), instead of sorting them all.
    /// </summary>
    public static List<int> First(List<int> rows, int? limit, Comparison<int> order)
    {
        if (limit is not { } count || count >= rows.Count / 8)
        {
            rows.Sort(order);
            if (limit is { } cut && rows.Count > cut)
            {
                rows.RemoveRange(cut, rows.Count - cut);
            }

            return rows;
        }

        // The heap's first element is the worst row kept, so a better row replaces it.
        var kept = new PriorityQueue<int, int>(count + 1, Comparer<int>.Create((a, b) => order(b, a)));
        foreach (var row in rows)
        {
            if (kept.Count < count)
            {
                kept.Enqueue(row, row);
            }
            else if (count > 0 && order(row, kept.Peek()) < 0)
            {
                kept.DequeueEnqueue(row, row);
            }
        }

        var first = new List<int>(kept.Count);
        first.AddRange(kept.UnorderedItems.Select(item => item.Element));
        first.Sort(order);
        return first;
    }

    /// <summary>Where a null goes against another value, whatever the key's direction; two nulls tie.</summary>
    private static int NullPlacement(bool aNull, bool bNull, OrderKey key) => aNull == bNull ? 0 : aNull == key.NullsFirst ? -1 : 1;

    /// <summary>
    /// Compares two rows of <paramref name="fields"/> by every key, each key's column looked up once. A JSON key's values
    /// are read once for every row of its column up front: only a search page orders by JSON paths (a query refuses
    /// them), so a segment's retrieval compares scalar columns in place.
    /// </summary>
    public static Func<int, int, int> RowComparer(RowBatch fields, ImmutableArray<OrderKey> keys)
    {
        var byKey = keys.Select(key => fields[key.FieldId] is var column && key.JsonPath.IsEmpty
            ? (i, j) => Compare(column, i, column, j, key)
            : JsonComparer(JsonSortValue.Read((JsonColumn)column, key.JsonPath), key)).ToArray();
        return (i, j) =>
        {
            foreach (var compare in byKey)
            {
                var result = compare(i, j);
                if (result != 0)
                {
                    return result;
                }
            }

            return 0;
        };
    }

    private static Func<int, int, int> JsonComparer(JsonSortValue[] values, OrderKey key) => (i, j) =>
    {
        var (a, b) = (values[i], values[j]);
        if (a.IsNull || b.IsNull)
        {
            return NullPlacement(a.IsNull, b.IsNull, key);
        }

        var byValue = JsonSortValue.Compare(a, b);
        return key.Descending ? -byValue : byValue;
    };
}

/// <summary>
/// The value a JSON key orders by, as Milvus compares them: numbers by value, strings by text, false before true; a
/// missing path or a JSON null is null; values of different kinds (or objects, arrays) compare by their JSON text.
/// </summary>
internal readonly record struct JsonSortValue(JsonValueKind Kind, double Number, string? Text, string? Raw)
{
    public bool IsNull => Kind is JsonValueKind.Undefined or JsonValueKind.Null;

    public static JsonSortValue[] Read(JsonColumn column, ImmutableArray<object> path)
    {
        var values = new JsonSortValue[column.Count];
        var steps = path.ToArray();
        for (var row = 0; row < values.Length; row++)
        {
            if (column.IsNull(row) || column.Values[row].Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(column.Values[row]);
            if (JsonPaths.TryNavigate(document.RootElement, steps, out var element))
            {
                values[row] = element.ValueKind switch
                {
                    JsonValueKind.Number => new(JsonValueKind.Number, element.GetDouble(), null, element.GetRawText()),
                    JsonValueKind.String => new(JsonValueKind.String, 0, element.GetString(), element.GetRawText()),
                    _ => new(element.ValueKind, 0, null, element.GetRawText()),
                };
            }
        }

        return values;
    }

    public static int Compare(JsonSortValue a, JsonSortValue b) => (a.Kind, b.Kind) switch
    {
        (JsonValueKind.Number, JsonValueKind.Number) => a.Number.CompareTo(b.Number),
        (JsonValueKind.String, JsonValueKind.String) => string.CompareOrdinal(a.Text, b.Text),
        (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) =>
            (a.Kind == JsonValueKind.True).CompareTo(b.Kind == JsonValueKind.True),
        _ => string.CompareOrdinal(a.Raw, b.Raw),
    };
}
