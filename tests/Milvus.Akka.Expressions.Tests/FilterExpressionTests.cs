using System.Collections.Immutable;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

public class FilterExpressionTests
{
    private static Bitset Evaluate(string expression, IReadOnlyDictionary<string, object?>? templates = null) =>
        FilterExpression.Parse(expression, TestData.Schema, templates).Evaluate(TestData.Batch);

    private static int[] SetBits(Bitset bits)
    {
        var rows = new List<int>();
        foreach (var row in bits)
        {
            rows.Add(row);
        }

        return [.. rows];
    }

    [Theory]
    [InlineData("age < 10 or age > 90 and name == 'b'", "age < 10 or (age > 90 and name == 'b')")]
    [InlineData("age < 10 and age > 3 or name == 'b'", "(age < 10 and age > 3) or name == 'b'")]
    [InlineData("not age < 10 and name == 'b'", "(not (age < 10)) and name == 'b'")]
    [InlineData("!flag || age > 50 && city == 'rome'", "(not flag) or ((age > 50) and (city == 'rome'))")]
    [InlineData("age + 2 * 3 > 10", "age > 4")]
    [InlineData("age - 10 - 5 > 0", "age > 15")]
    [InlineData("100 / 10 / 5 == age", "age == 2")]
    [InlineData("age > 2 ** 3 ** 2 - 500", "age > 12")]
    [InlineData("age > -2 ** 2 + 10", "age > 6")]
    [InlineData("age % 7 * 2 == 6", "(age % 7) * 2 == 6")]
    public void Precedence_matches_the_explicitly_parenthesised_form(string expression, string parenthesised)
    {
        var expected = SetBits(Evaluate(parenthesised));

        Assert.NotEmpty(expected);
        Assert.Equal(expected, SetBits(Evaluate(expression)));
    }

    [Fact]
    public void Or_binds_looser_than_and_so_grouping_changes_the_result()
    {
        var ungrouped = SetBits(Evaluate("age < 10 or age > 90 and name == 'b'"));
        var grouped = SetBits(Evaluate("(age < 10 or age > 90) and name == 'b'"));

        Assert.NotEqual(ungrouped, grouped);
    }

    [Theory]
    [InlineData("id in [3, 1, 2]", new long[] { 3, 1, 2 })]
    [InlineData("id == 5", new long[] { 5 })]
    [InlineData("7 == id", new long[] { 7 })]
    [InlineData("id == 5 or id in [6, 5] or (id == 9)", new long[] { 5, 6, 9 })]
    [InlineData("id in [-1]", new long[] { -1 })]
    public void Primary_key_lists_are_extracted_from_pk_only_filters(string expression, long[] keys)
    {
        var filter = FilterExpression.Parse(expression, TestData.Schema);

        Assert.Equal(keys.Cast<object>(), filter.TryGetPrimaryKeyList());
    }

    [Theory]
    [InlineData("id in [1, 2] and age > 3")]
    [InlineData("id > 5")]
    [InlineData("id not in [1]")]
    [InlineData("id == 5 or age == 3")]
    [InlineData("id in [1.5]")]
    [InlineData("age in [1, 2]")]
    public void Other_filters_have_no_primary_key_list(string expression) =>
        Assert.Null(FilterExpression.Parse(expression, TestData.Schema).TryGetPrimaryKeyList());

    [Fact]
    public void VarChar_primary_keys_are_returned_as_strings()
    {
        var schema = new CollectionSchema
        {
            Name = "docs",
            Fields = [new FieldSchema { FieldId = 100, Name = "pk", DataType = DataType.VarChar, IsPrimaryKey = true }],
        };

        var filter = FilterExpression.Parse("pk in ['a', \"b\"] || pk == 'c'", schema);

        Assert.Equal(["a", "b", "c"], filter.TryGetPrimaryKeyList());
    }

    private static readonly CollectionSchema Tenants = new()
    {
        Name = "tenants",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "tenant", DataType = DataType.VarChar, IsPartitionKey = true },
            new FieldSchema { FieldId = 102, Name = "n", DataType = DataType.Int64 },
        ],
    };

    [Theory]
    [InlineData("tenant == 'a'", new[] { "a" })]
    [InlineData("tenant in ['b', 'a', 'b']", new[] { "b", "a" })]
    [InlineData("n > 3 and tenant == 'c' and id < 9", new[] { "c" })]
    [InlineData("tenant == 'a' or tenant in ['d']", new[] { "a", "d" })]
    [InlineData("(tenant == 'a' and n > 1) or tenant == 'e'", new[] { "a", "e" })]
    public void Filters_that_pin_the_partition_key_name_its_values(string expression, string[] values) =>
        Assert.Equal(values, FilterExpression.Parse(expression, Tenants).TryGetPartitionKeyValues());

    [Theory]
    [InlineData("n > 3")]
    [InlineData("tenant like 'a%'")]
    [InlineData("tenant != 'a'")]
    [InlineData("tenant not in ['a']")]
    [InlineData("tenant == 'a' or n == 1")]
    [InlineData("not (tenant == 'a')")]
    public void Filters_that_let_any_partition_key_match_pin_none(string expression) =>
        Assert.Null(FilterExpression.Parse(expression, Tenants).TryGetPartitionKeyValues());

    [Fact]
    public void Referenced_fields_are_those_the_filter_reads()
    {
        var filter = FilterExpression.Parse("age > 1 and (meta['a'] == 2 or color == 'red') and array_length(nums) > 0", TestData.Schema);

        Assert.Equal(new HashSet<long> { 101, 107, 108, 112 }, filter.ReferencedFieldIds.ToHashSet());
    }

    [Fact]
    public void Templates_supply_scalars_and_lists()
    {
        var templates = new Dictionary<string, object?>
        {
            ["a"] = 50,
            ["c"] = new[] { "paris", "rome" },
            ["w"] = 1.5f,
            ["ids"] = new List<long> { 1, 2 },
        };

        var templated = SetBits(Evaluate("age > {a} and city in {c} and weight > {w}", templates));
        var literal = SetBits(Evaluate("age > 50 and city in ['paris', 'rome'] and weight > 1.5"));

        Assert.NotEmpty(literal);
        Assert.Equal(literal, templated);
        Assert.Equal([1L, 2L], FilterExpression.Parse("id in {ids}", TestData.Schema, templates).TryGetPrimaryKeyList()!.Cast<long>());
    }

    [Fact]
    public void A_json_column_is_not_parsed_unless_the_filter_reads_it()
    {
        var batch = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(101, new ScalarColumn<int>(DataType.Int32, [1, 2, 3]))
            .Add(107, new JsonColumn([[.. "{\"a\":1}"u8], [.. "not json"u8], [.. "{}"u8]])));

        var untouched = FilterExpression.Parse("age >= 2", TestData.Schema).Evaluate(batch);
        Assert.Equal([1, 2], SetBits(untouched));

        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse("meta['a'] == 1", TestData.Schema).Evaluate(batch));
        Assert.Contains("row 1 of JSON field \"meta\" is not valid JSON", error.Message);
    }

    [Fact]
    public void Empty_dynamic_field_bytes_read_as_an_object_without_keys()
    {
        var batch = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(112, new JsonColumn([[], [.. "{\"color\":\"red\"}"u8]])));

        Assert.Equal([1], SetBits(FilterExpression.Parse("color == 'red'", TestData.Schema).Evaluate(batch)));
        Assert.Equal([0], SetBits(FilterExpression.Parse("not exists color", TestData.Schema).Evaluate(batch)));
    }

    [Fact]
    public void A_parsed_filter_evaluates_batches_of_any_length()
    {
        var filter = FilterExpression.Parse("age % 2 == 0 and id > 0", TestData.Schema);
        var rows = Enumerable.Range(0, 130).ToArray();
        var batch = TestData.Batch.Gather(rows);

        var bits = filter.Evaluate(batch);

        Assert.Equal(130, bits.Length);
        var expected = rows.Where(i => TestData.Rows[i].Age % 2 == 0 && i > 0).ToArray();
        Assert.Equal(expected, SetBits(bits));
    }

    [Fact]
    public void Literals_accept_every_documented_form()
    {
        Assert.Equal(SetBits(Evaluate("age == 16")), SetBits(Evaluate("age == 0x10")));
        Assert.Equal(SetBits(Evaluate("age == 5")), SetBits(Evaluate("age == 0b101")));
        Assert.Equal(SetBits(Evaluate("age == 15")), SetBits(Evaluate("age == 0o17")));
        Assert.Equal(SetBits(Evaluate("age > 50")), SetBits(Evaluate("age > 5e1")));
        Assert.Equal(SetBits(Evaluate("age > 50")), SetBits(Evaluate("age > .5e2")));
        Assert.Equal(SetBits(Evaluate("flag == true")), SetBits(Evaluate("flag == TRUE")));
        Assert.Equal(SetBits(Evaluate("flag == true")), SetBits(Evaluate("flag == True")));
        Assert.Equal(SetBits(Evaluate("name == 'a%b'")), SetBits(Evaluate("name == \"a\\u0025b\"")));
        Assert.NotEmpty(SetBits(Evaluate("name == 'it\\'s' or name == \"apple\"")));
    }
}
