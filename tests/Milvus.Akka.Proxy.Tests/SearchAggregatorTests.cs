using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// <see cref="SearchAggregator"/> on hits laid out as the grouping search returns them (group by group, best group
/// first), where the wire tests cannot reach: null keys and null metric inputs, string min/max, ordering by key with a
/// null key, top hits with nulls first or last and a metric where a higher score is better.
/// </summary>
public sealed class SearchAggregatorTests
{
    private const long Pk = 100, Vec = 101, Brand = 102, Color = 103, Price = 104, Label = 105;

    private static readonly CollectionSchema Schema = new()
    {
        Name = "products",
        Fields =
        [
            new FieldSchema { FieldId = Pk, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = Vec, Name = "vec", DataType = DataType.FloatVector },
            new FieldSchema { FieldId = Brand, Name = "brand", DataType = DataType.VarChar, Nullable = true },
            new FieldSchema { FieldId = Color, Name = "color", DataType = DataType.VarChar },
            new FieldSchema { FieldId = Price, Name = "price", DataType = DataType.Double, Nullable = true },
            new FieldSchema { FieldId = Label, Name = "label", DataType = DataType.VarChar, Nullable = true },
        ],
    };

    /// <summary>One query's hits, IP scores (higher is better), in the grouping search's layout.</summary>
    private static readonly (long Id, float Score, string? Brand, string Color, double? Price, string? Label)[] Hits =
    [
        (1, 0.9f, "A", "red", 10, "x"),
        (2, 0.5f, "A", "red", null, null),
        (3, 0.8f, null, "blue", 30, "z"),
        (4, 0.7f, "B", "red", null, "y"),
        (5, 0.6f, "A", "blue", 20, null),
        (6, 0.4f, "A", "blue", 5, "w"),
    ];

    private static SearchHits SearchHits() => new(1, [0, Hits.Length], new ScalarColumn<long>(DataType.Int64, [.. Hits.Select(h => h.Id)]),
        [.. Hits.Select(h => h.Score)], new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(Brand, new StringColumn([.. Hits.Select(h => h.Brand ?? "")], [.. Hits.Select(h => h.Brand is not null)]))
            .Add(Color, new StringColumn([.. Hits.Select(h => h.Color)]))
            .Add(Price, new ScalarColumn<double>(DataType.Double, [.. Hits.Select(h => h.Price ?? 0)], [.. Hits.Select(h => h.Price is not null)]))
            .Add(Label, new StringColumn([.. Hits.Select(h => h.Label ?? "")], [.. Hits.Select(h => h.Label is not null)]))));

    private static SearchAggregator Bind(params SearchAggregationLevel[] levels) =>
        SearchAggregator.Bind(Schema, [.. levels], 1, MetricType.IP, [Label]);

    private static SearchAggregationLevel Level(string[] fields, long size, AggregationMetricRequest[]? metrics = null, BucketOrderRequest[]? order = null,
        TopHitsRequest? topHits = null) => new([.. fields], size, [.. metrics ?? []], [.. order ?? []], topHits);

    [Fact]
    public void A_null_key_is_a_bucket_of_its_own_and_metrics_skip_null_inputs()
    {
        var aggregator = Bind(Level(["brand"], 5,
        [
            new("n", "count", "*"), new("priced", "count", "price"), new("total", "sum", "price"), new("first", "min", "label"),
            new("last", "max", "label"), new("best", "max", "_score"),
        ]));
        var buckets = aggregator.Buckets(SearchHits()).Single();

        // As found: A (row 1), null (row 3), B (row 4).
        Assert.Equal(["A", null, "B"], buckets.Select(b => (string?)b.Key.Single().Value));
        var a = buckets[0];
        Assert.Equal(4, a.Count);
        Assert.Equal(4L, Metric(a, "n"));
        Assert.Equal(3L, Metric(a, "priced"));
        Assert.Equal(35.0, Metric(a, "total"));
        Assert.Equal("w", Metric(a, "first"));
        Assert.Equal("x", Metric(a, "last"));
        Assert.Equal(0.9f, Metric(a, "best"));
        // B's only price is null: the sum has no value (Milvus leaves the metric out).
        Assert.Null(Metric(buckets[2], "total"));
        Assert.Equal(0L, Metric(buckets[2], "priced"));
    }

    [Fact]
    public void Buckets_order_by_key_with_null_first_and_by_metrics_with_missing_values_first_ascending()
    {
        var byKey = Bind(Level(["brand", "color"], 10, order: [new("_key", "asc")])).Buckets(SearchHits()).Single();
        Assert.Equal([(null, "blue"), ("A", "blue"), ("A", "red"), ("B", "red")],
            byKey.Select(b => ((string?)b.Key[0].Value, (string?)b.Key[1].Value)));

        var byTotal = Bind(Level(["brand"], 2, [new("total", "sum", "price")], [new("total", "asc")])).Buckets(SearchHits()).Single();
        // B has no total (a missing value sorts first ascending), then the bucket without a brand (30) before A (35).
        Assert.Equal(["B", null], byTotal.Select(b => (string?)b.Key.Single().Value));

        var byCount = Bind(Level(["brand"], 1, order: [new("_count", "desc")])).Buckets(SearchHits()).Single();
        Assert.Equal("A", Assert.Single(byCount).Key.Single().Value);
    }

    [Fact]
    public void Top_hits_sort_by_a_field_with_nulls_where_asked_then_by_the_better_score()
    {
        var nullsLast = Bind(Level(["brand"], 1, topHits: new TopHitsRequest(3, [new("price", "desc", NullFirst: false)]))).Buckets(SearchHits()).Single();
        Assert.Equal([5L, 1L, 6L], Assert.Single(nullsLast).Hits.Select(h => (long)h.Pk));

        var nullsFirst = Bind(Level(["brand"], 1, topHits: new TopHitsRequest(2, [new("price", "asc", NullFirst: true)]))).Buckets(SearchHits()).Single();
        Assert.Equal([2L, 6L], Assert.Single(nullsFirst).Hits.Select(h => (long)h.Pk));

        // Without a sort the best scores (IP: highest) come first, whatever the layout; the hits show the output fields.
        var byScore = Bind(Level(["color"], 1, topHits: new TopHitsRequest(3, []))).Buckets(SearchHits()).Single();
        var red = Assert.Single(byScore);
        Assert.Equal([1L, 4L, 2L], red.Hits.Select(h => (long)h.Pk));
        Assert.Equal(["x", "y", null], red.Hits.Select(h => (string?)h.Fields.Single().Value));
    }

    [Fact]
    public void Sub_buckets_group_only_their_parent_s_rows()
    {
        var buckets = Bind(Level(["color"], 5), Level(["brand"], 5, [new("n", "count", "*")])).Buckets(SearchHits()).Single();
        Assert.Equal(["red", "blue"], buckets.Select(b => (string?)b.Key.Single().Value));
        Assert.Equal([("A", 2L), ("B", 1L)], buckets[0].SubGroups.Select(s => ((string?)s.Key.Single().Value, (long)Metric(s, "n")!)));
        Assert.Equal([(null, 1L), ("A", 2L)], buckets[1].SubGroups.Select(s => ((string?)s.Key.Single().Value, (long)Metric(s, "n")!)));
    }

    [Fact]
    public void The_search_behind_it_keeps_the_product_of_the_sizes_of_keys_of_every_level_s_fields()
    {
        var aggregator = Bind(Level(["brand"], 3, topHits: new TopHitsRequest(2, [new("price", "asc", false)])),
            Level(["color", "label"], 4) with { SearchSize = 5 });
        Assert.Equal(15, aggregator.TopK);
        Assert.Equal(2, aggregator.GroupSize);
        Assert.Equal([Brand, Color, Label], aggregator.Grouping.FieldIds.ToArray());
        Assert.Equal([Brand, Color, Price, Label], aggregator.InputFieldIds.Order());

        // Sizes whose product overflows a long are refused, not wrapped.
        var huge = Assert.Throws<MilvusException>(() => Bind(Level(["brand"], long.MaxValue), Level(["color"], 4)));
        Assert.Contains("result entries is too large", huge.Message);
    }

    private static object? Metric(AggregationBucket bucket, string alias) => bucket.Metrics.Single(m => m.Alias == alias).Value;
}
