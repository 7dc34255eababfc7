using System.Text.Json;
using Milvus.Akka.Expressions.Syntax;

namespace Milvus.Akka.Expressions.Evaluation;

internal enum ValueKind : byte
{
    /// <summary>A null field value: comparisons with it are unknown (neither true nor false), as in SQL.</summary>
    Null,

    /// <summary>An absent JSON key, a JSON null or an index past an array's end: comparisons with it are false.</summary>
    Missing,
    Bool,
    Int,
    Float,
    String,
    JsonArray,
    JsonObject,
    Array,
}

/// <summary>
/// One row's value on the row-at-a-time path (JSON paths, array elements, mixed comparisons). A struct, so scalar
/// columns are read without boxing; strings and arrays reference the column's own objects.
/// </summary>
internal readonly struct Value
{
    private Value(ValueKind kind, long integer = 0, double number = 0, object? reference = null, JsonElement json = default)
    {
        Kind = kind;
        Integer = integer;
        Number = number;
        Reference = reference;
        Json = json;
    }

    public ValueKind Kind { get; }

    public long Integer { get; }

    public double Number { get; }

    public object? Reference { get; }

    public JsonElement Json { get; }

    public static Value Null => new(ValueKind.Null);

    public static Value Missing => new(ValueKind.Missing);

    public bool IsUnknown => Kind == ValueKind.Null;

    public bool IsNumber => Kind is ValueKind.Int or ValueKind.Float;

    /// <summary>The numeric value as a double (only meaningful when <see cref="IsNumber"/>).</summary>
    public double AsDouble => Kind == ValueKind.Int ? Integer : Number;

    public bool AsBool => Integer != 0;

    public string AsString => (string)Reference!;

    public Array AsArray => (Array)Reference!;

    public static Value FromBool(bool value) => new(ValueKind.Bool, value ? 1 : 0);

    public static Value FromInt(long value) => new(ValueKind.Int, value);

    public static Value FromFloat(double value) => new(ValueKind.Float, number: value);

    public static Value FromString(string value) => new(ValueKind.String, reference: value);

    public static Value FromArray(Array value) => new(ValueKind.Array, reference: value);

    /// <summary>A literal from the parse tree (long, double, bool or string).</summary>
    public static Value FromLiteral(object literal) => literal switch
    {
        long l => FromInt(l),
        double d => FromFloat(d),
        bool b => FromBool(b),
        string s => FromString(s),
        _ => throw new ArgumentException($"unexpected literal {literal.GetType().Name}", nameof(literal)),
    };

    public static Value FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetInt64(out var integer) ? FromInt(integer) : FromFloat(element.GetDouble()),
        JsonValueKind.String => FromString(element.GetString()!),
        JsonValueKind.True => FromBool(true),
        JsonValueKind.False => FromBool(false),
        JsonValueKind.Array => new Value(ValueKind.JsonArray, json: element),
        JsonValueKind.Object => new Value(ValueKind.JsonObject, json: element),
        _ => Missing,
    };

    /// <summary>Element <paramref name="index"/> of a typed array row (bool[], int[], long[], float[], double[] or string[]).</summary>
    public static Value FromArrayElement(Array array, int index) => array switch
    {
        bool[] b => FromBool(b[index]),
        int[] i => FromInt(i[index]),
        long[] l => FromInt(l[index]),
        float[] f => FromFloat(f[index]),
        double[] d => FromFloat(d[index]),
        string[] s => FromString(s[index]),
        _ => throw new ArgumentException($"unexpected array row type {array.GetType().Name}", nameof(array)),
    };

    /// <summary>
    /// Compares by kind: numbers with numbers (exactly when both are integers), strings ordinally, booleans only for
    /// equality. A null operand makes the result unknown. A missing value or a kind mismatch makes every operator
    /// false except <c>!=</c>, which stays the negation of <c>==</c> (Milvus answers <c>j["k"] != 1</c> true when k is absent).
    /// </summary>
    public static bool? Compare(in Value left, CompareOperator op, in Value right)
    {
        if (left.IsUnknown || right.IsUnknown)
        {
            return null;
        }

        int comparison;
        if (left.Kind == ValueKind.Int && right.Kind == ValueKind.Int)
        {
            comparison = left.Integer.CompareTo(right.Integer);
        }
        else if (left.IsNumber && right.IsNumber)
        {
            var (l, r) = (left.AsDouble, right.AsDouble);
            if (double.IsNaN(l) || double.IsNaN(r))
            {
                return op == CompareOperator.NotEqual;
            }

            comparison = l.CompareTo(r);
        }
        else if (left.Kind == ValueKind.String && right.Kind == ValueKind.String)
        {
            comparison = string.CompareOrdinal(left.AsString, right.AsString);
        }
        else if (left.Kind == ValueKind.Bool && right.Kind == ValueKind.Bool && op is CompareOperator.Equal or CompareOperator.NotEqual)
        {
            comparison = left.Integer.CompareTo(right.Integer);
        }
        else
        {
            return op == CompareOperator.NotEqual;
        }

        return op.Holds(comparison);
    }

    /// <summary>Equality as <c>==</c> decides it, for membership tests (<c>in</c>, <c>*_contains*</c>).</summary>
    public static bool AreEqual(in Value left, in Value right) => Compare(left, CompareOperator.Equal, right) == true;
}
