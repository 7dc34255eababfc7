using System.Collections.Immutable;
using System.Globalization;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy;

/// <summary>One operation of a search's function chain (Milvus 3.0's <c>function_chains</c>, L2 rerank stage).</summary>
public abstract record ChainStep;

/// <summary>Computes <see cref="Function"/> for every hit into the column <see cref="Output"/> (a new one, or <c>$score</c>).</summary>
public sealed record MapStep(string Output, ChainFunction Function) : ChainStep;

/// <summary>Orders each query's hits by <see cref="Column"/> (nulls lowest), ties by <see cref="TieBreak"/> ascending.</summary>
public sealed record SortStep(string Column, bool Descending, string? TieBreak) : ChainStep;

/// <summary>Keeps each query's hits [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Limit"/>).</summary>
public sealed record LimitStep(int Limit, int Offset) : ChainStep;

/// <summary>An argument of a chain function: a column (a field, <c>$score</c>, <c>$id</c> or a mapped column) or a number.</summary>
public abstract record ChainArgument;

public sealed record ColumnArgument(string Name) : ChainArgument;

public sealed record NumberArgument(double Value) : ChainArgument;

/// <summary>A function a map step computes from its arguments, one number (or null) per hit.</summary>
public abstract record ChainFunction(ImmutableArray<ChainArgument> Args)
{
    public abstract double? Compute(ReadOnlySpan<double?> args);
}

/// <summary>How num_combine treats a null argument: the result is null, the argument counts as 0, or it is left out.</summary>
public enum NullPolicy { Propagate, AsZero, Skip }

/// <summary>Milvus's num_combine: the product, sum, max, min, average or weighted sum of its arguments.</summary>
public sealed record NumCombine(ImmutableArray<ChainArgument> Args, string Mode, ImmutableArray<double> Weights, NullPolicy Nulls) : ChainFunction(Args)
{
    public override double? Compute(ReadOnlySpan<double?> args)
    {
        double sum = 0, product = 1, max = double.NegativeInfinity, min = double.PositiveInfinity, weighted = 0;
        var counted = 0;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is null && Nulls != NullPolicy.AsZero)
            {
                if (Nulls == NullPolicy.Propagate)
                {
                    return null;
                }

                continue;
            }

            var value = args[i] ?? 0;
            counted++;
            sum += value;
            product *= value;
            max = Math.Max(max, value);
            min = Math.Min(min, value);
            weighted += value * (Weights.IsDefaultOrEmpty ? 1 : Weights[i]);
        }

        return counted == 0 ? null : Mode switch
        {
            "multiply" => product,
            "sum" => sum,
            "max" => max,
            "min" => min,
            "avg" => sum / counted,
            _ => weighted,
        };
    }
}

/// <summary>
/// Milvus's decay function: the factor of <see cref="Curve"/> for the first argument's value; with a second argument
/// (a score), that score times the factor.
/// </summary>
public sealed record DecayFunction(ImmutableArray<ChainArgument> Args, DecayRanker Curve) : ChainFunction(Args)
{
    public override double? Compute(ReadOnlySpan<double?> args) =>
        args[0] is not { } value || (args.Length > 1 && args[1] is null) ? null : Curve.Factor(value) * (args.Length > 1 ? args[1]!.Value : 1);
}

/// <summary>Milvus's round_decimal: the argument rounded half up to <see cref="Decimals"/> places (0 to 6).</summary>
public sealed record RoundDecimal(ImmutableArray<ChainArgument> Args, int Decimals) : ChainFunction(Args)
{
    public override double? Compute(ReadOnlySpan<double?> args)
    {
        var scale = Math.Pow(10, Decimals);
        return args[0] is { } value ? Math.Floor((float)value * scale + 0.5) / scale : null;
    }
}

/// <summary>
/// A search's function chain at Milvus 3.0's L2 rerank stage, bound to a collection: its steps run at the proxy over
/// each query's page of hits, in order. A map step computes a float column from numeric columns (the hits' score
/// <c>$score</c>, their primary key <c>$id</c>, fields of the schema, or columns mapped before); writing
/// <c>$score</c> rescores the hits. Sort and limit steps reorder and cut each query's hits. The schema fields the steps
/// read travel with the hits (<see cref="InputFieldIds"/>).
/// </summary>
public sealed class RerankChain
{
    public const string ScoreColumn = "$score";
    public const string IdColumn = "$id";

    private readonly ImmutableArray<ChainStep> _steps;
    private readonly ImmutableDictionary<string, long> _fields;

    private RerankChain(ImmutableArray<ChainStep> steps, ImmutableDictionary<string, long> fields)
    {
        _steps = steps;
        _fields = fields;
    }

    /// <summary>The schema fields the steps read.</summary>
    public IEnumerable<long> InputFieldIds => _fields.Values;

    /// <summary>
    /// Binds <paramref name="steps"/> to <paramref name="schema"/>: every column a step reads is <c>$score</c>,
    /// <c>$id</c>, a field of the schema or a column an earlier step mapped, and a function's columns hold numbers.
    /// </summary>
    public static RerankChain Bind(CollectionSchema schema, ImmutableArray<ChainStep> steps)
    {
        var mapped = new HashSet<string>(StringComparer.Ordinal) { ScoreColumn };
        var fields = ImmutableDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        void Read(string column, bool numeric)
        {
            if (mapped.Contains(column) || (column == IdColumn && (!numeric || schema.PrimaryKey.DataType == DataType.Int64)))
            {
                return;
            }

            var field = schema.FindField(column) is { StructFieldId: 0 } found && !found.IsDynamic
                ? found
                : throw new MilvusException(ErrorCode.ParameterInvalid,
                    column == IdColumn ? $"function chain column \"{IdColumn}\" is a VarChar primary key, not a number" : $"function chain column \"{column}\" not found");
            var readable = numeric
                ? field.DataType.IsNumeric()
                : field.DataType is DataType.Bool or DataType.VarChar || field.DataType.IsNumeric();
            fields[column] = readable
                ? field.FieldId
                : throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"function chain column \"{column}\" is {field.DataType}: {(numeric ? "functions read numbers" : "sorts compare numbers and strings")}");
        }

        foreach (var step in steps)
        {
            switch (step)
            {
                case MapStep map:
                    foreach (var column in map.Function.Args.OfType<ColumnArgument>())
                    {
                        Read(column.Name, numeric: true);
                    }

                    mapped.Add(map.Output == IdColumn
                        ? throw new MilvusException(ErrorCode.ParameterInvalid, $"function chain map cannot write \"{IdColumn}\"")
                        : map.Output);
                    break;
                case SortStep sort:
                    Read(sort.Column, numeric: false);
                    if (sort.TieBreak is { } tieBreak)
                    {
                        Read(tieBreak, numeric: false);
                    }

                    break;
            }
        }

        return new RerankChain(steps, fields.ToImmutable());
    }

    /// <summary>Runs the steps over each query's hits (with <see cref="InputFieldIds"/> among their fields).</summary>
    public SearchHits Apply(SearchHits hits)
    {
        var count = hits.Scores.Length;
        if (count == 0)
        {
            // Nothing to rescore (and shards without segments answer no field columns).
            return hits;
        }

        var columns = new Dictionary<string, object?[]>(StringComparer.Ordinal)
        {
            [ScoreColumn] = [.. hits.Scores.Select(s => (object?)s)],
            [IdColumn] = [.. Enumerable.Range(0, count).Select(hits.Pks.GetValue)],
        };
        foreach (var (name, fieldId) in _fields)
        {
            var column = hits.Fields![fieldId];
            columns[name] = [.. Enumerable.Range(0, count).Select(column.GetValue)];
        }

        var pages = Enumerable.Range(0, hits.Nq).Select(q => Enumerable.Range(hits.Offsets[q], hits.Count(q)).ToList()).ToArray();
        foreach (var step in _steps)
        {
            switch (step)
            {
                case MapStep map:
                    columns[map.Output] = Map(map.Function, columns, count);
                    break;
                case SortStep sort:
                    var values = columns[sort.Column];
                    var ties = sort.TieBreak is { } tieBreak ? columns[tieBreak] : null;
                    // Stable: rows equal on both columns keep their order.
                    var order = Comparer<int>.Create((a, b) =>
                        (sort.Descending ? -ValueOrder.Compare(values[a], values[b]) : ValueOrder.Compare(values[a], values[b])) is var byColumn and not 0
                            ? byColumn
                            : ties is null ? 0 : ValueOrder.Compare(ties[a], ties[b]));
                    pages = [.. pages.Select(page => page.Order(order).ToList())];
                    break;
                case LimitStep limit:
                    pages = [.. pages.Select(page => page.Skip(limit.Offset).Take(limit.Limit).ToList())];
                    break;
            }
        }

        var bounds = new int[hits.Nq + 1];
        for (var q = 0; q < hits.Nq; q++)
        {
            bounds[q + 1] = bounds[q] + pages[q].Count;
        }

        var picked = pages.SelectMany(page => page).ToArray();
        var scores = columns[ScoreColumn];
        return new SearchHits(hits.Nq, bounds, hits.Pks.Gather(picked), [.. picked.Select(row => scores[row] is { } score ? Convert.ToSingle(score, CultureInfo.InvariantCulture) : float.NaN)],
            hits.Fields?.Gather(picked))
        {
            SearchedRows = hits.SearchedRows,
        };
    }

    /// <summary>A map step's column: the function's value for every hit, as a float (Milvus's columns are Float32).</summary>
    private static object?[] Map(ChainFunction function, Dictionary<string, object?[]> columns, int count)
    {
        var inputs = function.Args.Select(arg => arg is ColumnArgument column ? columns[column.Name] : null).ToArray();
        var args = new double?[inputs.Length];
        var output = new object?[count];
        for (var row = 0; row < count; row++)
        {
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = inputs[i] is { } values
                    ? values[row] is { } value ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : null
                    : ((NumberArgument)function.Args[i]).Value;
            }

            output[row] = function.Compute(args) is { } result ? (float)result : null;
        }

        return output;
    }

}
