using Milvus.Akka.Common;

namespace Milvus.Akka.Expressions.Syntax;

/// <summary>
/// A problem with the filter text at a character offset (0-based), raised while parsing or binding;
/// <see cref="FilterExpression.Parse"/> turns it into a <see cref="MilvusException"/> quoting the expression.
/// </summary>
internal sealed class ExpressionError(string problem, int position, ErrorCode code = ErrorCode.ParameterInvalid) : Exception(problem)
{
    public int Position { get; } = position;

    public ErrorCode Code { get; } = code;
}
