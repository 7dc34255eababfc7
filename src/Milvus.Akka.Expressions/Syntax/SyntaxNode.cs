namespace Milvus.Akka.Expressions.Syntax;

/// <summary>The untyped parse tree; names and types are resolved later against the schema by the binder.</summary>
internal abstract record SyntaxNode(int Position);

/// <summary>A constant: long, double, bool or string.</summary>
internal sealed record LiteralSyntax(object Value, int Position) : SyntaxNode(Position);

/// <summary><c>ISO '2025-01-03T00:00:00+08:00'</c>: an instant, compared with Timestamptz fields.</summary>
internal sealed record IsoTimeSyntax(string Text, int Position) : SyntaxNode(Position);

/// <summary><c>INTERVAL 'P1DT2H'</c>: an ISO 8601 duration added to or subtracted from a Timestamptz field.</summary>
internal sealed record IntervalSyntax(string Text, int Position) : SyntaxNode(Position);

internal sealed record ListSyntax(IReadOnlyList<SyntaxNode> Items, int Position) : SyntaxNode(Position);

internal sealed record IdentifierSyntax(string Name, int Position) : SyntaxNode(Position);

/// <summary><c>target[key]</c> with a string key (JSON member) or an integer key (array element).</summary>
internal sealed record IndexSyntax(SyntaxNode Target, object Key, int Position) : SyntaxNode(Position);

/// <summary><c>$[name]</c>: a field of the struct element an <c>element_filter</c> or <c>MATCH_*</c> condition tests.</summary>
internal sealed record ElementFieldSyntax(string Name, int Position) : SyntaxNode(Position);

internal sealed record CallSyntax(string Name, IReadOnlyList<SyntaxNode> Arguments, int Position) : SyntaxNode(Position);

internal enum UnaryOperator
{
    Not,
    Negate,
}

internal sealed record UnarySyntax(UnaryOperator Operator, SyntaxNode Operand, int Position) : SyntaxNode(Position);

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Power,
}

internal sealed record BinarySyntax(BinaryOperator Operator, SyntaxNode Left, SyntaxNode Right, int Position) : SyntaxNode(Position);

internal enum LogicalOperator
{
    And,
    Or,
}

/// <summary>
/// A flat chain <c>a and b and c</c> (or <c>or</c>): one node for the whole chain, so that a filter of thousands of
/// <c>or</c>-ed conditions is walked with a loop, not one stack frame per operand.
/// </summary>
internal sealed record LogicalSyntax(LogicalOperator Operator, IReadOnlyList<SyntaxNode> Operands, int Position) : SyntaxNode(Position);

internal enum CompareOperator
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary><c>a op b</c>, or a chained range <c>a op b op c</c> (then <see cref="Operands"/> has three entries).</summary>
internal sealed record CompareSyntax(IReadOnlyList<SyntaxNode> Operands, IReadOnlyList<CompareOperator> Operators, int Position) : SyntaxNode(Position);

internal sealed record InSyntax(SyntaxNode Value, SyntaxNode List, bool Negated, int Position) : SyntaxNode(Position);

internal sealed record LikeSyntax(SyntaxNode Value, SyntaxNode Pattern, int Position) : SyntaxNode(Position);

internal sealed record IsNullSyntax(SyntaxNode Value, bool Negated, int Position) : SyntaxNode(Position);

internal sealed record ExistsSyntax(SyntaxNode Value, int Position) : SyntaxNode(Position);

internal static class CompareOperatorExtensions
{
    /// <summary>The operator that keeps the meaning when the operands swap sides: <c>5 &lt; a</c> is <c>a &gt; 5</c>.</summary>
    public static CompareOperator Mirror(this CompareOperator op) => op switch
    {
        CompareOperator.Greater => CompareOperator.Less,
        CompareOperator.GreaterOrEqual => CompareOperator.LessOrEqual,
        CompareOperator.Less => CompareOperator.Greater,
        CompareOperator.LessOrEqual => CompareOperator.GreaterOrEqual,
        _ => op,
    };

    /// <summary>Whether a three-way comparison result (negative, zero, positive) satisfies the operator.</summary>
    public static bool Holds(this CompareOperator op, int comparison) => op switch
    {
        CompareOperator.Equal => comparison == 0,
        CompareOperator.NotEqual => comparison != 0,
        CompareOperator.Greater => comparison > 0,
        CompareOperator.GreaterOrEqual => comparison >= 0,
        CompareOperator.Less => comparison < 0,
        _ => comparison <= 0,
    };

    public static string Symbol(this CompareOperator op) => op switch
    {
        CompareOperator.Equal => "==",
        CompareOperator.NotEqual => "!=",
        CompareOperator.Greater => ">",
        CompareOperator.GreaterOrEqual => ">=",
        CompareOperator.Less => "<",
        _ => "<=",
    };
}
