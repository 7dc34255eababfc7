using Milvus.Akka.Common;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Streaming shards on the Kafka WAL (librdkafka's mock broker on 127.0.0.1): the ActorSystem is killed in the middle
/// of writes and a new one started on the same storage recovers every acknowledged batch, and nothing twice.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class KafkaWalTests : IAsyncLifetime
{
    private readonly string _dataDir = StandaloneNode.NewDataDir();
    private readonly KafkaMockCluster _kafka = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _kafka.Dispose();
        Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }

    private string Config => $"""
        milvus.streaming.journal-plugin-id = "akka.persistence.journal.kafka"
        akka.persistence.journal.kafka.bootstrap-servers = "{_kafka.BootstrapServers}"
        akka.persistence.journal.kafka.topic = "wal-{Path.GetFileName(_dataDir)}"
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        """;

    [Fact]
    public async Task Acknowledged_batches_survive_an_ActorSystem_killed_mid_write()
    {
        var node = await StandaloneNode.StartAsync(_dataDir, Config);
        var collection = new OracleCollection(node.Proxy!, "on_kafka", seed: 31);
        await collection.CreateAndLoadAsync(shards: 2);
        var acknowledged = new List<long>();
        using var stop = new CancellationTokenSource();
        var proxy = node.Proxy!;
        var writer = Task.Run(async () =>
        {
            var rows = new TestRows(seed: 32);
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                await proxy.InsertAsync(null, collection.Name, rows.Make(batch * 20L, 20));
                lock (acknowledged)
                {
                    acknowledged.AddRange(Enumerable.Range(batch * 20, 20).Select(i => (long)i));
                }
            }
        });

        await Eventually.UntilAsync(() => Task.FromResult(Count(acknowledged) >= 400), "400 rows are acknowledged", seconds: 60);
        await node.AbortAsync();
        stop.Cancel();
        await Assert.ThrowsAnyAsync<Exception>(() => writer);

        await using var restarted = await StandaloneNode.StartAsync(_dataDir, Config);
        var all = await restarted.Proxy!.QueryAsync(new QueryRequest
        {
            Collection = collection.Name,
            Filter = "id >= 0",
            Consistency = ConsistencyLevel.Strong,
        });
        var ids = ((ScalarColumn<long>)all.Ids).Values;
        Assert.Empty(acknowledged.Except(ids));
        var count = await restarted.Proxy.QueryAsync(new QueryRequest { Collection = collection.Name, OutputFields = ["count(*)"], Consistency = ConsistencyLevel.Strong });
        Assert.Equal(ids.Length, count.Count);
        Assert.True(ids.Length - acknowledged.Count <= 20, $"{ids.Length - acknowledged.Count} unacknowledged rows appeared; at most the batch in flight may");
    }

    private static int Count(List<long> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }
}
