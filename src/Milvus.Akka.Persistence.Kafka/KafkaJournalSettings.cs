using Config = Akka.Configuration.Config;
using Confluent.Kafka;
using Milvus.Akka.Common;
using ErrorCode = Milvus.Akka.Common.ErrorCode;

namespace Milvus.Akka.Persistence.Kafka;

/// <summary>The journal's settings, read once from its plugin config (keys documented in hocon/persistence.kafka.hocon).</summary>
public sealed record KafkaJournalSettings(
    string BootstrapServers,
    string Topic,
    int MaxRecordBytes,
    TimeSpan DeliveryTimeout,
    TimeSpan Linger,
    TimeSpan RequestTimeout,
    TimeSpan ReadIdleTimeout,
    bool DeleteRecords,
    IReadOnlyDictionary<string, string> ProducerProperties,
    IReadOnlyDictionary<string, string> ConsumerProperties)
{
    public static KafkaJournalSettings Create(Config pluginConfig)
    {
        var config = pluginConfig.WithFallback(KafkaPersistence.DefaultConfig.GetConfig(KafkaPersistence.JournalPluginId));
        var settings = new KafkaJournalSettings(
            BootstrapServers: config.GetString("bootstrap-servers"),
            Topic: config.GetString("topic"),
            MaxRecordBytes: checked((int)config.GetByteSize("max-record-bytes")!.Value),
            DeliveryTimeout: config.GetTimeSpan("delivery-timeout"),
            Linger: config.GetTimeSpan("linger"),
            RequestTimeout: config.GetTimeSpan("request-timeout"),
            ReadIdleTimeout: config.GetTimeSpan("read-idle-timeout"),
            DeleteRecords: config.GetBoolean("delete-records"),
            ProducerProperties: Properties(config, "producer"),
            ConsumerProperties: Properties(config, "consumer"));
        settings.Validate();
        return settings;
    }

    /// <summary>
    /// The producer configuration. The durability settings are applied after the pass-through properties so that
    /// no override can weaken them: acknowledged writes must survive a broker loss and keep their order.
    /// </summary>
    public ProducerConfig ToProducerConfig() => new(ProducerProperties.ToDictionary())
    {
        BootstrapServers = BootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        MaxInFlight = 5,
        MessageTimeoutMs = (int)DeliveryTimeout.TotalMilliseconds,
        LingerMs = Linger.TotalMilliseconds,
        MessageMaxBytes = Math.Max(MaxRecordBytes + RecordOverheadBytes, 1_000_000),
    };

    /// <summary>A reader configuration: explicit assignment only, so the group id is never joined or committed.</summary>
    public ConsumerConfig ToConsumerConfig() => new(ConsumerProperties.ToDictionary())
    {
        BootstrapServers = BootstrapServers,
        GroupId = "milvus-journal-reader-" + Guid.NewGuid().ToString("N"),
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        EnablePartitionEof = true,
        AutoOffsetReset = AutoOffsetReset.Error,
        IsolationLevel = IsolationLevel.ReadCommitted,
        AllowAutoCreateTopics = false,
    };

    // Key and headers travel beside the value; the producer's message.max.bytes must leave room for them.
    private const int RecordOverheadBytes = 4096;

    private void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers) || string.IsNullOrWhiteSpace(Topic))
        {
            throw new MilvusException(ErrorCode.ParameterMissing, $"{KafkaPersistence.JournalPluginId}: bootstrap-servers and topic must be set.");
        }

        if (MaxRecordBytes <= 0 || DeliveryTimeout <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero || ReadIdleTimeout <= TimeSpan.Zero)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"{KafkaPersistence.JournalPluginId}: max-record-bytes, delivery-timeout, request-timeout and read-idle-timeout must be positive.");
        }
    }

    private static Dictionary<string, string> Properties(Config config, string path)
    {
        var section = config.GetConfig(path);
        return section is null || section.IsEmpty
            ? []
            : section.AsEnumerable().ToDictionary(entry => entry.Key, entry => entry.Value.GetString(), StringComparer.Ordinal);
    }
}
