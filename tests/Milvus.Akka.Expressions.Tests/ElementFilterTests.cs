using System.Collections.Immutable;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// element_filter and the MATCH_* operators over an array-of-struct field, checked against counts worked out here from
/// the rows' structs; every filter is also evaluated as a node rebuilds it from its plan.
/// </summary>
public sealed class ElementFilterTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "docs",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "vec", DataType = DataType.FloatVector, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add("dim", "2") },
            new FieldSchema { FieldId = 103, Name = "chunks[text]", DataType = DataType.Array, ElementType = DataType.VarChar, StructFieldId = 102 },
            new FieldSchema { FieldId = 104, Name = "chunks[page]", DataType = DataType.Array, ElementType = DataType.Int32, StructFieldId = 102 },
            new FieldSchema { FieldId = 105, Name = "chunks[emb]", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, StructFieldId = 102 },
        ],
        StructFields = [new StructFieldSchema { FieldId = 102, Name = "chunks" }],
    };

    /// <summary>Each row's structs as (text, page); row 3 has none.</summary>
    private static readonly (string Text, int Page)[][] Structs =
    [
        [("Red fox", 1), ("blue sky", 2), ("Red sun", 3)],
        [("green", 4)],
        [("Red", 5), ("Red dawn", 6)],
        [],
        [("black", 7), ("Reddish", 8)],
    ];

    private static RowBatch Batch() => new(ImmutableDictionary<long, Column>.Empty
        .Add(100, new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, Structs.Length).Select(i => (long)i)]))
        .Add(103, new ArrayColumn(DataType.VarChar, [.. Structs.Select(row => row.Select(s => s.Text).ToArray())]))
        .Add(104, new ArrayColumn(DataType.Int32, [.. Structs.Select(row => row.Select(s => s.Page).ToArray())])));

    private static int[] Matching(string filter)
    {
        var parsed = FilterExpression.Parse(filter, Schema);
        var rebuilt = TestData.ThroughPlan(parsed, Schema);
        var rows = parsed.Evaluate(Batch()).SetBits();
        Assert.Equal(rows, rebuilt.Evaluate(Batch()).SetBits());
        return rows;
    }

    private static int[] RowsWhere(Func<(string Text, int Page)[], bool> test) =>
        [.. Enumerable.Range(0, Structs.Length).Where(r => test(Structs[r]))];

    private static bool IsRed((string Text, int Page) s) => s.Text.StartsWith("Red", StringComparison.Ordinal);

    [Fact]
    public void Element_filter_and_match_any_select_rows_with_a_matching_struct()
    {
        Assert.Equal(RowsWhere(r => r.Any(IsRed)), Matching("element_filter(chunks, $[text] like \"Red%\")"));
        Assert.Equal(RowsWhere(r => r.Any(IsRed)), Matching("MATCH_ANY(chunks, $[text] like 'Red%')"));
        // Both conditions must hold in one struct, not across structs of a row.
        Assert.Equal(RowsWhere(r => r.Any(s => IsRed(s) && s.Page > 5)), Matching("element_filter(chunks, $[text] like 'Red%' && $[page] > 5)"));
    }

    [Fact]
    public void Match_all_least_most_and_exact_count_the_matching_structs()
    {
        Assert.Equal(RowsWhere(r => r.All(IsRed)), Matching("MATCH_ALL(chunks, $[text] like 'Red%')"));
        Assert.Equal(RowsWhere(r => r.Count(IsRed) >= 2), Matching("MATCH_LEAST(chunks, $[text] like 'Red%', 2)"));
        Assert.Equal(RowsWhere(r => r.Count(IsRed) <= 1), Matching("match_most(chunks, $[text] like 'Red%', 1)"));
        Assert.Equal(RowsWhere(r => r.Count(s => s.Page % 2 == 0) == 1), Matching("MATCH_EXACT(chunks, $[page] % 2 == 0, 1)"));
    }

    [Fact]
    public void Struct_conditions_combine_with_conditions_on_the_row()
    {
        Assert.Equal(RowsWhere(r => r.Length > 0 && r.Any(s => s.Page >= 4)).Where(r => r > 1), Matching("id > 1 and element_filter(chunks, $[page] >= 4)"));
        Assert.Equal(RowsWhere(r => !r.Any(IsRed)), Matching("not MATCH_ANY(chunks, $[text] like 'Red%')"));
    }

    [Fact]
    public void An_element_level_filter_answers_which_structs_of_each_row_matched()
    {
        var filter = FilterExpression.Parse("id >= 0 && element_filter(chunks, $[text] like 'Red%')", Schema);
        Assert.True(filter.IsElementLevel);
        int[] picked = [2, 0, 4];

        var elements = filter.MatchedElements(Batch(), picked);

        Assert.Equal(picked.Select(r => Structs[r].Select((s, e) => (s, e)).Where(x => IsRed(x.s)).Select(x => x.e)), elements);
        Assert.False(FilterExpression.Parse("MATCH_ANY(chunks, $[page] > 1)", Schema).IsElementLevel);
        Assert.False(FilterExpression.Parse("element_filter(chunks, $[page] > 1) or id == 1", Schema).IsElementLevel);
    }

    [Theory]
    [InlineData("$[page] > 1", "use it inside element_filter")]
    [InlineData("element_filter(chunks, page > 1)", "fields are named $[page]")]
    [InlineData("element_filter(id, $[page] > 1)", "needs an array-of-struct field")]
    [InlineData("element_filter(chunks, $[missing] > 1)", "\"missing\" does not exist")]
    [InlineData("element_filter(chunks, true)", "must test a field of struct")]
    [InlineData("MATCH_LEAST(chunks, $[page] > 1)", "takes 3 arguments")]
    [InlineData("MATCH_EXACT(chunks, $[page] > 1, -1)", "non-negative integer")]
    [InlineData("element_filter(chunks, MATCH_ANY(chunks, $[page] > 1))", "cannot be nested")]
    [InlineData("element_filter(chunks, $[emb] > 1)", "does not exist")]
    public void Misused_struct_conditions_are_refused_with_the_reason(string filter, string reason)
    {
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(filter, Schema));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(reason, error.Message);
    }
}
