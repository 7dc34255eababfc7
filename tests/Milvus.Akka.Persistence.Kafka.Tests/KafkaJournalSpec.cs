using Xunit;
using Xunit.Abstractions;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>The conformance suite against the Kafka journal on the test broker (librdkafka's mock cluster, or KAFKA_BOOTSTRAP_SERVERS).</summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaJournalSpec(KafkaBroker broker, ITestOutputHelper output)
    : JournalConformanceSpec(TestConfig.Kafka(broker, broker.CreateTopic()), output);
