using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Milvus.Akka.TestSupport;
using Xunit;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>
/// A Kafka-protocol broker on 127.0.0.1 for the whole test assembly: librdkafka's mock cluster, owned by a
/// long-lived producer (the mock lives as long as its owning client). With KAFKA_BOOTSTRAP_SERVERS set, the same
/// tests run against that real broker instead.
/// The mock cannot CreateTopics, DeleteRecords, and keeps only ~5 MB per partition: tests stay well below that,
/// and topics auto-create with <see cref="PartitionCount"/> partitions on first metadata request.
/// </summary>
public sealed class KafkaBroker : IDisposable
{
    public const int PartitionCount = 4;

    private readonly KafkaMockCluster? _mock;
    private readonly IAdminClient _admin;

    public KafkaBroker()
    {
        var external = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        if (string.IsNullOrWhiteSpace(external))
        {
            _mock = new KafkaMockCluster();
            _admin = _mock.Admin;
            BootstrapServers = _mock.BootstrapServers;
        }
        else
        {
            BootstrapServers = external;
            _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = external }).Build();
        }
    }

    public string BootstrapServers { get; }

    public bool IsMock => _mock is not null;

    /// <summary>A fresh topic with <see cref="PartitionCount"/> partitions, so tests never see each other's records.</summary>
    public string CreateTopic()
    {
        var topic = "wal-" + Guid.NewGuid().ToString("N");
        if (IsMock)
        {
            // The mock creates a topic (with its default of 4 partitions) when a producer asks for its metadata.
            _admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        }
        else
        {
            _admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = PartitionCount, ReplicationFactor = 1 }]).GetAwaiter().GetResult();
        }

        return topic;
    }

    public void Dispose()
    {
        if (_mock is null)
        {
            _admin.Dispose();
        }

        _mock?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class KafkaCollection : ICollectionFixture<KafkaBroker>
{
    public const string Name = "kafka";
}
