using Akka.Configuration;

namespace Milvus.Akka.Persistence.Kafka;

/// <summary>Plugin ids and the reference configuration of the Kafka journal and the object-storage snapshot store.</summary>
public static class KafkaPersistence
{
    /// <summary>HOCON path of the journal; persistent actors select it with <c>JournalPluginId</c>.</summary>
    public const string JournalPluginId = "akka.persistence.journal.kafka";

    /// <summary>HOCON path of the snapshot store; persistent actors select it with <c>SnapshotPluginId</c>.</summary>
    public const string SnapshotStorePluginId = "akka.persistence.snapshot-store.object-store";

    private const string ReferenceResource = "Milvus.Akka.Persistence.Kafka.persistence.kafka.hocon";

    /// <summary>
    /// The commented reference configuration (hocon/persistence.kafka.hocon). Hosts add it as a fallback of their
    /// own config so the plugin ids resolve; both plugins also fall back to it for every key the host leaves out.
    /// </summary>
    public static Config DefaultConfig { get; } = ConfigurationFactory.FromResource<KafkaJournal>(ReferenceResource);
}
