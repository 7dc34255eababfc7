using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// Searches of a struct's vectors through segment views and the reducers: embedding lists find rows, element-level
/// searches find elements (with their positions), and merging keeps one hit per key and element.
/// </summary>
public sealed class StructVectorSearchTests
{
    private const long PkField = 100, StructField = 101, EmbField = 102, NumberField = 103;

    private static readonly CollectionSchema Schema = new()
    {
        Name = "docs",
        Fields =
        [
            new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = EmbField, Name = "s[emb]", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, StructFieldId = StructField,
                TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, "2"),
            },
            new FieldSchema { FieldId = NumberField, Name = "s[n]", DataType = DataType.Array, ElementType = DataType.Int32, StructFieldId = StructField },
        ],
        StructFields = [new StructFieldSchema { FieldId = StructField, Name = "s" }],
    };

    private static byte[] Vectors(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>
    /// A segment whose rows (keys from <paramref name="firstKey"/>) hold the given lists, appended in two batches; element e
    /// of row i has n = 10i + e.
    /// </summary>
    private static Segment SegmentOf(long firstKey, params byte[][] lists)
    {
        var segment = new Segment(1, 10, Schema);
        var half = lists.Length / 2;
        foreach (var (from, count, timestamp) in new[] { (0, half, 1UL), (half, lists.Length - half, 2UL) }.Where(b => b.Item2 > 0))
        {
            segment.Append(new RowBatch(ImmutableDictionary<long, Column>.Empty
                .Add(PkField, new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(from, count).Select(i => firstKey + i)]))
                .Add(EmbField, new VectorArrayColumn(DataType.FloatVector, 2, lists[from..(from + count)]))
                .Add(NumberField, new ArrayColumn(DataType.Int32, [.. Enumerable.Range(from, count).Select(i => Enumerable.Range(0, lists[i].Length / 8).Select(e => (10 * i) + e).ToArray())]))),
                timestamp);
        }

        return segment;
    }

    private static SearchPlan Plan(MetricType metric, float[] queries, int topK, int[]? lengths = null) =>
        new(1, EmbField, metric, topK, lengths?.Length ?? queries.Length / 2, queries, null, ImmutableDictionary<string, string>.Empty, [], ulong.MaxValue,
            QueryLengths: lengths);

    private static long[] Keys(SearchHits hits) => ((ScalarColumn<long>)hits.Pks).Values;

    private static int[] Elements(SearchHits hits) => ((ScalarColumn<int>)hits.Fields![SearchPlan.ElementOffsetsFieldId]).Values;

    [Fact]
    public void An_element_level_search_across_a_segments_chunks_returns_elements_with_their_positions()
    {
        var segment = SegmentOf(0, Vectors(1, 0, 0, 1), Vectors(), Vectors(0.9f, 0.1f), Vectors(-1, 0, 0.8f, 0.2f, 0.7f, 0));

        var hits = segment.View().Search(Plan(MetricType.IP, [1, 0], topK: 4), null);

        Assert.Equal([0L, 2, 3, 3], Keys(hits));
        Assert.Equal([0, 0, 1, 2], Elements(hits));
        Assert.Equal([1f, 0.9f, 0.8f, 0.7f], hits.Scores);
    }

    [Fact]
    public void An_element_filter_limits_an_element_level_search_to_the_elements_it_matches()
    {
        var segment = SegmentOf(0, Vectors(1, 0, 0, 1), Vectors(), Vectors(0.9f, 0.1f), Vectors(-1, 0, 0.8f, 0.2f, 0.7f, 0));
        var filter = Expressions.FilterExpression.Parse("element_filter(s, $[n] % 10 != 1)", Schema);

        var hits = segment.View().Search(Plan(MetricType.IP, [1, 0], topK: 4), filter);

        // The filter leaves out row 3's element 1 (n = 31, the third best match) and row 0's element 1 (n = 1).
        Assert.Equal([0L, 2, 3, 3], Keys(hits));
        Assert.Equal([0, 0, 2, 0], Elements(hits));
        Assert.Equal([1f, 0.9f, 0.7f, -1f], hits.Scores);
    }

    [Fact]
    public void An_embedding_list_search_returns_rows_without_element_positions()
    {
        var segment = SegmentOf(0, Vectors(1, 0, 0, 1), Vectors(1, 0), Vectors(0, 1));

        var hits = segment.View().Search(Plan(MetricType.MaxSimIP, [1, 0, 0, 1], topK: 3, lengths: [2]), null);

        Assert.Equal([0L, 1, 2], Keys(hits));
        Assert.Equal([2f, 1f, 1f], hits.Scores);
        Assert.Null(hits.Fields);
    }

    [Fact]
    public void Merging_element_hits_keeps_each_key_once_per_element()
    {
        // The same row (key 7) in two segments, as while a segment is handed over: its elements are found in both.
        var first = SegmentOf(7, Vectors(1, 0, 0.5f, 0));
        var second = SegmentOf(7, Vectors(1, 0, 0.5f, 0));
        var plan = Plan(MetricType.IP, [1, 0], topK: 2);

        var merged = SearchReducer.Reduce([first.View().Search(plan, null), second.View().Search(plan, null)], 1, DataType.Int64, MetricType.IP, 0, 4);

        Assert.Equal([7L, 7], Keys(merged));
        Assert.Equal([0, 1], Elements(merged));
        Assert.Equal([1f, 0.5f], merged.Scores);
    }
    /// <summary>300 rows of 0 to 3 random 8-d elements each (seeded), in a segment.</summary>
    private static (Segment Segment, byte[][] Lists) RandomSegment()
    {
        var random = new Random(5);
        var lists = Enumerable.Range(0, 300)
            .Select(i => Vectors([.. Enumerable.Range(0, (i % 4) * 2).Select(_ => random.NextSingle() * 2 - 1)])).ToArray();
        return (SegmentOf(0, lists), lists);
    }

    private static void AttachHnsw(Segment segment, byte[][] lists, MetricType elementMetric) =>
        segment.AttachIndex(EmbField, Index.VectorIndexes.Build(
            new Index.IndexSpec(Index.IndexType.Hnsw, elementMetric, new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "200" }),
            2, MemoryMarshal.Cast<byte, float>(lists.SelectMany(l => l).ToArray()).ToArray(), seed: 7));

    [Theory]
    [InlineData(null)]
    [InlineData("id % 3 != 0")]
    public void An_index_over_the_elements_answers_an_element_level_search_as_the_exact_scan(string? filter)
    {
        var (scanned, lists) = RandomSegment();
        var (indexed, _) = RandomSegment();
        AttachHnsw(indexed, lists, MetricType.L2);
        var bound = filter is null ? null : Expressions.FilterExpression.Parse(filter, Schema);
        var plan = Plan(MetricType.L2, [0.3f, -0.2f, 0.9f, 0.1f], topK: 10) with { Params = ImmutableDictionary<string, string>.Empty.Add("ef", "300") };

        var exact = scanned.View().Search(plan, bound);
        var found = indexed.View().Search(plan, bound);

        Assert.Equal(20, exact.Pks.Count);
        Assert.Equal(Keys(exact), Keys(found));
        Assert.Equal(Elements(exact), Elements(found));
        Assert.Equal(exact.Scores, found.Scores, (a, b) => Math.Abs(a - b) < 1e-5);
    }

    [Fact]
    public void An_index_over_the_elements_finds_an_embedding_list_searchs_rows_and_scores_them_exactly()
    {
        var (scanned, lists) = RandomSegment();
        var (indexed, _) = RandomSegment();
        AttachHnsw(indexed, lists, MetricType.Cosine);
        var plan = Plan(MetricType.MaxSimCosine, [0.3f, -0.2f, 0.9f, 0.1f, -1f, -1f], topK: 5, lengths: [2, 1]);

        var exact = scanned.View().Search(plan, null);
        var found = indexed.View().Search(plan, null);

        Assert.Equal(Keys(exact), Keys(found));
        Assert.Equal(exact.Scores, found.Scores, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Throws<InvalidOperationException>(() => indexed.AttachIndex(EmbField, Index.VectorIndexes.Build(
            new Index.IndexSpec(Index.IndexType.Flat, MetricType.Cosine), 2, new float[8])));
    }
}
