using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Answers pymilvus's examples rely on, as Milvus gives them: generated VarChar keys, a delete's count without its keys,
/// an unnamed index named after its field.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class PymilvusConventionsRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _collection = "pyconv_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                new FieldSchema { Name = "pk", DataType = DataType.VarChar, IsPrimaryKey = true, AutoID = true, TypeParams = { Pair("max_length", "100") } },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{LineDim}") } },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString(), ShardsNum = 2 }));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task A_VarChar_auto_id_key_is_generated_in_decimal_and_a_delete_answers_its_count_without_keys()
    {
        var inserted = await Client.InsertAsync(new InsertRequest { CollectionName = _collection, NumRows = 3, FieldsData = { LineVectors([1, 2, 3]) } });
        Succeeded(inserted.Status);
        var keys = inserted.IDs.StrId.Data.ToList();
        Assert.Equal(3, keys.Distinct().Count());
        Assert.All(keys, key => Assert.True(long.TryParse(key, out _), $"{key} is a generated id in decimal"));

        var refused = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection, NumRows = 1,
            FieldsData = { new FieldData { FieldName = "pk", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { "mine" } } } }, LineVectors([4]) },
        });
        IllegalArgument(refused.Status, "auto_id");

        var deleted = await Client.DeleteAsync(new DeleteRequest { CollectionName = _collection, Expr = $"pk in [\"{keys[0]}\", \"{keys[1]}\"]" });
        Succeeded(deleted.Status);
        Assert.Equal(2, deleted.DeleteCnt);
        Assert.Equal(IDs.IdFieldOneofCase.None, deleted.IDs.IdFieldCase);

        await CreateFlatIndexAsync(Client, _collection);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        var rows = await Client.QueryAsync(new ProtoQueryRequest { CollectionName = _collection, Expr = "pk != \"\"", OutputFields = { "pk" }, ConsistencyLevel = ConsistencyLevel.Strong });
        Succeeded(rows.Status);
        Assert.Equal([keys[2]], rows.FieldsData.Single(f => f.FieldName == "pk").Scalars.StringData.Data);

        var index = await Client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = _collection, IndexName = "vec" });
        Succeeded(index.Status);
        Assert.Equal("vec", Assert.Single(index.IndexDescriptions).FieldName);
    }
}
