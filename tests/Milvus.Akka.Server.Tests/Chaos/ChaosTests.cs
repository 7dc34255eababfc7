using System.Globalization;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Server;
using Xunit.Abstractions;
using static Milvus.Akka.Server.Tests.IdVectorRequests;
using Kind = Milvus.Akka.Server.Tests.Chaos.ChaosWorkload.Kind;

namespace Milvus.Akka.Server.Tests.Chaos;

/// <summary>
/// The chaos test of issue #12: every role as its own OS process (<see cref="ChaosCluster"/>) on etcd, s3rver and a Kafka
/// WAL, writers and readers through both proxies (<see cref="ChaosWorkload"/>), and <c>kill -9</c> of each role in turn
/// (the oldest instance: it runs the coordinator singleton or sharding's coordinator), a flush (so a seal, a flush or an
/// index build is often in flight) or a compaction asked for just before. After each kill the outage is reported and the
/// role started again; at the end every acknowledged write must be there, no acknowledged delete undone, no key twice.
/// The bounded form (one kill per role) runs in the suite; the long form is many random kills:
/// <c>MILVUS_CHAOS_KILLS=30 dotnet test tests/Milvus.Akka.Server.Tests -c Release --filter ChaosTests --logger "console;verbosity=detailed"</c>
/// (<c>MILVUS_CHAOS_SEED</c> repeats a run's choices).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const string Collection = "chaos";

    /// <summary>Far above the 5 s target, for a loaded 2-core CI machine; the measured outages are printed.</summary>
    private static readonly TimeSpan ServingAgainWithin = TimeSpan.FromSeconds(90);

    private static readonly string[] RolesInTurn = [Roles.Streaming, Roles.Coordinator, Roles.Proxy, Roles.Query, Roles.Data];

    [Fact]
    public async Task Kill_9_of_each_role_in_turn_loses_no_acknowledged_write_undoes_no_delete_and_stores_no_key_twice()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("MILVUS_CHAOS_KILLS"), out var k) && k > 0 ? k : 0;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MILVUS_CHAOS_SEED"), out var s) ? s : Random.Shared.Next();
        var random = new Random(seed);
        string[] plan = kills == 0 ? RolesInTurn : [.. Enumerable.Range(0, kills).Select(_ => RolesInTurn[random.Next(RolesInTurn.Length)])];
        output.WriteLine($"kills: {string.Join(", ", plan)} (MILVUS_CHAOS_SEED={seed})");

        await using var cluster = await ChaosCluster.StartAsync();
        var client = cluster.Proxies[0];
        Ok(await client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = Collection, Schema = ChaosWorkload.Schema(Collection).ToByteString(), ShardsNum = 2,
        }));
        Ok(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection, FieldName = "vec", ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
        }));
        Ok(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));

        var workload = new ChaosWorkload(cluster.Proxies, Collection);
        workload.Start();
        await workload.WaitUntilServingAsync(TimeSpan.Zero, ServingAgainWithin, cluster.Logs);
        var table = new List<string> { "| killed | writes back after | Strong queries back after | searches back after | calls failed meanwhile |", "|---|---|---|---|---|" };
        foreach (var role in plan)
        {
            var candidates = cluster.Live.Where(n => n.Role == role).ToList();
            if (role == Roles.Streaming)
            {
                // A streaming node that runs a shard (the oldest, which also runs sharding's coordinator, first).
                candidates = [.. candidates.OrderBy(n => cluster.RunsShard(n) ? 0 : 1).ThenBy(n => n.Generation)];
            }

            var victim = kills == 0 ? candidates[0] : candidates[random.Next(candidates.Count)];
            var chore = BackgroundChore(role, cluster.Proxies[1]);
            var killedAt = workload.Now;
            await cluster.KillAsync(victim);
            var goneAt = workload.Now;
            await workload.WaitUntilServingAsync(goneAt, ServingAgainWithin, cluster.Logs);
            var outages = new[] { Kind.Insert, Kind.Query, Kind.Search }.Select(kind => workload.Outage(killedAt, goneAt, kind)!.Value).ToArray();
            var failed = workload.Calls.Count(c => !c.Ok && c.Sent >= killedAt && c.Sent <= killedAt + outages.Max());
            table.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {victim.Name} at {killedAt.TotalSeconds:0.0} s | {outages[0].TotalSeconds:0.00} s | {outages[1].TotalSeconds:0.00} s | {outages[2].TotalSeconds:0.00} s | {failed} |"));
            output.WriteLine(table[^1]);
            await chore;
            await cluster.RestartAsync(victim);
            // A quiet moment with every role back before the next kill.
            await workload.WaitUntilServingAsync(workload.Now, ServingAgainWithin, cluster.Logs);
        }

        await workload.StopAsync();
        var problems = await workload.VerifyAsync(client);
        output.WriteLine(string.Join("\n", table));
        output.WriteLine(workload.Totals());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// A flush before a streaming or data node dies (segments seal, flush and get indexed around the kill), a compaction
    /// before the coordinator dies. Their outcome is not checked here: the data is, at the end.
    /// </summary>
    private static Task BackgroundChore(string role, MilvusService.MilvusServiceClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        Task call = role switch
        {
            Roles.Streaming or Roles.Data => client.FlushAsync(new FlushRequest { CollectionNames = { Collection } }, deadline: deadline).ResponseAsync,
            Roles.Coordinator => client.ManualCompactionAsync(new ManualCompactionRequest { CollectionName = Collection }, deadline: deadline).ResponseAsync,
            _ => Task.CompletedTask,
        };
        return call.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
