using System.Text.Json;
using System.Text.Unicode;

namespace Milvus.Akka.Common;

/// <summary>
/// The one nesting limit for JSON values (JSON fields and the dynamic field): checked when rows are written, and the
/// same limit parses them when filters read them, so a stored value always parses. System.Text.Json's document and
/// node parsers recurse once per level, so the limit also keeps them far from the end of any stack.
/// </summary>
public static class JsonLimits
{
    /// <summary>As System.Text.Json's own default, and far deeper than any JSON document Milvus users write.</summary>
    public const int MaxDepth = 64;

    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// Why <paramref name="utf8"/> is not an acceptable JSON value (not UTF-8, not JSON, nested too deep, or not an object when
    /// <paramref name="requireObject"/>), or null when it is. Reads with a non-recursive reader, so any input is safe.
    /// </summary>
    public static string? Problem(ReadOnlySpan<byte> utf8, bool requireObject)
    {
        // The reader checks structure only: strings with invalid UTF-8 would pass, then fail whoever reads them.
        if (!Utf8.IsValid(utf8))
        {
            return "is not valid UTF-8";
        }

        // The reader keeps its nesting on a bit stack, not the call stack: it can measure any depth without recursing.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            reader.Read(); // throws on empty input: there is always a first token
            if (requireObject && reader.TokenType != JsonTokenType.StartObject)
            {
                return "is not a JSON object";
            }

            do
            {
                // Depth counts the containers around a token: the 65th nested one is where JsonDocument would stop.
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                {
                    return $"nests deeper than {MaxDepth} levels";
                }
            }
            while (reader.Read());

            return null;
        }
        catch (JsonException e)
        {
            return $"is not valid JSON ({e.Message})";
        }
    }
}
