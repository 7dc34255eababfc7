using System.Numerics;
using System.Numerics.Tensors;
using System.Text.Json;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Syntax;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>The type a value has once names are resolved; JSON values are typed per row.</summary>
internal enum ExprType
{
    Bool,
    Int,
    Float,
    String,
    Json,
    Array,
    Geometry,
    Vector,
}

/// <summary>
/// A bound value: read one row at a time through <see cref="Get"/>, and, when <see cref="IsVector"/>, a whole batch at
/// once as a numeric vector. Vectors returned may be a column's own array: callers never write into them.
/// </summary>
internal abstract class ValueNode
{
    public abstract ExprType Type { get; }

    /// <summary>How error messages name this value, e.g. <c>field "age" (Int64)</c>.</summary>
    public abstract string Description { get; }

    public bool IsNumeric => Type is ExprType.Int or ExprType.Float;

    public virtual bool IsVector => false;

    public abstract Value Get(EvaluationContext context, int row);

    /// <summary>This value as a filter plan carries it (see <c>Formats/filter_plan.proto</c>).</summary>
    public abstract Plan.Operand ToPlan();

    /// <summary>The batch as Int64 values (only when <see cref="IsVector"/> and of type Int); <paramref name="valid"/> is shared, read-only.</summary>
    public virtual long[] Int64Vector(EvaluationContext context, out Bitset? valid) =>
        throw new InvalidOperationException($"{Description} is not a vector");

    /// <summary>The batch as Double values (only when <see cref="IsVector"/>); <paramref name="valid"/> is shared, read-only.</summary>
    public virtual double[] DoubleVector(EvaluationContext context, out Bitset? valid) =>
        throw new InvalidOperationException($"{Description} is not a vector");
}

internal sealed class ConstantNode(Value value) : ValueNode
{
    public Value Value { get; } = value;

    public override ExprType Type => Value.Kind switch
    {
        ValueKind.Bool => ExprType.Bool,
        ValueKind.Int => ExprType.Int,
        ValueKind.Float => ExprType.Float,
        _ => ExprType.String,
    };

    public override string Description => Value.Kind switch
    {
        ValueKind.String => $"string \"{Value.AsString}\"",
        ValueKind.Bool => $"boolean {(Value.AsBool ? "true" : "false")}",
        _ => $"number {(Value.Kind == ValueKind.Int ? Value.Integer : Value.Number)}",
    };

    public override Value Get(EvaluationContext context, int row) => Value;

    public override Plan.Operand ToPlan() => new() { Constant = Value.ToConstant() };
}

/// <summary>A whole field read from the batch.</summary>
internal abstract class FieldNode(FieldSchema field) : ValueNode
{
    public FieldSchema Field { get; } = field;

    public override string Description => Field.IsDynamic ? "the dynamic field" : $"field \"{Field.Name}\" ({Field.DataType})";

    public override Plan.Operand ToPlan() => new() { FieldId = Field.FieldId };

    /// <summary>The node that reads a whole field of this type; null for a type no filter reads (vectors).</summary>
    public static FieldNode? For(FieldSchema field) => field.DataType switch
    {
        DataType.Bool => new BoolColumnNode(field),
        DataType.Int8 or DataType.Int16 or DataType.Int32 => new NumericColumnNode<int>(field),
        DataType.Int64 or DataType.Timestamptz => new NumericColumnNode<long>(field),
        DataType.Float => new NumericColumnNode<float>(field),
        DataType.Double => new NumericColumnNode<double>(field),
        DataType.VarChar or DataType.String => new StringColumnNode(field),
        DataType.Json => new JsonPathNode(field, []),
        DataType.Array => new ArrayColumnNode(field),
        DataType.Geometry => new GeometryColumnNode(field),
        _ => null,
    };
}

/// <summary>The column-at-a-time predicates of a numeric field, reachable without knowing its storage type.</summary>
internal interface INumericColumn
{
    /// <summary>A SIMD comparison with a constant of the field's type or a field of the same storage type; otherwise null.</summary>
    PredicateNode? TryCompare(CompareOperator op, ValueNode other);

    /// <summary>Membership in constants, hashed in the field's own type.</summary>
    PredicateNode In(IEnumerable<Value> constants);
}

/// <summary>A numeric scalar field: int (Int8/16/32), long (Int64), float or double values.</summary>
internal sealed class NumericColumnNode<T>(FieldSchema field) : FieldNode(field), INumericColumn where T : unmanaged, INumber<T>
{
    private static readonly bool IsFloating = typeof(T) == typeof(float) || typeof(T) == typeof(double);

    public override ExprType Type => IsFloating ? ExprType.Float : ExprType.Int;

    public override bool IsVector => true;

    public T[] Values(EvaluationContext context) => context.Column<ScalarColumn<T>>(Field).Values;

    public override Value Get(EvaluationContext context, int row)
    {
        var column = context.Column<ScalarColumn<T>>(Field);
        if (column.IsNull(row))
        {
            return Value.Null;
        }

        return ToValue(column.Values[row]);
    }

    /// <summary>A value of this column's type as a filter value: Float for float and double, Int for the integers.</summary>
    public static Value ToValue(T value) => IsFloating ? Value.FromFloat(double.CreateTruncating(value)) : Value.FromInt(long.CreateTruncating(value));

    public override long[] Int64Vector(EvaluationContext context, out Bitset? valid)
    {
        valid = context.Validity(Field);
        var values = Values(context);
        if (values is long[] same)
        {
            return same;
        }

        var result = new long[values.Length];
        TensorPrimitives.ConvertTruncating<T, long>(values, result);
        return result;
    }

    public override double[] DoubleVector(EvaluationContext context, out Bitset? valid)
    {
        valid = context.Validity(Field);
        var values = Values(context);
        if (values is double[] same)
        {
            return same;
        }

        var result = new double[values.Length];
        TensorPrimitives.ConvertTruncating<T, double>(values, result);
        return result;
    }

    public PredicateNode? TryCompare(CompareOperator op, ValueNode other) => other switch
    {
        ConstantNode constant when TryConvert(constant.Value, out var converted) => new ColumnConstantCompare<T>(this, op, converted),
        NumericColumnNode<T> column => new ColumnColumnCompare<T>(this, op, column),
        _ => null,
    };

    public PredicateNode In(IEnumerable<Value> constants)
    {
        var set = new HashSet<T>();
        foreach (var constant in constants)
        {
            if (TryConvert(constant, out var converted))
            {
                set.Add(converted);
            }
        }

        return new ColumnIn<T>(this, set);
    }

    /// <summary>
    /// The constant in this column's own type, when it converts without changing the comparison's meaning:
    /// integers in range for integer columns, any number for floating columns (a float field compares in float, as in Milvus).
    /// </summary>
    public bool TryConvert(in Value constant, out T converted)
    {
        converted = default;
        if (IsFloating)
        {
            converted = T.CreateTruncating(constant.AsDouble);
            return constant.IsNumber;
        }

        long integer;
        if (constant.Kind == ValueKind.Int)
        {
            integer = constant.Integer;
        }
        else if (constant.Kind == ValueKind.Float && double.IsInteger(constant.Number) && Math.Abs(constant.Number) < 9e18)
        {
            integer = (long)constant.Number;
        }
        else
        {
            return false;
        }

        if (integer < long.CreateTruncating(T.CreateSaturating(long.MinValue)) || integer > long.CreateTruncating(T.CreateSaturating(long.MaxValue)))
        {
            return false;
        }

        converted = T.CreateTruncating(integer);
        return true;
    }
}

internal sealed class BoolColumnNode(FieldSchema field) : FieldNode(field)
{
    public override ExprType Type => ExprType.Bool;

    public override Value Get(EvaluationContext context, int row)
    {
        var column = context.Column<ScalarColumn<bool>>(Field);
        return column.IsNull(row) ? Value.Null : Value.FromBool(column.Values[row]);
    }
}

internal sealed class StringColumnNode(FieldSchema field) : FieldNode(field)
{
    public override ExprType Type => ExprType.String;

    public override Value Get(EvaluationContext context, int row)
    {
        var column = context.Column<StringColumn>(Field);
        return column.IsNull(row) ? Value.Null : Value.FromString(column.Values[row]);
    }
}

/// <summary>
/// A Geometry field: only the ST_* functions and null checks read it, so a row's value is its nullness (anything
/// else is refused when the filter is bound).
/// </summary>
internal sealed class GeometryColumnNode(FieldSchema field) : FieldNode(field)
{
    public override ExprType Type => ExprType.Geometry;

    public override Value Get(EvaluationContext context, int row) =>
        context.Column<GeometryColumn>(Field).IsNull(row) ? Value.Null : throw new InvalidOperationException($"{Description} has no scalar value");
}

/// <summary>
/// A nullable vector field where a filter may name it: only under <c>is null</c> / <c>is not null</c>, which read its
/// validity. It has no value to compare.
/// </summary>
internal sealed class VectorPresenceNode(FieldSchema field) : FieldNode(field)
{
    public override ExprType Type => ExprType.Vector;

    public override Value Get(EvaluationContext context, int row) => throw new InvalidOperationException($"{Description} has no scalar value");
}

internal sealed class ArrayColumnNode(FieldSchema field) : FieldNode(field)
{
    public override ExprType Type => ExprType.Array;

    public override string Description => $"array field \"{Field.Name}\" of {Field.ElementType}";

    public override Value Get(EvaluationContext context, int row)
    {
        var column = context.Column<ArrayColumn>(Field);
        return column.IsNull(row) ? Value.Null : Value.FromArray(column.Values[row]);
    }
}

/// <summary>A JSON field, or a path into it: <c>j["a"]["b"]</c>, <c>j["arr"][0]</c>, or a dynamic key <c>$meta["k"]</c>.</summary>
internal sealed class JsonPathNode(FieldSchema field, IReadOnlyList<object> path) : FieldNode(field)
{
    /// <summary>Member names (string) and array indexes (long), outermost first.</summary>
    public IReadOnlyList<object> Path { get; } = path;

    public override ExprType Type => ExprType.Json;

    public override string Description => Path.Count == 0
        ? base.Description
        : $"{(Field.IsDynamic ? "dynamic key " : $"JSON path {Field.Name}")}{string.Concat(Path.Select(p => p is string s ? $"[\"{s}\"]" : $"[{p}]"))}";

    public override Plan.Operand ToPlan()
    {
        var path = new Plan.JsonPath { FieldId = Field.FieldId };
        path.Steps.AddRange(Path.Select(step => step is string member ? new Plan.PathStep { Member = member } : new Plan.PathStep { Position = (long)step }));
        return new Plan.Operand { JsonPath = path };
    }

    public override Value Get(EvaluationContext context, int row)
    {
        var roots = context.JsonRoots(Field);
        if (roots[row].ValueKind == JsonValueKind.Undefined)
        {
            return Value.Null;
        }

        return JsonPaths.TryNavigate(roots[row], Path, out var element) ? Value.FromJson(element) : Value.Missing;
    }

    /// <summary>Whether the path exists in the row (a JSON null at the path counts as existing); false for null rows.</summary>
    public bool Exists(EvaluationContext context, int row)
    {
        var root = context.JsonRoots(Field)[row];
        return root.ValueKind != JsonValueKind.Undefined && JsonPaths.TryNavigate(root, Path, out _);
    }
}

/// <summary><c>arr[i]</c> on an array field: typed by the element type; past the end the value is missing (comparisons false).</summary>
internal sealed class ArrayElementNode(ArrayColumnNode array, int index) : ValueNode
{
    public ArrayColumnNode Array { get; } = array;

    public override ExprType Type => Array.Field.ElementType switch
    {
        DataType.Bool => ExprType.Bool,
        DataType.Float or DataType.Double => ExprType.Float,
        DataType.VarChar or DataType.String => ExprType.String,
        _ => ExprType.Int,
    };

    public override string Description => $"{Array.Field.Name}[{index}] ({Array.Field.ElementType})";

    public override Plan.Operand ToPlan() => new() { ArrayElement = new Plan.ArrayElement { FieldId = Array.Field.FieldId, Index = index } };

    public override Value Get(EvaluationContext context, int row)
    {
        var value = Array.Get(context, row);
        if (value.Kind != ValueKind.Array)
        {
            return value;
        }

        return index < value.AsArray.Length ? Value.FromArrayElement(value.AsArray, index) : Value.Missing;
    }
}

/// <summary><c>array_length(x)</c> of an array field or a JSON array; missing for JSON values that are not arrays.</summary>
internal sealed class ArrayLengthNode(ValueNode target) : ValueNode
{
    public ValueNode Target { get; } = target;

    public override ExprType Type => ExprType.Int;

    public override string Description => $"array_length({Target.Description})";

    public override Plan.Operand ToPlan() => new() { ArrayLength = Target.ToPlan() };

    public override Value Get(EvaluationContext context, int row)
    {
        var value = Target.Get(context, row);
        return value.Kind switch
        {
            ValueKind.Array => Value.FromInt(value.AsArray.Length),
            ValueKind.JsonArray => Value.FromInt(value.Json.GetArrayLength()),
            ValueKind.Null => Value.Null,
            _ => Value.Missing,
        };
    }
}

internal enum ArithmeticOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Power,
}

/// <summary>
/// Arithmetic over numbers. Integer operands give integer results (truncating division) except for <c>**</c>, which is
/// always floating. An integer division or modulo by zero makes the row's value null, so comparisons on it are unknown.
/// Over numeric fields it runs a column at a time with TensorPrimitives; with JSON operands it runs per row.
/// </summary>
internal sealed class ArithmeticNode(ArithmeticOperator op, ValueNode left, ValueNode right) : ValueNode
{
    public ArithmeticOperator Operator { get; } = op;

    public ValueNode Left { get; } = left;

    public ValueNode Right { get; } = right;

    public override ExprType Type => Left.Type == ExprType.Json || Right.Type == ExprType.Json ? ExprType.Json
        : Left.Type == ExprType.Int && Right.Type == ExprType.Int && Operator != ArithmeticOperator.Power ? ExprType.Int
        : ExprType.Float;

    public override string Description => "an arithmetic expression";

    public override Plan.Operand ToPlan() =>
        new() { Arithmetic = new Plan.Arithmetic { Operator = (Plan.ArithmeticOperator)Operator, Left = Left.ToPlan(), Right = Right.ToPlan() } };

    public override bool IsVector => (Left.IsVector || Left is ConstantNode) && (Right.IsVector || Right is ConstantNode);

    public override Value Get(EvaluationContext context, int row) => Apply(Operator, Left.Get(context, row), Right.Get(context, row));

    /// <summary>One row's arithmetic, also used to fold constants at bind time.</summary>
    public static Value Apply(ArithmeticOperator op, in Value left, in Value right)
    {
        if (left.IsUnknown || right.IsUnknown)
        {
            return Value.Null;
        }

        if (!left.IsNumber || !right.IsNumber)
        {
            return Value.Missing;
        }

        if (left.Kind == ValueKind.Int && right.Kind == ValueKind.Int && op != ArithmeticOperator.Power)
        {
            var (a, b) = (left.Integer, right.Integer);
            return op switch
            {
                ArithmeticOperator.Add => Value.FromInt(unchecked(a + b)),
                ArithmeticOperator.Subtract => Value.FromInt(unchecked(a - b)),
                ArithmeticOperator.Multiply => Value.FromInt(unchecked(a * b)),
                _ when b == 0 => Value.Null,
                ArithmeticOperator.Divide => Value.FromInt(b == -1 ? unchecked(-a) : a / b),
                _ => Value.FromInt(b == -1 ? 0 : a % b),
            };
        }

        var (x, y) = (left.AsDouble, right.AsDouble);
        return Value.FromFloat(op switch
        {
            ArithmeticOperator.Add => x + y,
            ArithmeticOperator.Subtract => x - y,
            ArithmeticOperator.Multiply => x * y,
            ArithmeticOperator.Divide => x / y,
            ArithmeticOperator.Modulo => x % y,
            _ => Math.Pow(x, y),
        });
    }

    public override long[] Int64Vector(EvaluationContext context, out Bitset? valid)
    {
        var result = new long[context.RowCount];
        var a = ReadOperand(Left, context, (node, c) => (node.Int64Vector(c, out var v), v), constant => constant.Integer);
        var b = ReadOperand(Right, context, (node, c) => (node.Int64Vector(c, out var v), v), constant => constant.Integer);
        valid = CombineValidity(a.Valid, b.Valid);
        if (Operator is ArithmeticOperator.Divide or ArithmeticOperator.Modulo)
        {
            valid = DivideIntegers(a, b, result, valid);
        }
        else
        {
            Compute(a, b, result);
        }

        return result;
    }

    public override double[] DoubleVector(EvaluationContext context, out Bitset? valid)
    {
        if (Type == ExprType.Int)
        {
            var integers = Int64Vector(context, out valid);
            var converted = new double[integers.Length];
            TensorPrimitives.ConvertTruncating<long, double>(integers, converted);
            return converted;
        }

        var result = new double[context.RowCount];
        var a = ReadOperand(Left, context, (node, c) => (node.DoubleVector(c, out var v), v), constant => constant.AsDouble);
        var b = ReadOperand(Right, context, (node, c) => (node.DoubleVector(c, out var v), v), constant => constant.AsDouble);
        valid = CombineValidity(a.Valid, b.Valid);
        if (Operator == ArithmeticOperator.Power)
        {
            Power(a, b, result);
        }
        else
        {
            Compute(a, b, result);
        }

        return result;
    }

    private static Operand<T> ReadOperand<T>(ValueNode node, EvaluationContext context,
        Func<ValueNode, EvaluationContext, (T[] Vector, Bitset? Valid)> vector, Func<Value, T> scalar) =>
        node is ConstantNode constant ? new Operand<T>(null, scalar(constant.Value), null) : ToOperand(vector(node, context));

    private static Operand<T> ToOperand<T>((T[] Vector, Bitset? Valid) pair) => new(pair.Vector, default!, pair.Valid);

    private static Bitset? CombineValidity(Bitset? a, Bitset? b) => a is null ? b : b is null ? a : a.Clone().And(b);

    /// <summary>The four basic operators and modulo, one column at a time (never called with two scalars: constants are folded).</summary>
    private void Compute<T>(Operand<T> a, Operand<T> b, Span<T> result) where T : INumber<T>
    {
        switch (Operator, a.Vector, b.Vector)
        {
            case (ArithmeticOperator.Add, { } x, { } y): TensorPrimitives.Add<T>(x, y, result); break;
            case (ArithmeticOperator.Add, { } x, null): TensorPrimitives.Add<T>(x, b.Scalar, result); break;
            case (ArithmeticOperator.Add, null, { } y): TensorPrimitives.Add<T>(y, a.Scalar, result); break;
            case (ArithmeticOperator.Subtract, { } x, { } y): TensorPrimitives.Subtract<T>(x, y, result); break;
            case (ArithmeticOperator.Subtract, { } x, null): TensorPrimitives.Subtract<T>(x, b.Scalar, result); break;
            case (ArithmeticOperator.Subtract, null, { } y): TensorPrimitives.Subtract<T>(a.Scalar, y, result); break;
            case (ArithmeticOperator.Multiply, { } x, { } y): TensorPrimitives.Multiply<T>(x, y, result); break;
            case (ArithmeticOperator.Multiply, { } x, null): TensorPrimitives.Multiply<T>(x, b.Scalar, result); break;
            case (ArithmeticOperator.Multiply, null, { } y): TensorPrimitives.Multiply<T>(y, a.Scalar, result); break;
            case (ArithmeticOperator.Divide, { } x, { } y): TensorPrimitives.Divide<T>(x, y, result); break;
            case (ArithmeticOperator.Divide, { } x, null): TensorPrimitives.Divide<T>(x, b.Scalar, result); break;
            case (ArithmeticOperator.Divide, null, { } y): TensorPrimitives.Divide<T>(a.Scalar, y, result); break;
            case (ArithmeticOperator.Modulo, { } x, { } y): TensorPrimitives.Remainder<T>(x, y, result); break;
            case (ArithmeticOperator.Modulo, { } x, null): TensorPrimitives.Remainder<T>(x, b.Scalar, result); break;
            case (ArithmeticOperator.Modulo, null, { } y): TensorPrimitives.Remainder<T>(a.Scalar, y, result); break;
            default: throw new InvalidOperationException($"{Operator} has no column kernel for these operands");
        }
    }

    private static void Power(Operand<double> a, Operand<double> b, Span<double> result)
    {
        switch (a.Vector, b.Vector)
        {
            case ({ } x, { } y): TensorPrimitives.Pow<double>(x, y, result); break;
            case ({ } x, null): TensorPrimitives.Pow<double>(x, b.Scalar, result); break;
            case (null, { } y): TensorPrimitives.Pow<double>(a.Scalar, y, result); break;
            default: throw new InvalidOperationException("power of two constants is folded at bind time");
        }
    }

    /// <summary>Integer division and modulo: a zero divisor makes the row null instead of throwing.</summary>
    private Bitset? DivideIntegers(Operand<long> a, Operand<long> b, Span<long> result, Bitset? valid)
    {
        var modulo = Operator == ArithmeticOperator.Modulo;
        Bitset? zeroDivisors = null;
        for (var i = 0; i < result.Length; i++)
        {
            var dividend = a.Vector is { } x ? x[i] : a.Scalar;
            var divisor = b.Vector is { } y ? y[i] : b.Scalar;
            if (divisor == 0)
            {
                (zeroDivisors ??= new Bitset(result.Length))[i] = true;
                continue;
            }

            // -1 is special-cased: long.MinValue / -1 overflows and throws.
            result[i] = divisor == -1 ? (modulo ? 0 : unchecked(-dividend)) : modulo ? dividend % divisor : dividend / divisor;
        }

        return zeroDivisors is null ? valid : (valid?.Clone() ?? Bitset.AllSet(result.Length)).AndNot(zeroDivisors);
    }

    private readonly record struct Operand<T>(T[]? Vector, T Scalar, Bitset? Valid);
}

/// <summary>Unary minus.</summary>
internal sealed class NegateNode(ValueNode operand) : ValueNode
{
    public ValueNode Operand { get; } = operand;

    public override ExprType Type => Operand.Type;

    public override string Description => $"-({Operand.Description})";

    public override Plan.Operand ToPlan() => new() { Negate = Operand.ToPlan() };

    public override bool IsVector => Operand.IsVector;

    public override Value Get(EvaluationContext context, int row)
    {
        var value = Operand.Get(context, row);
        return value.Kind switch
        {
            ValueKind.Int => Value.FromInt(unchecked(-value.Integer)),
            ValueKind.Float => Value.FromFloat(-value.Number),
            ValueKind.Null => Value.Null,
            _ => Value.Missing,
        };
    }

    public override long[] Int64Vector(EvaluationContext context, out Bitset? valid)
    {
        var source = Operand.Int64Vector(context, out valid);
        var result = new long[source.Length];
        TensorPrimitives.Negate<long>(source, result);
        return result;
    }

    public override double[] DoubleVector(EvaluationContext context, out Bitset? valid)
    {
        var source = Operand.DoubleVector(context, out valid);
        var result = new double[source.Length];
        TensorPrimitives.Negate<double>(source, result);
        return result;
    }
}
