using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments.Tests;

/// <summary>ORDER BY in the reducers: a search page ordered (grouped hits as groups), a retrieval ordered after its duplicates are merged.</summary>
public sealed class RowOrderingTests
{
    private const long Rank = 101;
    private const long Group = 102;

    [Fact]
    public void A_search_page_is_ordered_per_query_with_nulls_where_asked_and_ties_in_score_order()
    {
        // Two queries: pks 1-4 ranked [3, null, 1, 3] and pks 5-6 ranked [2, 0].
        var hits = Hits([0, 4, 6], [1, 2, 3, 4, 5, 6], Ranks(3, null, 1, 3, 2, 0), Groups("a", "b", "c", "d", "e", "f"));

        var ascending = RowOrdering.OrderPage(hits, [new OrderKey(Rank, Descending: false, NullsFirst: false)], offset: 0, limit: 10, groupFieldIds: []);
        Assert.Equal([3L, 1, 4, 2, 6, 5], Pks(ascending));
        Assert.Equal([0, 4, 6], ascending.Offsets);
        // Scores and fields move with their hits.
        Assert.Equal([0.3f, 0.1f, 0.4f, 0.2f, 0.6f, 0.5f], ascending.Scores);
        Assert.Equal(["c", "a", "d", "b", "f", "e"], Strings(ascending.Fields![Group]));

        var descendingPage = RowOrdering.OrderPage(hits, [new OrderKey(Rank, Descending: true, NullsFirst: true)], offset: 1, limit: 2, groupFieldIds: []);
        Assert.Equal([1L, 4, 6], Pks(descendingPage));
        Assert.Equal([0, 2, 3], descendingPage.Offsets);
    }

    [Fact]
    public void No_hits_from_shards_without_segments_are_an_empty_page()
    {
        var none = SearchHits.Empty(2, DataType.Int64);

        var ordered = RowOrdering.OrderPage(none, [new OrderKey(Rank, false, false)], offset: 0, limit: 10, groupFieldIds: []);

        Assert.Equal([0, 0, 0], ordered.Offsets);
        Assert.Empty(ordered.Scores);
    }

    [Fact]
    public void Grouped_hits_are_ordered_and_paged_as_groups_by_their_first_hit()
    {
        // Groups x (ranks 5, 0), y (1), z (3, 9), best group first.
        var hits = Hits([0, 5], [1, 2, 3, 4, 5], Ranks(5, 0, 1, 3, 9), Groups("x", "x", "y", "z", "z"));

        var ordered = RowOrdering.OrderPage(hits, [new OrderKey(Rank, false, false)], offset: 1, limit: 2, groupFieldIds: [Group]);

        Assert.Equal([4L, 5, 1, 2], Pks(ordered));
        Assert.Equal(["z", "z", "x", "x"], Strings(ordered.Fields![Group]));
    }

    [Fact]
    public void A_retrieval_orders_the_newest_version_of_each_row_then_cuts_its_page()
    {
        // pk 1 was rewritten with rank 0 (timestamp 20) after rank 5 (timestamp 10).
        var older = Rows([1, 2], [10, 10], Ranks(5, 1));
        var newer = Rows([1, 3], [20, 5], Ranks(0, 3));
        ImmutableArray<OrderKey> byRank = [new OrderKey(Rank, false, false)];

        var all = QueryReducer.Reduce([older, newer], DataType.Int64, [Rank], countOnly: false, offset: 0, limit: null, byRank);
        var page = QueryReducer.Reduce([older, newer], DataType.Int64, [Rank], countOnly: false, offset: 1, limit: 1, byRank);
        var unordered = QueryReducer.Reduce([older, newer], DataType.Int64, [Rank], countOnly: false, offset: 0, limit: null);

        Assert.Equal([1L, 2, 3], Pks(all.Pks));
        Assert.Equal([0, 1, 3], ((ScalarColumn<int>)all.Fields[Rank]).Values);
        Assert.Equal([2L], Pks(page.Pks));
        Assert.Equal([1L, 2, 3], Pks(unordered.Pks));
        var descending = QueryReducer.Reduce([older, newer], DataType.Int64, [Rank], countOnly: false, offset: 0, limit: 2, [new OrderKey(Rank, true, true)]);
        Assert.Equal([3L, 2], Pks(descending.Pks));
    }

    [Fact]
    public void Strings_booleans_and_doubles_compare_by_value_and_a_second_key_breaks_ties()
    {
        var strings = new StringColumn(["b", "a", "b"]);
        var flags = new ScalarColumn<bool>(DataType.Bool, [true, false, false]);
        var doubles = new ScalarColumn<double>(DataType.Double, [2.5, -1, 2.5], [true, true, false]);
        var batch = new RowBatch(ImmutableDictionary<long, Column>.Empty.Add(1, strings).Add(2, flags).Add(3, doubles));

        Assert.True(RowOrdering.Compare(strings, 1, strings, 0, new OrderKey(1, false, false)) < 0);
        Assert.True(RowOrdering.Compare(flags, 1, flags, 0, new OrderKey(2, false, false)) < 0);
        Assert.True(RowOrdering.Compare(doubles, 1, doubles, 0, new OrderKey(3, true, false)) > 0);
        Assert.True(RowOrdering.Compare(doubles, 2, doubles, 0, new OrderKey(3, false, NullsFirst: true)) < 0);
        Assert.True(RowOrdering.Compare(doubles, 2, doubles, 0, new OrderKey(3, true, NullsFirst: false)) > 0);
        Assert.True(RowOrdering.Compare(batch, 0, batch, 2, [new OrderKey(1, false, false), new OrderKey(2, false, false)]) > 0);
        Assert.Equal(0, RowOrdering.Compare(batch, 0, batch, 0, [new OrderKey(1, false, false), new OrderKey(3, false, false)]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(200)]
    [InlineData(5000)]
    [InlineData(null)]
    public void The_first_rows_in_an_order_are_those_a_full_sort_puts_first(int? limit)
    {
        // Many ties (values mod 50), broken by row number, as a segment breaks them by primary key.
        var random = new Random(17);
        var values = Enumerable.Range(0, 2000).Select(_ => random.Next(50)).ToArray();
        Comparison<int> order = (a, b) => values[a].CompareTo(values[b]) is var byValue and not 0 ? byValue : a.CompareTo(b);
        var rows = Enumerable.Range(0, values.Length).OrderBy(_ => random.Next()).ToList();
        var expected = rows.Order(Comparer<int>.Create(order)).Take(limit ?? int.MaxValue).ToList();

        Assert.Equal(expected, RowOrdering.First(rows, limit, order));
    }

    private static ScalarColumn<int> Ranks(params int?[] ranks) =>
        new(DataType.Int32, [.. ranks.Select(r => r ?? 0)], [.. ranks.Select(r => r.HasValue)]);

    private static StringColumn Groups(params string[] values) => new(values);

    private static SearchHits Hits(int[] offsets, long[] pks, Column ranks, Column groups) =>
        new(offsets.Length - 1, offsets, new ScalarColumn<long>(DataType.Int64, pks), [.. pks.Select(pk => pk / 10f)],
            new RowBatch(ImmutableDictionary<long, Column>.Empty.Add(Rank, ranks).Add(Group, groups)));

    private static QueryRows Rows(long[] pks, ulong[] timestamps, Column ranks) =>
        new(new ScalarColumn<long>(DataType.Int64, pks), timestamps, new RowBatch(ImmutableDictionary<long, Column>.Empty.Add(Rank, ranks)), pks.Length);

    private static long[] Pks(SearchHits hits) => Pks(hits.Pks);

    private static long[] Pks(Column pks) => ((ScalarColumn<long>)pks).Values;

    private static string[] Strings(Column column) => ((StringColumn)column).Values;
}
