using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Xunit;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// Small helpers for tests that speak the Milvus gRPC API: key/value pairs, status assertions, and the "line" rows many
/// tests insert: Int64 ids with two-dimensional vectors (id, 1), so the L2 ranking of a query (x, 1) is known to the test.
/// </summary>
public static class MilvusRpc
{
    /// <summary>The dimension of <see cref="LineVectors"/>.</summary>
    public const int LineDim = 2;

    public static KeyValuePair Pair(string key, string value) => new() { Key = key, Value = value };

    /// <summary>The Int64 primary key "id" and the FloatVector field "vec" of <paramref name="dim"/> dimensions most test collections start with.</summary>
    public static FieldSchema[] IdAndVector(int dim) =>
    [
        new() { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
        new() { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{dim}") } },
    ];

    /// <summary>A FLAT index on the vector field "vec" of <paramref name="collection"/>.</summary>
    public static async Task CreateFlatIndexAsync(MilvusService.MilvusServiceClient client, string collection, string metric = "L2", string indexName = "") =>
        Succeeded(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = collection,
            FieldName = "vec",
            IndexName = indexName,
            ExtraParams = { Pair("index_type", "FLAT"), Pair("metric_type", metric) },
        }));

    /// <summary>Creates the collection of <paramref name="schema"/> with a FLAT index on "vec" and loads it.</summary>
    public static async Task CreateLoadedAsync(MilvusService.MilvusServiceClient client, CollectionSchema schema, int shards = 1)
    {
        Succeeded(await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = schema.Name, Schema = schema.ToByteString(), ShardsNum = shards }));
        await CreateFlatIndexAsync(client, schema.Name);
        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = schema.Name }));
        await WaitLoadedAsync(client, schema.Name);
    }

    /// <summary>An Int64 column named <paramref name="field"/>.</summary>
    public static FieldData Int64s(string field, IEnumerable<long> values) =>
        new() { FieldName = field, Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { values } } } };

    /// <summary>A VarChar column named <paramref name="field"/>.</summary>
    public static FieldData Strings(string field, IEnumerable<string> values) =>
        new() { FieldName = field, Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { values } } } };

    /// <summary>The vectors (id, 1) of <paramref name="ids"/>, in the FloatVector field "vec" of dimension <see cref="LineDim"/>.</summary>
    public static FieldData LineVectors(IEnumerable<long> ids) => new()
    {
        FieldName = "vec", Type = DataType.FloatVector,
        Vectors = new VectorField { Dim = LineDim, FloatVector = new FloatArray { Data = { ids.SelectMany(id => new[] { (float)id, 1f }) } } },
    };

    /// <summary>One query vector (<paramref name="x"/>, 1) against <see cref="LineVectors"/>, as a search's placeholder group.</summary>
    public static ByteString LineQuery(float x) => new PlaceholderGroup
    {
        Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { ByteString.CopyFrom([.. BitConverter.GetBytes(x), .. BitConverter.GetBytes(1f)]) } } },
    }.ToByteString();

    /// <summary>Waits until GetLoadState reports <paramref name="collection"/> loaded (a load answers before its segments are served).</summary>
    public static Task WaitLoadedAsync(MilvusService.MilvusServiceClient client, string collection, int seconds = 60) =>
        Eventually.UntilAsync(
            async () => (await client.GetLoadStateAsync(new GetLoadStateRequest { CollectionName = collection })).State == LoadState.Loaded,
            $"collection {collection} is loaded",
            seconds);

    /// <summary>count(*) of <paramref name="collection"/> at Strong consistency: every row acknowledged before the call, each stored version once.</summary>
    public static async Task<long> StrongCountAsync(MilvusService.MilvusServiceClient client, string collection)
    {
        var count = await client.QueryAsync(new QueryRequest
        {
            CollectionName = collection,
            OutputFields = { "count(*)" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(count.Status);
        return count.FieldsData.Single().Scalars.LongData.Data.Single();
    }

    /// <summary>
    /// A flush as the SDKs make it: the Flush call, which may answer before its segments are in object storage
    /// (<c>milvus.proxy.flush-wait</c>), then GetFlushState until they are.
    /// </summary>
    public static async Task<FlushResponse> FlushedAsync(this MilvusService.MilvusServiceClient client, FlushRequest request, global::Grpc.Core.Metadata? headers = null)
    {
        var response = await client.FlushAsync(request, headers);
        if (response.Status.Code != 0)
        {
            return response;
        }

        foreach (var (collection, segments) in response.CollSegIDs)
        {
            var state = new GetFlushStateRequest { DbName = response.DbName, CollectionName = collection, SegmentIDs = { segments.Data } };
            await Eventually.UntilAsync(async () => (await client.GetFlushStateAsync(state, headers)).Flushed, $"the segments flushed of {collection} are in object storage", 300);
        }

        return response;
    }

    /// <summary>Both the legacy error code and the new code say success.</summary>
    public static void Succeeded(MilvusStatus status) =>
        Assert.True(status.ErrorCode == ErrorCode.Success && status.Code == 0, $"status {status.ErrorCode}/{status.Code}: {status.Reason}");

    /// <summary>A failure under both codes: the new <paramref name="code"/>, a legacy code that is not success, a reason naming the problem.</summary>
    public static void Failed(MilvusStatus status, int code, string reasonMentions)
    {
        Assert.True(code == status.Code, $"expected code {code}, got {status.Code}: {status.Reason}");
        Assert.NotEqual(ErrorCode.Success, status.ErrorCode);
        Assert.Contains(reasonMentions, status.Reason);
    }

    /// <summary>An illegal argument under both codes (legacy IllegalArgument, new 1100) whose reason names the problem.</summary>
    public static void IllegalArgument(MilvusStatus status, string reasonMentions)
    {
        Assert.Equal(ErrorCode.IllegalArgument, status.ErrorCode);
        Assert.Equal(1100, status.Code);
        Assert.Contains(reasonMentions, status.Reason);
    }
}
