using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Server;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>A standalone node of a test's own configuration (gRPC and management on free loopback ports) with a client.</summary>
public sealed class StandaloneGrpcNode : IAsyncDisposable
{
    private readonly string _dataDir;
    private readonly GrpcChannel _channel;

    private StandaloneGrpcNode(string dataDir, MilvusNode node)
    {
        _dataDir = dataDir;
        Node = node;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{node.GrpcPort}");
    }

    public MilvusNode Node { get; }

    public MilvusService.MilvusServiceClient Client => new(_channel);

    /// <summary>The node's data directory (created), for files a test keeps beside it.</summary>
    public string DataDir => _dataDir;

    public static async Task<StandaloneGrpcNode> StartAsync(string extraConfig)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-tests", Guid.NewGuid().ToString("N"));
        var node = await MilvusNode.StartAsync(new NodeOptions
        {
            DataDir = dataDir,
            ExtraConfig = "milvus.proxy.grpc.port = 0\nmilvus.management.port = 0\nmilvus.management.host = \"127.0.0.1\"\nakka.loglevel = WARNING\n" + extraConfig,
        });
        return new StandaloneGrpcNode(dataDir, node);
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
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new KeyValuePair { Key = "dim", Value = $"{dim}" } } },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }, headers));
        var index = new CreateIndexRequest
        {
            CollectionName = name,
            FieldName = "vec",
            ExtraParams = { new KeyValuePair { Key = "index_type", Value = hnsw ? "HNSW" : "FLAT" }, new KeyValuePair { Key = "metric_type", Value = "L2" } },
        };
        if (hnsw)
        {
            index.ExtraParams.Add(new KeyValuePair { Key = "params", Value = """{"M": 8, "efConstruction": 32}""" });
        }

        Succeeded(await Client.CreateIndexAsync(index, headers));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }, headers));
    }

    public static void Succeeded(MilvusStatus status) => Assert.True(status.Code == 0, $"status {status.Code}: {status.Reason}");

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Node.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
