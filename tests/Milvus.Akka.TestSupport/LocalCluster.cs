using System.Collections.Immutable;
using Akka.Cluster;
using Milvus.Akka.Server;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// Three ActorSystems on loopback with the roles split as in a small deployment: coordinator + proxy (the seed, serving
/// gRPC), streaming + query, streaming + query + data. One machine, so the nodes share one data directory and a shard's
/// journal is readable wherever the shard runs.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly TempDirectory _dataDir = new("cluster");
    private readonly List<MilvusNode> _nodes = [];

    private LocalCluster()
    {
    }

    /// <summary>The coordinator + proxy node.</summary>
    public MilvusNode Front => _nodes[0];

    /// <summary>The two streaming nodes.</summary>
    public IReadOnlyList<MilvusNode> Streaming => [_nodes[1], _nodes[2]];

    /// <summary>Starts the three nodes and returns once the seed sees all of them up.</summary>
    public static async Task<LocalCluster> StartAsync(string extraConfig)
    {
        var cluster = new LocalCluster();
        // Akka.NET 1.5.73 can order members of equal up-number by address (akka.net #8585), so the ports rise with the
        // join order: every node then agrees which streaming node is oldest and hosts sharding's coordinator.
        var ports = new[] { ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort() }.Order().ToArray();
        try
        {
            var front = await cluster.StartNodeAsync([Roles.Coordinator, Roles.Proxy], [], ports[0], extraConfig);
            await cluster.StartNodeAsync([Roles.Streaming, Roles.Query], [front.Address.ToString()], ports[1], extraConfig);
            await cluster.StartNodeAsync([Roles.Streaming, Roles.Query, Roles.Data], [front.Address.ToString()], ports[2], extraConfig);
            // Shards are placed on the streaming nodes the coordinator sees as up when a collection is created.
            var members = global::Akka.Cluster.Cluster.Get(front.System);
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (members.State.Members.Count(m => m.Status == MemberStatus.Up) < 3)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("the three-node cluster did not form within 90 s");
                }

                await Task.Delay(100);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task<MilvusNode> StartNodeAsync(ImmutableArray<string> roles, ImmutableArray<string> seeds, int port, string extraConfig)
    {
        var node = await MilvusNode.StartAsync(new NodeOptions
        {
            Roles = roles, DataDir = _dataDir.Path, Seeds = seeds, Port = port, ExtraConfig = "milvus.management.port = 0\n" + extraConfig,
        });
        _nodes.Add(node);
        return node;
    }

    /// <summary>Stops the nodes youngest first, so the seed sees the others leave, then deletes the data.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }

        _dataDir.Dispose();
    }
}
