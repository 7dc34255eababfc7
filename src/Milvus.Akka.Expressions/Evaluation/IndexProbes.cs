using System.Numerics;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Syntax;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// Answers a predicate from a segment's scalar index when one covers its operand, as the raw matches the column scan
/// would give (the caller still applies validity): null when there is no index, or it cannot answer this probe
/// exactly, and the caller scans. Each probe is translated so the index's answer equals the scan's bit for bit.
/// </summary>
internal static class IndexProbes
{
    /// <summary>Integers a double holds exactly: beyond them a JSON number compared as a double could differ.</summary>
    private const long ExactDoubleLimit = 1L << 53;

    /// <summary>The value's index: on the field itself, or on exactly this JSON path; <paramref name="elements"/> for array_contains*.</summary>
    public static IScalarIndex? IndexOn(EvaluationContext context, ValueNode value, bool elements)
    {
        if (context.Indexes is not { } indexes || value is not FieldNode field)
        {
            return null;
        }

        var path = value is JsonPathNode json ? JsonPaths.Canonical(json.Path) : "";
        var index = indexes.Find(field.Field.FieldId);
        return index is not null && index.RowCount == context.RowCount && index.JsonPath == path && index.Elements == elements
            && (value is not JsonPathNode || path.Length > 0)
            ? index
            : null;
    }

    /// <summary><c>key op constant</c> over an index of <typeparamref name="TKey"/> keys.</summary>
    public static Bitset? Compare<TKey>(IScalarIndex? index, CompareOperator op, TKey key)
    {
        if (index is null)
        {
            return null;
        }

        return op switch
        {
            CompareOperator.Equal => index.Range(KeyRange<TKey>.Exactly(key)),
            CompareOperator.NotEqual => index.Range(KeyRange<TKey>.Exactly(key))?.Not(),
            CompareOperator.Less => index.Range(KeyRange<TKey>.Below(key, inclusive: false)),
            CompareOperator.LessOrEqual => index.Range(KeyRange<TKey>.Below(key, inclusive: true)),
            CompareOperator.Greater => index.Range(KeyRange<TKey>.Above(key, inclusive: false)),
            _ => index.Range(KeyRange<TKey>.Above(key, inclusive: true)),
        };
    }

    /// <summary>A numeric field's constant as the index holds it: integers as Int64, Float and Double widened to double.</summary>
    public static Bitset? CompareNumeric<T>(IScalarIndex? index, CompareOperator op, T constant) where T : unmanaged, INumber<T> =>
        IsFloating<T>()
            ? Compare(index, op, double.CreateTruncating(constant))
            : Compare(index, op, long.CreateTruncating(constant));

    public static Bitset? InNumeric<T>(IScalarIndex? index, IReadOnlyCollection<T> set) where T : unmanaged, INumber<T>
    {
        if (index is null)
        {
            return null;
        }

        if (IsFloating<T>())
        {
            return index.In<double>(set.Select(double.CreateTruncating).ToArray());
        }

        return index.In<long>(set.Select(long.CreateTruncating).ToArray());
    }

    /// <summary>
    /// <c>path op constant</c> on a JSON path index: numbers against a DOUBLE index (integers only while a double holds
    /// them exactly), strings against a VARCHAR one, booleans (== and != only) against a BOOL one. Other kinds scan.
    /// </summary>
    public static Bitset? CompareJson(IScalarIndex? index, CompareOperator op, in Value constant)
    {
        if (index is null)
        {
            return null;
        }

        return constant.Kind switch
        {
            ValueKind.Int or ValueKind.Float when TryExactDouble(constant, out var number) => Compare(index, op, number),
            ValueKind.String => Compare(index, op, constant.AsString),
            ValueKind.Bool when op is CompareOperator.Equal or CompareOperator.NotEqual => Compare(index, op, constant.Integer),
            _ => null,
        };
    }

    /// <summary>
    /// Membership in <paramref name="constants"/> for a JSON path (<paramref name="elementType"/> null) or array elements of
    /// that type: answered when every constant is of the kind the index holds, so no constant could match a row it misses.
    /// </summary>
    public static Bitset? In(IScalarIndex? index, IReadOnlyList<Value> constants, DataType? elementType)
    {
        if (index is null || constants.Count == 0)
        {
            return null;
        }

        if (index.Elements && elementType is { } type)
        {
            // Array fields: elements compare by their own type, so integer elements only with integer constants.
            if (type == DataType.Bool)
            {
                return constants.All(c => c.Kind == ValueKind.Bool) ? index.In<long>(constants.Select(c => c.Integer).ToArray()) : null;
            }

            if (type.IsInteger())
            {
                return constants.All(c => c.Kind == ValueKind.Int) ? index.In<long>(constants.Select(c => c.Integer).ToArray()) : null;
            }
        }

        if (constants.All(c => c.Kind == ValueKind.String))
        {
            return index.In<string>(constants.Select(c => c.AsString).ToArray());
        }

        if (constants.All(c => c.Kind == ValueKind.Bool) && elementType is null)
        {
            return index.In<long>(constants.Select(c => c.Integer).ToArray());
        }

        var numbers = new double[constants.Count];
        for (var i = 0; i < numbers.Length; i++)
        {
            if (!TryExactDouble(constants[i], out numbers[i]))
            {
                return null;
            }
        }

        return index.In<double>(numbers);
    }

    private static bool TryExactDouble(in Value constant, out double number)
    {
        number = constant.AsDouble;
        return constant.Kind switch
        {
            ValueKind.Int => Math.Abs(constant.Integer) <= ExactDoubleLimit,
            ValueKind.Float => true,
            _ => false,
        };
    }

    private static bool IsFloating<T>() => typeof(T) == typeof(float) || typeof(T) == typeof(double);
}
