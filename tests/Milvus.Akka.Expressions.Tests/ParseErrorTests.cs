using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

public class ParseErrorTests
{
    [Theory]
    [InlineData("age >", "expected a value", 5)]
    [InlineData("age > 1 and", "expected a value", 11)]
    [InlineData("(age > 1", "expected ')'", 8)]
    [InlineData("age > 1)", "unexpected ')'", 7)]
    [InlineData("age = 1", "'=' is not an operator, use '=='", 4)]
    [InlineData("name == 'abc", "string literal is not closed", 8)]
    [InlineData("age > 1 # 2", "unexpected character '#'", 8)]
    [InlineData("age in [1, 2", "expected ']' closing the list", 12)]
    [InlineData("age is 1", "expected 'null' after 'is'", 7)]
    [InlineData("age > 99999999999999999999", "out of the Int64 range", 6)]
    [InlineData("age > 1e", "malformed exponent", 6)]
    [InlineData("meta[age] > 1", "expected a string key or an integer index", 5)]
    [InlineData("", "the expression is empty", 0)]
    public void Syntax_errors_name_the_problem_and_its_position(string expression, string problem, int position)
    {
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(expression, TestData.Schema));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.StartsWith($"cannot parse expression \"{expression}\": ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.EndsWith($"at position {position}", error.Message);
    }

    [Theory]
    [InlineData("name > 1", "cannot compare field \"name\" (VarChar) with number 1")]
    [InlineData("age == 'x'", "cannot compare field \"age\" (Int32) with string \"x\"")]
    [InlineData("flag > true", "booleans can only be compared with == and !=")]
    [InlineData("flag == 1", "cannot compare field \"flag\" (Bool) with number 1")]
    [InlineData("age like 'a%'", "'like' applies to VarChar and JSON values")]
    [InlineData("name like 5", "'like' needs a string pattern")]
    [InlineData("name % 2 == 0", "arithmetic needs numbers, but field \"name\" (VarChar) is not a number")]
    [InlineData("age / 0 > 1", "division by zero")]
    [InlineData("age % 0 == 1", "division by zero")]
    [InlineData("nums > 1", "cannot be compared as a whole")]
    [InlineData("nums['a'] > 1", "takes a single integer index")]
    [InlineData("age[0] > 1", "field \"age\" (Int32) cannot be indexed")]
    [InlineData("vec > 1", "field \"vec\" of type FloatVector cannot be used in a filter")]
    [InlineData("vec is null and vec == 1", "field \"vec\" of type FloatVector cannot be used in a filter")]
    [InlineData("vec[0] is null", "field \"vec\" of type FloatVector cannot be used in a filter")]
    [InlineData("age", "field \"age\" (Int32) is not a condition")]
    [InlineData("name", "is not a condition")]
    [InlineData("age in 5", "'in' needs a list of constants")]
    [InlineData("age in [age]", "may hold only constants")]
    [InlineData("city in [1]", "cannot compare field \"city\" (VarChar) with number 1")]
    [InlineData("1 < age > 0", "a chained range takes two operators pointing the same way")]
    [InlineData("1 < age < 5 < 9", "a chained range takes two operators")]
    [InlineData("array_contains(age, 1)", "needs an array field or a JSON value")]
    [InlineData("array_contains(nums, 'x')", "cannot compare nums[0] (Int64) with string \"x\"")]
    [InlineData("json_contains(meta['tags'], ['a'])", "for a list use json_contains_all or json_contains_any")]
    [InlineData("array_contains_any(nums, 1)", "needs a list of constants")]
    [InlineData("array_length(nums)", "array_length(...) is a number, not a condition")]
    [InlineData("array_length(age) > 1", "array_length needs an array field or a JSON value")]
    [InlineData("array_contains(nums, 1) > 1", "is a condition, not a value")]
    [InlineData("frobnicate(age) > 1", "unknown function frobnicate")]
    [InlineData("exists age", "'exists' needs a JSON path")]
    [InlineData("(age > 1) + 1 > 2", "a condition cannot be used as a value")]
    [InlineData("age > [1]", "a list is only allowed after 'in'")]
    [InlineData("{a} > 1", "no value was supplied for template placeholder {a}")]
    public void Semantic_errors_are_parameter_invalid_and_explain(string expression, string problem)
    {
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(expression, TestData.Schema));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"\"{expression}\"", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Unknown_field_is_named_when_the_collection_has_no_dynamic_field()
    {
        var schema = TestData.Schema with { EnableDynamicField = false, Fields = TestData.Schema.Fields.RemoveAt(TestData.Schema.Fields.Length - 1) };

        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse("colour == 'red'", schema));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("field \"colour\" does not exist in collection \"things\"", error.Message);
    }

    [Theory]
    [InlineData("ST_AREA(geo) > 1", "ST_AREA")]
    [InlineData("st_buffer(geo, 5.0)", "ST_BUFFER")]
    [InlineData("RANDOM_SAMPLE(0.1)", "RANDOM_SAMPLE")]
    public void Recognised_but_unsupported_functions_are_rejected_as_not_supported(string expression, string function)
    {
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(expression, TestData.Schema));

        Assert.Equal(ErrorCode.OperationNotSupported, error.Code);
        Assert.Contains($"{function} is not supported", error.Message);
    }
}
