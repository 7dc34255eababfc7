using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// Milvus's query aggregation (group_by_fields with count, sum, avg, min, max): partial states per place, merged, then
/// finished, checked against LINQ over the same rows.
/// </summary>
public sealed class QueryAggregationTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "agg",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "color", DataType = DataType.VarChar, Nullable = true },
            new FieldSchema { FieldId = 102, Name = "size", DataType = DataType.Int32 },
            new FieldSchema { FieldId = 103, Name = "price", DataType = DataType.Double, Nullable = true },
            new FieldSchema { FieldId = 104, Name = "vec", DataType = DataType.FloatVector, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add("dim", "2") },
            new FieldSchema { FieldId = 105, Name = "tag", DataType = DataType.VarChar },
        ],
    };

    private sealed record Item(string? Color, int Size, double? Price, string Tag);

    private static RowBatch Rows(IReadOnlyList<Item> items) => new(ImmutableDictionary<long, Column>.Empty
        .Add(101, new StringColumn([.. items.Select(i => i.Color ?? "")], [.. items.Select(i => i.Color is not null)]))
        .Add(102, new ScalarColumn<int>(DataType.Int32, [.. items.Select(i => i.Size)]))
        .Add(103, new ScalarColumn<double>(DataType.Double, [.. items.Select(i => i.Price ?? 0)], [.. items.Select(i => i.Price is not null)]))
        .Add(105, new StringColumn([.. items.Select(i => i.Tag)])));

    [Fact]
    public void Groups_answer_each_aggregate_as_linq_does_with_nulls_skipped_and_a_null_key_its_own_group()
    {
        var random = new Random(7);
        string?[] colors = ["red", "green", null, "blue"];
        var items = Enumerable.Range(0, 500)
            .Select(i => new Item(colors[random.Next(colors.Length)], random.Next(-50, 50), random.Next(5) == 0 ? null : Math.Round(random.NextDouble() * 100, 2), $"t{random.Next(1000)}"))
            .ToList();
        var aggregation = QueryAggregation.Of(Schema, ["color", "count(*)", "COUNT( price )", "sum(size)", "sum(price)", "avg(size)", "avg(price)", "min(tag)", "max(price)"], ["color"])!;

        // The rows read in three places (segments, shards) and merged answer as the rows in one place.
        var answer = Apply(aggregation, Rows(items[..120]), Rows(items[120..121]), Rows(items[121..]));
        Assert.Equal(Flat(Apply(aggregation, Rows(items))), Flat(answer));

        Assert.Equal(["color", "count(*)", "COUNT( price )", "sum(size)", "sum(price)", "avg(size)", "avg(price)", "min(tag)", "max(price)"], answer.Select(a => a.Field.Name));
        Assert.Equal([DataType.VarChar, DataType.Int64, DataType.Int64, DataType.Int64, DataType.Double, DataType.Double, DataType.Double, DataType.VarChar, DataType.Double],
            answer.Select(a => a.Column.Type));
        var expected = items.GroupBy(i => i.Color).ToList();
        Assert.Equal(expected.Count, answer[0].Column.Count);
        Assert.Equal(expected.Select(g => g.Key), Values(answer[0].Column));
        Assert.Equal(expected.Select(g => (object?)(long)g.Count()), Values(answer[1].Column));
        Assert.Equal(expected.Select(g => (object?)(long)g.Count(i => i.Price is not null)), Values(answer[2].Column));
        Assert.Equal(expected.Select(g => (object?)g.Sum(i => (long)i.Size)), Values(answer[3].Column));
        Assert.Equal(expected.Select(g => g.Sum(i => i.Price ?? 0)), Values(answer[4].Column).Cast<double>(), new Close());
        Assert.Equal(expected.Select(g => g.Average(i => i.Size)), Values(answer[5].Column).Cast<double>(), new Close());
        Assert.Equal(expected.Select(g => g.Where(i => i.Price is not null).Average(i => i.Price!.Value)), Values(answer[6].Column).Cast<double>(), new Close());
        Assert.Equal(expected.Select(g => g.Select(i => i.Tag).Min(StringComparer.Ordinal)), Values(answer[7].Column));
        Assert.Equal(expected.Select(g => (object?)g.Max(i => i.Price)), Values(answer[8].Column));
    }

    [Fact]
    public void Without_groups_one_row_answers_and_an_aggregate_without_values_is_null()
    {
        var aggregation = QueryAggregation.Of(Schema, ["count(*)", "sum(price)", "max(price)", "min(color)"], [])!;
        Item[] items = [new(null, 1, null, "a"), new(null, 2, null, "b")];

        var answer = Apply(aggregation, Rows(items), Rows([]));
        Assert.Equal([2L, null, null, null], answer.Select(a => a.Column.GetValue(0)));

        var empty = Apply(aggregation, Rows([]), Rows([]));
        Assert.Equal([0L, null, null, null], empty.Select(a => a.Column.GetValue(0)));
    }

    [Fact]
    public void Offset_and_limit_count_groups_in_the_order_their_first_rows_came()
    {
        var aggregation = QueryAggregation.Of(Schema, [], ["size"])!;
        Item[] items = [new("a", 3, 1, "x"), new("b", 1, 1, "x"), new("c", 3, 1, "x"), new("d", 2, 1, "x"), new("e", 5, 1, "x")];

        var page = aggregation.Finish(AggregationStates.Partial(aggregation.Plan, Rows(items)), offset: 1, limit: 2);

        Assert.Equal("size", Assert.Single(page).Field.Name);
        Assert.Equal([1, 2], Values(page[0].Column));
    }

    [Fact]
    public void Groups_ordered_by_an_aggregate_and_a_key_are_paged_after_ordering()
    {
        var aggregation = QueryAggregation.Of(Schema, ["size", "Count(*)", "max(price)"], ["size"])!;
        Item[] items = [new("a", 3, 1, "x"), new("b", 1, null, "x"), new("c", 3, 5, "x"), new("d", 2, 2, "x"), new("e", 1, null, "x"), new("f", 2, 1, "x")];
        ImmutableArray<OrderKey> byCountThenSize =
            [new(aggregation.OrderId("count(*)"), Descending: true, NullsFirst: true), new(aggregation.OrderId(" size "), Descending: true, NullsFirst: true)];

        var page = aggregation.Finish(AggregationStates.Partial(aggregation.Plan, Rows(items)), offset: 1, limit: 2, byCountThenSize);
        Assert.Equal([2, 1], Values(page[0].Column));
        Assert.Equal([2L, 2L], Values(page[1].Column));

        // A null max sorts last ascending, as ORDER BY puts nulls by default.
        var byMax = aggregation.Finish(AggregationStates.Partial(aggregation.Plan, Rows(items)), order: [new(aggregation.OrderId("max(price)"), false, false)]);
        Assert.Equal([2, 3, 1], Values(byMax[0].Column));
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => aggregation.OrderId("price")).Code);
    }

    [Fact]
    public void A_plain_query_or_a_lone_count_is_no_aggregation()
    {
        Assert.Null(QueryAggregation.Of(Schema, ["color", "size"], []));
        Assert.Null(QueryAggregation.Of(Schema, [" Count(*) "], []));
        Assert.NotNull(QueryAggregation.Of(Schema, ["count(*)"], ["color"]));
        Assert.NotNull(QueryAggregation.Of(Schema, ["count( * )"], []));
    }

    [Theory]
    [InlineData("tag", "color", ErrorCode.ParameterInvalid)]
    [InlineData("sum(tag)", "color", ErrorCode.ParameterInvalid)]
    [InlineData("avg(*)", "color", ErrorCode.ParameterInvalid)]
    [InlineData("sum()", "color", ErrorCode.ParameterInvalid)]
    [InlineData("max(nothing)", "color", ErrorCode.FieldNotFound)]
    [InlineData("count(*)", "vec", ErrorCode.ParameterInvalid)]
    [InlineData("count(*)", "nothing", ErrorCode.FieldNotFound)]
    [InlineData("count(*)", "color,color", ErrorCode.ParameterInvalid)]
    public void Invalid_aggregations_are_refused(string output, string groupBy, ErrorCode code)
    {
        var error = Assert.Throws<MilvusException>(() => QueryAggregation.Of(Schema, [output], groupBy.Split(',')));
        Assert.Equal(code, error.Code);
    }

    private static IReadOnlyList<(FieldSchema Field, Column Column)> Apply(QueryAggregation aggregation, params RowBatch[] places) =>
        aggregation.Finish(AggregationStates.Merge(aggregation.Plan, places.Select(rows => AggregationStates.Partial(aggregation.Plan, rows)))!);

    /// <summary>Each output's values in order (sums of doubles rounded: their order of addition differs), groups sorted, so that answers merged in another order compare.</summary>
    private static string Flat(IReadOnlyList<(FieldSchema Field, Column Column)> answer) => string.Join("|",
        Enumerable.Range(0, answer[0].Column.Count)
            .Select(g => string.Join(",", answer.Select(a => a.Column.GetValue(g) is double d ? Math.Round(d, 6) : a.Column.GetValue(g))))
            .Order(StringComparer.Ordinal));

    private static object?[] Values(Column column) => [.. Enumerable.Range(0, column.Count).Select(column.GetValue)];

    private sealed class Close : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a));

        public int GetHashCode(double value) => 0;
    }
}
