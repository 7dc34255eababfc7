using System.Text;
using System.Text.Json;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Common.Tests;

public class JsonLimitsTests
{
    private static byte[] Nested(int depth, string open = "[", string close = "]", string core = "1") =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(open, depth)) + core + string.Concat(Enumerable.Repeat(close, depth)));

    [Fact]
    public void The_limit_is_exactly_where_the_parser_that_reads_stored_values_stops()
    {
        var deepest = Nested(JsonLimits.MaxDepth);
        var tooDeep = Nested(JsonLimits.MaxDepth + 1);

        Assert.Null(JsonLimits.Problem(deepest, requireObject: false));
        using (JsonDocument.Parse(deepest, JsonLimits.DocumentOptions))
        {
        }

        Assert.Equal($"nests deeper than {JsonLimits.MaxDepth} levels", JsonLimits.Problem(tooDeep, requireObject: false));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(tooDeep, JsonLimits.DocumentOptions));
    }

    [Fact]
    public void Hostile_depth_is_measured_without_recursion()
    {
        Assert.Equal($"nests deeper than {JsonLimits.MaxDepth} levels", JsonLimits.Problem(Nested(1_000_000), requireObject: false));
        Assert.Equal($"nests deeper than {JsonLimits.MaxDepth} levels",
            JsonLimits.Problem(Nested(1_000_000, "{\"a\":", "}"), requireObject: true));
    }

    [Theory]
    [InlineData("", "is not valid JSON")]
    [InlineData("{\"a\":", "is not valid JSON")]
    [InlineData("{} {}", "is not valid JSON")]
    [InlineData("[1]", "is not a JSON object")]
    [InlineData("\"text\"", "is not a JSON object")]
    public void Malformed_values_and_non_objects_where_an_object_is_required_are_named(string json, string problem)
    {
        Assert.StartsWith(problem, JsonLimits.Problem(Encoding.UTF8.GetBytes(json), requireObject: true));
    }

    [Fact]
    public void Invalid_utf8_inside_a_string_is_refused()
    {
        Assert.Equal("is not valid UTF-8", JsonLimits.Problem([(byte)'"', 0xC3, 0x28, (byte)'"'], requireObject: false));
        Assert.Null(JsonLimits.Problem("{\"k\": [1, {\"x\": null}]}"u8, requireObject: true));
    }
}
