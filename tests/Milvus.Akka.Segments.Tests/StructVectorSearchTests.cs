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
}
