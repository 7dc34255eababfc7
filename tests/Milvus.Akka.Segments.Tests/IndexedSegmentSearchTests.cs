using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index;
using static Milvus.Akka.Segments.Tests.ConcurrentViewTests;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// A segment with a built index is searched without an allow-list when every row is allowed; deletes, a read timestamp
/// below some rows, a filter and a partition list must still hide rows. An exact (FLAT) index makes brute force the oracle.
/// </summary>
public sealed class IndexedSegmentSearchTests
{
    private const int Rows = 200;

    [Fact]
    public void An_indexed_segment_hides_deleted_later_filtered_and_other_partition_rows_and_otherwise_equals_brute_force()
    {
        var (segment, _, vectors, tags) = IndexedSegment(5);
        // Each query is a stored row's vector, so that row is its best hit unless something hides it.
        var near = new[] { 3L, 150L, 42L };

        foreach (var pk in near)
        {
            Check(segment.View(), Vector(vectors, pk), ulong.MaxValue, null, [], row => true);
            Check(segment.View(), Vector(vectors, pk), 5, null, [], row => row < 100);
        }

        var tagBelowFive = FilterExpression.Parse("tag < 5", Schema);
        Check(segment.View(), Vector(vectors, 3), ulong.MaxValue, tagBelowFive, [], row => tags[row] < 5);
        Check(segment.View(), Vector(vectors, 3), ulong.MaxValue, null, [99], row => false);

        segment.Delete(new ScalarColumn<long>(DataType.Int64, near), 7);
        foreach (var pk in near)
        {
            Check(segment.View(), Vector(vectors, pk), ulong.MaxValue, null, [], row => !near.Contains(row));
            Check(segment.View(), Vector(vectors, pk), 6, null, [], row => true);
        }
    }

    [Fact]
    public void Rows_inserted_before_the_ttl_bound_are_neither_searched_nor_queried_nor_counted()
    {
        var (segment, pks, vectors, _) = IndexedSegment(6);

        foreach (var pk in new[] { 3L, 150L })
        {
            // The bound is inclusive: a row written at the bound itself has not expired yet.
            Check(segment.View(), Vector(vectors, pk), ulong.MaxValue, null, [], row => row >= 100, expiredBefore: 6);
            Check(segment.View(), Vector(vectors, pk), ulong.MaxValue, null, [], row => true, expiredBefore: 5);
            Check(segment.View(), Vector(vectors, pk), ulong.MaxValue, null, [], row => false, expiredBefore: 7);
        }

        var count = new QueryPlan(0, null, [], [], ulong.MaxValue, null, true, ExpiredBefore: 6);
        Assert.Equal(100, segment.View().Query(count, null).Count);
        var rows = segment.View().Query(new QueryPlan(0, null, [TagField], [], ulong.MaxValue, null, false, ExpiredBefore: 6), null);
        Assert.Equal(pks[100..], Keys(rows.Pks));
    }

    /// <summary>Rows 0-99 written at timestamp 5, rows 100-199 at 6, with an exact index over all of them.</summary>
    private static (Segment Segment, long[] Pks, float[] Vectors, int[] Tags) IndexedSegment(int seed)
    {
        var random = new Random(seed);
        var pks = Enumerable.Range(0, Rows).Select(i => (long)i).ToArray();
        var vectors = Enumerable.Range(0, Rows * Dim).Select(_ => random.NextSingle()).ToArray();
        var tags = Enumerable.Range(0, Rows).Select(i => i % 10).ToArray();
        var segment = new Segment(1, 10, Schema);
        segment.Append(Batch(pks[..100], vectors[..(100 * Dim)], tags[..100]), 5);
        segment.Append(Batch(pks[100..], vectors[(100 * Dim)..], tags[100..]), 6);
        segment.AttachIndex(VectorField, VectorIndexes.Build(new IndexSpec(IndexType.Flat, MetricType.L2), Dim, vectors));
        return (segment, pks, vectors, tags);
    }

    private static float[] Vector(float[] vectors, long row) => vectors[(int)(row * Dim)..(int)((row + 1) * Dim)];

    private static void Check(SegmentView view, float[] query, ulong readTimestamp, FilterExpression? filter, ImmutableArray<long> partitions,
        Func<int, bool> visible, ulong expiredBefore = 0)
    {
        var stored = (VectorColumn<float>)view.Rows[VectorField];
        var plan = new SearchPlan(0, VectorField, MetricType.L2, 10, 1, query, FilterPlan.Of(filter), ImmutableDictionary<string, string>.Empty,
            partitions, readTimestamp, ExpiredBefore: expiredBefore);
        var expected = Enumerable.Range(0, Rows).Where(visible)
            .OrderBy(row => L2(query, stored.Values[(row * Dim)..((row + 1) * Dim)])).ThenBy(row => row)
            .Take(10).Select(row => (long)row);

        Assert.Equal(expected, Keys(view.Search(plan, filter).Pks));
    }
}
