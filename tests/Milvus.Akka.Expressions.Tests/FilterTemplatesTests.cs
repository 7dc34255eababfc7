using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>Inlined templates must select exactly the rows the parser's own template binding selects.</summary>
public class FilterTemplatesTests
{
    private static readonly Dictionary<string, object?> Values = new()
    {
        ["a"] = 30L,
        ["cities"] = new[] { "paris", "say \"rome\"", "back\\slash" },
        ["w"] = 1.25,
        ["yes"] = true,
        ["ids"] = new List<long> { 1, 2, 5 },
    };

    [Theory]
    [InlineData("age > {a} and city in {cities}")]
    [InlineData("weight < {w} or flag == {yes}")]
    [InlineData("id in {ids} and name != \"{a}\"")]
    [InlineData("not (age <= {a})")]
    public void Inlined_text_selects_the_same_rows_as_bound_templates(string expression)
    {
        var inlined = FilterTemplates.Inline(expression, Values);

        Assert.Equal(
            Rows(FilterExpression.Parse(expression, TestData.Schema, Values)),
            Rows(FilterExpression.Parse(inlined, TestData.Schema)));
    }

    [Fact]
    public void Braces_inside_string_literals_are_not_placeholders()
    {
        Assert.Equal("name == \"{a}\" and age > 30", FilterTemplates.Inline("name == \"{a}\" and age > {a}", Values));
    }

    [Fact]
    public void A_placeholder_without_a_value_is_refused_by_name()
    {
        var error = Assert.Throws<MilvusException>(() => FilterTemplates.Inline("age > {missing}", Values));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("{missing}", error.Message, StringComparison.Ordinal);
    }

    private static int[] Rows(FilterExpression filter)
    {
        var rows = new List<int>();
        foreach (var row in filter.Evaluate(TestData.Batch))
        {
            rows.Add(row);
        }

        return [.. rows];
    }
}
