using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace Milvus.Akka.Persistence.Kafka.Tests;

public sealed record TestEvent(string Value);

/// <summary>An event of one persisted batch: which batch, its position, and a vector row as the WAL carries them.</summary>
public sealed record RowEvent(int Batch, int Index, float[] Vector);

/// <summary>A payload whose serializer always fails: the journal must reject its write, not fail the call.</summary>
public sealed record UnserializableEvent(string Value);

/// <summary>The test events' serializer: string manifests and plain bytes, as production serializers are.</summary>
public sealed class TestEventSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 9901;

    public override int Identifier => Id;

    public override string Manifest(object o) => o switch
    {
        TestEvent => "te",
        RowEvent => "row",
        _ => throw new ArgumentException($"Cannot serialize {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        TestEvent e => Encoding.UTF8.GetBytes(e.Value),
        RowEvent r => EncodeRow(r),
        _ => throw new ArgumentException($"Cannot serialize {obj.GetType()}"),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "te" => new TestEvent(Encoding.UTF8.GetString(bytes)),
        "row" => DecodeRow(bytes),
        _ => throw new SerializationException($"Unknown manifest '{manifest}'"),
    };

    private static byte[] EncodeRow(RowEvent row)
    {
        var bytes = new byte[8 + row.Vector.Length * sizeof(float)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, row.Batch);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), row.Index);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.Vector.AsSpan()).CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    private static RowEvent DecodeRow(byte[] bytes) => new(
        BinaryPrimitives.ReadInt32LittleEndian(bytes),
        BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)),
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.AsSpan(8)).ToArray());
}

public sealed class FailingSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public override int Identifier => 9902;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => throw new SerializationException("FailingSerializer refuses every payload");

    public override object FromBinary(byte[] bytes, Type? type) => throw new SerializationException("FailingSerializer refuses every payload");
}

public static class TestConfig
{
    /// <summary>Serializer bindings of the test events, plus settings that make a test fail instead of wait.</summary>
    public static Config Serialization { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers {
            test-events = "{{typeof(TestEventSerializer).AssemblyQualifiedName}}"
            failing = "{{typeof(FailingSerializer).AssemblyQualifiedName}}"
          }
          serialization-bindings {
            "{{typeof(TestEvent).AssemblyQualifiedName}}" = test-events
            "{{typeof(RowEvent).AssemblyQualifiedName}}" = test-events
            "{{typeof(UnserializableEvent).AssemblyQualifiedName}}" = failing
          }
        }
        akka.loglevel = WARNING
        # Cold starts (linq2db, librdkafka connections) on a loaded 2-core CI machine exceed the 3s default.
        akka.test.single-expect-default = 10s
        """);

    /// <summary>The Kafka journal as default journal on a fresh topic; replay-filter fail surfaces any duplicate or reordering.</summary>
    public static Config Kafka(KafkaBroker broker, string topic) => ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "{{KafkaPersistence.JournalPluginId}}"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        akka.persistence.journal.kafka {
          bootstrap-servers = "{{broker.BootstrapServers}}"
          topic = "{{topic}}"
          replay-filter.mode = fail
        }
        """).WithFallback(Serialization).WithFallback(KafkaPersistence.DefaultConfig);

    /// <summary>The embedded journal exactly as hocon/persistence.sqlite.hocon configures it, on a database in <paramref name="dataDir"/>.</summary>
    public static Config Sqlite(string dataDir)
    {
        var hocon = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "persistence.sqlite.hocon"));
        return ConfigurationFactory.ParseString($"milvus.data-dir = \"{dataDir}\"\n{hocon}")
            .WithFallback(Serialization)
            .WithFallback(global::Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }
}
