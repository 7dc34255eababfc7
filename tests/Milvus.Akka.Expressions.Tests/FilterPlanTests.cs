using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Syntax;
using Milvus.Akka.Spatial;
using Xunit;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// The bound filter as plans carry it between nodes. That every evaluator survives the trip is checked where the
/// evaluators are (EvaluationTests, SpatialFilterTests and TextMatchTests evaluate each filter rebuilt from its plan too).
/// </summary>
public sealed class FilterPlanTests
{
    public static TheoryData<Type, Type> Enums => new()
    {
        { typeof(CompareOperator), typeof(Plan.CompareOperator) },
        { typeof(LogicalOperator), typeof(Plan.LogicalOperator) },
        { typeof(Evaluation.ArithmeticOperator), typeof(Plan.ArithmeticOperator) },
        { typeof(Evaluation.ContainsMode), typeof(Plan.ContainsMode) },
        { typeof(SpatialOperator), typeof(Plan.SpatialOperator) },
        { typeof(Evaluation.ElementMatchMode), typeof(Plan.ElementMatchMode) },
    };

    [Theory]
    [MemberData(nameof(Enums))]
    public void The_plan_numbers_operators_as_the_engine_does(Type engine, Type plan)
    {
        // Operators cross as numbers: each engine member must be the plan member of the same name and number.
        Assert.Equal(Enum.GetNames(engine), Enum.GetNames(plan));
        Assert.Equal(Enum.GetValues(engine).Cast<object>().Select(Convert.ToInt32), Enum.GetValues(plan).Cast<object>().Select(Convert.ToInt32));
    }

    [Fact]
    public void A_filter_nested_to_the_depth_ceiling_crosses_in_a_plan()
    {
        // Alternating and / or in parentheses: each level a logical node with a comparison and the next level.
        var depth = FilterLimits.DepthCeiling - 2;
        var filter = string.Concat(Enumerable.Range(0, depth).Select(i => $"(age > {i} {(i % 2 == 0 ? "or" : "and")} ")) + "age < 0" + new string(')', depth);
        var parsed = FilterExpression.Parse(filter, TestData.Schema);

        var rebuilt = TestData.ThroughPlan(parsed, TestData.Schema);

        Assert.Equal(parsed.Evaluate(TestData.Batch).Words.ToArray(), rebuilt.Evaluate(TestData.Batch).Words.ToArray());
    }

    [Fact]
    public void A_received_plan_is_rebuilt_once_per_schema()
    {
        var received = FilterPlan.FromEncoded(FilterPlan.Of(FilterExpression.Parse("age > 1", TestData.Schema)).Encoded);
        var widened = TestData.Schema with { Fields = [.. TestData.Schema.Fields, new FieldSchema { FieldId = 999, Name = "extra", DataType = DataType.Int64 }] };

        var first = received.For(TestData.Schema);

        Assert.Same(first, received.For(TestData.Schema));
        var other = received.For(widened);
        Assert.NotSame(first, other);
        Assert.Equal(first.Evaluate(TestData.Batch).Words.ToArray(), other.Evaluate(TestData.Batch).Words.ToArray());
    }

    [Fact]
    public void A_plan_of_a_newer_format_is_refused()
    {
        var plan = Plan.FilterPlan.Parser.ParseFrom(FilterPlan.Of(FilterExpression.Parse("age > 1", TestData.Schema)).Encoded);
        plan.FormatVersion = 2;

        var error = Assert.Throws<MilvusException>(() => FilterPlan.FromEncoded(Google.Protobuf.MessageExtensions.ToByteArray(plan)).For(TestData.Schema));

        Assert.Equal(ErrorCode.CollectionSchemaMismatch, error.Code);
        Assert.Contains("format version 2", error.Message);
    }

    [Fact]
    public void A_plan_whose_evaluator_does_not_fit_the_field_type_is_refused()
    {
        // A column comparison bound for a numeric field meets a VarChar field of that id.
        var plan = FilterPlan.Of(FilterExpression.Parse("age > 1", TestData.Schema));
        var retyped = TestData.Schema with
        {
            Fields = [.. TestData.Schema.Fields.Select(f => f.Name == "age" ? f with { DataType = DataType.VarChar, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.MaxLengthKey, "8") } : f)],
        };

        var error = Assert.Throws<MilvusException>(() => FilterPlan.FromEncoded(plan.Encoded).For(retyped));

        Assert.Equal(ErrorCode.CollectionSchemaMismatch, error.Code);
    }

    [Fact]
    public void Constants_fill_in_templates_and_time_zones_before_the_plan_is_made()
    {
        var templated = FilterExpression.Parse("age in {ages} and city == {city}", TestData.Schema,
            new Dictionary<string, object?> { ["ages"] = new long[] { 3, 5 }, ["city"] = "rome" });
        var literal = FilterExpression.Parse("age in [3, 5] and city == 'rome'", TestData.Schema);

        Assert.Equal(FilterPlan.Of(literal).Encoded, FilterPlan.Of(templated).Encoded);
    }
}
