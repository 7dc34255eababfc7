using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Server;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// A standalone node of a test's own configuration (gRPC and management on free loopback ports) with a client; its
/// data directory outlives <see cref="RestartAsync"/> and is deleted on dispose.
/// </summary>
public sealed class StandaloneGrpcNode : IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly GrpcChannelOptions? _channelOptions;
    private GrpcChannel _channel;

    private StandaloneGrpcNode(NodeOptions options, GrpcChannelOptions? channelOptions, MilvusNode node)
    {
        _options = options;
        _channelOptions = channelOptions;
        Node = node;
        _channel = Open(node, channelOptions);
    }

    public MilvusNode Node { get; private set; }

    /// <summary>The gRPC endpoint as host:port; the port changes with each restart.</summary>
    public string Address => $"127.0.0.1:{Node.GrpcPort}";

    public MilvusService.MilvusServiceClient Client => new(_channel);

    /// <summary>For requests that are not well-formed messages (raw bytes sent to any rpc).</summary>
    public CallInvoker CallInvoker => _channel.CreateCallInvoker();

    /// <summary>The node's data directory (created), for files a test keeps beside it.</summary>
    public string DataDir => _options.DataDir;

    public static async Task<StandaloneGrpcNode> StartAsync(string extraConfig = "", GrpcChannelOptions? channelOptions = null)
    {
        var options = new NodeOptions
        {
            DataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-tests", Guid.NewGuid().ToString("N")),
            ExtraConfig = "milvus.proxy.grpc.port = 0\nmilvus.management.port = 0\nmilvus.management.host = \"127.0.0.1\"\nakka.loglevel = WARNING\n" + extraConfig,
        };
        try
        {
            return new StandaloneGrpcNode(options, channelOptions, await MilvusNode.StartAsync(options));
        }
        catch
        {
            DeleteDataDir(options.DataDir);
            throw;
        }
    }

    /// <summary>Stops the node and starts it again on the same data directory and configuration.</summary>
    public async Task RestartAsync()
    {
        _channel.Dispose();
        await Node.DisposeAsync();
        Node = await MilvusNode.StartAsync(_options);
        _channel = Open(Node, _channelOptions);
    }

    /// <summary>
    /// Creates a collection of an Int64 key <c>id</c> and a <paramref name="dim"/>-d vector <c>vec</c> with a FLAT index
    /// (or <paramref name="hnsw"/>, which data nodes build), and loads it.
    /// </summary>
    public async Task CreateLoadedCollectionAsync(string name, int dim, Metadata? headers = null, bool hnsw = false)
    {
        var schema = new CollectionSchema
        {
            Name = name,
            Fields =
            {
                MilvusRpc.IdAndVector(dim),
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }, headers));
        var index = new CreateIndexRequest
        {
            CollectionName = name,
            FieldName = "vec",
            ExtraParams = { Pair("index_type", hnsw ? "HNSW" : "FLAT"), Pair("metric_type", "L2") },
        };
        if (hnsw)
        {
            index.ExtraParams.Add(Pair("params", """{"M": 8, "efConstruction": 32}"""));
        }

        Succeeded(await Client.CreateIndexAsync(index, headers));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }, headers));
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Node.DisposeAsync();
        DeleteDataDir(_options.DataDir);
    }

    private static GrpcChannel Open(MilvusNode node, GrpcChannelOptions? options) =>
        GrpcChannel.ForAddress($"http://127.0.0.1:{node.GrpcPort}", options ?? new GrpcChannelOptions());

    private static void DeleteDataDir(string dataDir)
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
