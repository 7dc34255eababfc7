using System.Collections;

namespace Milvus.Akka.Expressions.Syntax;

/// <summary>
/// Recursive-descent parser of the Milvus filter grammar. Precedence, loosest first:
/// <c>or</c>, <c>and</c>, <c>not</c>, predicates (comparison chains, <c>in</c>, <c>like</c>, <c>is null</c>, <c>exists</c>),
/// <c>+ -</c>, <c>* / %</c>, unary minus, <c>**</c> (right-associative), postfix <c>[key]</c>.
/// Template placeholders <c>{name}</c> are replaced by literals while parsing.
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private readonly IReadOnlyDictionary<string, object?>? _templateValues;
    private int _index;

    private Parser(string text, IReadOnlyDictionary<string, object?>? templateValues)
    {
        _tokens = new Lexer(text).Tokenize();
        _templateValues = templateValues;
    }

    private Token Current => _tokens[_index];

    public static SyntaxNode Parse(string text, IReadOnlyDictionary<string, object?>? templateValues)
    {
        var parser = new Parser(text, templateValues);
        if (parser.Current.Kind == TokenKind.End)
        {
            throw new ExpressionError("the expression is empty", 0);
        }

        var root = parser.ParseOr();
        if (parser.Current.Kind != TokenKind.End)
        {
            throw new ExpressionError($"unexpected {Describe(parser.Current)}", parser.Current.Position);
        }

        return root;
    }

    private SyntaxNode ParseOr()
    {
        var left = ParseAnd();
        while (Current.Kind == TokenKind.Or)
        {
            var position = Advance().Position;
            left = new BinarySyntax(BinaryOperator.Or, left, ParseAnd(), position);
        }

        return left;
    }

    private SyntaxNode ParseAnd()
    {
        var left = ParseNot();
        while (Current.Kind == TokenKind.And)
        {
            var position = Advance().Position;
            left = new BinarySyntax(BinaryOperator.And, left, ParseNot(), position);
        }

        return left;
    }

    private SyntaxNode ParseNot()
    {
        if (Current.Kind == TokenKind.Not)
        {
            var position = Advance().Position;
            return new UnarySyntax(UnaryOperator.Not, ParseNot(), position);
        }

        return ParsePredicate();
    }

    private SyntaxNode ParsePredicate()
    {
        if (Current.Kind == TokenKind.Exists)
        {
            var position = Advance().Position;
            return new ExistsSyntax(ParsePostfix(), position);
        }

        var value = ParseAdditive();
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Equal or TokenKind.NotEqual or TokenKind.Greater or TokenKind.GreaterOrEqual or TokenKind.Less or TokenKind.LessOrEqual:
                var operands = new List<SyntaxNode> { value };
                var operators = new List<CompareOperator>();
                while (TryCompareOperator(Current.Kind, out var op))
                {
                    Advance();
                    operators.Add(op);
                    operands.Add(ParseAdditive());
                }

                return new CompareSyntax(operands, operators, token.Position);
            case TokenKind.In:
                Advance();
                return new InSyntax(value, ParseAdditive(), Negated: false, token.Position);
            case TokenKind.Not when Peek(1).Kind == TokenKind.In:
                Advance();
                Advance();
                return new InSyntax(value, ParseAdditive(), Negated: true, token.Position);
            case TokenKind.Like:
                Advance();
                return new LikeSyntax(value, ParseAdditive(), token.Position);
            case TokenKind.Is:
                Advance();
                var negated = Current.Kind == TokenKind.Not;
                if (negated)
                {
                    Advance();
                }

                Expect(TokenKind.Null, "'null' after 'is'");
                return new IsNullSyntax(value, negated, token.Position);
            default:
                return value;
        }
    }

    private SyntaxNode ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var token = Advance();
            var op = token.Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract;
            left = new BinarySyntax(op, left, ParseMultiplicative(), token.Position);
        }

        return left;
    }

    private SyntaxNode ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var token = Advance();
            var op = token.Kind switch
            {
                TokenKind.Star => BinaryOperator.Multiply,
                TokenKind.Slash => BinaryOperator.Divide,
                _ => BinaryOperator.Modulo,
            };
            left = new BinarySyntax(op, left, ParseUnary(), token.Position);
        }

        return left;
    }

    private SyntaxNode ParseUnary()
    {
        if (Current.Kind is TokenKind.Minus or TokenKind.Plus)
        {
            var token = Advance();
            var operand = ParseUnary();
            return token.Kind == TokenKind.Plus ? operand : new UnarySyntax(UnaryOperator.Negate, operand, token.Position);
        }

        return ParsePower();
    }

    private SyntaxNode ParsePower()
    {
        var left = ParsePostfix();
        if (Current.Kind == TokenKind.Power)
        {
            var position = Advance().Position;
            return new BinarySyntax(BinaryOperator.Power, left, ParseUnary(), position);
        }

        return left;
    }

    private SyntaxNode ParsePostfix()
    {
        var target = ParsePrimary();
        while (Current.Kind == TokenKind.LeftBracket)
        {
            var position = Advance().Position;
            var key = Current;
            if (key.Kind is not (TokenKind.String or TokenKind.Integer))
            {
                throw new ExpressionError($"expected a string key or an integer index inside [], found {Describe(key)}", key.Position);
            }

            Advance();
            Expect(TokenKind.RightBracket, "']'");
            target = new IndexSyntax(target, key.Value!, position);
        }

        return target;
    }

    private SyntaxNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Integer or TokenKind.Float or TokenKind.String:
                Advance();
                return new LiteralSyntax(token.Value!, token.Position);
            case TokenKind.True or TokenKind.False:
                Advance();
                return new LiteralSyntax(token.Kind == TokenKind.True, token.Position);
            case TokenKind.Identifier when Peek(1).Kind == TokenKind.LeftParen:
                Advance();
                Advance();
                var arguments = Current.Kind == TokenKind.RightParen ? [] : ParseSeparated(TokenKind.RightParen);
                Expect(TokenKind.RightParen, "')' closing the argument list");
                return new CallSyntax((string)token.Value!, arguments, token.Position);
            case TokenKind.Identifier:
                Advance();
                return new IdentifierSyntax((string)token.Value!, token.Position);
            case TokenKind.LeftParen:
                Advance();
                var inner = ParseOr();
                Expect(TokenKind.RightParen, "')'");
                return inner;
            case TokenKind.LeftBracket:
                Advance();
                var items = Current.Kind == TokenKind.RightBracket ? [] : ParseSeparated(TokenKind.RightBracket);
                Expect(TokenKind.RightBracket, "']' closing the list");
                return new ListSyntax(items, token.Position);
            case TokenKind.LeftBrace:
                return ParseTemplate();
            default:
                throw new ExpressionError($"expected a value, found {Describe(token)}", token.Position);
        }
    }

    private List<SyntaxNode> ParseSeparated(TokenKind closing)
    {
        var items = new List<SyntaxNode> { ParseOr() };
        while (Current.Kind == TokenKind.Comma)
        {
            Advance();
            if (Current.Kind == closing)
            {
                break; // a trailing comma, as in Python lists
            }

            items.Add(ParseOr());
        }

        return items;
    }

    private SyntaxNode ParseTemplate()
    {
        var position = Advance().Position;
        var name = Current;
        if (name.Kind != TokenKind.Identifier)
        {
            throw new ExpressionError($"expected a template name after '{{', found {Describe(name)}", name.Position);
        }

        Advance();
        Expect(TokenKind.RightBrace, "'}' closing the template placeholder");
        var key = (string)name.Value!;
        if (_templateValues is null || !_templateValues.TryGetValue(key, out var value))
        {
            throw new ExpressionError($"no value was supplied for template placeholder {{{key}}}", position);
        }

        return TemplateLiteral(key, value, position);
    }

    private static SyntaxNode TemplateLiteral(string key, object? value, int position) => value switch
    {
        null => throw new ExpressionError($"template value {{{key}}} is null", position),
        bool or long or double or string => new LiteralSyntax(value, position),
        int or short or sbyte or byte or ushort or uint => new LiteralSyntax(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), position),
        float f => new LiteralSyntax((double)f, position),
        decimal d => new LiteralSyntax((double)d, position),
        IEnumerable items => new ListSyntax(items.Cast<object?>().Select(item => TemplateLiteral(key, item, position)).ToList(), position),
        _ => throw new ExpressionError($"template value {{{key}}} has unsupported type {value.GetType().Name}", position),
    };

    private Token Advance() => _tokens[_index++];

    private Token Peek(int offset) => _tokens[Math.Min(_index + offset, _tokens.Count - 1)];

    private void Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw new ExpressionError($"expected {what}, found {Describe(Current)}", Current.Position);
        }

        Advance();
    }

    private static bool TryCompareOperator(TokenKind kind, out CompareOperator op)
    {
        op = kind switch
        {
            TokenKind.Equal => CompareOperator.Equal,
            TokenKind.NotEqual => CompareOperator.NotEqual,
            TokenKind.Greater => CompareOperator.Greater,
            TokenKind.GreaterOrEqual => CompareOperator.GreaterOrEqual,
            TokenKind.Less => CompareOperator.Less,
            _ => CompareOperator.LessOrEqual,
        };
        return kind is TokenKind.Equal or TokenKind.NotEqual or TokenKind.Greater or TokenKind.GreaterOrEqual or TokenKind.Less or TokenKind.LessOrEqual;
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the expression",
        TokenKind.Identifier => $"name '{token.Value}'",
        TokenKind.Integer or TokenKind.Float => $"number {token.Value}",
        TokenKind.String => $"string \"{token.Value}\"",
        _ => $"'{Symbol(token.Kind)}'",
    };

    private static string Symbol(TokenKind kind) => kind switch
    {
        TokenKind.LeftParen => "(",
        TokenKind.RightParen => ")",
        TokenKind.LeftBracket => "[",
        TokenKind.RightBracket => "]",
        TokenKind.LeftBrace => "{",
        TokenKind.RightBrace => "}",
        TokenKind.Comma => ",",
        TokenKind.Equal => "==",
        TokenKind.NotEqual => "!=",
        TokenKind.Greater => ">",
        TokenKind.GreaterOrEqual => ">=",
        TokenKind.Less => "<",
        TokenKind.LessOrEqual => "<=",
        TokenKind.Plus => "+",
        TokenKind.Minus => "-",
        TokenKind.Star => "*",
        TokenKind.Slash => "/",
        TokenKind.Percent => "%",
        TokenKind.Power => "**",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
