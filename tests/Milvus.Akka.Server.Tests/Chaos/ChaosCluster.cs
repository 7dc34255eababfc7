using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Server;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests.Chaos;

/// <summary>
/// A Milvus.Akka cluster of one OS process per role instance, on the production backends as real processes: etcd (meta),
/// s3rver (objects and shard snapshots) and a Kafka-protocol broker (the WAL; librdkafka's mock in its own process, which
/// outlives every node). Two coordinators (the singleton can move), two proxies, two streaming and two query nodes, one
/// data node. A killed node is started again on a new, higher remoting port: nodes' addresses then sort in the order
/// they joined, which Akka.NET 1.5.73 needs to agree on member age (deploy/README.md, "member age").
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private const int LogLinesKept = 60;

    private readonly TempDirectory _root = new("chaos");
    private readonly List<ChaosNode> _nodes = [];
    private readonly List<GrpcChannel> _channels = [];
    private readonly Dictionary<string, ChaosNode> _shardHosts = [];
    private EtcdServer? _etcd;
    private S3rverServer? _s3;
    private KafkaBrokerProcess? _kafka;
    private string _backendConfig = "";
    private int _lastPort;
    private long _generation;

    private ChaosCluster()
    {
    }

    /// <summary>Each fail-over's steps, from every node's log lines (the test marks each kill).</summary>
    public FailoverTimeline Timeline { get; } = new();

    /// <summary>The gRPC clients of the two proxies (fixed ports: a restarted proxy serves the same one).</summary>
    public IReadOnlyList<MilvusService.MilvusServiceClient> Proxies { get; private set; } = [];

    /// <summary>Nodes alive now, oldest first.</summary>
    public IReadOnlyList<ChaosNode> Live
    {
        get
        {
            lock (_nodes)
            {
                return [.. _nodes.Where(n => n.Alive).OrderBy(n => n.Generation)];
            }
        }
    }

    public static async Task<ChaosCluster> StartAsync()
    {
        var cluster = new ChaosCluster();
        try
        {
            await cluster.StartBackendsAsync();
            await cluster.StartNodesAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartBackendsAsync()
    {
        _etcd = new EtcdServer();
        _s3 = new S3rverServer();
        await Task.WhenAll(_etcd.StartAsync(), _s3.StartAsync());
        _kafka = await KafkaBrokerProcess.StartAsync();
        _backendConfig = $"""
            {RemoteBackends.S3Config(_s3)}
            {RemoteBackends.EtcdConfig(_etcd)}
            milvus.streaming.journal-plugin-id = "akka.persistence.journal.kafka"
            milvus.streaming.snapshot-plugin-id = "akka.persistence.snapshot-store.object-store"
            akka.persistence.journal.kafka.bootstrap-servers = "{_kafka.BootstrapServers}"
            akka.persistence.journal.kafka.topic = "chaos-wal"
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            # Nine server processes starting on two shared cores stall heartbeats for several seconds (JIT, GC): the
            # shipped 1.5 s downs healthy nodes here (hocon/milvus.base.hocon explains the trade-off), so detecting a
            # kill takes about 4.5 s longer than with the shipped settings.
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 6s
            """;
        // Below Linux's ephemeral range (32768+), so no outgoing connection takes a port between its check and its bind;
        // room above the first one for every restart of a long run.
        _lastPort = Random.Shared.Next(20_000, 28_000);
    }

    /// <summary>The two proxies' gRPC ports, in the order of <see cref="Proxies"/>; a restarted proxy takes its predecessor's.</summary>
    private int[] _grpcPorts = [];

    private async Task StartNodesAsync()
    {
        var grpcPorts = _grpcPorts = [NextPort(), NextPort()];
        var seed = await StartNodeAsync(Roles.Coordinator, null);
        var proxy = await StartNodeAsync(Roles.Proxy, grpcPorts[0]);
        _channels.AddRange(grpcPorts.Select(p => GrpcChannel.ForAddress($"http://127.0.0.1:{p}")));
        Proxies = [.. _channels.Select(c => new MilvusService.MilvusServiceClient(c))];
        // Streaming nodes join one after the other, so every node agrees which is oldest (sharding's coordinator runs there).
        var firstStreaming = await StartNodeAsync(Roles.Streaming, null);
        await WaitUntilUpAsync([seed, proxy, firstStreaming]);
        // Two at a time: more starting processes at once starve the running ones' heartbeats on two cores.
        await StartNodeAsync(Roles.Streaming, null);
        await Task.WhenAll(StartNodeAsync(Roles.Coordinator, null), StartNodeAsync(Roles.Proxy, grpcPorts[1]));
        await Task.WhenAll(StartNodeAsync(Roles.Query, null), StartNodeAsync(Roles.Query, null));
        await StartNodeAsync(Roles.Data, null);
        await WaitUntilUpAsync(Live);
    }

    /// <summary>Starts a node of <paramref name="role"/> joining the live ones (the first forms the cluster) and waits until it listens.</summary>
    private async Task<ChaosNode> StartNodeAsync(string role, int? grpcPort)
    {
        int port;
        long generation;
        string[] seeds;
        lock (_nodes)
        {
            port = NextPort();
            generation = ++_generation;
            seeds = [.. _nodes.Where(n => n.Alive).Select(n => n.Address)];
        }

        var name = $"{role}-{generation}";
        var config = Path.Combine(_root.Path, name + ".hocon");
        var nodeConfig = grpcPort is { } g ? $"milvus.proxy.grpc.port = {g}\n" : "";
        // The operator HTTP port (health, metrics) of every node must differ on one host.
        nodeConfig += $"milvus.management.port = {NextPort()}\n";
        // INFO: each shard logs where it starts ("Shard … recovered"), the outside view of placement, and the cluster logs
        // each fail-over step (removal, singletons starting) for the timeline.
        nodeConfig += "akka.loglevel = INFO\n";
        await File.WriteAllTextAsync(config, _backendConfig + "\n" + nodeConfig);
        var node = new ChaosNode(role, name, port, grpcPort, generation);
        string[] arguments =
        [
            MilvusServerProcess.ServerAssembly(), "--roles", role, "--port", $"{port}", "--data-dir", Path.Combine(_root.Path, name), "--config", config,
            .. seeds.SelectMany(s => new[] { "--seed", s }),
        ];
        node.Process = new ServerProcess(name, "dotnet", arguments, grpcPort ?? port, line =>
        {
            node.Log(line);
            Timeline.Line(name, line);
            if (line.Contains(SegmentSealed, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref node.SealedSegmentCount);
            }

            if (IndexBuild.Match(line) is { Success: true } build)
            {
                Interlocked.Increment(ref build.Groups[1].Value == "Building" ? ref node.IndexBuildsStartedCount : ref node.IndexBuildsFinishedCount);
            }

            if (ShardRecovered.Match(line) is { Success: true } match)
            {
                lock (_shardHosts)
                {
                    _shardHosts[match.Groups[1].Value] = node;
                }
            }
        });
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        await node.Process.StartAsync(TimeSpan.FromSeconds(120));
        node.Alive = true;
        return node;
    }

    /// <summary>What a streaming node logs (INFO) when one of its shards seals a segment for a flush.</summary>
    private const string SegmentSealed = " sealed segment ";

    /// <summary>A data node logs each index build's start ("Building") and end ("Built") at INFO.</summary>
    private static readonly System.Text.RegularExpressions.Regex IndexBuild = new(@"\b(Building|Built) \S+ index of segment ");

    private static readonly System.Text.RegularExpressions.Regex ShardRecovered = new(@"Shard (\S+) recovered:");

    /// <summary>Whether the node was the last to start one of the shards (so it runs it, unless that shard is moving).</summary>
    public bool RunsShard(ChaosNode node)
    {
        lock (_shardHosts)
        {
            return _shardHosts.ContainsValue(node);
        }
    }

    /// <summary>SIGKILL: nothing of the node's own shutdown runs.</summary>
    public async Task KillAsync(ChaosNode node)
    {
        node.Alive = false;
        await node.Process!.StopAsync();
    }

    /// <summary>
    /// Starts a killed node's role again (a new incarnation on a new port) and waits until the cluster sees it up, and a
    /// proxy until it answers a request that needs the cluster: it listens before it has joined, and killing the other
    /// proxy then would leave clients none.
    /// </summary>
    public async Task<ChaosNode> RestartAsync(ChaosNode killed)
    {
        var node = await StartNodeAsync(killed.Role, killed.GrpcPort);
        await WaitUntilUpAsync([node]);
        if (node.GrpcPort is { } grpcPort)
        {
            await WaitUntilServingAsync(Proxies[Array.IndexOf(_grpcPorts, grpcPort)], node.Name);
        }

        return node;
    }

    private async Task WaitUntilServingAsync(MilvusService.MilvusServiceClient proxy, string name)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            try
            {
                if ((await proxy.ShowCollectionsAsync(new ShowCollectionsRequest(), deadline: DateTime.UtcNow.AddSeconds(10))).Status.Code == 0)
                {
                    return;
                }
            }
            catch (global::Grpc.Core.RpcException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{name} not serving within 120 s\n{Logs()}");
            }

            await Task.Delay(250);
        }
    }

    private int NextPort()
    {
        while (true)
        {
            var candidate = ++_lastPort;
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, candidate);
                listener.Start();
                return candidate;
            }
            catch (SocketException)
            {
            }
        }
    }

    /// <summary>Waits until a proxy's view of the cluster (GetMetrics system_info) shows these nodes up.</summary>
    public async Task WaitUntilUpAsync(IReadOnlyList<ChaosNode> nodes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var up = await UpAddressesAsync();
            var missing = nodes.Where(n => !up.Contains(n.Address)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not up within 120 s: {string.Join(", ", missing.Select(n => n.Name))}\n{Logs()}");
            }

            await Task.Delay(250);
        }
    }

    private async Task<HashSet<string>> UpAddressesAsync()
    {
        foreach (var proxy in Proxies)
        {
            try
            {
                var metrics = await proxy.GetMetricsAsync(new GetMetricsRequest { Request = """{"metric_type":"system_info"}""" },
                    deadline: DateTime.UtcNow.AddSeconds(10));
                if (metrics.Status.Code != 0)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(metrics.Response);
                return [.. json.RootElement.GetProperty("nodes_info").EnumerateArray().Select(n => n.GetProperty("infos"))
                    .Where(i => !i.GetProperty("has_error").GetBoolean())
                    .Select(i => i.GetProperty("address").GetString() ?? "")];
            }
            catch (global::Grpc.Core.RpcException)
            {
            }
        }

        return [];
    }

    /// <summary>The last lines every node wrote, for a failure message.</summary>
    public string Logs()
    {
        lock (_nodes)
        {
            return string.Join("\n", _nodes.Select(n => $"--- {n.Name} ({(n.Alive ? "alive" : "killed")}, {n.Address}):\n{n.LastLines()}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            if (node.Process is not null)
            {
                await node.Process.DisposeAsync();
            }
        }

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        if (_kafka is not null)
        {
            await _kafka.DisposeAsync();
        }

        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }

        _root.Dispose();
    }

    /// <summary>One incarnation of a role: killed incarnations stay listed (their logs explain failures).</summary>
    public sealed class ChaosNode(string role, string name, int port, int? grpcPort, long generation)
    {
        private readonly Queue<string> _lines = new();

        public string Role => role;

        public string Name => name;

        public int? GrpcPort => grpcPort;

        /// <summary>Start order: the oldest live coordinator runs the singleton, the oldest streaming node sharding's coordinator.</summary>
        public long Generation => generation;

        public string Address => $"akka.tcp://{MilvusNode.SystemName}@127.0.0.1:{port}";

        public volatile bool Alive;

        internal long SealedSegmentCount;

        /// <summary>Segments this node's shards sealed so far (streaming nodes log each at INFO).</summary>
        public long SealedSegments => Interlocked.Read(ref SealedSegmentCount);

        internal long IndexBuildsStartedCount;

        internal long IndexBuildsFinishedCount;

        /// <summary>Index builds this node (a data node) has started and not finished, as its log says.</summary>
        public long IndexBuildsRunning => Interlocked.Read(ref IndexBuildsStartedCount) - Interlocked.Read(ref IndexBuildsFinishedCount);

        /// <summary>Index builds this node has finished so far.</summary>
        public long IndexBuildsFinished => Interlocked.Read(ref IndexBuildsFinishedCount);

        internal ServerProcess? Process { get; set; }

        internal void Log(string line)
        {
            lock (_lines)
            {
                if (LogDirectory is { } directory)
                {
                    File.AppendAllText(Path.Combine(directory, name + ".log"), line + "\n");
                }

                _lines.Enqueue(line);
                if (_lines.Count > LogLinesKept)
                {
                    _lines.Dequeue();
                }
            }
        }

        /// <summary>MILVUS_CHAOS_LOGS=dir keeps every node's whole log there, to study a fail-over after the run.</summary>
        private static readonly string? LogDirectory = Environment.GetEnvironmentVariable("MILVUS_CHAOS_LOGS") is { Length: > 0 } d
            ? Directory.CreateDirectory(d).FullName : null;

        internal string LastLines()
        {
            lock (_lines)
            {
                return string.Join("\n", _lines);
            }
        }
    }
}
