using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using Akka.Configuration;
using Config = Akka.Configuration.Config;
using Akka.Persistence;
using Akka.Serialization;
using Confluent.Kafka;
using Milvus.Akka.Persistence.Kafka;

// Persisted events/s and rows/s of 128-d rows in batches of 1, 100 and 1,000 (one event per batch, as an insert
// message is one WAL entry), on the Kafka journal (librdkafka's mock cluster, or KAFKA_BOOTSTRAP_SERVERS) and on the
// embedded SQLite journal, with p50/p99 latency of a batch from command to persisted.
// Usage: dotnet run -c Release --project tests/Milvus.Akka.Persistence.Kafka.Benchmarks [rows-per-run, default 40000]

const int Writers = 4;
int[] batchSizes = [1, 100, 1000];
var rowsPerRun = args.Length > 0 ? int.Parse(args[0]) : 40_000;

using var broker = BenchmarkBroker.Start();
var dataDir = Directory.CreateTempSubdirectory("milvus-journal-bench").FullName;
try
{
    Console.WriteLine($"{"journal",-8} {"rows/batch",10} {"events/s",10} {"rows/s",10} {"MB/s",7} {"p50 ms",8} {"p99 ms",8}");
    foreach (var (name, config) in new[] { ("kafka", broker.JournalConfig()), ("sqlite", SqliteConfig(dataDir)) })
    {
        foreach (var batchSize in batchSizes)
        {
            // Batches of one row are slow on purpose (one round trip each): run fewer of them.
            var batches = Math.Max(Writers * 10, (batchSize == 1 ? rowsPerRun / 10 : rowsPerRun) / batchSize);
            var result = await RunAsync(config.WithFallback(Serialization()), batchSize, batches);
            Console.WriteLine($"{name,-8} {batchSize,10} {result.RowsPerSecond / batchSize,10:N0} {result.RowsPerSecond,10:N0} " +
                              $"{result.RowsPerSecond * RowBatch.Dimension * sizeof(float) / 1e6,7:N1} {result.P50,8:N2} {result.P99,8:N2}");
        }
    }
}
finally
{
    Directory.Delete(dataDir, recursive: true);
}

static async Task<(double RowsPerSecond, double P50, double P99)> RunAsync(Config config, int batchSize, int batches)
{
    var system = ActorSystem.Create("bench", config);
    var writers = Enumerable.Range(0, Writers)
        .Select(i => system.ActorOf(Props.Create(() => new RowWriter($"shard-bench-{Guid.NewGuid():N}-{i}", batchSize))))
        .ToArray();

    // Warm-up: connections, table creation, JIT.
    await Task.WhenAll(writers.Select(w => w.Ask<Persisted>(new Write(Stopwatch.GetTimestamp()), TimeSpan.FromSeconds(60))));

    var latencies = new double[batches];
    var perWriter = batches / Writers;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(writers.Select((writer, w) => Task.Run(async () =>
    {
        for (var i = 0; i < perWriter; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await writer.Ask<Persisted>(new Write(started), TimeSpan.FromSeconds(60));
            latencies[w * perWriter + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    })));
    var elapsed = clock.Elapsed;
    await system.Terminate();

    var measured = latencies.AsSpan(0, perWriter * Writers).ToArray();
    Array.Sort(measured);
    return (measured.Length * batchSize / elapsed.TotalSeconds, measured[measured.Length / 2], measured[(int)(measured.Length * 0.99)]);
}

static Config SqliteConfig(string dataDir)
{
    var hocon = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "persistence.sqlite.hocon"));
    return ConfigurationFactory.ParseString($"milvus.data-dir = \"{dataDir}\"\n{hocon}")
        .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
}

static Config Serialization() => ConfigurationFactory.ParseString($$"""
    akka.loglevel = WARNING
    akka.actor.serializers.rows = "{{typeof(RowSerializer).AssemblyQualifiedName}}"
    akka.actor.serialization-bindings { "{{typeof(RowBatch).AssemblyQualifiedName}}" = rows }
    """);

/// <summary>One insert batch: its rows' vectors, row after row, as the WAL carries them.</summary>
public sealed record RowBatch(float[] Vectors)
{
    public const int Dimension = 128;
}

public sealed record Write(long Started);

public sealed record Persisted(long Started);

public sealed class RowSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 9911;

    public override string Manifest(object o) => "row";

    public override byte[] ToBinary(object obj) => MemoryMarshal.AsBytes(((RowBatch)obj).Vectors.AsSpan()).ToArray();

    public override object FromBinary(byte[] bytes, string manifest) => new RowBatch(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
}

/// <summary>Persists each Write as one event of batchSize rows and answers once it is persisted.</summary>
public sealed class RowWriter : ReceivePersistentActor
{
    public RowWriter(string persistenceId, int batchSize)
    {
        PersistenceId = persistenceId;
        var random = new Random(42);
        var batch = new RowBatch(Enumerable.Range(0, batchSize * RowBatch.Dimension).Select(_ => random.NextSingle()).ToArray());
        Command<Write>(write =>
        {
            var sender = Sender;
            Persist(batch, _ => sender.Tell(new Persisted(write.Started)));
        });
    }

    public override string PersistenceId { get; }
}

/// <summary>The Kafka endpoint: KAFKA_BOOTSTRAP_SERVERS, or librdkafka's mock cluster owned by this process.</summary>
internal sealed class BenchmarkBroker : IDisposable
{
    private readonly IProducer<Null, Null>? _mockOwner;
    private readonly IAdminClient? _admin;
    private readonly string _bootstrapServers;

    private BenchmarkBroker(IProducer<Null, Null>? mockOwner, IAdminClient? admin, string bootstrapServers) =>
        (_mockOwner, _admin, _bootstrapServers) = (mockOwner, admin, bootstrapServers);

    public static BenchmarkBroker Start()
    {
        var external = Environment.GetEnvironmentVariable("KAFKA_BOOTSTRAP_SERVERS");
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new BenchmarkBroker(null, null, external);
        }

        var owner = new ProducerBuilder<Null, Null>(new ProducerConfig(new Dictionary<string, string> { ["test.mock.num.brokers"] = "1" })).Build();
        var admin = new DependentAdminClientBuilder(owner.Handle).Build();
        var brokers = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers;
        return new BenchmarkBroker(owner, admin, string.Join(",", brokers.Select(b => $"{b.Host}:{b.Port}")));
    }

    /// <summary>A fresh topic per run: the mock keeps only ~5 MB per partition, and a run must not replay another's records.</summary>
    public Config JournalConfig()
    {
        var topic = "bench-" + Guid.NewGuid().ToString("N");
        _admin?.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return ConfigurationFactory.ParseString($"""
            akka.persistence.journal.plugin = "{KafkaPersistence.JournalPluginId}"
            akka.persistence.journal.kafka.bootstrap-servers = "{_bootstrapServers}"
            akka.persistence.journal.kafka.topic = "{topic}"
            """).WithFallback(KafkaPersistence.DefaultConfig);
    }

    public void Dispose()
    {
        _admin?.Dispose();
        _mockOwner?.Dispose();
    }
}
