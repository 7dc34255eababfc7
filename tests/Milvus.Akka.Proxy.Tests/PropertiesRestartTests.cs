using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Altered index, collection and field properties live in the catalog: a restarted server still echoes them.</summary>
public sealed class PropertiesRestartTests
{
    private const string Collection = "restarted";

    [Fact]
    public async Task Altered_properties_survive_a_restart()
    {
        await using var node = await StandaloneGrpcNode.StartAsync();
        var client = node.Client;
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
        await CreateFlatIndexAsync(client, Collection, metric: "IP", indexName: "vec_idx");
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

        await node.RestartAsync();
        client = node.Client;
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
