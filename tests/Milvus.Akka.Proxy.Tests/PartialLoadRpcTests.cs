using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Partial load (load_fields) through the real gRPC endpoint, over flushed rows served by the query node and growing
/// rows: reads see only the loaded fields, a read naming another is refused as Milvus refuses it, the field list is
/// kept until a release, and a reload with every field brings the others back.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class PartialLoadRpcTests(GrpcServerFixture server)
{
    private const int Rows = 40;

    private MilvusService.MilvusServiceClient Client => server.Client;

    [Fact]
    public async Task A_partial_load_answers_reads_of_its_fields_refuses_the_others_and_is_replaced_only_after_a_release()
    {
        var name = "partial_" + Guid.NewGuid().ToString("N")[..8];
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Schema(name).ToByteString() }));
        await CreateFlatIndexAsync(Client, name);
        await InsertAsync(name, 0, Rows / 2);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);

        Failed(await LoadAsync(name, "vec", "title"), 1100, "load field list [vec title] does not contain primary key field id");
        Failed(await LoadAsync(name, "id", "title"), 1100, "load field list [id title] does not contain vector field");
        Failed(await LoadAsync(name, "id", "vec", "nope"), 1700, "field not found[field=nope]");
        Succeeded(await LoadAsync(name, "id", "vec", "title"));
        await WaitLoadedAsync(Client, name);
        await InsertAsync(name, Rows / 2, Rows);

        var all = await QueryAsync(name, "id >= 0", "*");
        Succeeded(all.Status);
        Assert.Equal(["id", "title", "vec"], all.FieldsData.Select(f => f.FieldName).Order());
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => (long)i), all.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        var titles = all.FieldsData.Single(f => f.FieldName == "title").Scalars.StringData.Data;
        Assert.All(all.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Zip(titles), p => Assert.Equal(Title(p.Item1), p.Item2));

        Failed((await QueryAsync(name, "id >= 0", "score")).Status, 1100, "field score is not loaded");
        Failed((await QueryAsync(name, "score > 3", "id")).Status, 1100, "field score is not loaded");
        Failed((await QueryAsync(name, "id >= 0", "max(score)")).Status, 1100, "field score is not loaded");
        // A search's "*" names the loaded fields only, and each comes back with the hits.
        var search = Search(name, "*");
        var found = await Client.SearchAsync(search);
        Succeeded(found.Status);
        Assert.Equal(["id", "title", "vec"], found.Results.OutputFields.Order());
        Assert.Equal(["id", "title", "vec"], found.Results.FieldsData.Select(f => f.FieldName).Order());
        Assert.Equal(5, found.Results.Ids.IntId.Data.Count);
        search.Dsl = "score > 3";
        Failed((await Client.SearchAsync(search)).Status, 1100, "field score is not loaded");

        // The field list stays until the collection is released; then a load of every field brings score back.
        Failed(await LoadAsync(name), 1100, "can't change the load field list");
        Succeeded(await LoadAsync(name, "id", "vec", "title"));
        Succeeded(await Client.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = name }));
        Succeeded(await LoadAsync(name));
        await WaitLoadedAsync(Client, name);

        var reloaded = await QueryAsync(name, "score > 3", "*");
        Succeeded(reloaded.Status);
        Assert.Equal(["id", "score", "title", "vec"], reloaded.FieldsData.Select(f => f.FieldName).Order());
        Assert.Equal(Enumerable.Range(0, Rows).Where(i => Score(i) > 3).Select(i => (long)i),
            reloaded.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    private static CollectionSchema Schema(string name) => new()
    {
        Name = name,
        Fields =
        {
            IdAndVector(LineDim),
            new FieldSchema { Name = "title", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "32") } },
            new FieldSchema { Name = "score", DataType = DataType.Int32 },
        },
    };

    private static string Title(long id) => $"title {id}";

    private static int Score(long id) => (int)(id % 7);

    private async Task InsertAsync(string name, int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name,
            NumRows = (uint)ids.Count,
            FieldsData =
            {
                Int64s("id", ids),
                LineVectors(ids),
                new FieldData { FieldName = "title", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(Title) } } } },
                new FieldData { FieldName = "score", Type = DataType.Int32, Scalars = new ScalarField { IntData = new IntArray { Data = { ids.Select(Score) } } } },
            },
        });
        Succeeded(inserted.Status);
    }

    private async Task<MilvusStatus> LoadAsync(string name, params string[] fields) =>
        await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name, LoadFields = { fields } });

    private async Task<QueryResults> QueryAsync(string name, string expr, string output) =>
        await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = name, Expr = expr, OutputFields = { output }, ConsistencyLevel = ConsistencyLevel.Strong,
        });

    private static ProtoSearchRequest Search(string name, string output) => new()
    {
        CollectionName = name,
        PlaceholderGroup = LineQuery(3f),
        Nq = 1,
        DslType = DslType.BoolExprV1,
        OutputFields = { output },
        ConsistencyLevel = ConsistencyLevel.Strong,
        SearchParams = { Pair("topk", "5"), Pair("anns_field", "vec"), Pair("metric_type", "L2") },
    };
}
