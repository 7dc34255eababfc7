using System.Collections;
using System.Runtime.CompilerServices;

namespace Milvus.Akka.Expressions.Syntax;

/// <summary>
/// Recursive-descent parser of the Milvus filter grammar. Precedence, loosest first:
/// <c>or</c>, <c>and</c>, <c>not</c>, predicates (comparison chains, <c>in</c>, <c>like</c>, <c>is null</c>, <c>exists</c>),
/// <c>+ -</c>, <c>* / %</c>, unary minus, <c>**</c> (right-associative), postfix <c>[key]</c>.
/// Template placeholders <c>{name}</c> are replaced by literals while parsing.
/// Every level of nesting (parentheses, lists, <c>not</c>, signs, each operator of an arithmetic chain, each <c>[key]</c>)
/// counts against <see cref="FilterLimits.MaxDepth"/>, so the tree handed to the binder and the evaluator, which
/// recurse over it, is never deeper than that; flat <c>and</c> / <c>or</c> chains are one level however long.
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private readonly IReadOnlyDictionary<string, object?>? _templateValues;
    private readonly FilterLimits _limits;
    private int _index;
    private int _depth;

    private Parser(string text, IReadOnlyDictionary<string, object?>? templateValues, FilterLimits limits)
    {
        _tokens = new Lexer(text).Tokenize();
        _templateValues = templateValues;
        _limits = limits;
    }

    private Token Current => _tokens[_index];

    public static SyntaxNode Parse(string text, IReadOnlyDictionary<string, object?>? templateValues, FilterLimits limits)
    {
        if (text.Length > limits.MaxLength)
        {
            throw new ExpressionError($"the expression is {text.Length} characters long, more than the limit of {limits.MaxLength} (max filter length)", limits.MaxLength);
        }

        var parser = new Parser(text, templateValues, limits);
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

    /// <summary>The entry of every nested expression: the whole filter, each parenthesis, list item and argument.</summary>
    private SyntaxNode ParseOr()
    {
        Descend(Current.Position);
        var result = ParseChain(LogicalOperator.Or, TokenKind.Or, ParseAnd);
        _depth--;
        return result;
    }

    private SyntaxNode ParseAnd() => ParseChain(LogicalOperator.And, TokenKind.And, ParseNot);

    private SyntaxNode ParseChain(LogicalOperator op, TokenKind separator, Func<SyntaxNode> parseOperand)
    {
        var first = parseOperand();
        if (Current.Kind != separator)
        {
            return first;
        }

        var position = Current.Position;
        var operands = new List<SyntaxNode> { first };
        while (Current.Kind == separator)
        {
            Advance();
            operands.Add(parseOperand());
        }

        return new LogicalSyntax(op, operands, position);
    }

    private SyntaxNode ParseNot()
    {
        if (Current.Kind == TokenKind.Not)
        {
            var position = Advance().Position;
            Descend(position);
            var operand = ParseNot();
            _depth--;
            return new UnarySyntax(UnaryOperator.Not, operand, position);
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

    /// <summary>Each operator of a chain nests the tree one level deeper (<c>a + b + c</c> is <c>(a + b) + c</c>).</summary>
    private SyntaxNode ParseAdditive()
    {
        var depth = _depth;
        var left = ParseMultiplicative();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var token = Advance();
            Descend(token.Position);
            var op = token.Kind == TokenKind.Plus ? BinaryOperator.Add : BinaryOperator.Subtract;
            left = new BinarySyntax(op, left, ParseMultiplicative(), token.Position);
        }

        _depth = depth;
        return left;
    }

    private SyntaxNode ParseMultiplicative()
    {
        var depth = _depth;
        var left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var token = Advance();
            Descend(token.Position);
            var op = token.Kind switch
            {
                TokenKind.Star => BinaryOperator.Multiply,
                TokenKind.Slash => BinaryOperator.Divide,
                _ => BinaryOperator.Modulo,
            };
            left = new BinarySyntax(op, left, ParseUnary(), token.Position);
        }

        _depth = depth;
        return left;
    }

    private SyntaxNode ParseUnary()
    {
        if (Current.Kind is TokenKind.Minus or TokenKind.Plus)
        {
            var token = Advance();
            Descend(token.Position);
            var operand = ParseUnary();
            _depth--;
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
            Descend(position);
            var exponent = ParseUnary();
            _depth--;
            return new BinarySyntax(BinaryOperator.Power, left, exponent, position);
        }

        return left;
    }

    private SyntaxNode ParsePostfix()
    {
        var depth = _depth;
        var target = ParsePrimary();
        while (Current.Kind == TokenKind.LeftBracket)
        {
            var position = Advance().Position;
            Descend(position);
            var key = Current;
            if (key.Kind is not (TokenKind.String or TokenKind.Integer))
            {
                throw new ExpressionError($"expected a string key or an integer index inside [], found {Describe(key)}", key.Position);
            }

            Advance();
            Expect(TokenKind.RightBracket, "']'");
            target = new IndexSyntax(target, key.Value!, position);
        }

        _depth = depth;
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
            case TokenKind.Identifier when (string)token.Value! == "$" && Peek(1).Kind == TokenKind.LeftBracket:
                // $[field]: a field of a struct element, inside element_filter and MATCH_*.
                Advance();
                Advance();
                var element = Current;
                if (element.Kind is not (TokenKind.Identifier or TokenKind.String))
                {
                    throw new ExpressionError($"expected a struct field name inside $[], found {Describe(element)}", element.Position);
                }

                Advance();
                Expect(TokenKind.RightBracket, "']' closing $[");
                return new ElementFieldSyntax((string)element.Value!, token.Position);
            case TokenKind.Identifier when Peek(1).Kind == TokenKind.LeftParen:
                Advance();
                Advance();
                var arguments = Current.Kind == TokenKind.RightParen ? [] : ParseSeparated(TokenKind.RightParen);
                Expect(TokenKind.RightParen, "')' closing the argument list");
                return new CallSyntax((string)token.Value!, arguments, token.Position);
            case TokenKind.Identifier when Peek(1).Kind == TokenKind.String && IsTimeKeyword((string)token.Value!):
                // Milvus's Timestamptz literals: ISO '2025-01-03T00:00:00+08:00' and INTERVAL 'P1DT2H'.
                Advance();
                var text = (string)Advance().Value!;
                return ((string)token.Value!).Equals("ISO", StringComparison.OrdinalIgnoreCase)
                    ? new IsoTimeSyntax(text, token.Position)
                    : new IntervalSyntax(text, token.Position);
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

    private static bool IsTimeKeyword(string word) =>
        word.Equals("ISO", StringComparison.OrdinalIgnoreCase) || word.Equals("INTERVAL", StringComparison.OrdinalIgnoreCase);

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

            if (items.Count == _limits.MaxListItems)
            {
                throw TooManyItems(Current.Position);
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

    private SyntaxNode TemplateLiteral(string key, object? value, int position) => value switch
    {
        null => throw new ExpressionError($"template value {{{key}}} is null", position),
        bool or long or double or string => new LiteralSyntax(value, position),
        int or short or sbyte or byte or ushort or uint => new LiteralSyntax(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture), position),
        float f => new LiteralSyntax((double)f, position),
        decimal d => new LiteralSyntax((double)d, position),
        IEnumerable items => TemplateList(key, items, position),
        _ => throw new ExpressionError($"template value {{{key}}} has unsupported type {value.GetType().Name}", position),
    };

    /// <summary>A list template value nests like a written list, and is held to the same depth and size limits.</summary>
    private ListSyntax TemplateList(string key, IEnumerable items, int position)
    {
        Descend(position);
        var literals = new List<SyntaxNode>();
        foreach (var item in items)
        {
            if (literals.Count == _limits.MaxListItems)
            {
                throw TooManyItems(position);
            }

            literals.Add(TemplateLiteral(key, item, position));
        }

        _depth--;
        return new ListSyntax(literals, position);
    }

    /// <summary>
    /// One level deeper. Past the limit the filter is refused; the stack check is a backstop for a thread whose stack
    /// is smaller than the ceiling assumes (a stack overflow would take the whole process down).
    /// </summary>
    private void Descend(int position)
    {
        if (++_depth > _limits.MaxDepth)
        {
            throw new ExpressionError($"the expression nests more than {_limits.MaxDepth} levels deep (max filter depth: parentheses, lists, "
                + "'not', signs, chained arithmetic operators and [key] each add a level)", position);
        }

        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ExpressionError("the expression nests too deeply for this node's stack", position);
        }
    }

    private ExpressionError TooManyItems(int position) =>
        new($"a list has more than {_limits.MaxListItems} items (max filter list items)", position);

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
