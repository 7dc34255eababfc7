using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

public enum AggregateOp
{
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

/// <summary>One aggregate output, named as the request wrote it (<c>count(*)</c>, <c>avg(price)</c>); <see cref="Field"/> is null for count(*).</summary>
public sealed record AggregateColumn(string Name, AggregateOp Op, FieldSchema? Field);

/// <summary>
/// Milvus 3.0's query aggregation: rows grouped by the values of <see cref="GroupBy"/> (none: one group of every row),
/// with count, sum, avg, min and max per group. Nulls are skipped by the aggregates (count(field) counts values,
/// count(*) rows) and form a group of their own as a key; an aggregate with no value in its group is null.
/// Groups come in the order their first row comes in.
/// </summary>
public sealed partial record QueryAggregation(ImmutableArray<FieldSchema> GroupBy, ImmutableArray<AggregateColumn> Aggregates, ImmutableArray<string> Outputs)
{
    [GeneratedRegex(@"^\s*(sum|count|avg|min|max)\s*\(\s*([\w\*]*)\s*\)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AggregatePattern();

    /// <summary>
    /// The aggregation a query's outputs and group_by_fields ask for, or null for a plain query (a lone count(*) without
    /// groups is the plain count).
    /// </summary>
    public static QueryAggregation? Of(CollectionSchema schema, IReadOnlyList<string> outputs, IReadOnlyList<string> groupBy)
    {
        var aggregating = groupBy.Count > 0 || outputs.Any(o => AggregatePattern().IsMatch(o));
        // As Milvus: only "count(*)" itself (any case, trimmed) is the plain count; "count( * )" aggregates to the same number.
        if (!aggregating || (groupBy.Count == 0 && outputs.Count == 1 && outputs[0].Trim().Equals("count(*)", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var keys = groupBy.Select(name => GroupKey(schema, name)).ToImmutableArray();
        if (keys.Select(k => k.FieldId).Distinct().Count() != keys.Length)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "group_by_fields names a field twice");
        }

        var names = outputs.Count > 0 ? outputs.Select(o => o.Trim()).ToImmutableArray() : [.. groupBy];
        var aggregates = ImmutableArray.CreateBuilder<AggregateColumn>();
        foreach (var name in names)
        {
            if (AggregatePattern().Match(name) is { Success: true } match)
            {
                aggregates.Add(Aggregate(schema, name, match.Groups[1].Value.ToLowerInvariant(), match.Groups[2].Value));
            }
            else if (!groupBy.Contains(name))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"output field '{name}' of an aggregating query must be one of its group_by_fields or an aggregate: count, sum, avg, min or max of a field, or count(*)");
            }
        }

        return new QueryAggregation(keys, aggregates.ToImmutable(), names);
    }

    private static readonly ImmutableHashSet<DataType> GroupKeyTypes =
    [
        DataType.Bool, DataType.Int8, DataType.Int16, DataType.Int32, DataType.Int64, DataType.Float, DataType.Double, DataType.VarChar,
        DataType.Timestamptz,
    ];

    private static FieldSchema GroupKey(CollectionSchema schema, string name)
    {
        var field = schema.FindField(name) ?? throw new MilvusException(ErrorCode.FieldNotFound, $"group by field '{name}' not found in the schema");
        return GroupKeyTypes.Contains(field.DataType)
            ? field
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"cannot group by field '{name}' of type {field.DataType}");
    }

    /// <summary>
    /// The aggregate <paramref name="name"/> of <paramref name="op"/> (count, sum, avg, min or max) over the field
    /// <paramref name="argument"/> (or * for count), refused where the field's type does not take the operator.
    /// </summary>
    public static AggregateColumn Aggregate(CollectionSchema schema, string name, string op, string argument)
    {
        var kind = op switch
        {
            "count" => AggregateOp.Count,
            "sum" => AggregateOp.Sum,
            "avg" => AggregateOp.Avg,
            "min" => AggregateOp.Min,
            _ => AggregateOp.Max,
        };
        if (argument.Length == 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{name} names no field");
        }

        if (argument == "*")
        {
            return kind == AggregateOp.Count
                ? new AggregateColumn(name, kind, null)
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"{op}(*) is not an aggregate: only count takes *");
        }

        var field = schema.FindField(argument) ?? throw new MilvusException(ErrorCode.FieldNotFound, $"field '{argument}' of {name} not found in the schema");
        var supported = kind switch
        {
            AggregateOp.Count => true,
            AggregateOp.Sum or AggregateOp.Avg => field.DataType is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.Float or DataType.Double,
            _ => field.DataType is DataType.Int8 or DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.Float or DataType.Double
                or DataType.VarChar or DataType.Timestamptz,
        };
        return supported
            ? new AggregateColumn(name, kind, field)
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"aggregation operator {op} does not support data type {field.DataType}");
    }

    /// <summary>The aggregation as it travels to the segments: group fields and (operator, field) pairs.</summary>
    public AggregationPlan Plan { get; } = new(
        [.. GroupBy.Select(f => f.FieldId)], [.. Aggregates.Select(a => new AggregateSpec(a.Op, a.Field?.FieldId ?? 0))]);

    /// <summary>
    /// The id output <paramref name="name"/> (as the request wrote it, or differing in case or surrounding spaces) takes
    /// in the keys that order an aggregation's groups (<see cref="Finish"/>).
    /// </summary>
    public long OrderId(string name)
    {
        var index = Outputs.IndexOf(name.Trim());
        index = index >= 0 ? index : Outputs.ToList().FindIndex(o => o.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));
        return index >= 0
            ? OutputId(index)
            : throw new MilvusException(ErrorCode.ParameterInvalid,
                $"an aggregating query is ordered by its group_by_fields or aggregates among its output fields, not by '{name}'");
    }

    /// <summary>
    /// The answer from the merged states of every segment, one column per output in order: a group key keeps its
    /// field's type; count is Int64; sum Int64 (of integers) or Double; avg Double; min and max their field's type.
    /// Groups come ordered by <paramref name="order"/> (keys of <see cref="OrderId"/>, ties in the states' order), then
    /// <paramref name="offset"/> and <paramref name="limit"/> count them.
    /// </summary>
    public IReadOnlyList<(FieldSchema Field, Column Column)> Finish(RowBatch states, int offset = 0, int? limit = null, ImmutableArray<OrderKey> order = default)
    {
        var answer = new List<(FieldSchema Field, Column Column)>(Outputs.Length);
        foreach (var name in Outputs)
        {
            var index = Aggregates.Select(a => a.Name).ToList().IndexOf(name);
            if (index < 0)
            {
                var key = GroupBy.First(f => f.Name == name);
                answer.Add((key, states[key.FieldId]));
                continue;
            }

            var aggregate = Aggregates[index];
            answer.Add((ResultField(aggregate), aggregate.Op switch
            {
                AggregateOp.Count => states[AggregationStates.CountId(index)],
                AggregateOp.Sum => states[AggregationStates.SumId(index)],
                AggregateOp.Avg => Average(states[AggregationStates.SumId(index)], (ScalarColumn<long>)states[AggregationStates.CountId(index)]),
                _ => states[AggregationStates.BestId(index)],
            }));
        }

        var groups = states.RowCount;
        List<int> kept;
        if (order.IsDefaultOrEmpty)
        {
            var first = Math.Min(offset, groups);
            kept = [.. Enumerable.Range(first, Math.Min(groups - first, limit ?? int.MaxValue))];
        }
        else
        {
            var columns = new RowBatch(answer.Select((output, i) => KeyValuePair.Create(OutputId(i), output.Column)).ToImmutableDictionary());
            var compare = RowOrdering.RowComparer(columns, order);
            kept = [.. RowOrdering.First([.. Enumerable.Range(0, groups)], offset + limit, (a, b) => compare(a, b) is var c and not 0 ? c : a.CompareTo(b)).Skip(offset)];
        }

        var rows = kept.ToArray();
        return [.. answer.Select(output => (output.Field, output.Column.Gather(rows)))];
    }

    /// <summary>The column id of the output at <paramref name="index"/> in the keys that order the groups.</summary>
    private static long OutputId(int index) => -1L - index;

    private static ScalarColumn<double> Average(Column sums, ScalarColumn<long> counts)
    {
        var values = new double[counts.Count];
        var valid = new bool[counts.Count];
        for (var g = 0; g < values.Length; g++)
        {
            // The sum is null exactly when no value was counted.
            valid[g] = counts.Values[g] > 0;
            values[g] = !valid[g] ? 0 : (sums is ScalarColumn<long> longs ? longs.Values[g] : ((ScalarColumn<double>)sums).Values[g]) / (double)counts.Values[g];
        }

        return new ScalarColumn<double>(DataType.Double, values, valid);
    }

    private static FieldSchema ResultField(AggregateColumn aggregate) => aggregate switch
    {
        { Op: AggregateOp.Count } => new FieldSchema { FieldId = 0, Name = aggregate.Name, DataType = DataType.Int64 },
        { Op: AggregateOp.Avg } => new FieldSchema { FieldId = 0, Name = aggregate.Name, DataType = DataType.Double, Nullable = true },
        { Op: AggregateOp.Sum, Field.DataType: DataType.Float or DataType.Double } =>
            new FieldSchema { FieldId = 0, Name = aggregate.Name, DataType = DataType.Double, Nullable = true },
        { Op: AggregateOp.Sum } => new FieldSchema { FieldId = 0, Name = aggregate.Name, DataType = DataType.Int64, Nullable = true },
        _ => aggregate.Field! with { FieldId = 0, Name = aggregate.Name, Nullable = true, IsPrimaryKey = false, AutoId = false },
    };
}

/// <summary>One aggregate of an <see cref="AggregationPlan"/>; <see cref="FieldId"/> 0 is count(*).</summary>
public readonly record struct AggregateSpec(AggregateOp Op, long FieldId);

/// <summary>An aggregation pushed to the segments (<see cref="AggregationStates"/>): group key fields and aggregates.</summary>
public sealed record AggregationPlan(ImmutableArray<long> GroupBy, ImmutableArray<AggregateSpec> Aggregates)
{
    /// <summary>The fields whose values the aggregation reads.</summary>
    public ImmutableArray<long> InputFieldIds => [.. GroupBy.Concat(Aggregates.Where(a => a.FieldId != 0).Select(a => a.FieldId)).Distinct()];
}

/// <summary>
/// The partial states of an aggregation, computed where the rows are and merged on their way to the proxy, so only
/// one row per group travels: the group key columns under their field ids and, per aggregate, the rows or values
/// counted, the sum and the min or max so far under ids of their own (<see cref="CountId"/>...). A group's sum, min or
/// max is null while it has seen no value. Without group fields there is always exactly one group.
/// </summary>
public static class AggregationStates
{
    private const long FirstStateId = -1_000_000;

    public static long CountId(int aggregate) => FirstStateId - 3L * aggregate;

    public static long SumId(int aggregate) => FirstStateId - 3L * aggregate - 1;

    public static long BestId(int aggregate) => FirstStateId - 3L * aggregate - 2;

    /// <summary>The states of <paramref name="rows"/> (the plan's input fields of rows read at one place).</summary>
    public static RowBatch Partial(AggregationPlan plan, RowBatch rows) => Partial(plan, rows, out _);

    /// <summary>
    /// <see cref="Partial(AggregationPlan, RowBatch)"/>, also telling the group of each row: groups are numbered in the
    /// order their first row comes, as the states' rows are.
    /// </summary>
    public static RowBatch Partial(AggregationPlan plan, RowBatch rows, out int[] groupOfRow)
    {
        (groupOfRow, var firstRows) = Group(plan, rows);
        var states = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var key in plan.GroupBy)
        {
            states[key] = rows[key].Gather(firstRows);
        }

        for (var i = 0; i < plan.Aggregates.Length; i++)
        {
            var (op, fieldId) = plan.Aggregates[i];
            var values = fieldId == 0 ? null : rows[fieldId];
            states[CountId(i)] = Fold(values is null ? FoldKind.CountRows : FoldKind.CountValues, values, groupOfRow, firstRows.Length);
            if (op is AggregateOp.Sum or AggregateOp.Avg)
            {
                states[SumId(i)] = Fold(FoldKind.Sum, values, groupOfRow, firstRows.Length);
            }
            else if (op is AggregateOp.Min or AggregateOp.Max)
            {
                states[BestId(i)] = Fold(op == AggregateOp.Min ? FoldKind.Min : FoldKind.Max, values, groupOfRow, firstRows.Length);
            }
        }

        return new RowBatch(states.ToImmutable());
    }

    /// <summary>The states of several places as one: groups with equal keys combined. Parts without columns (a shard without segments) are skipped; null when none is left.</summary>
    public static RowBatch? Merge(AggregationPlan plan, IEnumerable<RowBatch> parts)
    {
        var withColumns = parts.Where(p => !p.Columns.IsEmpty).ToList();
        if (withColumns.Count <= 1)
        {
            return withColumns.Count == 0 ? null : withColumns[0];
        }

        var all = RowBatch.Concat(withColumns);
        var (groupOfRow, firstRows) = Group(plan, all);
        var merged = ImmutableDictionary.CreateBuilder<long, Column>();
        foreach (var (id, column) in all.Columns)
        {
            merged[id] = plan.GroupBy.Contains(id)
                ? column.Gather(firstRows)
                : Fold(StateFold(plan, id), column, groupOfRow, firstRows.Length);
        }

        return new RowBatch(merged.ToImmutable());
    }

    /// <summary>How a state column combines across places: counts and sums add up, a min or max is the min or max of them.</summary>
    private static FoldKind StateFold(AggregationPlan plan, long stateId)
    {
        var offset = FirstStateId - stateId;
        return (offset % 3) switch
        {
            0 or 1 => FoldKind.Sum,
            _ => plan.Aggregates[(int)(offset / 3)].Op == AggregateOp.Min ? FoldKind.Min : FoldKind.Max,
        };
    }

    private static (int[] GroupOfRow, int[] FirstRows) Group(AggregationPlan plan, RowBatch rows)
    {
        var rowCount = rows.RowCount;
        var groupOfRow = new int[rowCount];
        if (plan.GroupBy.IsEmpty)
        {
            // One group, also of no rows: a global count answers 0, not nothing. Its key columns are none.
            return (groupOfRow, [0]);
        }

        var firstRows = new List<int>();
        var groups = new Dictionary<int, int>(new RowKeyComparer([.. plan.GroupBy.Select(id => rows[id])]));
        for (var row = 0; row < rowCount; row++)
        {
            if (!groups.TryGetValue(row, out var group))
            {
                group = firstRows.Count;
                groups.Add(row, group);
                firstRows.Add(row);
            }

            groupOfRow[row] = group;
        }

        return (groupOfRow, [.. firstRows]);
    }

    private enum FoldKind
    {
        CountRows,
        CountValues,
        Sum,
        Min,
        Max,
    }

    /// <summary>Values in their natural order; nulls never reach a min or max.</summary>
    private static readonly OrderKey Ascending = new(0, Descending: false, NullsFirst: false);

    private static Column Fold(FoldKind fold, Column? values, int[] groupOfRow, int groupCount)
    {
        var counts = new long[groupCount];
        if (values is null || fold == FoldKind.CountRows)
        {
            foreach (var group in groupOfRow)
            {
                counts[group]++;
            }

            return new ScalarColumn<long>(DataType.Int64, counts);
        }

        var integral = values is ScalarColumn<int> or ScalarColumn<long>;
        var longSums = new long[groupCount];
        var doubleSums = new double[groupCount];
        var best = new int[groupCount];
        for (var row = 0; row < groupOfRow.Length; row++)
        {
            if (values.IsNull(row))
            {
                continue;
            }

            var group = groupOfRow[row];
            switch (fold)
            {
                case FoldKind.Sum when integral:
                    longSums[group] = unchecked(longSums[group] + (values is ScalarColumn<int> ints ? ints.Values[row] : ((ScalarColumn<long>)values).Values[row]));
                    break;
                case FoldKind.Sum:
                    doubleSums[group] += values is ScalarColumn<float> floats ? floats.Values[row] : ((ScalarColumn<double>)values).Values[row];
                    break;
                case FoldKind.Min or FoldKind.Max:
                    if (counts[group] == 0 || RowOrdering.Compare(values, row, values, best[group], Ascending) is var order && (fold == FoldKind.Min ? order < 0 : order > 0))
                    {
                        best[group] = row;
                    }

                    break;
            }

            counts[group]++;
        }

        var valid = Array.ConvertAll(counts, c => c > 0);
        return fold switch
        {
            FoldKind.CountValues => new ScalarColumn<long>(DataType.Int64, counts),
            FoldKind.Sum when integral => new ScalarColumn<long>(DataType.Int64, longSums, valid.Contains(false) ? valid : null),
            FoldKind.Sum => new ScalarColumn<double>(DataType.Double, doubleSums, valid.Contains(false) ? valid : null),
            _ when !valid.Contains(false) => values.Gather(best),
            // A group without a value has no min or max.
            _ => Column.Concat([.. Enumerable.Range(0, groupCount).Select(g => valid[g] ? values.Gather([best[g]]) : NullOf(values))]),
        };
    }

    private static Column NullOf(Column column) => column switch
    {
        ScalarColumn<int> c => new ScalarColumn<int>(c.Type, [0], [false]),
        ScalarColumn<long> c => new ScalarColumn<long>(c.Type, [0], [false]),
        ScalarColumn<float> c => new ScalarColumn<float>(c.Type, [0], [false]),
        ScalarColumn<double> c => new ScalarColumn<double>(c.Type, [0], [false]),
        _ => new StringColumn([""], [false]),
    };

    /// <summary>Rows as dictionary keys by their group-by values, without a key object per row.</summary>
    private sealed class RowKeyComparer(Column[] keys) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b)
        {
            foreach (var key in keys)
            {
                if (key.IsNull(a) != key.IsNull(b) || (!key.IsNull(a) && !SameValue(key, a, b)))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(int row)
        {
            var hash = new HashCode();
            foreach (var key in keys)
            {
                hash.Add(key.IsNull(row) ? 0x5bd1e995 : ValueHash(key, row));
            }

            return hash.ToHashCode();
        }

        private static bool SameValue(Column key, int a, int b) => key switch
        {
            ScalarColumn<bool> c => c.Values[a] == c.Values[b],
            ScalarColumn<int> c => c.Values[a] == c.Values[b],
            ScalarColumn<long> c => c.Values[a] == c.Values[b],
            ScalarColumn<float> c => c.Values[a].Equals(c.Values[b]),
            ScalarColumn<double> c => c.Values[a].Equals(c.Values[b]),
            StringColumn c => string.Equals(c.Values[a], c.Values[b], StringComparison.Ordinal),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"cannot group by values of type {key.Type}"),
        };

        private static int ValueHash(Column key, int row) => key switch
        {
            ScalarColumn<bool> c => c.Values[row].GetHashCode(),
            ScalarColumn<int> c => c.Values[row].GetHashCode(),
            ScalarColumn<long> c => c.Values[row].GetHashCode(),
            ScalarColumn<float> c => c.Values[row].GetHashCode(),
            ScalarColumn<double> c => c.Values[row].GetHashCode(),
            StringColumn c => string.GetHashCode(c.Values[row], StringComparison.Ordinal),
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"cannot group by values of type {key.Type}"),
        };
    }
}
