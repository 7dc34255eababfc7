using System.Text.Json;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using static Milvus.Akka.TestSupport.MilvusRpc;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 2.6's dynamicfield.enabled on an existing collection: the dynamic field is added as AddCollectionField adds
/// a field, so rows flushed or growing before read no dynamic keys, rows written after keep theirs, filters on dynamic
/// keys see only those, and all of it survives a release and load from storage.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class DynamicFieldEnableRpcTests(GrpcServerFixture server)
{
    private MilvusService.MilvusServiceClient Client => server.Client;

    [Fact]
    public async Task A_collection_gains_a_dynamic_field_and_rows_written_before_have_no_dynamic_keys()
    {
        var name = "dyn_later_" + Guid.NewGuid().ToString("N")[..8];
        var schema = new CollectionSchema { Name = name, Fields = { IdAndVector(LineDim), new FieldSchema { Name = "score", DataType = DataType.Int64 } } };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }));
        await CreateFlatIndexAsync(Client, name);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await InsertAsync(name, 0, 10, withColours: false);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        await InsertAsync(name, 10, 15, withColours: false);

        Succeeded(await Client.AlterCollectionAsync(new AlterCollectionRequest { CollectionName = name, Properties = { Pair("dynamicfield.enabled", "true") } }));
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
        Assert.True(described.Schema.EnableDynamicField);
        Assert.DoesNotContain(described.Properties, p => p.Key == "dynamicfield.enabled");
        // Asked again, nothing changes.
        Succeeded(await Client.AlterCollectionAsync(new AlterCollectionRequest { CollectionName = name, Properties = { Pair("dynamicfield.enabled", "true") } }));
        Assert.Equal(described.Schema, (await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name })).Schema);

        await InsertAsync(name, 15, 25, withColours: true);
        await AssertReadsAsync(name);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        Succeeded(await Client.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = name }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await WaitLoadedAsync(Client, name);
        await AssertReadsAsync(name);

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    /// <summary>Rows 15 to 24 have a colour (red for even ids) and n = id; the rows before have no dynamic keys.</summary>
    private async Task AssertReadsAsync(string name)
    {
        Assert.Equal(25, await StrongCountAsync(Client, name));
        Assert.Equal([16L, 18, 20, 22, 24], (await QueryAsync(name, "colour == \"red\"", "id")).FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        Assert.Equal([21L, 22, 23, 24], (await QueryAsync(name, "n > 20", "id")).FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        Assert.Equal(10, (await QueryAsync(name, "exists colour", "id")).FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Count);

        var all = await QueryAsync(name, "id in [3, 12, 17]", "*");
        var ids = all.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var meta = all.FieldsData.Single(f => f.IsDynamic).Scalars.JsonData.Data;
        var colours = ids.Zip(meta, (id, json) => (id, json.Length == 0 ? null : JsonDocument.Parse(json.ToByteArray()).RootElement.TryGetProperty("colour", out var c) ? c.GetString() : null))
            .OrderBy(r => r.id).ToList();
        Assert.Equal([(3L, (string?)null), (12L, null), (17L, "blue")], colours);

        var search = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = name, Dsl = "colour == \"blue\"", DslType = DslType.BoolExprV1, PlaceholderGroup = LineQuery(0), Nq = 1,
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "3"), Pair("metric_type", "L2") }, OutputFields = { "colour" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(search.Status);
        Assert.Equal([15L, 17, 19], search.Results.Ids.IntId.Data);
    }

    private async Task<QueryResults> QueryAsync(string name, string filter, string output)
    {
        var result = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = name, Expr = filter, OutputFields = { output }, ConsistencyLevel = ConsistencyLevel.Strong, QueryParams = { Pair("limit", "100") },
        });
        Succeeded(result.Status);
        return result;
    }

    private async Task InsertAsync(string name, int from, int to, bool withColours)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        var request = new InsertRequest { CollectionName = name, NumRows = (uint)ids.Count, FieldsData = { Int64s("id", ids), LineVectors(ids), Int64s("score", ids) } };
        if (withColours)
        {
            request.FieldsData.Add(new FieldData
            {
                FieldName = "$meta", Type = DataType.Json, IsDynamic = true,
                Scalars = new ScalarField
                {
                    JsonData = new JSONArray { Data = { ids.Select(id => ByteString.CopyFromUtf8($$"""{"colour": "{{(id % 2 == 0 ? "red" : "blue")}}", "n": {{id}}}""")) } },
                },
            });
        }

        Succeeded((await Client.InsertAsync(request)).Status);
    }
}
