using System.Text.Json;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 2.6's quantized index types through the real gRPC endpoint: an index created as HNSW_SQ, HNSW_PQ, HNSW_PRQ or
/// IVF_RABITQ over flushed rows is built (as the exact index of its family), searched with the nearest rows of the
/// line (id, 1) found, and described with the type and params it was created with.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class QuantizedIndexRpcTests(GrpcServerFixture server)
{
    private const int Rows = 200;

    private MilvusService.MilvusServiceClient Client => server.Client;

    [Theory]
    [InlineData("HNSW_SQ", """{"M": 8, "efConstruction": 64, "sq_type": "SQ8", "refine": true, "refine_type": "FP16"}""", """{"ef": 32, "refine_k": 2}""")]
    [InlineData("HNSW_PQ", """{"M": 8, "efConstruction": 64, "m": 2, "nbits": 8}""", """{"ef": 32}""")]
    [InlineData("HNSW_PRQ", """{"M": 8, "efConstruction": 64, "m": 2, "nbits": 8, "nrq": 1}""", """{"ef": 32}""")]
    [InlineData("IVF_RABITQ", """{"nlist": 4, "refine": true, "refine_type": "SQ8"}""", """{"nprobe": 4, "rbq_query_bits": 0}""")]
    public async Task An_index_of_a_quantized_type_is_searched_and_described_as_created(string indexType, string buildParams, string searchParams)
    {
        var name = "quantized_" + Guid.NewGuid().ToString("N")[..8];
        var schema = new CollectionSchema { Name = name, Fields = { IdAndVector(LineDim) } };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() }));
        var ids = Enumerable.Range(0, Rows).Select(i => (long)i).ToList();
        Succeeded((await Client.InsertAsync(new InsertRequest { CollectionName = name, NumRows = Rows, FieldsData = { Int64s("id", ids), LineVectors(ids) } })).Status);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { name } })).Status);
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = name,
            FieldName = "vec",
            ExtraParams = { Pair("index_type", indexType), Pair("metric_type", "L2"), Pair("params", buildParams) },
        }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
        await WaitLoadedAsync(Client, name);

        var found = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = name,
            PlaceholderGroup = LineQuery(50.3f),
            Nq = 1,
            DslType = DslType.BoolExprV1,
            ConsistencyLevel = ConsistencyLevel.Strong,
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "5"), Pair("metric_type", "L2"), Pair("params", searchParams) },
        });
        Succeeded(found.Status);
        Assert.Equal([50L, 51, 49, 52, 48], found.Results.Ids.IntId.Data);

        var described = await Client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = name });
        Succeeded(described.Status);
        var index = Assert.Single(described.IndexDescriptions);
        Assert.Equal(indexType, index.Params.Single(p => p.Key == "index_type").Value);
        var echoed = JsonDocument.Parse(index.Params.Single(p => p.Key == "params").Value).RootElement;
        foreach (var param in JsonDocument.Parse(buildParams).RootElement.EnumerateObject())
        {
            Assert.Equal(param.Value.ToString(), echoed.GetProperty(param.Name).ToString());
        }

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name }));
    }
}
