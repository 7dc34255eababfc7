using System.Numerics;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Syntax;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>A bound boolean expression, evaluated for a whole batch at once.</summary>
internal abstract class PredicateNode
{
    public abstract Truth Evaluate(EvaluationContext context);

    /// <summary>This predicate as a filter plan carries it (see <c>Formats/filter_plan.proto</c>).</summary>
    public abstract Plan.Predicate ToPlan();

    protected static Plan.Predicate Compare(Plan.CompareEvaluator evaluator, ValueNode left, CompareOperator op, ValueNode right) => new()
    {
        Compare = new Plan.Compare { Evaluator = evaluator, Left = left.ToPlan(), Operator = (Plan.CompareOperator)op, Right = right.ToPlan() },
    };

    /// <summary>The row-at-a-time fallback: one three-valued answer per row, packed into a Truth.</summary>
    protected static Truth PerRow(EvaluationContext context, Func<int, bool?> test)
    {
        var whenTrue = new Bitset(context.RowCount);
        var whenFalse = new Bitset(context.RowCount);
        var anyUnknown = false;
        for (var row = 0; row < context.RowCount; row++)
        {
            switch (test(row))
            {
                case true:
                    whenTrue[row] = true;
                    break;
                case false:
                    whenFalse[row] = true;
                    break;
                default:
                    anyUnknown = true;
                    break;
            }
        }

        return new Truth(whenTrue, anyUnknown ? whenFalse : null);
    }
}

internal sealed class ConstantPredicate(bool value) : PredicateNode
{
    public bool Value { get; } = value;

    public override Truth Evaluate(EvaluationContext context) => new(new Bitset(context.RowCount, Value), null);

    public override Plan.Predicate ToPlan() => new() { Constant = Value };
}

/// <summary>A flat <c>and</c> / <c>or</c> chain, combined in a loop.</summary>
internal sealed class LogicalPredicate(LogicalOperator op, IReadOnlyList<PredicateNode> operands) : PredicateNode
{
    public LogicalOperator Operator => op;

    public IReadOnlyList<PredicateNode> Operands => operands;

    public override Truth Evaluate(EvaluationContext context)
    {
        var result = operands[0].Evaluate(context);
        for (var i = 1; i < operands.Count; i++)
        {
            var next = operands[i].Evaluate(context);
            result = op == LogicalOperator.And ? result.And(next) : result.Or(next);
        }

        return result;
    }

    public override Plan.Predicate ToPlan()
    {
        var logical = new Plan.Logical { Operator = (Plan.LogicalOperator)op };
        logical.Operands.AddRange(operands.Select(operand => operand.ToPlan()));
        return new Plan.Predicate { Logical = logical };
    }
}

internal sealed class NotPredicate(PredicateNode operand) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context) => operand.Evaluate(context).Not();

    public override Plan.Predicate ToPlan() => new() { Not = operand.ToPlan() };
}

/// <summary>A numeric field against a constant of the field's own type: one SIMD pass over the column.</summary>
internal sealed class ColumnConstantCompare<T>(NumericColumnNode<T> column, CompareOperator op, T constant) : PredicateNode
    where T : unmanaged, INumber<T>
{
    public override Truth Evaluate(EvaluationContext context) =>
        Truth.FromMatches(
            IndexProbes.CompareNumeric(IndexProbes.IndexOn(context, column, elements: false), op, constant)
                ?? BitKernels.Compare<T>(column.Values(context), op, constant),
            context.Validity(column.Field));

    public override Plan.Predicate ToPlan() => Compare(Plan.CompareEvaluator.Column, column, op, new ConstantNode(NumericColumnNode<T>.ToValue(constant)));
}

/// <summary>Two numeric fields of the same storage type: one SIMD pass over both columns.</summary>
internal sealed class ColumnColumnCompare<T>(NumericColumnNode<T> left, CompareOperator op, NumericColumnNode<T> right) : PredicateNode
    where T : unmanaged, INumber<T>
{
    public override Truth Evaluate(EvaluationContext context)
    {
        var matches = BitKernels.Compare<T>(left.Values(context), op, right.Values(context));
        var leftValid = context.Validity(left.Field);
        var rightValid = context.Validity(right.Field);
        var valid = leftValid is null ? rightValid : rightValid is null ? leftValid : leftValid.Clone().And(rightValid);
        return Truth.FromMatches(matches, valid);
    }

    public override Plan.Predicate ToPlan() => Compare(Plan.CompareEvaluator.Column, left, op, right);
}

/// <summary>
/// Numeric expressions over fields (arithmetic, mixed types, constants outside the field's type): both sides become
/// Int64 or Double vectors, then one SIMD comparison.
/// </summary>
internal sealed class VectorCompare(ValueNode left, CompareOperator op, ValueNode right) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        Bitset matches;
        Bitset? leftValid = null, rightValid = null;
        if (left.Type == ExprType.Int && right.Type == ExprType.Int)
        {
            matches = right is ConstantNode constant
                ? BitKernels.Compare<long>(left.Int64Vector(context, out leftValid), op, constant.Value.Integer)
                : BitKernels.Compare<long>(left.Int64Vector(context, out leftValid), op, right.Int64Vector(context, out rightValid));
        }
        else
        {
            matches = right is ConstantNode constant
                ? BitKernels.Compare<double>(left.DoubleVector(context, out leftValid), op, constant.Value.AsDouble)
                : BitKernels.Compare<double>(left.DoubleVector(context, out leftValid), op, right.DoubleVector(context, out rightValid));
        }

        var valid = leftValid is null ? rightValid : rightValid is null ? leftValid : leftValid.Clone().And(rightValid);
        return Truth.FromMatches(matches, valid);
    }

    public override Plan.Predicate ToPlan() => Compare(Plan.CompareEvaluator.Vector, left, op, right);
}

/// <summary>A VarChar field against a string constant, ordinal (UTF-16 code unit) order.</summary>
internal sealed class StringColumnCompare(StringColumnNode column, CompareOperator op, string constant) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        if (IndexProbes.Compare(IndexProbes.IndexOn(context, column, elements: false), op, constant) is { } indexed)
        {
            return Truth.FromMatches(indexed, context.Validity(column.Field));
        }

        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        for (var row = 0; row < values.Length; row++)
        {
            if (values[row] is { } value && op.Holds(string.CompareOrdinal(value, constant)))
            {
                matches[row] = true;
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }

    public override Plan.Predicate ToPlan() =>
        Compare(Plan.CompareEvaluator.StringColumn, column, op, new ConstantNode(Value.FromString(constant)));
}

/// <summary>A Bool field used as a condition, or compared with true/false.</summary>
internal sealed class BoolColumnPredicate(BoolColumnNode column, bool expected) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        if (IndexProbes.Compare(IndexProbes.IndexOn(context, column, elements: false), CompareOperator.Equal, expected ? 1L : 0L) is { } indexed)
        {
            return Truth.FromMatches(indexed, context.Validity(column.Field));
        }

        var matches = Bitset.FromBools(context.Column<ScalarColumn<bool>>(column.Field).Values);
        return Truth.FromMatches(expected ? matches : matches.Not(), context.Validity(column.Field));
    }

    public override Plan.Predicate ToPlan() => new() { BoolField = new Plan.BoolField { FieldId = column.Field.FieldId, Expected = expected } };
}

/// <summary>Comparison of any two values one row at a time (JSON paths, array elements, array_length, bool fields...).</summary>
internal sealed class RowCompare(ValueNode left, CompareOperator op, ValueNode right) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        // A JSON path against a constant: a null JSON row is unknown, every other row true or false, as the scan decides.
        if (left is JsonPathNode path && right is ConstantNode constant
            && IndexProbes.CompareJson(IndexProbes.IndexOn(context, path, elements: false), op, constant.Value) is { } indexed)
        {
            return Truth.FromMatches(indexed, context.Validity(path.Field));
        }

        return PerRow(context, row => Value.Compare(left.Get(context, row), op, right.Get(context, row)));
    }

    public override Plan.Predicate ToPlan() => Compare(Plan.CompareEvaluator.Row, left, op, right);
}

/// <summary><c>field in [...]</c> on a numeric field: a hash set of the constants in the field's own type.</summary>
internal sealed class ColumnIn<T>(NumericColumnNode<T> column, HashSet<T> set) : PredicateNode where T : unmanaged, INumber<T>
{
    public override Truth Evaluate(EvaluationContext context)
    {
        if (IndexProbes.InNumeric(IndexProbes.IndexOn(context, column, elements: false), set) is { } indexed)
        {
            return Truth.FromMatches(indexed, context.Validity(column.Field));
        }

        var values = column.Values(context);
        var matches = new Bitset(values.Length);
        var words = BitKernels.WritableWords(matches);
        for (var row = 0; row < values.Length; row++)
        {
            words[row >> 6] |= (ulong)(set.Contains(values[row]) ? 1 : 0) << row;
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }

    public override Plan.Predicate ToPlan() =>
        new() { In = new Plan.In { ByColumn = true, Value = column.ToPlan(), Constants = PlanConstants.ToConstants(set.Select(NumericColumnNode<T>.ToValue)) } };
}

/// <summary><c>x in [...]</c> for VarChar fields, JSON paths, array elements and the rest.</summary>
internal sealed class RowIn(ValueNode value, IReadOnlyList<Value> constants) : PredicateNode
{
    private readonly ValueSet _set = new(constants);

    public override Truth Evaluate(EvaluationContext context)
    {
        if (value is StringColumnNode or JsonPathNode
            && IndexProbes.In(IndexProbes.IndexOn(context, value, elements: false), constants, elementType: null) is { } indexed)
        {
            return Truth.FromMatches(indexed, context.Validity(((FieldNode)value).Field));
        }

        return PerRow(context, row =>
        {
            var v = value.Get(context, row);
            return v.IsUnknown ? null : _set.Contains(v);
        });
    }

    public override Plan.Predicate ToPlan() => new() { In = new Plan.In { Value = value.ToPlan(), Constants = PlanConstants.ToConstants(constants) } };
}

internal sealed class LikePredicate(ValueNode value, LikePattern pattern) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        if (value is StringColumnNode column)
        {
            if (IndexProbes.IndexOn(context, column, elements: false) is { } index
                && (pattern.Exact is { } exact ? index.In<string>([exact]) : pattern.Prefix is { } prefix ? index.Prefix(prefix) : null) is { } indexed)
            {
                return Truth.FromMatches(indexed, context.Validity(column.Field));
            }

            var values = context.Column<StringColumn>(column.Field).Values;
            var matches = new Bitset(values.Length);
            for (var row = 0; row < values.Length; row++)
            {
                matches[row] = values[row] is { } s && pattern.IsMatch(s);
            }

            return Truth.FromMatches(matches, context.Validity(column.Field));
        }

        return PerRow(context, row =>
        {
            var v = value.Get(context, row);
            return v.IsUnknown ? null : v.Kind == ValueKind.String && pattern.IsMatch(v.AsString);
        });
    }

    public override Plan.Predicate ToPlan() => new() { Like = new Plan.Like { Value = value.ToPlan(), Pattern = pattern.Source } };
}

/// <summary>
/// <c>is null</c> / <c>is not null</c>: never unknown. On a field it reads the validity; on a JSON path a missing key
/// or a JSON null also counts as null.
/// </summary>
internal sealed class IsNullPredicate(ValueNode value, bool negated) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        if (value is FieldNode field and not JsonPathNode { Path.Count: > 0 })
        {
            var valid = context.Validity(field.Field);
            var isNull = valid is null ? new Bitset(context.RowCount) : valid.Clone().Not();
            return new Truth(negated ? isNull.Not() : isNull, null);
        }

        return PerRow(context, row => (value.Get(context, row).Kind is ValueKind.Null or ValueKind.Missing) != negated);
    }

    public override Plan.Predicate ToPlan() => new() { IsNull = new Plan.IsNull { Value = value.ToPlan(), Negated = negated } };
}

/// <summary><c>exists j["k"]</c>: the path is present in the row's JSON (unknown when the JSON field itself is null).</summary>
internal sealed class ExistsPredicate(JsonPathNode path) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context) =>
        PerRow(context, row => context.Column<JsonColumn>(path.Field).IsNull(row) ? null : path.Exists(context, row));

    public override Plan.Predicate ToPlan() => new() { Exists = path.ToPlan() };
}

internal enum ContainsMode
{
    /// <summary><c>*_contains(x, v)</c>: some element equals v.</summary>
    One,

    /// <summary><c>*_contains_all(x, [..])</c>: every listed value is an element.</summary>
    All,

    /// <summary><c>*_contains_any(x, [..])</c>: some listed value is an element.</summary>
    Any,
}

/// <summary>
/// <c>array_contains*</c> / <c>json_contains*</c> (synonyms in Milvus) over an array field or a JSON array.
/// A JSON value that is not an array contains nothing; a null row is unknown.
/// </summary>
internal sealed class ContainsPredicate(ValueNode target, ContainsMode mode, IReadOnlyList<Value> values) : PredicateNode
{
    private readonly ValueSet _set = new(values);

    public override Truth Evaluate(EvaluationContext context)
    {
        if (IndexedContains(context) is { } indexed)
        {
            return Truth.FromMatches(indexed, context.Validity(((FieldNode)target).Field));
        }

        return PerRow(context, row => Contains(context, row));
    }

    public override Plan.Predicate ToPlan() =>
        new() { Contains = new Plan.Contains { Target = target.ToPlan(), Mode = (Plan.ContainsMode)mode, Constants = PlanConstants.ToConstants(values) } };

    /// <summary>The rows an element index answers: any listed value (one or any), or every one of them (all).</summary>
    private Bitset? IndexedContains(EvaluationContext context)
    {
        var elementType = target is ArrayColumnNode array ? array.Field.ElementType : (DataType?)null;
        if (target is not (ArrayColumnNode or JsonPathNode { Path.Count: > 0 }) || IndexProbes.IndexOn(context, target, elements: true) is not { } index)
        {
            return null;
        }

        if (mode != ContainsMode.All)
        {
            return IndexProbes.In(index, values, elementType);
        }

        Bitset? result = null;
        foreach (var value in values)
        {
            if (IndexProbes.In(index, [value], elementType) is not { } rows)
            {
                return null;
            }

            result = result is null ? rows : result.And(rows);
        }

        return result;
    }

    private bool? Contains(EvaluationContext context, int row)
    {
        var container = target.Get(context, row);
        if (container.IsUnknown)
        {
            return null;
        }

        return container.Kind switch
        {
            ValueKind.Array => Test(container, container.AsArray.Length),
            ValueKind.JsonArray => Test(container, container.Json.GetArrayLength()),
            _ => false,
        };
    }

    private static Value ElementAt(in Value container, int index) => container.Kind == ValueKind.Array
        ? Value.FromArrayElement(container.AsArray, index)
        : Value.FromJson(container.Json[index]);

    private bool Test(in Value container, int length)
    {
        if (mode == ContainsMode.All)
        {
            foreach (var wanted in values)
            {
                var found = false;
                for (var i = 0; i < length && !found; i++)
                {
                    found = Value.AreEqual(ElementAt(container, i), wanted);
                }

                if (!found)
                {
                    return false;
                }
            }

            return true;
        }

        for (var i = 0; i < length; i++)
        {
            if (_set.Contains(ElementAt(container, i)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Constants for membership tests, hashed by kind; numbers match across Int and Float as <c>==</c> does.</summary>
internal sealed class ValueSet
{
    private readonly HashSet<long> _integers = [];
    private readonly HashSet<double> _numbers = [];
    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<bool> _bools = [];

    public ValueSet(IEnumerable<Value> values)
    {
        foreach (var value in values)
        {
            switch (value.Kind)
            {
                case ValueKind.Int:
                    _integers.Add(value.Integer);
                    _numbers.Add(value.Integer);
                    break;
                case ValueKind.Float:
                    _numbers.Add(value.Number);
                    if (double.IsInteger(value.Number) && Math.Abs(value.Number) < 9e18)
                    {
                        _integers.Add((long)value.Number);
                    }

                    break;
                case ValueKind.String:
                    _strings.Add(value.AsString);
                    break;
                case ValueKind.Bool:
                    _bools.Add(value.AsBool);
                    break;
            }
        }
    }

    public bool Contains(in Value value) => value.Kind switch
    {
        ValueKind.Int => _integers.Contains(value.Integer),
        ValueKind.Float => _numbers.Contains(value.Number),
        ValueKind.String => _strings.Contains(value.AsString),
        ValueKind.Bool => _bools.Contains(value.AsBool),
        _ => false,
    };
}
