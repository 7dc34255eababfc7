using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;
using Xunit.Abstractions;
using static Milvus.Akka.Server.Tests.IdVectorRequests;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Three server processes as deploy/README.md runs them (coordinator + proxy; streaming + query; streaming + query +
/// data; one shared data directory), writers inserting through the proxy's gRPC port, and <c>kill -9</c> of the
/// oldest streaming node, which runs one of the two shards and sharding's own coordinator: the shards resume on the
/// other streaming node within seconds (the outage is reported), every acknowledged row is there once, and no row
/// appears twice although the proxy sent batches again.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class StreamingFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Collection = "failover";
    private const int Dim = 8;
    private const int BatchRows = 50;

    /// <summary>Generous for a loaded 2-core CI machine; the measured outage is reported (the target is under 5 s).</summary>
    private static readonly TimeSpan OutageBound = TimeSpan.FromSeconds(15);

    private readonly TempDirectory _dataDir = new("failover");
    private readonly FailoverTimeline _timeline = new();
    private readonly List<ServerProcess> _processes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        _dataDir.Dispose();
    }

    private sealed record Batch(long FirstId, TimeSpan Sent, TimeSpan? Acknowledged);

    [Fact]
    public async Task Kill_9_of_a_streaming_node_moves_its_shards_within_seconds_losing_and_duplicating_nothing()
    {
        // Rising ports in start order: every node then agrees which streaming node is oldest (deploy/README.md, member age).
        var ports = new[] { ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort() }.Order().ToArray();
        var grpcPort = ServerProcess.FreePort();
        var config = Path.Combine(_dataDir.Path, "node.hocon");
        // INFO: each shard logs where it starts ("Shard … recovered"), the only outside view of where sharding runs it.
        await File.WriteAllTextAsync(config, $"milvus.proxy.grpc.port = {grpcPort}\nmilvus.management.port = 0\nakka.loglevel = INFO\nakka.stdout-loglevel = INFO\n");
        var seed = $"akka.tcp://milvus@127.0.0.1:{ports[0]}";

        await StartAsync("coordinator+proxy", ["--roles", "coordinator,proxy", "--port", $"{ports[0]}"], grpcPort);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new MilvusService.MilvusServiceClient(channel);
        var doomed = await StartAsync("streaming+query", ["--roles", "streaming,query", "--port", $"{ports[1]}", "--seed", seed], ports[1], ports[1]);
        await WaitUntilUpAsync(client, [ports[1]]);
        await StartAsync("streaming+query+data", ["--roles", "streaming,query,data", "--port", $"{ports[2]}", "--seed", seed], ports[2], ports[2]);
        await WaitUntilUpAsync(client, [ports[1], ports[2]]);

        Ok(await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = Collection, Schema = IdVectorRequests.Schema(Collection, Dim).ToByteString(), ShardsNum = 2 }));
        Ok(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = Collection,
            FieldName = "vec",
            ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "L2") },
        }));
        Ok(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
        var leaders = await ShardLeadersAsync(client);
        Assert.True(leaders.Any(a => a.EndsWith($":{ports[1]}", StringComparison.Ordinal)) && leaders.Any(a => a.EndsWith($":{ports[2]}", StringComparison.Ordinal)),
            $"the two shards should run on the two streaming nodes, they are led by {string.Join(", ", leaders)}");

        // The coordinator's placement may first be reached by moving a shard (sharding allocates it where it is first
        // asked for, then rebalances): wait until each streaming node runs one of the shards.
        await WaitUntilAsync(() => ShardsRunningOn(ports[1]).Count == 1 && ShardsRunningOn(ports[2]).Count == 1,
            "each streaming node runs one shard", TimeSpan.FromSeconds(90), () => $"started: {string.Join(", ", StartedShards())}");

        var clock = Stopwatch.StartNew();
        var batches = new List<Batch>();
        long nextId = 0;
        using var stop = new CancellationTokenSource();

        async Task WriteAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var first = Interlocked.Add(ref nextId, BatchRows) - BatchRows;
                var sent = clock.Elapsed;
                var acknowledged = false;
                try
                {
                    // The proxy's own deadline (30 s) ends an attempt first; no client retry, so no duplicate can come from here.
                    var result = await client.InsertAsync(IdVectorRequests.Insert(Collection, Dim, first, BatchRows), deadline: DateTime.UtcNow.AddSeconds(60));
                    acknowledged = result.Status.Code == 0;
                }
                catch (global::Grpc.Core.RpcException)
                {
                }

                lock (batches)
                {
                    batches.Add(new Batch(first, sent, acknowledged ? clock.Elapsed : null));
                }
            }
        }

        string Progress()
        {
            lock (batches)
            {
                return $"{batches.Count(b => b.Acknowledged is not null)} batches acknowledged, {batches.Count(b => b.Acknowledged is null)} failed, "
                       + $"the last acknowledged at {batches.Where(b => b.Acknowledged is not null).Select(b => b.Acknowledged!.Value.TotalSeconds).DefaultIfEmpty().Max():0.0} s, "
                       + $"now {clock.Elapsed.TotalSeconds:0.0} s";
            }
        }

        var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(WriteAsync)).ToArray();
        await WaitForAsync(() => Acknowledged(batches, after: TimeSpan.Zero) >= 40, "40 batches acknowledged before the kill", TimeSpan.FromSeconds(60), writers, Progress);

        var killedShards = ShardsRunningOn(ports[1]);
        Assert.Single(killedShards);
        var killedAt = clock.Elapsed;
        _timeline.Killed();
        await doomed.StopAsync();
        // Batches sent before the process was gone may still have been answered by it: only those sent after count, and
        // the outage runs from before the kill, so the time the kill itself took is part of it.
        var deadAt = clock.Elapsed;
        output.WriteLine($"killed the streaming node on port {ports[1]}, running shard {killedShards.Single()}, at {killedAt.TotalSeconds:0.00} s "
                         + $"(gone at {deadAt.TotalSeconds:0.00} s)");

        await WaitForAsync(() => Acknowledged(batches, after: deadAt) >= 1, "a batch sent after the kill is acknowledged",
            OutageBound + TimeSpan.FromSeconds(30), writers, Progress);
        var outage = FirstAcknowledgedAfter(batches, deadAt) - killedAt;
        output.WriteLine($"outage: {outage.TotalSeconds:0.00} s from kill -9 to the first acknowledged batch sent after it (every batch spans both shards)");
        await WaitForAsync(() => Acknowledged(batches, after: killedAt + outage) >= 20, "20 more batches acknowledged after the fail-over",
            TimeSpan.FromSeconds(60), writers, Progress);
        output.WriteLine($"fail-over steps after the kill: {_timeline.Describe()}");
        stop.Cancel();
        await Task.WhenAll(writers);

        Batch[] all;
        lock (batches)
        {
            all = [.. batches];
        }

        var failed = all.Where(b => b.Acknowledged is null).ToList();
        output.WriteLine($"{all.Length} batches of {BatchRows} rows, {failed.Count} failed; slowest acknowledgement "
                         + $"{all.Where(b => b.Acknowledged is not null).Max(b => (b.Acknowledged!.Value - b.Sent).TotalSeconds):0.00} s");

        var ids = await AllIdsAsync(client, Interlocked.Read(ref nextId));
        Assert.True(ids.Count == ids.Distinct().Count(), $"{ids.Count - ids.Distinct().Count()} rows are stored twice");
        var present = ids.ToHashSet();
        var lost = all.Where(b => b.Acknowledged is not null).SelectMany(b => Enumerable.Range(0, BatchRows).Select(i => b.FirstId + i))
            .Where(id => !present.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} acknowledged rows lost, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.All(ids, id => Assert.InRange(id, 0, Interlocked.Read(ref nextId) - 1));
        Assert.Equal(ids.Count, await CountAsync(client));

        Assert.True(failed.Count == 0, $"{failed.Count} inserts failed although the outage ({outage.TotalSeconds:0.0} s) is within the proxy's deadline");
        Assert.True(outage < OutageBound, $"writes stopped for {outage.TotalSeconds:0.0} s after the kill");
    }

    /// <summary>Per streaming node (by port), the shards in the order they started there.</summary>
    private readonly Dictionary<int, List<(string Shard, long Order)>> _started = [];
    private long _startOrder;

    private static readonly System.Text.RegularExpressions.Regex ShardRecovered = new(@"Shard (\S+) recovered:");

    private void OnOutput(int node, string line)
    {
        _timeline.Line($"node {node}", line);
        if (ShardRecovered.Match(line) is { Success: true } match)
        {
            lock (_started)
            {
                _started[node].Add((match.Groups[1].Value, ++_startOrder));
            }
        }
    }

    /// <summary>The shards whose latest start was on <paramref name="node"/>.</summary>
    private List<string> ShardsRunningOn(int node)
    {
        lock (_started)
        {
            return [.. _started.SelectMany(n => n.Value.Select(s => (Node: n.Key, s.Shard, s.Order)))
                .GroupBy(s => s.Shard).Select(g => g.MaxBy(s => s.Order)).Where(s => s.Node == node).Select(s => s.Shard)];
        }
    }

    private List<string> StartedShards()
    {
        lock (_started)
        {
            return [.. _started.SelectMany(n => n.Value.Select(s => $"{s.Shard} on {n.Key}"))];
        }
    }

    private async Task<ServerProcess> StartAsync(string name, string[] arguments, int port, int? streamingNode = null)
    {
        Action<string> onOutput = line => _timeline.Line(name, line);
        if (streamingNode is { } node)
        {
            _started[node] = [];
            onOutput = line => OnOutput(node, line);
        }

        var process = new ServerProcess(name, "dotnet",
            [MilvusServerProcess.ServerAssembly(), .. arguments, "--data-dir", Path.Combine(_dataDir.Path, "data"), "--config", Path.Combine(_dataDir.Path, "node.hocon")],
            port, onOutput);
        _processes.Add(process);
        await process.StartAsync(TimeSpan.FromSeconds(90));
        return process;
    }

    /// <summary>Waits until the proxy's cluster view (GetMetrics system_info) shows streaming nodes up on these ports.</summary>
    private static async Task WaitUntilUpAsync(MilvusService.MilvusServiceClient client, int[] streamingPorts)
    {
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                var metrics = await client.GetMetricsAsync(new GetMetricsRequest { Request = """{"metric_type":"system_info"}""" },
                    deadline: DateTime.UtcNow.AddSeconds(10));
                if (metrics.Status.Code != 0)
                {
                    return false;
                }

                using var json = JsonDocument.Parse(metrics.Response);
                var up = json.RootElement.GetProperty("nodes_info").EnumerateArray()
                    .Select(n => n.GetProperty("infos"))
                    .Where(i => i.GetProperty("type").GetString() == "streamingnode" && !i.GetProperty("has_error").GetBoolean())
                    .Select(i => i.GetProperty("address").GetString() ?? "")
                    .ToList();
                return streamingPorts.All(port => up.Any(a => a.EndsWith($":{port}", StringComparison.Ordinal)));
            }
            catch (global::Grpc.Core.RpcException)
            {
                return false;
            }
        }, $"streaming nodes on ports {string.Join(", ", streamingPorts)} are up", seconds: 90);
    }

    private static async Task<List<string>> ShardLeadersAsync(MilvusService.MilvusServiceClient client)
    {
        var replicas = await client.GetReplicasAsync(new GetReplicasRequest { CollectionName = Collection });
        Ok(replicas.Status);
        return [.. replicas.Replicas.SelectMany(r => r.ShardReplicas).Select(s => s.LeaderAddr)];
    }

    private static int Acknowledged(List<Batch> batches, TimeSpan after)
    {
        lock (batches)
        {
            return batches.Count(b => b.Acknowledged is not null && b.Sent >= after);
        }
    }

    private static TimeSpan FirstAcknowledgedAfter(List<Batch> batches, TimeSpan killedAt)
    {
        lock (batches)
        {
            return batches.Where(b => b.Acknowledged is not null && b.Sent >= killedAt).Min(b => b.Acknowledged!.Value);
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout, Func<string> progress) =>
        WaitForAsync(condition, what, timeout, [], progress);

    private static async Task WaitForAsync(Func<bool> condition, string what, TimeSpan timeout, Task[] writers, Func<string> progress)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (writers.FirstOrDefault(w => w.IsFaulted) is { } faulted)
            {
                throw new InvalidOperationException($"a writer failed while waiting until {what}", faulted.Exception);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what} ({progress()})");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Every stored id, read in id ranges (a query returns at most 16,384 rows).</summary>
    private static async Task<List<long>> AllIdsAsync(MilvusService.MilvusServiceClient client, long end)
    {
        var ids = new List<long>();
        for (var from = 0L; from < end; from += 10_000)
        {
            var query = await client.QueryAsync(new QueryRequest
            {
                CollectionName = Collection,
                Expr = $"id >= {from} and id < {from + 10_000}",
                OutputFields = { "id" },
                ConsistencyLevel = ConsistencyLevel.Strong,
            });
            Ok(query.Status);
            ids.AddRange(query.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data);
        }

        return ids;
    }

    /// <summary>count(*) counts every stored version, so a batch applied twice shows here even where results dedup keys.</summary>
    private static Task<long> CountAsync(MilvusService.MilvusServiceClient client) => MilvusRpc.StrongCountAsync(client, Collection);
}
