using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Server;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>One standalone node serving the Milvus gRPC API on a free loopback port, shared by the gRPC tests.</summary>
public sealed class GrpcServerFixture : IAsyncLifetime
{
    /// <summary>
    /// A 1 MiB request limit lets the oversized-request test stay small, an 8 MiB import job limit the import tests;
    /// without automatic compaction the segments a test flushes stay as they are until it compacts them itself. Text
    /// embedding functions reach <see cref="Embeddings"/> as provider openai, with key "sk-stub".
    /// </summary>
    private const string Config = """
        milvus.proxy.grpc.max-receive-message-size = 1 MiB
        milvus.coordinator.compaction.auto = off
        milvus.query.register-interval = 500ms
        milvus.data.poll-interval = 500ms
        milvus.proxy.import.max-job-size = 8 MiB
        milvus.proxy.text-embedding.credentials.stub = "sk-stub"
        milvus.proxy.text-embedding.providers.openai.credential = stub
        """;

    private StandaloneGrpcNode? _node;

    /// <summary>The model provider of the server's text embedding functions.</summary>
    public EmbeddingProviderStub Embeddings { get; private set; } = null!;

    public string Address => _node!.Address;

    public MilvusService.MilvusServiceClient Client => _node!.Client;

    /// <summary>For requests that are not well-formed messages (raw bytes sent to any rpc).</summary>
    public CallInvoker CallInvoker => _node!.CallInvoker;

    public MilvusNode Node => _node!.Node;

    // No send limit on the client: the oversized-request test must reach the server's limit.
    public async Task InitializeAsync()
    {
        Embeddings = await EmbeddingProviderStub.StartAsync();
        _node = await StandaloneGrpcNode.StartAsync(Config + $"\nmilvus.proxy.text-embedding.providers.openai.url = \"{Embeddings.BaseUrl}/v1/embeddings\"",
            new GrpcChannelOptions { MaxSendMessageSize = null });
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        await Embeddings.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GrpcServerCollection : ICollectionFixture<GrpcServerFixture>
{
    public const string Name = "grpc server";
}
