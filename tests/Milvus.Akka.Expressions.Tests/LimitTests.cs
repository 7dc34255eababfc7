using System.Collections.Immutable;
using System.Text;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// No filter can take a node down: nesting, length and list sizes past the limits are refused with a clear
/// ParameterInvalid, while deep-but-legal filters and long flat and/or chains still evaluate correctly.
/// </summary>
public class LimitTests
{
    private static readonly FilterLimits Small = new(maxLength: 2_000, maxDepth: 20, maxListItems: 50);

    [Theory]
    [InlineData("(", ")")]
    [InlineData("not (", ")")]
    [InlineData("[", "]")]
    public void Hostile_nesting_far_past_the_ceiling_is_refused_not_a_stack_overflow(string open, string close)
    {
        var expression = Repeat(open, 100_000) + "id > 0" + Repeat(close, 100_000);

        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(expression, TestData.Schema));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"nests more than {FilterLimits.DepthCeiling} levels deep", error.Message);
        Assert.True(error.Message.Length < 1_000, "the error quotes only the start of a huge expression");
    }

    [Theory]
    [InlineData("not ", "", "id > 0")]
    [InlineData("-", "", "id > 0")] // - - - id > 0
    [InlineData("", " + 1", "id > 0")] // id + 1 + 1 ... > 0
    [InlineData("", " * 1", "id > 0")]
    [InlineData("", " ** 1", "id > 0")]
    [InlineData("", "[\"a\"]", "meta > 0")] // meta["a"]["a"]...
    public void Every_kind_of_nesting_counts_against_the_depth_limit(string prefix, string suffix, string core)
    {
        // The operand the prefix or suffix repeats on: "- - id > 0" negates id; "id + 1 + 1 > 0" chains on id.
        var (field, rest) = (core[..core.IndexOf(' ')], core[core.IndexOf(' ')..]);
        string Build(int times) => Repeat(prefix, times) + field + Repeat(suffix, times) + rest;

        var refused = Assert.Throws<MilvusException>(() => FilterExpression.Parse(Build(Small.MaxDepth + 1), TestData.Schema, limits: Small));
        Assert.Equal(ErrorCode.ParameterInvalid, refused.Code);
        Assert.Contains($"nests more than {Small.MaxDepth} levels deep", refused.Message);

        var hostile = Assert.Throws<MilvusException>(() => FilterExpression.Parse(Build(200_000), TestData.Schema));
        Assert.Contains($"nests more than {FilterLimits.DepthCeiling} levels deep", hostile.Message);

        // Within the limit the same shape parses (the filter's own top level and the operand take a level or two).
        FilterExpression.Parse(Build(Small.MaxDepth - 2), TestData.Schema, limits: Small);
    }

    [Fact]
    public void Nesting_up_to_the_ceiling_evaluates_correctly_on_a_small_stack()
    {
        // Parentheses and alternating and/or nesting at the ceiling, on a thread with 1 MiB of stack (less than any
        // .NET thread gets by default), must bind and evaluate, not overflow.
        var depth = FilterLimits.DepthCeiling - 2;
        var parenthesised = Repeat("(", depth) + "age > 50" + Repeat(")", depth);
        var alternating = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            alternating.Append(i % 2 == 0 ? $"age != {i} and (" : $"age != {i} or (");
        }

        alternating.Append("age > 50").Append(')', depth);

        Bitset? parenthesisedMatches = null, alternatingMatches = null;
        RunOnStack(1 << 20, () =>
        {
            parenthesisedMatches = FilterExpression.Parse(parenthesised, TestData.Schema).Evaluate(TestData.Batch);
            alternatingMatches = FilterExpression.Parse(alternating.ToString(), TestData.Schema).Evaluate(TestData.Batch);
        });

        AssertMatches(parenthesisedMatches!, row => row.Age > 50);
        AssertMatches(alternatingMatches!, row => AlternatingOracle(row.Age, depth));
    }

    [Fact]
    public void Long_flat_or_and_and_chains_are_one_level_and_evaluate_correctly()
    {
        var evenIds = Enumerable.Range(0, TestData.RowCount * 3).Where(i => i % 2 == 0).ToList();
        var orChain = string.Join(" or ", evenIds.Select(i => $"id == {i}"));
        var andChain = string.Join(" and ", Enumerable.Range(0, 10_000).Select(i => $"age != {100 + i}")) + " and age < 30";

        var or = FilterExpression.Parse(orChain, TestData.Schema, limits: FilterLimits.Default);
        var and = FilterExpression.Parse(andChain, TestData.Schema, limits: FilterLimits.Default);

        AssertMatches(or.Evaluate(TestData.Batch), row => row.Id % 2 == 0);
        Assert.Equal(evenIds.Select(i => (object)(long)i), or.TryGetPrimaryKeyList());
        AssertMatches(and.Evaluate(TestData.Batch), row => row.Age < 30);
    }

    [Fact]
    public void A_filter_longer_than_the_limit_is_refused_naming_the_limit()
    {
        var expression = "name == \"" + new string('x', Small.MaxLength) + "\"";

        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(expression, TestData.Schema, limits: Small));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"is {expression.Length} characters long, more than the limit of {Small.MaxLength}", error.Message);
        Assert.True(error.Message.Length < 1_000, "the error quotes only the start of a huge expression");

        // The same text within the limit: a long string literal is fine.
        var matches = FilterExpression.Parse(expression, TestData.Schema).Evaluate(TestData.Batch);
        AssertMatches(matches, _ => false);
    }

    [Fact]
    public void Lists_longer_than_the_limit_are_refused_and_long_legal_lists_work()
    {
        string InList(int count) => $"id in [{string.Join(", ", Enumerable.Range(0, count))}]";

        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(InList(Small.MaxListItems + 1), TestData.Schema, limits: Small));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"a list has more than {Small.MaxListItems} items", error.Message);

        AssertMatches(FilterExpression.Parse(InList(Small.MaxListItems), TestData.Schema, limits: Small).Evaluate(TestData.Batch),
            row => row.Id < Small.MaxListItems);
        AssertMatches(FilterExpression.Parse(InList(FilterLimits.Default.MaxListItems), TestData.Schema, limits: FilterLimits.Default).Evaluate(TestData.Batch),
            _ => true);

        var contains = $"array_contains_any(nums, [{string.Join(", ", Enumerable.Range(0, Small.MaxListItems + 1))}])";
        error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(contains, TestData.Schema, limits: Small));
        Assert.Contains($"more than {Small.MaxListItems} items", error.Message);
    }

    [Fact]
    public void A_like_pattern_with_thousands_of_wildcards_is_refused_and_a_long_plain_one_works()
    {
        var wild = "name like \"" + Repeat("%_a", 3_000) + "\"";
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(wild, TestData.Schema));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("the 'like' pattern has too many wildcards", error.Message);

        var plain = FilterExpression.Parse("name like \"" + Repeat("ap", 50_000) + "%\"", TestData.Schema);
        AssertMatches(plain.Evaluate(TestData.Batch), _ => false);
        AssertMatches(FilterExpression.Parse("name like \"a_r%t\"", TestData.Schema).Evaluate(TestData.Batch), row => row.Name == "apricot");
    }

    [Fact]
    public void Template_values_are_held_to_the_same_list_and_depth_limits()
    {
        var tooMany = new Dictionary<string, object?> { ["ids"] = Enumerable.Range(0, Small.MaxListItems + 1).ToArray() };
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse("id in {ids}", TestData.Schema, tooMany, Small));
        Assert.Contains($"a list has more than {Small.MaxListItems} items", error.Message);

        object nested = new[] { 1 };
        for (var i = 0; i < 100_000; i++)
        {
            nested = new[] { nested };
        }

        error = Assert.Throws<MilvusException>(() => FilterExpression.Parse("id in {ids}", TestData.Schema, new Dictionary<string, object?> { ["ids"] = nested }));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"nests more than {FilterLimits.DepthCeiling} levels deep", error.Message);

        var legal = new Dictionary<string, object?> { ["ids"] = Enumerable.Range(0, Small.MaxListItems).ToArray() };
        AssertMatches(FilterExpression.Parse("id in {ids}", TestData.Schema, legal, Small).Evaluate(TestData.Batch), row => row.Id < Small.MaxListItems);
    }

    [Fact]
    public void A_stored_json_value_nested_past_the_json_limit_is_an_error_not_a_crash()
    {
        var deep = Encoding.UTF8.GetBytes(Repeat("[", 100_000) + Repeat("]", 100_000));
        var schema = new CollectionSchema
        {
            Name = "deep",
            Fields =
            [
                new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { FieldId = 101, Name = "j", DataType = DataType.Json },
            ],
        };
        var batch = new RowBatch(new Dictionary<long, Column>
        {
            [100] = new ScalarColumn<long>(DataType.Int64, [1]),
            [101] = new JsonColumn([deep]),
        }.ToImmutableDictionary());

        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse("j[0] == 1", schema).Evaluate(batch));

        Assert.Contains("row 0 of JSON field \"j\" is not valid JSON", error.Message);
        Assert.Contains($"{JsonLimits.MaxDepth}", error.Message);
    }

    private static bool AlternatingOracle(int age, int levels)
    {
        // Innermost first: level i is "age != i and (...)" for even i, "age != i or (...)" for odd i.
        var inner = age > 50;
        for (var i = levels - 1; i >= 0; i--)
        {
            inner = i % 2 == 0 ? age != i && inner : age != i || inner;
        }

        return inner;
    }

    private static void AssertMatches(Bitset matches, Func<Row, bool> oracle)
    {
        for (var i = 0; i < TestData.Rows.Count; i++)
        {
            Assert.True(oracle(TestData.Rows[i]) == matches[i], $"row {i} (id {TestData.Rows[i].Id})");
        }
    }

    private static void RunOnStack(int stackBytes, Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, stackBytes);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("the action failed on its thread", failure);
        }
    }

    private static string Repeat(string text, int times) => new StringBuilder(text.Length * times).Insert(0, text, times).ToString();
}
