using System.Diagnostics;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using LegacyErrorCode = Milvus.Akka.Grpc.Protocol.Common.ErrorCode;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus's quotaAndLimits through the gRPC edge: rate limits answer RateLimit and pass again once the bucket refills,
/// oversized inserts are refused, memory protection refuses writes (not reads), and the cluster's collection limit holds.
/// </summary>
public sealed class QuotaTests
{
    private const int Dim = 4;
    private long _nextId;

    [Fact]
    public async Task Requests_over_a_rate_get_RateLimit_and_succeed_after_the_window()
    {
        await using var node = await StandaloneGrpcNode.StartAsync("""
            milvus.quota.dql { enabled = on, query-rate.collection.max = 1 }
            milvus.quota.dml { enabled = on, insert-rate.collection.max = 0.001 }
            milvus.quota.limits.max-insert-size = 64 KiB
            """);
        await node.CreateLoadedCollectionAsync("limited", Dim);
        await node.CreateLoadedCollectionAsync("other", Dim);
        var client = node.Client;

        var query = new ProtoQueryRequest { CollectionName = "limited", Expr = "id >= 0", OutputFields = { "id" } };
        var refused = await FirstRefusedAsync(async () => (await client.QueryAsync(query)).Status);
        AssertRateLimited(refused);
        // Each collection has its own bucket.
        MilvusRpc.Succeeded((await client.QueryAsync(new ProtoQueryRequest { CollectionName = "other", Expr = "id >= 0" })).Status);
        // At 1 query a second, the bucket has credit again within a second or so.
        await SucceedsWithinAsync(async () => (await client.QueryAsync(query)).Status);

        // About 1 KiB a second of inserts: a few 100-row inserts (some 3.4 KiB each) exhaust it.
        refused = await FirstRefusedAsync(async () => (await client.InsertAsync(Insert("limited", 100))).Status);
        AssertRateLimited(refused);
        await SucceedsWithinAsync(async () => (await client.InsertAsync(Insert("limited", 1))).Status, TimeSpan.FromSeconds(30));

        var tooLarge = (await client.InsertAsync(Insert("other", 5000))).Status;
        Assert.Equal((int)Common.ErrorCode.ParameterTooLarge, tooLarge.Code);
        Assert.Contains("insert request size exceeds maxInsertSize", tooLarge.Reason);
    }

    [Fact]
    public async Task Memory_protection_refuses_writes_but_serves_reads_and_the_cluster_collection_limit_holds()
    {
        await using var node = await StandaloneGrpcNode.StartAsync("""
            milvus.quota.limit-writing.mem-protection.high-water-level = 0.000001
            milvus.coordinator.max-collections = 2
            """);
        await node.CreateLoadedCollectionAsync("guarded", Dim);
        var client = node.Client;
        var refused = (await client.InsertAsync(Insert("guarded", 10))).Status;
        Assert.Equal((int)Common.ErrorCode.ServiceQuotaExceeded, refused.Code);
        Assert.Equal(LegacyErrorCode.ForceDeny, refused.ErrorCode);
        Assert.Contains("memory quota exceeded", refused.Reason);
        var deleted = (await client.DeleteAsync(new DeleteRequest { CollectionName = "guarded", Expr = "id in [1]" })).Status;
        Assert.Equal((int)Common.ErrorCode.ServiceQuotaExceeded, deleted.Code);
        var count = await client.QueryAsync(new ProtoQueryRequest { CollectionName = "guarded", OutputFields = { "count(*)" } });
        MilvusRpc.Succeeded(count.Status);

        await node.CreateLoadedCollectionAsync("second", Dim);
        var third = await client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = "third",
            Schema = Google.Protobuf.MessageExtensions.ToByteString(new CollectionSchema
            {
                Name = "third",
                Fields =
                {
                    new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                    new FieldSchema { Name = "vec", DataType = DataType.FloatVector, TypeParams = { new Milvus.Akka.Grpc.Protocol.Common.KeyValuePair { Key = "dim", Value = $"{Dim}" } } },
                },
            }),
        });
        Assert.Equal((int)Common.ErrorCode.CollectionNumLimitExceeded, third.Code);
        Assert.Contains("exceeded the limit number of collections", third.Reason);
    }

    private static void AssertRateLimited(MilvusStatus status)
    {
        Assert.Equal((int)Common.ErrorCode.ServiceRateLimit, status.Code);
        Assert.Equal(LegacyErrorCode.RateLimit, status.ErrorCode);
        Assert.True(status.Retriable);
        Assert.Contains("rate limit exceeded", status.Reason);
    }

    /// <summary>Sends until one is refused (a rate of a few per second is exhausted within a handful).</summary>
    private static async Task<MilvusStatus> FirstRefusedAsync(Func<Task<MilvusStatus>> send)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var status = await send();
            if (status.Code != 0)
            {
                return status;
            }
        }

        throw new Xunit.Sdk.XunitException("50 requests in a row were admitted past a rate of about one a second");
    }

    private static async Task SucceedsWithinAsync(Func<Task<MilvusStatus>> send, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        MilvusStatus status;
        while ((status = await send()).Code != 0)
        {
            Assert.True(status.Code == (int)Common.ErrorCode.ServiceRateLimit, $"status {status.Code}: {status.Reason}");
            Assert.True(deadline.Elapsed < (within ?? TimeSpan.FromSeconds(10)), $"still rate-limited after {deadline.Elapsed}: {status.Reason}");
            await Task.Delay(200);
        }
    }

    private InsertRequest Insert(string collection, int rows)
    {
        var first = _nextId;
        var ids = Enumerable.Range(0, rows).Select(i => first + i).ToList();
        _nextId += rows;
        var vectors = new FloatArray();
        vectors.Data.Add(ids.SelectMany(id => Enumerable.Range(0, Dim).Select(d => (float)(id + d))));
        return new InsertRequest
        {
            CollectionName = collection,
            NumRows = (uint)rows,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids } } } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
            },
        };
    }
}
