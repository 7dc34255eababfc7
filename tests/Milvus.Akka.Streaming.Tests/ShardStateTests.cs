using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;
using Milvus.Akka.TestSupport;
using Xunit;

namespace Milvus.Akka.Streaming.Tests;

/// <summary>The shard's write side without an actor: planning groups of writes, applying their events, deduplication.</summary>
public sealed class ShardStateTests
{
    private const long PkField = TestCollections.PrimaryKeyFieldId;
    private const long VectorField = TestCollections.VectorFieldId;
    private const int Dim = 4;

    private static readonly CollectionSchema Schema = TestCollections.Schema(Dim);

    private static ShardState NewState(params long[] reservedIds)
    {
        var state = new ShardState(Schema, AppliedWritesSettings.Default);
        if (reservedIds.Length > 0)
        {
            state.Apply(new SegmentIdsReserved(reservedIds[0], reservedIds.Length));
        }

        return state;
    }

    private static RowBatch Rows(params long[] keys) => new(ImmutableDictionary<long, Column>.Empty
        .Add(PkField, new ScalarColumn<long>(DataType.Int64, keys))
        .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, Dim, [.. keys.SelectMany(k => Enumerable.Repeat((float)k, Dim))])));

    private static InsertRows Insert(long partition, string requestId, ulong timestamp, params long[] keys) =>
        new("s", partition, Rows(keys), timestamp, requestId);

    private static void ApplyAll(ShardState state, WritePlan plan)
    {
        foreach (var e in plan.Events)
        {
            switch (e)
            {
                case RowsInserted inserted: state.Apply(inserted); break;
                case RowsDeleted deleted: state.Apply(deleted); break;
            }
        }
    }

    [Fact]
    public void A_group_for_one_new_partition_opens_one_segment_and_rises_in_timestamp()
    {
        var state = NewState(10, 11);
        var plan = state.PlanWrites([Insert(1, "a", 5, 1, 2), Insert(1, "b", 5, 3), Insert(1, "c", 100, 4)]);

        Assert.Equal(3, plan.Planned);
        Assert.Equal<WriteOutcome>([new JournaledWrite(0), new JournaledWrite(1), new JournaledWrite(2)], plan.Outcomes);
        var events = plan.Events.Cast<RowsInserted>().ToList();
        Assert.All(events, e => Assert.Equal(10, e.SegmentId));
        Assert.Equal([5UL, 6UL, 100UL], events.Select(e => e.Timestamp));
        Assert.Empty(state.Segments); // planning changes nothing

        ApplyAll(state, plan);
        Assert.Equal(4, state.Segments[10].RowCount);
        Assert.Equal(10, state.GrowingByPartition[1]);
        Assert.Equal([11L], state.ReservedSegmentIds);
        Assert.Equal(100UL, state.LastTimestamp);
    }

    [Fact]
    public void New_partitions_take_reserved_ids_in_order_and_the_rest_waits_for_more()
    {
        var state = NewState(10, 11);
        var plan = state.PlanWrites([Insert(1, "a", 1, 1), Insert(2, "b", 1, 2), Insert(1, "c", 1, 3), Insert(3, "d", 1, 4), Insert(1, "e", 1, 5)]);

        Assert.Equal(3, plan.Planned); // "d" needs a third segment: it and everything after it wait, in order
        Assert.Equal([10L, 11L, 10L], plan.Events.Cast<RowsInserted>().Select(e => e.SegmentId));
        ApplyAll(state, plan);
        Assert.Empty(state.ReservedSegmentIds);
        Assert.True(state.NeedsSegmentIds(4));

        state.Apply(new SegmentIdsReserved(20, 4));
        var rest = state.PlanWrites([Insert(3, "d", 1, 4), Insert(1, "e", 1, 5)]);
        Assert.Equal([20L, 10L], rest.Events.Cast<RowsInserted>().Select(e => e.SegmentId));
    }

    [Fact]
    public void A_request_id_is_journaled_once_per_group_and_answered_from_memory_afterwards()
    {
        var state = NewState(10);
        var plan = state.PlanWrites([Insert(1, "a", 7, 1, 2), Insert(1, "a", 9, 1, 2), Insert(1, "", 9, 3), Insert(1, "", 9, 3)]);

        Assert.Equal<WriteOutcome>([new JournaledWrite(0), new JournaledWrite(0), new JournaledWrite(1), new JournaledWrite(2)], plan.Outcomes);
        ApplyAll(state, plan);
        Assert.Equal(4, state.Segments[10].RowCount); // "a" once, the two id-less writes both

        var again = state.PlanWrites([Insert(1, "a", 50, 1, 2), new DeleteRows("s", new ScalarColumn<long>(DataType.Int64, [3]), 50, "a")]);
        Assert.Equal<WriteOutcome>([new AnsweredWrite(7), new AnsweredWrite(7)], again.Outcomes);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void A_group_stops_at_its_byte_bound_and_the_rest_waits_for_the_next()
    {
        var rows = ShardState.MaxGroupBytes / 4 / (Dim * sizeof(float) + sizeof(long)) + 1; // a quarter of the bound and a row
        var big = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(PkField, new ScalarColumn<long>(DataType.Int64, new long[rows]))
            .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, Dim, new float[rows * Dim])));
        var state = NewState(10);
        var writes = Enumerable.Range(0, 6).Select(i => new InsertRows("s", 1, big, 1, $"w{i}")).ToList();

        var plan = state.PlanWrites(writes);
        Assert.Equal(4, plan.Planned);
        ApplyAll(state, plan);
        Assert.Equal(2, state.PlanWrites(writes.Skip(plan.Planned).ToList()).Planned);
    }

    [Fact]
    public void Deletes_plan_in_arrival_order_between_inserts()
    {
        var state = NewState(10);
        var plan = state.PlanWrites([Insert(1, "i1", 10, 1), new DeleteRows("s", new ScalarColumn<long>(DataType.Int64, [1]), 10, "d"), Insert(1, "i2", 10, 1)]);
        ApplyAll(state, plan);

        var view = state.Segments[10].View();
        Assert.Equal([10UL, 11UL, 12UL], plan.Events.Select(e => e switch { RowsInserted i => i.Timestamp, RowsDeleted d => d.Timestamp, _ => 0UL }));
        Assert.Equal(1, view.Visible(ulong.MaxValue).PopCount()); // the first version is deleted, the re-insert after the delete is not
        Assert.Single(state.Deletes.Buffered);
    }

    [Fact]
    public void An_upsert_plans_the_delete_of_its_keys_then_its_rows_and_is_deduplicated_as_a_whole()
    {
        var state = NewState(10);
        ApplyAll(state, state.PlanWrites([Insert(1, "old", 5, 1, 2, 3)]));

        var upsert = new UpsertRows("s", 1, Rows(1, 2), 20, "u");
        var plan = state.PlanWrites([upsert, upsert with { Timestamp = 30 }]);

        // Both events in one plan, which the actor journals as one atomic write; acknowledged at the rows' event.
        Assert.Equal<WriteOutcome>([new JournaledWrite(1), new JournaledWrite(1)], plan.Outcomes);
        var deleted = Assert.IsType<RowsDeleted>(plan.Events[0]);
        var inserted = Assert.IsType<RowsInserted>(plan.Events[1]);
        Assert.Equal([1L, 2L], ((ScalarColumn<long>)deleted.Pks).Values);
        Assert.Equal((20UL, 21UL), (deleted.Timestamp, inserted.Timestamp));
        Assert.Equal((10L, "u"), (inserted.SegmentId, inserted.RequestId));
        Assert.Equal("", deleted.RequestId); // the upsert is remembered once, at the rows' timestamp

        ApplyAll(state, plan);
        var visible = state.Segments[10].View().Visible(ulong.MaxValue);
        Assert.Equal(3, visible.PopCount()); // keys 1 and 2 at their new version only, key 3 untouched

        var again = state.PlanWrites([upsert with { Timestamp = 50 }]);
        Assert.Equal<WriteOutcome>([new AnsweredWrite(21)], again.Outcomes);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void An_upsert_waiting_for_a_segment_id_plans_neither_its_delete_nor_its_rows()
    {
        var state = NewState();
        var plan = state.PlanWrites([new UpsertRows("s", 1, Rows(1), 20, "u")]);

        Assert.Equal(0, plan.Planned);
        Assert.Empty(plan.Events);
    }

    [Fact]
    public void Seals_are_due_only_for_growing_segments_over_the_policy()
    {
        var state = NewState(10, 11);
        ApplyAll(state, state.PlanWrites([Insert(1, "a", 1, 1, 2, 3), Insert(2, "b", 1, 4)]));
        var policy = SealPolicy.Default with { MaxRows = 3 };

        Assert.Equal([(10L, SealReason.Capacity)], state.SealsDue([10, 11], policy, DateTimeOffset.UtcNow));
        state.Apply(new SegmentsSealed([10], SealReason.Capacity));
        Assert.Empty(state.SealsDue([10, 11], policy, DateTimeOffset.UtcNow));
        Assert.False(state.GrowingByPartition.ContainsKey(1));
    }

    /// <summary>
    /// Property: however writes are split into groups (the actor groups what arrived during the previous journal
    /// write), the applied state is the same as writing them one at a time: each request id applied once, every row
    /// in its partition's segment, timestamps strictly rising in arrival order.
    /// </summary>
    [Fact]
    public void Grouping_never_changes_what_is_applied()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            var random = new Random(seed);
            var writes = new List<IShardWrite>();
            var key = 0L;
            for (var i = random.Next(1, 40); i > 0; i--)
            {
                var requestId = random.Next(4) == 0 ? "" : $"r{random.Next(15)}";
                var timestamp = (ulong)random.Next(1, 30);
                writes.Add(random.Next(5) == 0
                    ? new DeleteRows("s", new ScalarColumn<long>(DataType.Int64, [random.NextInt64(key + 1)]), timestamp, requestId)
                    : Insert(random.Next(3), requestId, timestamp, [.. Enumerable.Range(0, random.Next(1, 4)).Select(_ => key++)]));
            }

            var oneByOne = Run(writes, _ => 1);
            var grouped = Run(writes, r => r.Next(1, 8));
            Assert.Equal(oneByOne.Rows, grouped.Rows);
            Assert.Equal(oneByOne.Timestamps, grouped.Timestamps);
            Assert.Equal(oneByOne.Visible, grouped.Visible);
            Assert.True(grouped.Timestamps.Zip(grouped.Timestamps.Skip(1), (a, b) => a < b).All(rises => rises), $"seed {seed}: timestamps rise");
            var distinctIds = writes.Where(w => w.RequestId.Length > 0).Select(w => w.RequestId).Distinct().Count();
            Assert.Equal(distinctIds + writes.Count(w => w.RequestId.Length == 0), grouped.Timestamps.Count);
        }

        static (SortedDictionary<long, int> Rows, List<ulong> Timestamps, long Visible) Run(IReadOnlyList<IShardWrite> writes, Func<Random, int> groupSize)
        {
            var random = new Random(7);
            var state = NewState(10, 11, 12);
            var timestamps = new List<ulong>();
            for (var next = 0; next < writes.Count;)
            {
                var group = writes.Skip(next).Take(groupSize(random)).ToList();
                var plan = state.PlanWrites(group);
                Assert.Equal(group.Count, plan.Planned); // three partitions, three reserved ids
                ApplyAll(state, plan);
                timestamps.AddRange(plan.Events.Select(e => e switch { RowsInserted i => i.Timestamp, RowsDeleted d => d.Timestamp, _ => 0UL }));
                next += group.Count;
            }

            var rows = new SortedDictionary<long, int>(state.GrowingByPartition.ToDictionary(p => p.Key, p => state.Segments[p.Value].RowCount));
            return (rows, timestamps, state.Segments.Values.Sum(s => (long)s.View().Visible(ulong.MaxValue).PopCount()));
        }
    }
}
