using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Server;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>One standalone node serving the Milvus gRPC API on a free loopback port, shared by the gRPC tests.</summary>
public sealed class GrpcServerFixture : IAsyncLifetime
{
    /// <summary>
    /// A 1 MiB request limit lets the oversized-request test stay small; without automatic compaction the segments a
    /// test flushes stay as they are until it compacts them itself.
    /// </summary>
    private const string Config = """
        milvus.proxy.grpc.port = 0
        milvus.management.port = 0
        milvus.proxy.grpc.max-receive-message-size = 1 MiB
        milvus.coordinator.compaction.auto = off
        milvus.query.register-interval = 500ms
        milvus.data.poll-interval = 500ms
        akka.loglevel = WARNING
        """;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-tests", Guid.NewGuid().ToString("N"));
    private MilvusNode? _node;
    private GrpcChannel? _channel;

    public string Address => $"127.0.0.1:{_node!.GrpcPort}";

    public MilvusService.MilvusServiceClient Client => new(_channel);

    /// <summary>For requests that are not well-formed messages (raw bytes sent to any rpc).</summary>
    public CallInvoker CallInvoker => _channel!.CreateCallInvoker();

    public MilvusNode Node => _node!;

    public async Task InitializeAsync()
    {
        _node = await MilvusNode.StartAsync(new NodeOptions { DataDir = _dataDir, ExtraConfig = Config });
        _channel = GrpcChannel.ForAddress($"http://{Address}", new GrpcChannelOptions { MaxSendMessageSize = null });
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class GrpcServerCollection : ICollectionFixture<GrpcServerFixture>
{
    public const string Name = "grpc server";
}
