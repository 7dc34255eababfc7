using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// A Kafka-protocol broker on 127.0.0.1: librdkafka's mock cluster, alive as long as this object (its owning client).
/// It cannot create topics through the admin API or delete records, and keeps only ~5 MB per partition; topics are
/// created on the first metadata request, with 4 partitions.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly IProducer<Null, Null> _owner;

    public KafkaMockCluster()
    {
        _owner = new ProducerBuilder<Null, Null>(new ProducerConfig(new Dictionary<string, string> { ["test.mock.num.brokers"] = "1" })).Build();
        Admin = new DependentAdminClientBuilder(_owner.Handle).Build();
        BootstrapServers = string.Join(",", Admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Select(b => $"{b.Host}:{b.Port}"));
    }

    public string BootstrapServers { get; }

    /// <summary>An admin client on the mock (metadata requests create topics).</summary>
    public IAdminClient Admin { get; }

    public void Dispose()
    {
        Admin.Dispose();
        _owner.Dispose();
    }
}
