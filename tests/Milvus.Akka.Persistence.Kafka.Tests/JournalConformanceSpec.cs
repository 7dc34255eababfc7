using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit;
using Xunit;
using Xunit.Abstractions;
using AkkaPersistence = Akka.Persistence.Persistence;
using TestKitBase = Akka.TestKit.Xunit2.TestKit;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>
/// The journal contract (the behaviours of Akka's JournalSpec), exercised through the journal actor protocol
/// exactly as persistent actors use it. Each derived class runs it against one journal plugin.
/// Every test starts with events 1..5 of a fresh persistence id.
/// </summary>
public abstract class JournalConformanceSpec : TestKitBase
{
    private const int ActorInstanceId = 1;

    private readonly string _writerGuid = Guid.NewGuid().ToString();
    private readonly IActorRef _journal;

    protected JournalConformanceSpec(Config config, ITestOutputHelper output) : base(config, output: output)
    {
        _journal = AkkaPersistence.Instance.Apply(Sys).JournalFor(null);
        Pid = "shard-" + Guid.NewGuid().ToString("N")[..8] + "-0";
        WriteEvents(Pid, 1, 5);
    }

    protected string Pid { get; }

    /// <summary>Whether replay returns the writer uuid of each event's writer (the replay filter relies on it to drop zombie writes).</summary>
    protected virtual bool KeepsWriterGuid => true;

    /// <summary>Whether replay returns the event adapter manifest written with each event (event adapters select on it).</summary>
    protected virtual bool KeepsAdapterManifest => true;

    protected IActorRef Journal => _journal;

    [Fact]
    public void Replays_all_events() => AssertReplay(1, long.MaxValue, long.MaxValue, [1, 2, 3, 4, 5]);

    [Fact]
    public void Replays_from_a_lower_bound() => AssertReplay(3, long.MaxValue, long.MaxValue, [3, 4, 5]);

    [Fact]
    public void Replays_up_to_an_upper_bound() => AssertReplay(1, 3, long.MaxValue, [1, 2, 3]);

    [Fact]
    public void Replays_at_most_max_events() => AssertReplay(1, long.MaxValue, 2, [1, 2]);

    [Fact]
    public void Replays_between_both_bounds() => AssertReplay(2, 3, long.MaxValue, [2, 3]);

    [Fact]
    public void Replays_between_both_bounds_at_most_max_events() => AssertReplay(2, 5, 2, [2, 3]);

    [Fact]
    public void Replays_a_single_event_when_bounds_are_equal() => AssertReplay(2, 2, long.MaxValue, [2]);

    [Fact]
    public void Replays_one_event_when_max_is_one() => AssertReplay(1, long.MaxValue, 1, [1]);

    [Fact]
    public void Replays_nothing_when_max_is_zero() => AssertReplay(1, long.MaxValue, 0, []);

    [Fact]
    public void Replays_nothing_when_lower_bound_exceeds_upper_bound() => AssertReplay(3, 2, long.MaxValue, []);

    [Fact]
    public void Replays_nothing_and_reports_zero_for_an_unknown_persistence_id()
    {
        var probe = CreateTestProbe();
        _journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "unknown-" + Guid.NewGuid(), probe.Ref));
        Assert.Equal(0, probe.ExpectMsg<RecoverySuccess>().HighestSequenceNr);
    }

    [Fact]
    public void Reports_the_highest_sequence_number_with_a_replay()
    {
        var probe = CreateTestProbe();
        _journal.Tell(new ReplayMessages(2, 3, long.MaxValue, Pid, probe.Ref));
        probe.ExpectMsg<ReplayedMessage>();
        probe.ExpectMsg<ReplayedMessage>();
        Assert.Equal(5, probe.ExpectMsg<RecoverySuccess>().HighestSequenceNr);
    }

    [Fact]
    public void Does_not_replay_deleted_events()
    {
        Delete(Pid, 3);
        AssertReplay(1, long.MaxValue, long.MaxValue, [4, 5]);
        AssertReplay(2, 4, long.MaxValue, [4]);
    }

    [Fact]
    public void Keeps_the_highest_sequence_number_after_deleting_every_event()
    {
        Delete(Pid, 5);
        AssertReplay(1, long.MaxValue, long.MaxValue, [], expectedHighest: 5);

        // Deleting beyond the highest sequence number must not hide events written afterwards.
        Delete(Pid, long.MaxValue);
        WriteEvents(Pid, 6, 7);
        AssertReplay(1, long.MaxValue, long.MaxValue, [6, 7], expectedHighest: 7);
    }

    [Fact]
    public void Round_trips_payloads_through_their_serializer_and_keeps_writer_and_manifest()
    {
        var probe = CreateTestProbe();
        _journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, Pid, probe.Ref));
        for (var seq = 1; seq <= 5; seq++)
        {
            var persistent = probe.ExpectMsg<ReplayedMessage>().Persistent;
            Assert.Equal(new TestEvent($"{Pid}-{seq}"), persistent.Payload);
            Assert.Equal(Pid, persistent.PersistenceId);
            if (KeepsWriterGuid)
            {
                Assert.Equal(_writerGuid, persistent.WriterGuid);
            }

            if (KeepsAdapterManifest)
            {
                Assert.Equal($"adapter-{seq}", persistent.Manifest);
            }
        }

        probe.ExpectMsg<RecoverySuccess>();
    }

    [Fact]
    public void Rejects_an_unserializable_write_and_persists_the_writes_around_it()
    {
        var probe = CreateTestProbe();
        var writes = new IPersistentEnvelope[]
        {
            Atomic(Pid, 6, 6),
            new AtomicWrite(Event(Pid, 7, new UnserializableEvent("boom"))),
            Atomic(Pid, 8, 8),
        };
        _journal.Tell(new WriteMessages(writes, probe.Ref, ActorInstanceId));

        probe.ExpectMsg<WriteMessagesSuccessful>();
        Assert.Equal(6, probe.ExpectMsg<WriteMessageSuccess>().Persistent.SequenceNr);
        var rejected = probe.ExpectMsg<WriteMessageRejected>();
        Assert.Equal(7, rejected.Persistent.SequenceNr);
        Assert.NotNull(rejected.Cause);
        Assert.Equal(8, probe.ExpectMsg<WriteMessageSuccess>().Persistent.SequenceNr);

        AssertReplay(1, long.MaxValue, long.MaxValue, [1, 2, 3, 4, 5, 6, 8], expectedHighest: 8);
    }

    [Fact]
    public void Writes_and_replays_a_multi_event_atomic_write_as_one_unit()
    {
        var probe = CreateTestProbe();
        _journal.Tell(new WriteMessages([Atomic(Pid, 6, 9)], probe.Ref, ActorInstanceId));
        probe.ExpectMsg<WriteMessagesSuccessful>();
        for (var seq = 6; seq <= 9; seq++)
        {
            Assert.Equal(seq, probe.ExpectMsg<WriteMessageSuccess>().Persistent.SequenceNr);
        }

        AssertReplay(1, long.MaxValue, long.MaxValue, [1, 2, 3, 4, 5, 6, 7, 8, 9], expectedHighest: 9);

        // A bound inside the atomic write still cuts at the exact event.
        AssertReplay(7, 8, long.MaxValue, [7, 8], expectedHighest: 9);
    }

    [Fact]
    public void Keeps_many_persistence_ids_apart_when_written_concurrently()
    {
        // Enough ids that several share each Kafka partition.
        var pids = Enumerable.Range(0, 24).Select(i => $"shard-{i}-{Guid.NewGuid():N}").ToArray();
        var probes = pids.Select(_ => CreateTestProbe()).ToArray();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < pids.Length; i++)
            {
                var from = round * 3 + 1;
                _journal.Tell(new WriteMessages([Atomic(pids[i], from, from + 2)], probes[i].Ref, ActorInstanceId));
            }

            foreach (var probe in probes)
            {
                probe.ExpectMsg<WriteMessagesSuccessful>();
                probe.ExpectMsg<WriteMessageSuccess>();
                probe.ExpectMsg<WriteMessageSuccess>();
                probe.ExpectMsg<WriteMessageSuccess>();
            }
        }

        foreach (var pid in pids)
        {
            AssertReplay(pid, 1, long.MaxValue, long.MaxValue, [1, 2, 3, 4, 5, 6, 7, 8, 9], expectedHighest: 9);
        }
    }

    [Fact]
    public void Recovers_a_persistent_actor_from_its_events()
    {
        var pid = "actor-" + Guid.NewGuid().ToString("N");
        var first = Sys.ActorOf(Props.Create(() => new ListActor(pid)));
        first.Tell(new ListActor.Add(["a", "b", "c"]));
        first.Tell(new ListActor.Add(["d"]));
        first.Tell(ListActor.Get.Instance);
        Assert.Equal(["a", "b", "c", "d"], ExpectMsg<string[]>());
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        var second = Sys.ActorOf(Props.Create(() => new ListActor(pid)));
        second.Tell(ListActor.Get.Instance);
        Assert.Equal(["a", "b", "c", "d"], ExpectMsg<string[]>());
    }

    protected Persistent Event(string pid, long seq, object? payload = null) =>
        new(payload ?? new TestEvent($"{pid}-{seq}"), seq, pid, $"adapter-{seq}", false, ActorRefs.NoSender, _writerGuid);

    protected AtomicWrite Atomic(string pid, long from, long to) =>
        new(Enumerable.Range((int)from, (int)(to - from + 1)).Select(seq => (IPersistentRepresentation)Event(pid, seq)).ToImmutableList());

    protected void WriteEvents(string pid, long from, long to)
    {
        var probe = CreateTestProbe();
        var writes = Enumerable.Range((int)from, (int)(to - from + 1)).Select(seq => (IPersistentEnvelope)new AtomicWrite(Event(pid, seq))).ToArray();
        _journal.Tell(new WriteMessages(writes, probe.Ref, ActorInstanceId));
        // Generous: the first write of a journal also initialises its storage (SQLite tables, Kafka metadata).
        probe.ExpectMsg<WriteMessagesSuccessful>(TimeSpan.FromSeconds(15));
        for (var seq = from; seq <= to; seq++)
        {
            Assert.Equal(seq, probe.ExpectMsg<WriteMessageSuccess>().Persistent.SequenceNr);
        }
    }

    protected void Delete(string pid, long toSequenceNr)
    {
        var probe = CreateTestProbe();
        _journal.Tell(new DeleteMessagesTo(pid, toSequenceNr, probe.Ref));
        probe.ExpectMsg<DeleteMessagesSuccess>();
    }

    private void AssertReplay(long from, long to, long max, long[] expected, long expectedHighest = 5) =>
        AssertReplay(Pid, from, to, max, expected, expectedHighest);

    private void AssertReplay(string pid, long from, long to, long max, long[] expected, long expectedHighest)
    {
        var probe = CreateTestProbe();
        _journal.Tell(new ReplayMessages(from, to, max, pid, probe.Ref));
        var replayed = new List<long>();
        RecoverySuccess? success = null;
        while (success is null)
        {
            var message = probe.ReceiveOne(TimeSpan.FromSeconds(10));
            switch (message)
            {
                case ReplayedMessage replayedMessage:
                    Assert.Equal(new TestEvent($"{pid}-{replayedMessage.Persistent.SequenceNr}"), replayedMessage.Persistent.Payload);
                    replayed.Add(replayedMessage.Persistent.SequenceNr);
                    break;
                case RecoverySuccess recoverySuccess:
                    success = recoverySuccess;
                    break;
                default:
                    Assert.Fail($"Unexpected reply to a replay: {message?.ToString() ?? "timeout"}");
                    break;
            }
        }

        Assert.Equal(expected, replayed);
        Assert.Equal(expectedHighest, success.HighestSequenceNr);
    }
}

/// <summary>A persistent actor that keeps a list of strings; one command persists its items as one atomic batch.</summary>
public sealed class ListActor : ReceivePersistentActor
{
    private readonly List<string> _items = [];

    public ListActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<TestEvent>(e => _items.Add(e.Value));
        Command<Add>(add => PersistAll(add.Items.Select(item => new TestEvent(item)), e => _items.Add(e.Value)));
        Command<Get>(_ => Sender.Tell(_items.ToArray()));
    }

    public override string PersistenceId { get; }

    public sealed record Add(string[] Items);

    public sealed class Get
    {
        public static Get Instance { get; } = new();

        private Get()
        {
        }
    }
}
