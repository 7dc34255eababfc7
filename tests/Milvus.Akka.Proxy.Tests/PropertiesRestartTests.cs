using Google.Protobuf;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.Server;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Altered index, collection and field properties live in the catalog: a restarted server still echoes them.</summary>
public sealed class PropertiesRestartTests : IAsyncLifetime
{
    private const string Config = """
        milvus.proxy.grpc.port = 0
        milvus.management.port = 0
        akka.loglevel = WARNING
        """;

    private const string Collection = "restarted";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Altered_properties_survive_a_restart()
    {
        await using (var node = await MilvusNode.StartAsync(new NodeOptions { DataDir = _dataDir, ExtraConfig = Config }))
        {
            var client = Client(node, out var channel);
            using (channel)
            {
                var schema = new CollectionSchema
                {
                    Name = Collection,
                    Fields =
                    {
                        new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                        new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", "4") } },
                        new FieldSchema { Name = "title", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "8") } },
                    },
                };
                Succeeded(await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = Collection, Schema = schema.ToByteString() }));
                Succeeded(await client.CreateIndexAsync(new CreateIndexRequest
                {
                    CollectionName = Collection,
                    FieldName = "vec",
                    IndexName = "vec_idx",
                    ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", "IP") },
                }));
                Succeeded(await client.AlterIndexAsync(new AlterIndexRequest
                {
                    CollectionName = Collection,
                    IndexName = "vec_idx",
                    ExtraParams = { Pair("mmap.enabled", "true"), Pair("warmup", "disable") },
                }));
                Succeeded(await client.AlterCollectionAsync(new AlterCollectionRequest { CollectionName = Collection, Properties = { Pair("collection.ttl.seconds", "120") } }));
                Succeeded(await client.AlterCollectionFieldAsync(new AlterCollectionFieldRequest
                {
                    CollectionName = Collection,
                    FieldName = "title",
                    Properties = { Pair("max_length", "32"), Pair("mmap.enabled", "false") },
                }));
            }
        }

        await using (var node = await MilvusNode.StartAsync(new NodeOptions { DataDir = _dataDir, ExtraConfig = Config }))
        {
            var client = Client(node, out var channel);
            using (channel)
            {
                var index = await client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = Collection, IndexName = "vec_idx" });
                Succeeded(index.Status);
                var indexParams = Assert.Single(index.IndexDescriptions).Params.ToDictionary(p => p.Key, p => p.Value);
                Assert.Equal(new Dictionary<string, string> { ["index_type"] = "FLAT", ["metric_type"] = "IP", ["mmap.enabled"] = "true", ["warmup"] = "disable" },
                    indexParams);

                var collection = await client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = Collection });
                Succeeded(collection.Status);
                Assert.Equal("120", collection.Properties.Single(p => p.Key == "collection.ttl.seconds").Value);
                var title = collection.Schema.Fields.Single(f => f.Name == "title").TypeParams.ToDictionary(p => p.Key, p => p.Value);
                Assert.Equal(new Dictionary<string, string> { ["max_length"] = "32", ["mmap.enabled"] = "false" }, title);
            }
        }
    }

    private static MilvusService.MilvusServiceClient Client(MilvusNode node, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress($"http://127.0.0.1:{node.GrpcPort}");
        return new MilvusService.MilvusServiceClient(channel);
    }

    private static KeyValuePair Pair(string key, string value) => new() { Key = key, Value = value };

    private static void Succeeded(MilvusStatus status) => Assert.True(status.ErrorCode == ErrorCode.Success && status.Code == 0, status.Reason);
}
