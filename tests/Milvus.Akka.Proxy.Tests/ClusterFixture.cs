using System.Collections.Immutable;
using Akka.Cluster;
using Milvus.Akka.Server;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Three nodes on loopback: coordinator + proxy (serving gRPC), streaming + query, streaming + query + data. One
/// machine, so they share the data directory (a shard's journal is readable wherever the shard runs).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private const string Config = """
        milvus.proxy.grpc.port = 0
        milvus.query.register-interval = 500ms
        milvus.data.poll-interval = 500ms
        akka.loglevel = WARNING
        """;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-tests", Guid.NewGuid().ToString("N"));
    private readonly List<MilvusNode> _nodes = [];

    public string Address => $"127.0.0.1:{_nodes[0].GrpcPort}";

    public async Task InitializeAsync()
    {
        var front = await StartAsync([Roles.Coordinator, Roles.Proxy], []);
        await StartAsync([Roles.Streaming, Roles.Query], [front.Address.ToString()]);
        await StartAsync([Roles.Streaming, Roles.Query, Roles.Data], [front.Address.ToString()]);
        var cluster = global::Akka.Cluster.Cluster.Get(front.System);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cluster.State.Members.Count(m => m.Status == MemberStatus.Up) < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cluster did not form");
            await Task.Delay(100);
        }
    }

    private async Task<MilvusNode> StartAsync(ImmutableArray<string> roles, ImmutableArray<string> seeds)
    {
        var node = await MilvusNode.StartAsync(new NodeOptions { Roles = roles, DataDir = _dataDir, Seeds = seeds, ExtraConfig = Config });
        _nodes.Add(node);
        return node;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }
}
