using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// Grouping searches through segment views and the reducer, against the brute-force grouping over the same rows:
/// rows best first, each joining its group's value while the group has room, groups ranked by their best row.
/// </summary>
public sealed class GroupingSearchTests
{
    private const int Dim = 8;
    private const int Groups = 6;
    private const long PkField = 100, VectorField = 101, GroupField = 102, LabelField = 103;

    private static readonly CollectionSchema Schema = new()
    {
        Name = "grouping",
        Fields =
        [
            new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = VectorField, Name = "v", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, Dim.ToString())]),
            },
            new FieldSchema { FieldId = GroupField, Name = "g", DataType = DataType.Int64 },
            new FieldSchema { FieldId = LabelField, Name = "label", DataType = DataType.VarChar, Nullable = true },
        ],
    };

    /// <param name="Label">A second grouping field for composite keys: "x", "y" or null.</param>
    private sealed record Row(long Pk, float[] Vector, long Group, string? Label);

    private static (List<Segment> Segments, List<Row> Rows) Data(int seed)
    {
        var random = new Random(seed);
        var rows = new List<Row>();
        var segments = new List<Segment>();
        for (var s = 0; s < 3; s++)
        {
            var segment = new Segment(s, 10, Schema);
            var batch = Enumerable.Range(rows.Count, 80)
                .Select(pk => new Row(pk, [.. Enumerable.Range(0, Dim).Select(_ => random.NextSingle())], random.Next(Groups),
                    random.Next(3) switch { 0 => "x", 1 => "y", _ => null }))
                .ToList();
            segment.Append(new RowBatch(ImmutableDictionary<long, Column>.Empty
                .Add(PkField, new ScalarColumn<long>(DataType.Int64, [.. batch.Select(r => r.Pk)]))
                .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, Dim, [.. batch.SelectMany(r => r.Vector)]))
                .Add(GroupField, new ScalarColumn<long>(DataType.Int64, [.. batch.Select(r => r.Group)]))
                .Add(LabelField, new StringColumn([.. batch.Select(r => r.Label ?? "")], [.. batch.Select(r => r.Label is not null)]))), 1);
            segments.Add(segment);
            rows.AddRange(batch);
        }

        return (segments, rows);
    }

    private static float L2(float[] a, float[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    private static List<(long Group, List<(long Pk, float Score)> Hits)> Oracle(List<Row> rows, float[] query, int limit, int size)
    {
        var groups = new List<(long Group, List<(long Pk, float Score)> Hits)>();
        foreach (var row in rows.OrderBy(r => L2(r.Vector, query)))
        {
            var index = groups.FindIndex(g => g.Group == row.Group);
            if (index < 0)
            {
                groups.Add((row.Group, []));
                index = groups.Count - 1;
            }

            if (groups[index].Hits.Count < size)
            {
                groups[index].Hits.Add((row.Pk, L2(row.Vector, query)));
            }
        }

        return [.. groups.Take(limit)];
    }

    /// <summary>The hits of query q, cut where the group value changes (hits come group by group).</summary>
    private static List<(long Group, List<(long Pk, float Score)> Hits)> GroupsOf(SearchHits hits, int q)
    {
        var groups = new List<(long Group, List<(long Pk, float Score)> Hits)>();
        var values = (ScalarColumn<long>)hits.Fields![GroupField];
        for (var hit = hits.Offsets[q]; hit < hits.Offsets[q + 1]; hit++)
        {
            if (groups.Count == 0 || groups[^1].Group != values.Values[hit])
            {
                groups.Add((values.Values[hit], []));
            }

            groups[^1].Hits.Add(((long)hits.Pks.GetValue(hit)!, hits.Scores[hit]));
        }

        return groups;
    }

    private static SearchHits Search(List<Segment> segments, float[] queries, int limit, int size, bool strict)
    {
        var plan = new SearchPlan(1, VectorField, MetricType.L2, limit, queries.Length / Dim, queries, null, ImmutableDictionary<string, string>.Empty,
            [], ulong.MaxValue, OutputFieldIds: [GroupField], Grouping: new SearchGrouping(GroupField, size, strict));
        var parts = segments.Select(s => s.View().Search(plan, null)).ToList();
        return SearchReducer.Reduce(parts, plan.Nq, DataType.Int64, MetricType.L2, 0, limit, plan.Grouping);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Strict_grouping_of_every_group_across_segments_equals_the_oracle(int seed)
    {
        var (segments, rows) = Data(seed);
        var queries = Enumerable.Range(0, 4 * Dim).Select(_ => Random.Shared.NextSingle()).ToArray();
        var hits = Search(segments, queries, Groups, 4, strict: true);
        for (var q = 0; q < 4; q++)
        {
            var expected = Oracle(rows, queries[(q * Dim)..((q + 1) * Dim)], Groups, 4);
            var found = GroupsOf(hits, q);
            Assert.Equal(expected.Select(g => g.Group), found.Select(g => g.Group));
            for (var g = 0; g < expected.Count; g++)
            {
                Assert.Equal(expected[g].Hits.Select(h => h.Pk), found[g].Hits.Select(h => h.Pk));
                Assert.Equal(expected[g].Hits.Select(h => h.Score), found[g].Hits.Select(h => h.Score), (a, b) => Math.Abs(a - b) < 1e-4);
            }
        }
    }

    [Fact]
    public void The_top_groups_and_their_best_rows_are_exact_when_fewer_groups_are_asked_for()
    {
        var (segments, rows) = Data(3);
        var queries = Enumerable.Range(0, 4 * Dim).Select(_ => Random.Shared.NextSingle()).ToArray();
        var hits = Search(segments, queries, 2, 3, strict: false);
        for (var q = 0; q < 4; q++)
        {
            var query = queries[(q * Dim)..((q + 1) * Dim)];
            var expected = Oracle(rows, query, 2, 3);
            var found = GroupsOf(hits, q);
            Assert.Equal(expected.Select(g => g.Group), found.Select(g => g.Group));
            for (var g = 0; g < expected.Count; g++)
            {
                Assert.Equal(expected[g].Hits[0].Pk, found[g].Hits[0].Pk);
                Assert.InRange(found[g].Hits.Count, 1, 3);
                Assert.All(found[g].Hits, hit => Assert.Equal(expected[g].Group, rows[(int)hit.Pk].Group));
            }
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void Strict_grouping_by_a_composite_key_with_nulls_equals_the_oracle(int seed)
    {
        var (segments, rows) = Data(seed);
        var keyOf = (Row r) => (r.Group, r.Label);
        const int keys = Groups * 3;
        var queries = Enumerable.Range(0, 2 * Dim).Select(_ => Random.Shared.NextSingle()).ToArray();
        ImmutableArray<long> fields = [GroupField, LabelField];
        var plan = new SearchPlan(1, VectorField, MetricType.L2, keys, 2, queries, null, ImmutableDictionary<string, string>.Empty,
            [], ulong.MaxValue, OutputFieldIds: fields, Grouping: new SearchGrouping(fields, 2, Strict: true));
        var parts = segments.Select(s => s.View().Search(plan, null)).ToList();
        var hits = SearchReducer.Reduce(parts, plan.Nq, DataType.Int64, MetricType.L2, 0, keys, plan.Grouping);
        for (var q = 0; q < 2; q++)
        {
            var query = queries[(q * Dim)..((q + 1) * Dim)];
            var expected = rows.OrderBy(r => L2(r.Vector, query)).GroupBy(keyOf).Select(g => g.Take(2).Select(r => r.Pk).ToList()).ToList();
            var found = new List<List<long>>();
            for (var hit = hits.Offsets[q]; hit < hits.Offsets[q + 1]; hit++)
            {
                var row = rows[(int)(long)hits.Pks.GetValue(hit)!];
                if (found.Count == 0 || keyOf(rows[(int)found[^1][0]]) != keyOf(row))
                {
                    found.Add([]);
                }

                found[^1].Add(row.Pk);
                Assert.Equal(row.Label, hits.Fields![LabelField].GetValue(hit));
            }

            Assert.Equal(expected, found);
        }
    }
}
