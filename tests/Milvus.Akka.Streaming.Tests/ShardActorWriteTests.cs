using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Query;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;
using Xunit;

namespace Milvus.Akka.Streaming.Tests;

/// <summary>
/// The shard actor on Akka.Persistence's in-memory journal. Its write path: writes sent without waiting are journaled in
/// groups, each acknowledged in arrival order with a rising timestamp, a batch sent again is answered with its first
/// acknowledgement, an upsert is journaled all or nothing, and everything acknowledged is there again after the shard
/// restarts from its journal. Its flushes: a segment the coordinator retired meanwhile is forgotten. Its reads: a query
/// node that dies with a read in flight is given up at once.
/// </summary>
public sealed class ShardActorWriteTests() : global::Akka.TestKit.Xunit2.TestKit(Hocon)
{
    private const string ShardName = "1_0";
    private const long PkField = TestCollections.PrimaryKeyFieldId;
    private const long VectorField = TestCollections.VectorFieldId;

    private static readonly Config Hocon = ConfigurationFactory.ParseString(RejectingJournal.Hocon + "\n" + $$"""
        akka.persistence.journal.plugin = "{{RejectingJournal.PluginId}}"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.loglevel = WARNING
        # A loaded 2-core CI machine starts actors slowly.
        akka.test.single-expect-default = 20s
        """);

    private static readonly CollectionSchema Schema = TestCollections.Schema(2);

    private static readonly CollectionInfo Collection = new(1, "default", "c", Schema, 1, ConsistencyLevel.Strong, [], [], [],
        ImmutableSortedDictionary<string, string>.Empty, 0, Loaded: false);

    /// <summary>How <see cref="RecordingCoordinator"/> answers a flush.</summary>
    private enum FlushAnswer
    {
        Recorded,

        /// <summary>As a coordinator that merged the segment before its flush was reported (a shard replaying a seal whose flush an earlier incarnation reported).</summary>
        Retired,

        /// <summary>No answer, as a coordinator that fails over.</summary>
        Silent,
    }

    /// <summary>Reserves segment ids, answers flushes as <paramref name="answer"/> says, and tells <paramref name="reports"/> of each.</summary>
    private sealed class RecordingCoordinator : ReceiveActor
    {
        public RecordingCoordinator(IActorRef reports, FlushAnswer answer)
        {
            var ids = 1_000L;
            Receive<AllocateIds>(m =>
            {
                Sender.Tell(new IdsAllocated(ids, m.Count));
                ids += m.Count;
            });
            Receive<SegmentFlushed>(m =>
            {
                reports.Tell(m);
                if (answer != FlushAnswer.Silent)
                {
                    Sender.Tell(new FlushRecorded(m.Segment.SegmentId, Retired: answer == FlushAnswer.Retired));
                }
            });
        }
    }

    /// <summary>Runs <paramref name="test"/> with a fresh local object-storage directory, deleted afterwards.</summary>
    private static void WithObjectStore(Action<string> test)
    {
        var objects = Directory.CreateTempSubdirectory("shard-actor-test").FullName;
        try
        {
            test(objects);
        }
        finally
        {
            Directory.Delete(objects, recursive: true);
        }
    }

    private IActorRef StartShard(IActorRef coordinator, string objects, ShardDistribution? distribution = null) =>
        Sys.ActorOf(ShardActor.Props(ShardName, Collection, distribution ?? new ShardDistribution([], false), coordinator, new LocalObjectStore(objects),
            StreamingSettings.Default));

    private static InsertRows Insert(int i) => new(ShardName, 7, new RowBatch(ImmutableDictionary<long, Column>.Empty
        .Add(PkField, new ScalarColumn<long>(DataType.Int64, [2L * i, 2L * i + 1]))
        .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, 2, [i, i, i, -i]))), 1, $"req-{i}");

    private static UpsertRows Upsert(int i, float value, string requestId) => new(ShardName, 7, new RowBatch(ImmutableDictionary<long, Column>.Empty
        .Add(PkField, new ScalarColumn<long>(DataType.Int64, [2L * i, 2L * i + 1]))
        .Add(VectorField, new VectorColumn<float>(DataType.FloatVector, 2, [value, value, value, value]))), 1, requestId);

    private long CountRows(IActorRef shard)
    {
        shard.Tell(new QueryShard(ShardName, new QueryPlan(Collection.Id, null, [], [], ulong.MaxValue, null, CountOnly: true)));
        return ExpectMsg<QueryRows>().Count;
    }

    [Fact]
    public void Writes_sent_at_once_are_acknowledged_in_order_once_each_and_survive_a_restart() => WithObjectStore(objects =>
    {
        var coordinator = Sys.ActorOf(Props.Create(() => new RecordingCoordinator(ActorRefs.Nobody, FlushAnswer.Recorded)));
        var shard = StartShard(coordinator, objects);
        const int writes = 40;
        for (var i = 0; i < writes; i++)
        {
            shard.Tell(Insert(i));
        }

        shard.Tell(Insert(3)); // sent again while the group holding the first may still be in flight
        // The copy is answered with the first acknowledgement: with it when they were in one group, else from memory.
        var received = Enumerable.Range(0, writes + 1).Select(_ => ExpectMsg<InsertAck>().Timestamp).ToList();
        var copy = received.GroupBy(t => t).Single(g => g.Count() == 2).Key;
        received.RemoveAt(received.LastIndexOf(copy));
        Assert.True(received.Zip(received.Skip(1), (a, b) => a < b).All(rises => rises), "acknowledged in arrival order, timestamps rising");
        var acks = received;
        Assert.Equal(acks[3], copy);
        Assert.Equal(2L * writes, CountRows(shard));

        Watch(shard);
        Sys.Stop(shard);
        ExpectTerminated(shard);

        var restarted = StartShard(coordinator, objects);
        Assert.Equal(2L * writes, CountRows(restarted));
        restarted.Tell(Insert(17));
        Assert.Equal(acks[17], ExpectMsg<InsertAck>().Timestamp);
        Assert.Equal(2L * writes, CountRows(restarted));
    });

    [Fact]
    public void An_upsert_the_journal_rejects_leaves_the_previous_version_and_one_it_stores_replaces_it_once() => WithObjectStore(objects =>
    {
        var coordinator = Sys.ActorOf(Props.Create(() => new RecordingCoordinator(ActorRefs.Nobody, FlushAnswer.Recorded)));
        var shard = StartShard(coordinator, objects);
        shard.Tell(Insert(1));
        ExpectMsg<InsertAck>();

        // The delete of the keys and their new rows are one atomic write: rejected together, nothing is deleted.
        // The rejected upsert is not acknowledged, so the count's answer is the next message.
        shard.Tell(Upsert(1, 9, $"{RejectingJournal.RequestIdPrefix}-1"));
        Assert.Equal(2, CountRows(shard));

        shard.Tell(Upsert(1, 5, "upsert-1"));
        var ack = ExpectMsg<InsertAck>().Timestamp;
        shard.Tell(Upsert(1, 6, "upsert-1")); // sent again: answered from memory, not applied twice
        Assert.Equal(ack, ExpectMsg<InsertAck>().Timestamp);
        Assert.Equal(2, CountRows(shard));

        Watch(shard);
        Sys.Stop(shard);
        ExpectTerminated(shard);

        var restarted = StartShard(coordinator, objects); // replays the delete and the rows as journaled
        Assert.Equal(2, CountRows(restarted));
        restarted.Tell(Upsert(1, 6, "upsert-1"));
        Assert.Equal(ack, ExpectMsg<InsertAck>().Timestamp);
    });

    [Fact]
    public void A_batch_carrying_a_field_added_after_the_shard_took_its_schema_is_refused_as_retriable_until_the_schema_arrives() => WithObjectStore(objects =>
    {
        var coordinator = Sys.ActorOf(Props.Create(() => new RecordingCoordinator(ActorRefs.Nobody, FlushAnswer.Recorded)));
        var shard = StartShard(coordinator, objects);
        shard.Tell(Insert(0));
        ExpectMsg<InsertAck>();
        const long addedField = VectorField + 100;
        var added = new FieldSchema { FieldId = addedField, Name = "added", DataType = DataType.Int64, Nullable = true, DefaultValue = 7L };
        var widened = Schema with { Fields = Schema.Fields.Add(added), Version = 1 };
        var withField = Insert(1) with { RequestId = "with-field" };
        withField = withField with { Rows = new RowBatch(withField.Rows.Columns.Add(addedField, new ScalarColumn<long>(DataType.Int64, [5, 6]))) };

        shard.Tell(withField);
        Assert.Equal(ErrorCode.ServiceUnavailable, ExpectMsg<MilvusFailure>().Code);

        shard.Tell(new WidenShardSchema(ShardName, widened));
        ExpectMsg<Done>();
        shard.Tell(withField);
        ExpectMsg<InsertAck>();

        shard.Tell(new QueryShard(ShardName, new QueryPlan(Collection.Id, FilterPlan.Of(FilterExpression.Parse("added == 7", widened)), [addedField], [], ulong.MaxValue, null, CountOnly: false)));
        var earlier = ExpectMsg<QueryRows>();
        Assert.Equal([0L, 1L], ((ScalarColumn<long>)earlier.Pks).Values.Order());
        Assert.Equal(4, CountRows(shard));
    });

    [Fact]
    public void A_seal_is_answered_before_the_upload_and_the_flush_state_tells_when_it_is_done() => WithObjectStore(objects =>
    {
        // A coordinator that does not answer holds every flush short of recorded.
        var reports = CreateTestProbe();
        var silent = Sys.ActorOf(Props.Create(() => new RecordingCoordinator(reports.Ref, FlushAnswer.Silent)));
        var shard = StartShard(silent, objects);
        shard.Tell(Insert(0));
        ExpectMsg<InsertAck>();

        shard.Tell(new SealShard(ShardName));
        var sealedSegment = Assert.Single(ExpectMsg<ShardFlushed>().SegmentIds);
        reports.ExpectMsg<SegmentFlushed>();
        shard.Tell(new GetShardFlushState(ShardName, [sealedSegment, 424_242]));
        Assert.Equal(sealedSegment, Assert.Single(ExpectMsg<ShardFlushState>().Unflushed));
        // Sealing again names the segment still being flushed, and seals nothing new.
        shard.Tell(new SealShard(ShardName));
        Assert.Equal(sealedSegment, Assert.Single(ExpectMsg<ShardFlushed>().SegmentIds));
        Assert.Equal(2, CountRows(shard));

        // The same journal replayed by a shard whose coordinator records flushes: the sealed segment's flush completes.
        Watch(shard);
        Sys.Stop(shard);
        ExpectTerminated(shard);
        var recording = Sys.ActorOf(Props.Create(() => new RecordingCoordinator(reports.Ref, FlushAnswer.Recorded)));
        var restarted = StartShard(recording, objects);
        AwaitAssert(() =>
        {
            restarted.Tell(new GetShardFlushState(ShardName, [sealedSegment]));
            Assert.Empty(ExpectMsg<ShardFlushState>().Unflushed);
        });
        Assert.Equal(2, CountRows(restarted));
        restarted.Tell(new SealShard(ShardName));
        Assert.Empty(ExpectMsg<ShardFlushed>().SegmentIds);
    });

    [Fact]
    public void A_segment_the_coordinator_retired_before_its_flush_was_recorded_is_forgotten_also_after_a_restart() => WithObjectStore(objects =>
    {
        var reports = CreateTestProbe();
        var coordinator = Sys.ActorOf(Props.Create(() => new RecordingCoordinator(reports.Ref, FlushAnswer.Retired)));
        var shard = StartShard(coordinator, objects);
        shard.Tell(Insert(0));
        ExpectMsg<InsertAck>();
        Assert.Equal(2, CountRows(shard));

        shard.Tell(new FlushShard(ShardName));
        var flushed = reports.ExpectMsg<SegmentFlushed>().Segment;
        Assert.Equal(flushed.SegmentId, Assert.Single(ExpectMsg<ShardFlushed>().SegmentIds));
        // Its rows are read in the segment that replaced it, so the shard no longer reads them itself.
        Assert.Equal(0, CountRows(shard));

        Watch(shard);
        Sys.Stop(shard);
        ExpectTerminated(shard);
        // From the snapshot taken when it was forgotten, or (saved too late) told again when its flush is replayed.
        var restarted = StartShard(coordinator, objects);
        AwaitAssert(() => Assert.Equal(0, CountRows(restarted)));
    });

    [Fact]
    public void A_replayed_sealed_segment_the_distribution_names_retired_is_forgotten_before_any_read_and_not_flushed_again() => WithObjectStore(objects =>
    {
        var reports = CreateTestProbe();
        var shard = StartShard(Sys.ActorOf(Props.Create(() => new RecordingCoordinator(reports.Ref, FlushAnswer.Silent))), objects);
        shard.Tell(Insert(0));
        ExpectMsg<InsertAck>();
        shard.Tell(new FlushShard(ShardName));
        // Reported, never answered: the shard dies with the segment sealed in its journal.
        var sealedId = reports.ExpectMsg<SegmentFlushed>().Segment.SegmentId;
        Watch(shard);
        Sys.Stop(shard);
        ExpectTerminated(shard);

        var restarted = StartShard(Sys.ActorOf(Props.Create(() => new RecordingCoordinator(reports.Ref, FlushAnswer.Retired))), objects,
            new ShardDistribution([], true, [sealedId]));
        Assert.Equal(0, CountRows(restarted));
        reports.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    });

    /// <summary>A query node that loads what it is told (telling <paramref name="loads"/>) and never answers a read.</summary>
    private sealed class SilentQueryNode : ReceiveActor
    {
        public SilentQueryNode(IActorRef loads)
        {
            Receive<LoadSegment>(m =>
            {
                Sender.Tell(new SegmentLoaded(m.Segment.SegmentId));
                loads.Tell(m.Segment.SegmentId);
            });
            ReceiveAny(_ => { });
        }
    }

    /// <summary>A read waiting for a query node that dies is given up at once (not after its 30 s ask timeout): the shard reads the segment itself.</summary>
    [Fact]
    public void A_read_waiting_for_a_query_node_that_dies_is_answered_at_once_from_object_storage() => WithObjectStore(objects =>
    {
        var reports = CreateTestProbe();
        var shard = StartShard(Sys.ActorOf(Props.Create(() => new RecordingCoordinator(reports.Ref, FlushAnswer.Recorded))), objects);
        shard.Tell(Insert(0));
        shard.Tell(Insert(1));
        ExpectMsg<InsertAck>();
        ExpectMsg<InsertAck>();
        shard.Tell(new FlushShard(ShardName));
        var segment = reports.ExpectMsg<SegmentFlushed>().Segment;
        ExpectMsg<ShardFlushed>();

        var loads = CreateTestProbe();
        var queryNode = Sys.ActorOf(Props.Create(() => new SilentQueryNode(loads.Ref)));
        shard.Tell(new AssignSegment(ShardName, segment, queryNode, 1));
        // Its SegmentLoaded is in the shard's mailbox before the read below: the read goes to the silent node.
        Assert.Equal(segment.SegmentId, loads.ExpectMsg<long>());
        shard.Tell(new QueryShard(ShardName, new QueryPlan(Collection.Id, null, [], [], ulong.MaxValue, null, CountOnly: true)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));

        Sys.Stop(queryNode);
        Assert.Equal(4, ExpectMsg<QueryRows>(TimeSpan.FromSeconds(10)).Count);
    });
}
