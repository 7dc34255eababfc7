using System.Collections.Concurrent;
using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// Searches and retrievals on views of a growing segment while its owner appends and deletes on another thread: every
/// read equals a brute-force oracle over the rows and deletes visible at its read timestamp.
/// </summary>
public sealed class ConcurrentViewTests
{
    internal const int Dim = 4;
    internal const long PkField = 100, VectorField = 101, TagField = 102;

    internal static readonly CollectionSchema Schema = new()
    {
        Name = "views",
        Fields =
        [
            new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = VectorField, Name = "v", DataType = DataType.FloatVector,
                TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, Dim.ToString())]),
            },
            new FieldSchema { FieldId = TagField, Name = "tag", DataType = DataType.Int32 },
        ],
    };

    /// <summary>What the writer did, in order: rows appended or keys deleted at a timestamp.</summary>
    private sealed record Written(ulong Timestamp, long[] Pks, float[]? Vectors, int[]? Tags);

    private sealed record OracleRow(long Pk, float[] Vector, int Tag);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Reads_during_appends_and_deletes_equal_the_oracle_at_their_timestamp(int seed)
    {
        var segment = new Segment(1, 10, Schema);
        var log = new ConcurrentQueue<Written>();
        long completed = 0;
        var writerDone = false;
        var filter = FilterExpression.Parse("tag < 5", Schema);

        var writer = Task.Run(() =>
        {
            var random = new Random(seed);
            var nextPk = 0L;
            for (ulong ts = 1; ts <= 300; ts++)
            {
                if (ts % 3 == 0 && nextPk > 0)
                {
                    var keys = Enumerable.Range(0, 4).Select(_ => random.NextInt64(nextPk)).Distinct().ToArray();
                    segment.Delete(new ScalarColumn<long>(DataType.Int64, keys), ts);
                    log.Enqueue(new Written(ts, keys, null, null));
                }
                else
                {
                    var count = random.Next(1, 20);
                    var pks = Enumerable.Range(0, count).Select(_ => nextPk++).ToArray();
                    var vectors = Enumerable.Range(0, count * Dim).Select(_ => random.NextSingle()).ToArray();
                    var tags = Enumerable.Range(0, count).Select(_ => random.Next(10)).ToArray();
                    segment.Append(Batch(pks, vectors, tags), ts);
                    log.Enqueue(new Written(ts, pks, vectors, tags));
                }

                Volatile.Write(ref completed, (long)ts);
            }

            Volatile.Write(ref writerDone, true);
        });

        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(seed * 10 + r);
            var reads = 0;
            while (!Volatile.Read(ref writerDone) || reads < 20)
            {
                var upTo = (ulong)Volatile.Read(ref completed);
                if (upTo == 0)
                {
                    continue;
                }

                // Any timestamp the writer has finished: later writes may already be in the view, MVCC must hide them.
                var readTimestamp = (ulong)random.NextInt64(1, (long)upTo + 1);
                var view = segment.View();
                var oracle = Oracle(log, readTimestamp);
                CheckQuery(view, readTimestamp, filter, oracle);
                CheckSearch(view, readTimestamp, filter, oracle, random);
                reads++;
            }

            return reads;
        })).ToArray();

        // A failed read throws out of its reader task, and so out of this await.
        await writer.WaitAsync(TimeSpan.FromMinutes(2));
        var reads = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(reads, count => Assert.True(count >= 20, $"a reader checked only {count} reads"));
    }

    [Fact]
    public void A_view_keeps_its_rows_after_later_appends_and_sees_no_delete_above_its_read_timestamp()
    {
        var segment = new Segment(1, 10, Schema);
        segment.Append(Batch([1, 2], [0, 0, 0, 0, 1, 1, 1, 1], [1, 2]), 5);
        var view = segment.View();
        var all = new QueryPlan(0, null, [TagField], [], 7, null, false);

        segment.Append(Batch([3], [2, 2, 2, 2], [3]), 6);
        segment.Delete(new ScalarColumn<long>(DataType.Int64, [1]), 8);

        Assert.Equal([1L, 2L], Keys(view.Query(all, null).Pks));
        Assert.Equal([1L, 2L, 3L], Keys(segment.View().Query(all, null).Pks));
        Assert.Equal([2L, 3L], Keys(segment.View().Query(all with { ReadTimestamp = 8 }, null).Pks));
    }

    [Fact]
    public void A_read_including_deleted_rows_keeps_deleted_and_replaced_rows_written_by_its_timestamp()
    {
        var segment = new Segment(1, 10, Schema);
        segment.Append(Batch([1, 2, 3], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], [1, 2, 3]), 5);
        segment.Delete(new ScalarColumn<long>(DataType.Int64, [1]), 6);
        // An upsert: the old version of key 2 is deleted as its new one is written.
        segment.Delete(new ScalarColumn<long>(DataType.Int64, [2]), 7);
        segment.Append(Batch([2], [3, 3, 3, 3], [20]), 7);
        segment.Append(Batch([4], [4, 4, 4, 4], [4]), 9);
        var counted = new QueryPlan(0, null, [], [], 8, null, CountOnly: true, IncludeDeleted: true);

        Assert.Equal(2, segment.View().Query(counted with { IncludeDeleted = false }, null).Count);
        Assert.Equal(4, segment.View().Query(counted, null).Count);
        Assert.Equal(5, segment.View().Query(counted with { ReadTimestamp = 9 }, null).Count);
        Assert.Equal(1, segment.View().Query(counted with { ExpiredBefore = 7 }, null).Count);
        Assert.Equal([1L, 2L, 2L, 3L], Keys(segment.View().Query(counted with { CountOnly = false, OutputFieldIds = [TagField] }, null).Pks));
    }

    [Fact]
    public void Search_hits_carry_their_output_fields_and_retrieval_by_primary_key_selects_those_keys()
    {
        var segment = new Segment(1, 10, Schema);
        segment.Append(Batch([1, 2, 3], [0, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5], [7, 8, 9]), 5);
        var plan = new SearchPlan(0, VectorField, MetricType.L2, 2, 1, [0.9f, 0.9f, 0.9f, 0.9f], null,
            ImmutableDictionary<string, string>.Empty, [], ulong.MaxValue, OutputFieldIds: [TagField]);

        var hits = segment.View().Search(plan, null);

        Assert.Equal([2L, 1L], Keys(hits.Pks));
        Assert.Equal([8, 7], ((ScalarColumn<int>)hits.Fields![TagField]).Values);
        var byKeys = segment.View().Query(new QueryPlan(0, null, [TagField], [], ulong.MaxValue, null, false,
            new ScalarColumn<long>(DataType.Int64, [3, 1, 42])), null);
        Assert.Equal([1L, 3L], Keys(byKeys.Pks));
        Assert.Equal([7, 9], ((ScalarColumn<int>)byKeys.Fields[TagField]).Values);
    }

    private static void CheckQuery(SegmentView view, ulong readTimestamp, FilterExpression filter, List<OracleRow> oracle)
    {
        var plan = new QueryPlan(0, FilterPlan.Of(filter), [TagField], [], readTimestamp, null, false);
        var rows = view.Query(plan, filter);
        var expected = oracle.Where(r => r.Tag < 5).ToList();
        Assert.Equal(expected.Select(r => r.Pk), Keys(rows.Pks));
        Assert.Equal(expected.Select(r => r.Tag), ((ScalarColumn<int>)rows.Fields[TagField]).Values);
        var count = view.Query(plan with { Filter = null, CountOnly = true }, null);
        Assert.Equal(oracle.Count, count.Count);
    }

    private static void CheckSearch(SegmentView view, ulong readTimestamp, FilterExpression filter, List<OracleRow> oracle, Random random)
    {
        var query = Enumerable.Range(0, Dim).Select(_ => random.NextSingle()).ToArray();
        var plan = new SearchPlan(0, VectorField, MetricType.L2, 10, 1, query, FilterPlan.Of(filter), ImmutableDictionary<string, string>.Empty, [],
            readTimestamp, OutputFieldIds: [TagField]);
        var hits = view.Search(plan, filter);
        var expected = oracle.Where(r => r.Tag < 5)
            .OrderBy(r => L2(query, r.Vector)).ThenBy(r => r.Pk)
            .Take(10).ToList();
        Assert.Equal(expected.Select(r => r.Pk), Keys(hits.Pks));
        Assert.Equal(expected.Select(r => r.Tag), ((ScalarColumn<int>)hits.Fields![TagField]).Values);
    }

    /// <summary>Rows written at or below the read timestamp whose key no delete at or below it removed, ascending by key.</summary>
    private static List<OracleRow> Oracle(IEnumerable<Written> log, ulong readTimestamp)
    {
        var rows = new SortedDictionary<long, OracleRow>();
        foreach (var written in log.Where(w => w.Timestamp <= readTimestamp).OrderBy(w => w.Timestamp))
        {
            for (var i = 0; i < written.Pks.Length; i++)
            {
                if (written.Vectors is null)
                {
                    rows.Remove(written.Pks[i]);
                }
                else
                {
                    rows[written.Pks[i]] = new OracleRow(written.Pks[i], written.Vectors[(i * Dim)..((i + 1) * Dim)], written.Tags![i]);
                }
            }
        }

        return [.. rows.Values];
    }

    internal static float L2(float[] a, float[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    internal static long[] Keys(Column pks) => ((ScalarColumn<long>)pks).Values;

    internal static RowBatch Batch(long[] pks, float[] vectors, int[] tags) => new(ImmutableDictionary<long, Column>.Empty
        .Add(PkField, new ScalarColumn<long>(DataType.Int64, pks))
        .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, Dim, vectors))
        .Add(TagField, new ScalarColumn<int>(DataType.Int32, tags)));
}
