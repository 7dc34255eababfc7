using Akka.Configuration;
using Confluent.Kafka;
using Milvus.Akka.Common;
using Xunit;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Persistence.Kafka.Tests;

public sealed class KafkaJournalSettingsSpec
{
    [Fact]
    public void Reads_the_reference_defaults()
    {
        var settings = KafkaJournalSettings.Create(global::Akka.Configuration.Config.Empty);
        Assert.Equal(("127.0.0.1:9092", "milvus-wal", 1_000_000), (settings.BootstrapServers, settings.Topic, settings.MaxRecordBytes));
        Assert.Equal((TimeSpan.FromSeconds(8), TimeSpan.FromMilliseconds(2)), (settings.DeliveryTimeout, settings.Linger));
        Assert.True(settings.DeleteRecords);
        Assert.Empty(settings.ProducerProperties);
    }

    [Fact]
    public void Passes_producer_properties_through_but_never_weakens_durability()
    {
        var settings = KafkaJournalSettings.Create(ConfigurationFactory.ParseString("""
            topic = wal
            producer {
              "compression.type" = lz4
              acks = "1"
              "enable.idempotence" = false
            }
            """));
        var producer = settings.ToProducerConfig();
        Assert.Equal(CompressionType.Lz4, producer.CompressionType);
        Assert.Equal(Acks.All, producer.Acks);
        Assert.True(producer.EnableIdempotence);
        Assert.Equal(8000, producer.MessageTimeoutMs);
    }

    [Fact]
    public void Rejects_a_missing_topic()
    {
        var error = Assert.Throws<MilvusException>(() => KafkaJournalSettings.Create(ConfigurationFactory.ParseString("topic = \"\"")));
        Assert.Equal(ErrorCode.ParameterMissing, error.Code);
    }
}
