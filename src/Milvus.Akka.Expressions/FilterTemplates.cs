using System.Collections;
using System.Globalization;
using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Syntax;

namespace Milvus.Akka.Expressions;

/// <summary>
/// Milvus's filter templates (expr_template_values): every placeholder <c>{name}</c> of an expression replaced by its
/// value written as a literal, so the expression travels to the shards as plain text and parses there as if typed.
/// </summary>
public static class FilterTemplates
{
    /// <summary>
    /// Values are bools, integers, floating-point numbers, strings, or enumerables of those for lists. Text inside
    /// string literals is left alone. Throws ParameterInvalid naming a placeholder without a value or a value of
    /// another type.
    /// </summary>
    public static string Inline(string expr, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return expr;
        }

        try
        {
            var tokens = new Lexer(expr).Tokenize();
            var result = new StringBuilder(expr.Length);
            var copied = 0;
            for (var i = 0; i + 2 < tokens.Count; i++)
            {
                if (tokens[i].Kind != TokenKind.LeftBrace || tokens[i + 1].Kind != TokenKind.Identifier || tokens[i + 2].Kind != TokenKind.RightBrace)
                {
                    continue;
                }

                var key = (string)tokens[i + 1].Value!;
                if (!values.TryGetValue(key, out var value))
                {
                    throw new ExpressionError($"no value was supplied for template placeholder {{{key}}}", tokens[i].Position);
                }

                result.Append(expr, copied, tokens[i].Position - copied);
                AppendLiteral(result, key, value, tokens[i].Position);
                copied = tokens[i + 2].Position + 1;
                i += 2;
            }

            return result.Append(expr, copied, expr.Length - copied).ToString();
        }
        catch (ExpressionError error)
        {
            throw new MilvusException(error.Code, $"cannot parse expression \"{expr}\": {error.Message} at position {error.Position}", error);
        }
    }

    private static void AppendLiteral(StringBuilder text, string key, object? value, int position)
    {
        switch (value)
        {
            case bool b:
                text.Append(b ? "true" : "false");
                break;
            case string s:
                text.Append('"').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                break;
            case long or int or short or sbyte or byte or ushort or uint:
                text.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                text.Append(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                break;
            case IEnumerable items:
                text.Append('[');
                var first = true;
                foreach (var item in items)
                {
                    text.Append(first ? "" : ", ");
                    first = false;
                    AppendLiteral(text, key, item, position);
                }

                text.Append(']');
                break;
            default:
                throw new ExpressionError($"template value {{{key}}} has unsupported type {value?.GetType().Name ?? "null"}", position);
        }
    }
}
