using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Filter templates (expr_template_values) through gRPC are bound as the filter is parsed, never written into its text:
/// a list of values longer than the longest filter the proxy accepts as text selects its rows; the list keeps its own
/// limit (hocon/role.proxy.hocon's default: 100,000 items).
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class FilterTemplateRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _collection = "templates_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    private static string Tag(long id) => $"tag-{id:D12}";

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields = { IdAndVector(LineDim), new FieldSchema { Name = "tag", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "32") } } },
        };
        await CreateLoadedAsync(Client, schema);
        var ids = Enumerable.Range(0, 20).Select(i => (long)i).ToArray();
        var insert = new InsertRequest
        {
            CollectionName = _collection,
            NumRows = (uint)ids.Length,
            FieldsData =
            {
                Int64s("id", ids), LineVectors(ids),
                new FieldData { FieldName = "tag", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(Tag) } } } },
            },
        };
        Succeeded((await Client.InsertAsync(insert)).Status);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task A_template_list_longer_than_the_longest_filter_text_selects_its_rows()
    {
        // 75,005 keys, most of 13 digits: over 1 MiB written as a literal list (the longest filter text accepted), some
        // 450 KB as packed varints (this fixture's requests are limited to 1 MiB).
        long[] keys = [15, 16, 17, 18, 19, .. Enumerable.Range(0, 75_000).Select(i => 1_000_000_000_000L + i)];
        Assert.True(string.Join(',', keys).Length > 1 << 20);
        var templated = Query("id in {keys} and id >= {from}");
        templated.ExprTemplateValues.Add("keys", new TemplateValue { ArrayVal = new TemplateArrayValue { LongData = new LongArray { Data = { keys } } } });
        templated.ExprTemplateValues.Add("from", new TemplateValue { Int64Val = 17 });

        var result = await Client.QueryAsync(templated);

        Succeeded(result.Status);
        Assert.Equal([17L, 18, 19], result.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
    }

    [Fact]
    public async Task A_template_list_is_held_to_the_list_limit_and_a_missing_value_is_named()
    {
        var tooMany = Query("id in {ids}");
        tooMany.ExprTemplateValues.Add("ids", new TemplateValue { ArrayVal = new TemplateArrayValue { LongData = new LongArray { Data = { Enumerable.Range(0, 100_001).Select(i => (long)i) } } } });
        IllegalArgument((await Client.QueryAsync(tooMany)).Status, "a list has more than 100000 items (max filter list items)");

        IllegalArgument((await Client.QueryAsync(Query("id == {missing}"))).Status, "no value was supplied for template placeholder {missing}");
    }

    [Fact]
    public async Task A_delete_binds_its_template_values()
    {
        var delete = new DeleteRequest { CollectionName = _collection, Expr = "tag in {gone}" };
        delete.ExprTemplateValues.Add("gone", new TemplateValue { ArrayVal = new TemplateArrayValue { StringData = new StringArray { Data = { Tag(3), Tag(4) } } } });
        Succeeded((await Client.DeleteAsync(delete)).Status);

        var left = await Client.QueryAsync(Query("id < 6"));
        Succeeded(left.Status);
        Assert.Equal([0L, 1, 2, 5], left.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
    }

    private ProtoQueryRequest Query(string expr) => new()
    {
        CollectionName = _collection,
        Expr = expr,
        OutputFields = { "id" },
        ConsistencyLevel = Milvus.Akka.Grpc.Protocol.Common.ConsistencyLevel.Strong,
    };
}
