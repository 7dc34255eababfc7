using System.Globalization;
using System.Text;

namespace Milvus.Akka.Expressions.Syntax;

internal enum TokenKind
{
    End,
    Identifier,
    Integer,
    Float,
    String,
    And,
    Or,
    Not,
    In,
    Like,
    Is,
    Null,
    True,
    False,
    Exists,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    Comma,
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Power,
}

/// <summary>One token; <see cref="Value"/> holds the decoded literal (long, double or string) or the identifier's name.</summary>
internal readonly record struct Token(TokenKind Kind, int Position, object? Value = null);

/// <summary>Splits a filter into tokens. Keywords are case-insensitive, as Milvus accepts <c>AND</c>, <c>and</c> and <c>And</c>.</summary>
internal sealed class Lexer(string text)
{
    private static readonly Dictionary<string, TokenKind> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["and"] = TokenKind.And,
        ["or"] = TokenKind.Or,
        ["not"] = TokenKind.Not,
        ["in"] = TokenKind.In,
        ["like"] = TokenKind.Like,
        ["is"] = TokenKind.Is,
        ["null"] = TokenKind.Null,
        ["true"] = TokenKind.True,
        ["false"] = TokenKind.False,
        ["exists"] = TokenKind.Exists,
    };

    private int _position;

    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            var token = Next();
            tokens.Add(token);
            if (token.Kind == TokenKind.End)
            {
                return tokens;
            }
        }
    }

    private Token Next()
    {
        while (_position < text.Length && char.IsWhiteSpace(text[_position]))
        {
            _position++;
        }

        if (_position >= text.Length)
        {
            return new Token(TokenKind.End, text.Length);
        }

        var start = _position;
        var c = text[_position];
        if (char.IsAsciiDigit(c) || (c == '.' && _position + 1 < text.Length && char.IsAsciiDigit(text[_position + 1])))
        {
            return Number(start);
        }

        if (char.IsLetter(c) || c is '_' or '$')
        {
            while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] is '_' or '$'))
            {
                _position++;
            }

            var word = text[start.._position];
            return Keywords.TryGetValue(word, out var keyword) ? new Token(keyword, start) : new Token(TokenKind.Identifier, start, word);
        }

        if (c is '"' or '\'')
        {
            return String(start, c);
        }

        _position++;
        return c switch
        {
            '(' => new Token(TokenKind.LeftParen, start),
            ')' => new Token(TokenKind.RightParen, start),
            '[' => new Token(TokenKind.LeftBracket, start),
            ']' => new Token(TokenKind.RightBracket, start),
            '{' => new Token(TokenKind.LeftBrace, start),
            '}' => new Token(TokenKind.RightBrace, start),
            ',' => new Token(TokenKind.Comma, start),
            '+' => new Token(TokenKind.Plus, start),
            '-' => new Token(TokenKind.Minus, start),
            '/' => new Token(TokenKind.Slash, start),
            '%' => new Token(TokenKind.Percent, start),
            '*' => new Token(Follows('*') ? TokenKind.Power : TokenKind.Star, start),
            '>' => new Token(Follows('=') ? TokenKind.GreaterOrEqual : TokenKind.Greater, start),
            '<' => new Token(Follows('=') ? TokenKind.LessOrEqual : TokenKind.Less, start),
            '!' => new Token(Follows('=') ? TokenKind.NotEqual : TokenKind.Not, start),
            '=' when Follows('=') => new Token(TokenKind.Equal, start),
            '=' => throw Error("'=' is not an operator, use '=='", start),
            '&' when Follows('&') => new Token(TokenKind.And, start),
            '|' when Follows('|') => new Token(TokenKind.Or, start),
            _ => throw Error($"unexpected character '{c}'", start),
        };
    }

    private bool Follows(char expected)
    {
        if (_position < text.Length && text[_position] == expected)
        {
            _position++;
            return true;
        }

        return false;
    }

    private Token Number(int start)
    {
        // Milvus' grammar takes C integer forms: 0x1F, 0b101, 0o17, and a leading zero for octal (017).
        if (text[start] == '0' && start + 1 < text.Length && char.ToLowerInvariant(text[start + 1]) is 'x' or 'b' or 'o')
        {
            var radix = char.ToLowerInvariant(text[start + 1]) switch { 'x' => 16, 'b' => 2, _ => 8 };
            _position = start + 2;
            while (_position < text.Length && char.IsAsciiHexDigit(text[_position]))
            {
                _position++;
            }

            return new Token(TokenKind.Integer, start, ParseRadix(text[(start + 2).._position], radix, start));
        }

        var isFloat = false;
        while (_position < text.Length && char.IsAsciiDigit(text[_position]))
        {
            _position++;
        }

        if (_position < text.Length && text[_position] == '.')
        {
            isFloat = true;
            _position++;
            while (_position < text.Length && char.IsAsciiDigit(text[_position]))
            {
                _position++;
            }
        }

        if (_position < text.Length && text[_position] is 'e' or 'E')
        {
            isFloat = true;
            _position++;
            if (_position < text.Length && text[_position] is '+' or '-')
            {
                _position++;
            }

            if (_position >= text.Length || !char.IsAsciiDigit(text[_position]))
            {
                throw Error("malformed exponent in number", start);
            }

            while (_position < text.Length && char.IsAsciiDigit(text[_position]))
            {
                _position++;
            }
        }

        var literal = text[start.._position];
        if (isFloat)
        {
            return new Token(TokenKind.Float, start, double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        if (literal.Length > 1 && literal[0] == '0')
        {
            return new Token(TokenKind.Integer, start, ParseRadix(literal[1..], 8, start));
        }

        return long.TryParse(literal, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? new Token(TokenKind.Integer, start, value)
            : throw Error($"integer {literal} is out of the Int64 range", start);
    }

    private long ParseRadix(string digits, int radix, int start)
    {
        if (digits.Length == 0)
        {
            throw Error("number has no digits", start);
        }

        try
        {
            return Convert.ToInt64(digits, radix);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw Error($"'{digits}' is not a valid base-{radix} integer", start);
        }
    }

    private Token String(int start, char quote)
    {
        var builder = new StringBuilder();
        _position++;
        while (_position < text.Length)
        {
            var c = text[_position++];
            if (c == quote)
            {
                return new Token(TokenKind.String, start, builder.ToString());
            }

            if (c != '\\' || _position >= text.Length)
            {
                builder.Append(c);
                continue;
            }

            var escaped = text[_position++];
            switch (escaped)
            {
                case '"' or '\'' or '\\' or '/':
                    builder.Append(escaped);
                    break;
                case 'n':
                    builder.Append('\n');
                    break;
                case 't':
                    builder.Append('\t');
                    break;
                case 'r':
                    builder.Append('\r');
                    break;
                case 'u' when _position + 4 <= text.Length
                    && int.TryParse(text.AsSpan(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    builder.Append((char)code);
                    _position += 4;
                    break;
                default:
                    // Kept verbatim so that LIKE patterns can escape their wildcards: '\%' and '\_'.
                    builder.Append('\\').Append(escaped);
                    break;
            }
        }

        throw Error("string literal is not closed", start);
    }

    private static ExpressionError Error(string problem, int position) => new(problem, position);
}
