using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>A truncation lives in the catalog: after a restart the rows below it stay gone and the rows written after it stay.</summary>
public sealed class TruncateRestartTests
{
    private const string Collection = "truncated";
    private const int Dim = 4;

    [Fact]
    public async Task A_truncation_survives_a_restart()
    {
        await using var node = await StandaloneGrpcNode.StartAsync();
        var client = node.Client;
        var schema = new CollectionSchema
        {
            Name = Collection,
            Fields =
            {
                IdAndVector(Dim),
            },
        };
        Succeeded(await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = Collection, Schema = schema.ToByteString() }));
        await CreateFlatIndexAsync(client, Collection);
        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
        await InsertAsync(client, 0, 30);
        Succeeded((await client.FlushedAsync(new FlushRequest { CollectionNames = { Collection } })).Status);
        await InsertAsync(client, 30, 20);

        Succeeded((await client.TruncateCollectionAsync(new TruncateCollectionRequest { CollectionName = Collection })).Status);
        await InsertAsync(client, 45, 10);
        Assert.Equal(Enumerable.Range(45, 10).Select(i => (long)i), await IdsAsync(client));

        await node.RestartAsync();
        client = node.Client;
        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
        Assert.Equal(Enumerable.Range(45, 10).Select(i => (long)i), await IdsAsync(client));
    }

    private static async Task InsertAsync(MilvusService.MilvusServiceClient client, int first, int count)
    {
        var ids = Enumerable.Range(first, count).ToArray();
        var inserted = await client.InsertAsync(new InsertRequest
        {
            CollectionName = Collection,
            NumRows = (uint)count,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids.Select(i => (long)i) } } } },
                new FieldData
                {
                    FieldName = "vec",
                    Type = DataType.FloatVector,
                    Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { ids.SelectMany(i => new float[] { i, 1, 2, 3 }) } } },
                },
            },
        });
        Succeeded(inserted.Status);
    }

    private static async Task<List<long>> IdsAsync(MilvusService.MilvusServiceClient client)
    {
        var response = await client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = Collection,
            Expr = "id >= 0",
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        return [.. response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order()];
    }
}
