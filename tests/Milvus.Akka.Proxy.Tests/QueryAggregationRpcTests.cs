using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Query aggregation as pymilvus sends it (query_params group_by_fields, aggregates among the output fields) over
/// flushed and growing rows, with deletes and a key written twice: the groups match an oracle, and their counts add up
/// to count(*).
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class QueryAggregationRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _collection = "qagg_" + Guid.NewGuid().ToString("N")[..8];
    private static readonly string[] Colors = ["red", "green", "blue"];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{LineDim}") } },
                new FieldSchema { Name = "color", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") } },
                new FieldSchema { Name = "size", DataType = DataType.Int32 },
            },
        };
        await CreateLoadedAsync(Client, schema, shards: 2);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task Groups_over_flushed_and_growing_rows_match_an_oracle_and_add_up_to_count()
    {
        var rows = new List<(long Id, string Color, int Size)>();
        await InsertAsync(Enumerable.Range(0, 300).Select(i => ((long)i, Colors[i % 3], i % 7)).ToList(), rows);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await InsertAsync(Enumerable.Range(300, 100).Select(i => ((long)i, Colors[i % 2], 10 + i % 5)).ToList(), rows);
        // Key 5 written again: a second stored version, which count(*) counts too.
        await InsertAsync([(5L, "blue", 100)], rows);
        Succeeded((await Client.DeleteAsync(new DeleteRequest { CollectionName = _collection, Expr = "id in [0, 1, 2, 350]" })).Status);
        rows.RemoveAll(r => r.Id is 0 or 1 or 2 or 350);

        var answer = await QueryAsync("size >= 0", ["color", "count(*)", "sum(size)", "avg(size)", "min(size)", "max(size)"], "color");

        Assert.Equal(["color", "count(*)", "sum(size)", "avg(size)", "min(size)", "max(size)"], answer.FieldsData.Select(f => f.FieldName));
        var expected = rows.GroupBy(r => r.Color).ToDictionary(g => g.Key);
        var colors = answer.FieldsData[0].Scalars.StringData.Data;
        Assert.Equal(expected.Keys.Order(), colors.Order());
        for (var g = 0; g < colors.Count; g++)
        {
            var group = expected[colors[g]];
            Assert.Equal(group.Count(), answer.FieldsData[1].Scalars.LongData.Data[g]);
            Assert.Equal(group.Sum(r => (long)r.Size), answer.FieldsData[2].Scalars.LongData.Data[g]);
            Assert.Equal(group.Average(r => r.Size), answer.FieldsData[3].Scalars.DoubleData.Data[g], 9);
            Assert.Equal(group.Min(r => r.Size), answer.FieldsData[4].Scalars.IntData.Data[g]);
            Assert.Equal(group.Max(r => r.Size), answer.FieldsData[5].Scalars.IntData.Data[g]);
        }

        Assert.Equal(await StrongCountAsync(Client, _collection), answer.FieldsData[1].Scalars.LongData.Data.Sum());

        // The largest group first, by an aggregate as order_by_fields names it.
        var largest = Request("", ["color", "count(*)"], "color");
        largest.QueryParams.Add(Pair("order_by_fields", "count(*):desc"));
        largest.QueryParams.Add(Pair("limit", "1"));
        var top = await Client.QueryAsync(largest);
        Succeeded(top.Status);
        Assert.Equal(expected.MaxBy(g => g.Value.Count()).Key, Assert.Single(top.FieldsData[0].Scalars.StringData.Data));

        // Without groups and without a filter: one row, no limit needed.
        var total = await QueryAsync("", ["count(*)", "max(color)"], groupBy: null);
        Assert.Equal(rows.Count, Assert.Single(total.FieldsData[0].Scalars.LongData.Data));
        Assert.Equal("red", Assert.Single(total.FieldsData[1].Scalars.StringData.Data));

        var refused = await Client.QueryAsync(Request("", ["size"], "color"));
        IllegalArgument(refused.Status, "group_by_fields");
    }

    private async Task InsertAsync(List<(long Id, string Color, int Size)> batch, List<(long Id, string Color, int Size)> rows)
    {
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection, NumRows = (uint)batch.Count,
            FieldsData =
            {
                Int64s("id", batch.Select(r => r.Id)), LineVectors(batch.Select(r => r.Id)),
                new FieldData { FieldName = "color", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { batch.Select(r => r.Color) } } } },
                new FieldData { FieldName = "size", Type = DataType.Int32, Scalars = new ScalarField { IntData = new IntArray { Data = { batch.Select(r => r.Size) } } } },
            },
        });
        Succeeded(inserted.Status);
        rows.AddRange(batch);
    }

    private ProtoQueryRequest Request(string filter, string[] outputs, string? groupBy)
    {
        var request = new ProtoQueryRequest { CollectionName = _collection, Expr = filter, OutputFields = { outputs }, ConsistencyLevel = ConsistencyLevel.Strong };
        if (groupBy is not null)
        {
            request.QueryParams.Add(Pair("group_by_fields", groupBy));
        }

        return request;
    }

    private async Task<QueryResults> QueryAsync(string filter, string[] outputs, string? groupBy)
    {
        var results = await Client.QueryAsync(Request(filter, outputs, groupBy));
        Succeeded(results.Status);
        return results;
    }
}
