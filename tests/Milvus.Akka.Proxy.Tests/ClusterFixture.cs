using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>The three-node <see cref="LocalCluster"/> serving gRPC on its front node. Segments stay as flushed until the workflow compacts them itself.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private const string Config = """
        milvus.proxy.grpc.port = 0
        milvus.coordinator.compaction.auto = off
        milvus.query.register-interval = 500ms
        milvus.data.poll-interval = 500ms
        akka.loglevel = WARNING
        """;

    private LocalCluster? _cluster;

    public string Address => $"127.0.0.1:{_cluster!.Front.GrpcPort}";

    /// <summary>The object storage the nodes share.</summary>
    public Storage.IObjectStore Objects => _cluster!.Front.Objects;

    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(Config);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
