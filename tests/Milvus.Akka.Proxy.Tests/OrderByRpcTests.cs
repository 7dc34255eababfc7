using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// order_by_fields (Milvus 2.6/3.0, sent by the Node SDK 3.x) through the real gRPC endpoint, over flushed rows a query
/// node serves and growing rows a shard serves: a query's rows and a search's page come back in the fields' order, with
/// nulls where the direction puts them, the page cut after ordering, and bad keys refused with Milvus's codes.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class OrderByRpcTests(GrpcServerFixture server)
{
    private const int Rows = 60;

    private MilvusService.MilvusServiceClient Client => server.Client;

    private static double? Price(long id) => id % 5 == 0 ? null : id * 37 % 11 + 0.5;

    private static int Rank(long id) => (int)(id % 6);

    private static string Name(long id) => $"n{id % 4}";

    /// <summary>The JSON field's "w": a number, a string or missing, by thirds.</summary>
    private static string Meta(long id) => (id % 3) switch { 0 => $"{{\"w\": {id % 7}}}", 1 => $"{{\"w\": \"s{id % 5}\"}}", _ => "{}" };

    /// <summary>The dynamic key "age", on even rows only.</summary>
    private static int? Age(long id) => id % 2 == 0 ? 100 - (int)id : null;

    [Fact]
    public async Task Queries_and_searches_come_back_in_the_order_of_their_fields_and_bad_keys_are_refused()
    {
        var name = await CreateLoadedCollectionAsync();
        var ids = Enumerable.Range(0, Rows).Select(i => (long)i).ToList();

        // Descending: nulls first by default, ties by primary key; the page is cut after ordering.
        var page = await QueryIdsAsync(name, "price:desc", limit: 7, offset: 3);
        Assert.Equal(ids.OrderBy(i => Price(i).HasValue).ThenByDescending(Price).ThenBy(i => i).Skip(3).Take(7), page);

        // Ascending: nulls last by default, first when asked; several keys in turn.
        Assert.Equal(ids.OrderBy(i => !Price(i).HasValue).ThenBy(Price).ThenBy(i => i), await QueryIdsAsync(name, "price"));
        Assert.Equal(ids.OrderBy(i => Price(i).HasValue).ThenBy(Price).ThenBy(i => i), await QueryIdsAsync(name, "price:asc:nulls_first"));
        Assert.Equal(ids.OrderBy(Rank).ThenByDescending(Name, StringComparer.Ordinal).ThenBy(i => i).Take(20),
            await QueryIdsAsync(name, "rank:asc, name:DESC", limit: 20));

        // A key field that is not an output field orders the rows without being returned.
        var query = Query(name, "rank:desc", limit: 5);
        var rows = await Client.QueryAsync(query);
        Succeeded(rows.Status);
        Assert.Equal(["id"], rows.FieldsData.Select(f => f.FieldName));

        // A search orders its best offset + limit hits by the fields, then pages them; ties keep their score order.
        var unordered = await SearchIdsAsync(name, null, limit: 12);
        Assert.Equal(unordered.OrderByDescending(Rank).Skip(4).Take(8), await SearchIdsAsync(name, "rank:desc", limit: 8, offset: 4));
        Assert.Equal(unordered.Take(10).OrderBy(i => !Price(i).HasValue).ThenBy(Price), await SearchIdsAsync(name, "price", limit: 10));

        // A search also orders by a dynamic key and by a path into a JSON field: strings before numbers, as their JSON
        // texts compare, and a missing value is null.
        Assert.Equal(unordered.Take(10).OrderBy(i => Age(i).HasValue).ThenByDescending(Age), await SearchIdsAsync(name, "age:desc", limit: 10));
        Assert.Equal(unordered.Take(10).OrderBy(i => i % 3 == 1 ? 0 : i % 3 == 0 ? 1 : 2).ThenBy(i => i % 3 == 1 ? $"s{i % 5}" : "", StringComparer.Ordinal)
            .ThenBy(i => i % 3 == 0 ? i % 7 : 0), await SearchIdsAsync(name, "meta[\"w\"]", limit: 10));
        IllegalArgument((await Client.QueryAsync(Query(name, "age"))).Status, "a query is ordered by scalar fields of the schema only");
        IllegalArgument((await Client.QueryAsync(Query(name, "meta"))).Status, "is a JSON field: order by a path into it");
        IllegalArgument((await Client.SearchAsync(Search(name, "name[\"x\"]", limit: 5))).Status, "has a path but 'name' is a VarChar field");
        IllegalArgument((await Client.QueryAsync(Query(name, "vec:asc"))).Status, "has type FloatVector, which cannot be ordered by");
        IllegalArgument((await Client.QueryAsync(Query(name, "rank:upward"))).Status, "invalid order direction 'upward' for field 'rank'");
        IllegalArgument((await Client.QueryAsync(Query(name, "rank:asc:nulls_middle"))).Status, "invalid null placement 'nulls_middle'");
        var iterator = Query(name, "rank");
        iterator.QueryParams.Add(Pair("iterator", "true"));
        IllegalArgument((await Client.QueryAsync(iterator)).Status, "cannot be used with a query iterator");
        IllegalArgument((await Client.SearchAsync(Search(name, "vec", limit: 5))).Status, "cannot be ordered by");
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }

    private async Task<string> CreateLoadedCollectionAsync()
    {
        var name = "orderby_" + Guid.NewGuid().ToString("N")[..8];
        var schema = new CollectionSchema
        {
            Name = name,
            EnableDynamicField = true,
            Fields =
            {
                IdAndVector(LineDim),
                new FieldSchema { Name = "price", DataType = DataType.Double, Nullable = true },
                new FieldSchema { Name = "rank", DataType = DataType.Int32 },
                new FieldSchema { Name = "name", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "8") } },
                new FieldSchema { Name = "meta", DataType = DataType.Json },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }));
        await CreateFlatIndexAsync(Client, name);
        // Half the rows flushed (served by the query node), half growing (served by the shard): every read merges both.
        await InsertAsync(name, 0, Rows / 2);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await WaitLoadedAsync(Client, name);
        await InsertAsync(name, Rows / 2, Rows);
        return name;
    }

    private async Task InsertAsync(string name, int from, int to)
    {
        var ids = Enumerable.Range(from, to - from).Select(i => (long)i).ToList();
        Succeeded((await Client.InsertAsync(new InsertRequest
        {
            CollectionName = name,
            NumRows = (uint)ids.Count,
            FieldsData =
            {
                Int64s("id", ids),
                LineVectors(ids),
                new FieldData
                {
                    FieldName = "price", Type = DataType.Double, ValidData = { ids.Select(id => Price(id).HasValue) },
                    Scalars = new ScalarField { DoubleData = new DoubleArray { Data = { ids.Select(id => Price(id) ?? 0) } } },
                },
                new FieldData { FieldName = "rank", Type = DataType.Int32, Scalars = new ScalarField { IntData = new IntArray { Data = { ids.Select(Rank) } } } },
                new FieldData { FieldName = "name", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(Name) } } } },
                Json("meta", ids.Select(Meta)),
                Json("$meta", ids.Select(id => Age(id) is { } age ? $"{{\"age\": {age}}}" : "{}")),
            },
        })).Status);
    }

    private static FieldData Json(string field, IEnumerable<string> values) => new()
    {
        FieldName = field, Type = DataType.Json, IsDynamic = field == "$meta",
        Scalars = new ScalarField { JsonData = new JSONArray { Data = { values.Select(ByteString.CopyFromUtf8) } } },
    };

    private static ProtoQueryRequest Query(string name, string orderBy, int? limit = null, int offset = 0)
    {
        var request = new ProtoQueryRequest
        {
            CollectionName = name, Expr = "id >= 0", OutputFields = { "id" }, ConsistencyLevel = ConsistencyLevel.Strong,
            QueryParams = { Pair("order_by_fields", orderBy), Pair("offset", $"{offset}") },
        };
        if (limit is { } l)
        {
            request.QueryParams.Add(Pair("limit", $"{l}"));
        }

        return request;
    }

    private async Task<List<long>> QueryIdsAsync(string name, string orderBy, int? limit = null, int offset = 0)
    {
        var result = await Client.QueryAsync(Query(name, orderBy, limit, offset));
        Succeeded(result.Status);
        return [.. result.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data];
    }

    private static ProtoSearchRequest Search(string name, string? orderBy, int limit, int offset = 0)
    {
        // Between rows 20 and 21, nearer 20: no two rows tie on distance, so the unordered ranking is one list.
        var request = new ProtoSearchRequest
        {
            CollectionName = name,
            PlaceholderGroup = LineQuery(20.3f),
            Nq = 1,
            DslType = DslType.BoolExprV1,
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Strong,
            SearchParams = { Pair("topk", $"{limit}"), Pair("offset", $"{offset}"), Pair("anns_field", "vec"), Pair("metric_type", "L2") },
        };
        if (orderBy is not null)
        {
            request.SearchParams.Add(Pair("order_by_fields", orderBy));
        }

        return request;
    }

    private async Task<List<long>> SearchIdsAsync(string name, string? orderBy, int limit, int offset = 0)
    {
        var result = await Client.SearchAsync(Search(name, orderBy, limit, offset));
        Succeeded(result.Status);
        Assert.Equal(["id"], result.Results.FieldsData.Select(f => f.FieldName));
        return [.. result.Results.Ids.IntId.Data];
    }
}
