using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Xunit;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>
/// Persistent actors on the Kafka journal lose their ActorSystem in the middle of writes; new systems recover them.
/// Oracle: the batches the actors acknowledged (after their PersistAll handler ran) before the kill.
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed class KafkaCrashRecoverySpec(KafkaBroker broker)
{
    private const int Writers = 4;
    private const int RowsPerBatch = 20;
    private const int Dimension = 128;

    private readonly Config _config = TestConfig.Kafka(broker, broker.CreateTopic());

    [Fact]
    public async Task Every_acknowledged_batch_survives_a_crash_and_nothing_appears_twice()
    {
        var pids = Enumerable.Range(0, Writers).Select(i => $"shard-{Guid.NewGuid():N}-{i}").ToArray();
        var acknowledged = new ConcurrentDictionary<string, ConcurrentQueue<int>>(pids.ToDictionary(p => p, _ => new ConcurrentQueue<int>()));

        // Two generations of writers are killed mid-stream; the second continues where the first's history ends.
        for (var generation = 0; generation < 2; generation++)
        {
            var system = ActorSystem.Create("crash-" + generation, _config);
            var writers = new List<IActorRef>();
            foreach (var pid in pids)
            {
                var recovered = await RecoverAsync(system, pid, acknowledged[pid]);
                writers.Add(recovered);
                for (var batch = 0; batch < 40; batch++)
                {
                    recovered.Tell(new BatchWriter.WriteBatch(generation * 1000 + batch));
                }
            }

            // Kill once some batches are acknowledged and others are certainly still in flight.
            await WaitUntil(() => pids.All(pid => acknowledged[pid].Count(b => b / 1000 == generation) >= 5));
            await system.Terminate();
        }

        var final = ActorSystem.Create("crash-final", _config);
        try
        {
            foreach (var pid in pids)
            {
                var writer = final.ActorOf(Props.Create(() => new BatchWriter(pid, new ConcurrentQueue<int>())));
                var rows = await writer.Ask<RowEvent[]>(BatchWriter.GetRows.Instance, TimeSpan.FromSeconds(30));
                AssertRecovered(rows, acknowledged[pid].ToArray());
            }
        }
        finally
        {
            await final.Terminate();
        }
    }

    private static async Task<IActorRef> RecoverAsync(ActorSystem system, string pid, ConcurrentQueue<int> acknowledged)
    {
        var writer = system.ActorOf(Props.Create(() => new BatchWriter(pid, acknowledged)));
        var rows = await writer.Ask<RowEvent[]>(BatchWriter.GetRows.Instance, TimeSpan.FromSeconds(30));
        AssertRecovered(rows, acknowledged.ToArray());
        return writer;
    }

    /// <summary>Whole batches only, each at most once, in write order, covering every acknowledged batch.</summary>
    private static void AssertRecovered(RowEvent[] rows, int[] acknowledgedBatches)
    {
        var batches = rows.GroupBy(r => r.Batch).ToArray();
        foreach (var batch in batches)
        {
            Assert.Equal(Enumerable.Range(0, RowsPerBatch), batch.Select(r => r.Index));
            Assert.All(batch, row => Assert.Equal(ExpectedVector(row.Batch, row.Index), row.Vector));
        }

        var order = batches.Select(b => b.Key).ToArray();
        Assert.Equal(order.Order(), order);
        Assert.Subset(order.ToHashSet(), acknowledgedBatches.ToHashSet());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "writers did not acknowledge enough batches");
            await Task.Delay(10);
        }
    }

    internal static float[] ExpectedVector(int batch, int index)
    {
        var random = new Random(batch * 7919 + index);
        var vector = new float[Dimension];
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = random.NextSingle();
        }

        return vector;
    }

    /// <summary>Persists each batch of rows with one PersistAll and records it as acknowledged once its handler ran for the last row.</summary>
    private sealed class BatchWriter : ReceivePersistentActor
    {
        private readonly List<RowEvent> _rows = [];

        public BatchWriter(string persistenceId, ConcurrentQueue<int> acknowledged)
        {
            PersistenceId = persistenceId;
            Recover<RowEvent>(_rows.Add);
            Command<WriteBatch>(write =>
            {
                var rows = Enumerable.Range(0, RowsPerBatch).Select(i => new RowEvent(write.Batch, i, ExpectedVector(write.Batch, i)));
                PersistAll(rows, row =>
                {
                    _rows.Add(row);
                    if (row.Index == RowsPerBatch - 1)
                    {
                        acknowledged.Enqueue(row.Batch);
                    }
                });
            });
            Command<GetRows>(_ => Sender.Tell(_rows.ToArray()));
        }

        public override string PersistenceId { get; }

        public sealed record WriteBatch(int Batch);

        public sealed class GetRows
        {
            public static GetRows Instance { get; } = new();

            private GetRows()
            {
            }
        }
    }
}
