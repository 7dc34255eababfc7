using System.Collections.Immutable;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Confluent.Kafka;
using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using Milvus.Akka.Persistence.Kafka.Proto;
using Xunit;
using AkkaPersistence = Akka.Persistence.Persistence;
using TestKitBase = Akka.TestKit.Xunit2.TestKit;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>What the Kafka journal puts on the wire, read back with a plain consumer.</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaRecordFormatSpec : TestKitBase
{
    private readonly KafkaBroker _broker;
    private readonly string _topic;

    public KafkaRecordFormatSpec(KafkaBroker broker) : this(broker, broker.CreateTopic())
    {
    }

    private KafkaRecordFormatSpec(KafkaBroker broker, string topic)
        : base(ConfigurationFactory.ParseString("akka.persistence.journal.kafka.max-record-bytes = 64KiB").WithFallback(TestConfig.Kafka(broker, topic)))
    {
        _broker = broker;
        _topic = topic;
    }

    [Fact]
    public void Stores_one_record_per_atomic_write_with_serializer_id_and_manifest_in_the_persistence_ids_partition()
    {
        const string pid = "shard-449-1";
        Write(new AtomicWrite(Events(pid, 1, 3).ToImmutableList<IPersistentRepresentation>()));
        Reply<WriteMessagesSuccessful>();

        var records = ReadPartition(PrimaryKeyHash.Bucket(pid, KafkaBroker.PartitionCount));
        var record = Assert.Single(records);
        Assert.Equal(pid, Encoding.UTF8.GetString(record.Message.Key));

        var journalRecord = JournalRecord.Parser.ParseFrom(record.Message.Value);
        Assert.Equal(1u, journalRecord.FormatVersion);
        Assert.Equal([1L, 2L, 3L], journalRecord.Write.Events.Select(e => e.SequenceNr));
        Assert.All(journalRecord.Write.Events, e =>
        {
            Assert.Equal(TestEventSerializer.Id, e.Payload.SerializerId);
            Assert.Equal("te", e.Payload.Manifest);
        });
        Assert.Equal($"{pid}-2", journalRecord.Write.Events[1].Payload.Data.ToStringUtf8());

        // No CLR type name anywhere in the record: renaming a class never breaks the WAL.
        Assert.DoesNotContain(nameof(TestEvent), Encoding.UTF8.GetString(record.Message.Value));
    }

    [Fact]
    public void Rejects_an_atomic_write_larger_than_max_record_bytes_without_failing_the_others()
    {
        const string pid = "shard-450-0";
        var big = new RowEvent(0, 0, new float[20_000]);
        var small = new Persistent(new TestEvent("small"), 2, pid, string.Empty, false, ActorRefs.NoSender, "w");
        Write(new AtomicWrite(new Persistent(big, 1, pid, string.Empty, false, ActorRefs.NoSender, "w")), new AtomicWrite(small));

        Reply<WriteMessagesSuccessful>();
        var rejected = Reply<WriteMessageRejected>();
        Assert.Equal(ErrorCode.ParameterTooLarge, Assert.IsType<MilvusException>(rejected.Cause).Code);
        Assert.Equal(2, Reply<WriteMessageSuccess>().Persistent.SequenceNr);
    }

    private IEnumerable<Persistent> Events(string pid, long from, long to)
    {
        for (var seq = from; seq <= to; seq++)
        {
            yield return new Persistent(new TestEvent($"{pid}-{seq}"), seq, pid, string.Empty, false, ActorRefs.NoSender, "writer");
        }
    }

    private void Write(params AtomicWrite[] writes) =>
        AkkaPersistence.Instance.Apply(Sys).JournalFor(null).Tell(new WriteMessages(writes, TestActor, 1));

    private T Reply<T>() => ExpectMsg<T>();

    private List<ConsumeResult<byte[], byte[]>> ReadPartition(int partition)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = "format-test",
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(_topic, partition, Offset.Beginning));
        var records = new List<ConsumeResult<byte[], byte[]>>();
        while (consumer.Consume(TimeSpan.FromSeconds(10)) is { IsPartitionEOF: false } result)
        {
            records.Add(result);
        }

        return records;
    }
}
