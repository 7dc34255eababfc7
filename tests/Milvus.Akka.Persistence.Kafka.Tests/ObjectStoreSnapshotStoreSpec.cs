using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Milvus.Akka.Persistence.Kafka.Proto;
using Xunit;
using AkkaPersistence = Akka.Persistence.Persistence;
using TestKitBase = Akka.TestKit.Xunit2.TestKit;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>The snapshot store protocol against the object-storage snapshot store, plus recovery of a persistent actor from a snapshot.</summary>
[Collection(KafkaCollection.Name)]
public sealed class ObjectStoreSnapshotStoreSpec : TestKitBase
{
    private readonly InMemoryObjectStore _objects = new();
    private readonly IActorRef _snapshots;
    private readonly string _pid = "shard-" + Guid.NewGuid().ToString("N") + "/0";
    private readonly SnapshotMetadata[] _saved;

    public ObjectStoreSnapshotStoreSpec(KafkaBroker broker) : base(ConfigurationFactory.ParseString($"""
        akka.persistence.snapshot-store.plugin = "{KafkaPersistence.SnapshotStorePluginId}"
        akka.persistence.snapshot-store.object-store.key-prefix = "wal-snapshots/"
        """).WithFallback(TestConfig.Kafka(broker, broker.CreateTopic())))
    {
        SnapshotObjectStores.Get(Sys).Register("default", _objects);
        _snapshots = AkkaPersistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        _saved = [Save(10, "at-10"), Save(20, "at-20"), Save(30, "at-30")];
    }

    [Fact]
    public async Task Stores_each_snapshot_as_one_object_under_the_escaped_persistence_id()
    {
        var escaped = Uri.EscapeDataString(_pid);
        Assert.Equal(3, _objects.Keys.Count);
        Assert.All(_objects.Keys, key => Assert.StartsWith($"wal-snapshots/{escaped}/", key));
        var envelope = SnapshotEnvelope.Parser.ParseFrom(await _objects.GetAsync(_objects.Keys.First()));
        Assert.Equal((_pid, 10L, TestEventSerializer.Id, "te"), (envelope.PersistenceId, envelope.SequenceNr, envelope.Payload.SerializerId, envelope.Payload.Manifest));
    }

    [Fact]
    public void Loads_the_newest_snapshot_by_default() => AssertLoaded(SnapshotSelectionCriteria.Latest, long.MaxValue, 30, "at-30");

    [Fact]
    public void Loads_the_newest_snapshot_up_to_a_sequence_number() =>
        AssertLoaded(new SnapshotSelectionCriteria(25), long.MaxValue, 20, "at-20");

    [Fact]
    public void Loads_the_newest_snapshot_up_to_the_recovery_target() => AssertLoaded(SnapshotSelectionCriteria.Latest, 29, 20, "at-20");

    [Fact]
    public void Loads_the_newest_snapshot_up_to_a_timestamp() =>
        AssertLoaded(new SnapshotSelectionCriteria(long.MaxValue, _saved[1].Timestamp), long.MaxValue, 20, "at-20");

    [Fact]
    public void Loads_nothing_when_no_snapshot_matches() => AssertLoaded(new SnapshotSelectionCriteria(5), long.MaxValue, null, null);

    [Fact]
    public async Task Falls_back_to_an_older_snapshot_when_the_newest_is_corrupt()
    {
        await _objects.PutAsync(_objects.Keys.Last(), new byte[] { 0xFF, 0xFF, 0xFF });
        AssertLoaded(SnapshotSelectionCriteria.Latest, long.MaxValue, 20, "at-20");
    }

    [Fact]
    public void Deletes_one_snapshot_by_its_metadata()
    {
        _snapshots.Tell(new DeleteSnapshot(_saved[2]), TestActor);
        ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(SnapshotSelectionCriteria.Latest, long.MaxValue, 20, "at-20");
    }

    [Fact]
    public void Deletes_every_snapshot_matching_criteria()
    {
        _snapshots.Tell(new DeleteSnapshots(_pid, new SnapshotSelectionCriteria(20)), TestActor);
        ExpectMsg<DeleteSnapshotsSuccess>();
        Assert.Single(_objects.Keys);
        AssertLoaded(new SnapshotSelectionCriteria(25), long.MaxValue, null, null);
    }

    [Fact]
    public void Recovers_a_persistent_actor_from_its_snapshot_and_the_events_after_it()
    {
        var pid = "snapshotting-" + Guid.NewGuid().ToString("N");
        var first = Sys.ActorOf(Props.Create(() => new SnapshottingActor(pid)));
        first.Tell("a");
        first.Tell("b");
        first.Tell(SnapshottingActor.TakeSnapshot);
        ExpectMsg<SaveSnapshotSuccess>();
        first.Tell("c");
        first.Tell(SnapshottingActor.Get);
        Assert.Equal("a,b,c", ExpectMsg<string>());
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        var second = Sys.ActorOf(Props.Create(() => new SnapshottingActor(pid)));
        second.Tell(SnapshottingActor.Get);
        Assert.Equal("a,b,c", ExpectMsg<string>());
        second.Tell(SnapshottingActor.RecoveredFromSnapshot);
        Assert.Equal("a,b", ExpectMsg<string>());
    }

    private SnapshotMetadata Save(long sequenceNr, string value)
    {
        // Distinct timestamps, as consecutive saves in production have.
        var metadata = new SnapshotMetadata(_pid, sequenceNr, new DateTime(2026, 1, 1, 0, 0, (int)sequenceNr, DateTimeKind.Utc));
        _snapshots.Tell(new SaveSnapshot(metadata, new TestEvent(value)), TestActor);
        return ExpectMsg<SaveSnapshotSuccess>().Metadata;
    }

    private void AssertLoaded(SnapshotSelectionCriteria criteria, long toSequenceNr, long? expectedSequenceNr, string? expectedValue)
    {
        _snapshots.Tell(new LoadSnapshot(_pid, criteria, toSequenceNr), TestActor);
        var result = ExpectMsg<LoadSnapshotResult>();
        Assert.Equal(expectedSequenceNr, result.Snapshot?.Metadata.SequenceNr);
        Assert.Equal(expectedValue, (result.Snapshot?.Snapshot as TestEvent)?.Value);
    }

    /// <summary>Keeps a list of strings on the Kafka journal and snapshots it to object storage on request.</summary>
    private sealed class SnapshottingActor : ReceivePersistentActor
    {
        public const string TakeSnapshot = "snapshot";
        public const string Get = "get";
        public const string RecoveredFromSnapshot = "from-snapshot";

        private readonly List<string> _items = [];
        private string? _fromSnapshot;
        private IActorRef? _snapshotRequester;

        public SnapshottingActor(string persistenceId)
        {
            PersistenceId = persistenceId;
            JournalPluginId = KafkaPersistence.JournalPluginId;
            SnapshotPluginId = KafkaPersistence.SnapshotStorePluginId;
            Recover<SnapshotOffer>(offer =>
            {
                _fromSnapshot = ((TestEvent)offer.Snapshot).Value;
                _items.AddRange(_fromSnapshot.Split(','));
            });
            Recover<TestEvent>(e => _items.Add(e.Value));
            Command<string>(command => command == TakeSnapshot, _ =>
            {
                _snapshotRequester = Sender;
                SaveSnapshot(new TestEvent(string.Join(',', _items)));
            });
            Command<string>(command => command == Get, _ => Sender.Tell(string.Join(',', _items)));
            Command<string>(command => command == RecoveredFromSnapshot, _ => Sender.Tell(_fromSnapshot ?? string.Empty));
            Command<SaveSnapshotSuccess>(success => _snapshotRequester?.Tell(success));
            Command<string>(item => Persist(new TestEvent(item), e => _items.Add(e.Value)));
        }

        public override string PersistenceId { get; }
    }
}
