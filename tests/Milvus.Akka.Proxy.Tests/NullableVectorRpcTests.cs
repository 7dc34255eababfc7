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
/// Milvus 3.0's nullable vector fields through gRPC, as its SDKs send them: vectors for the valid rows only, placed by
/// valid_data. Rows in a stored, indexed segment and in a growing one read back exactly (null where none was sent),
/// are never search hits when null, can be filtered with <c>is null</c>, and change by upsert.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class NullableVectorRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Dim = 2;
    private readonly string _collection = "nvec_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
                new FieldSchema { Name = "vec", DataType = DataType.FloatVector, Nullable = true, TypeParams = { Pair("dim", $"{Dim}") } },
                new FieldSchema { Name = "sv", DataType = DataType.SparseFloatVector, Nullable = true },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString(), ShardsNum = 2 }));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    private static bool HasVector(long id) => id % 3 != 0;

    private static bool HasSparse(long id) => id % 2 == 0;

    private static float[] VectorOf(long id) => [id, 1];

    /// <summary>One (index, value) pair per row, the index cycling over 0..4.</summary>
    private static byte[] SparseOf(long id) => [.. BitConverter.GetBytes((uint)(id % 5)), .. BitConverter.GetBytes(1f + id)];

    [Fact]
    public async Task Null_vectors_read_back_as_null_are_never_hits_and_change_by_upsert()
    {
        await WriteAsync(Enumerable.Range(0, 60), upsert: false);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await Eventually.UntilAsync(async () =>
        {
            var segments = await Client.GetPersistentSegmentInfoAsync(new GetPersistentSegmentInfoRequest { CollectionName = _collection });
            return segments.Infos.Count > 0 && segments.Infos.All(i => i.State == SegmentState.Flushed);
        }, "the first rows are flushed");
        await WriteAsync(Enumerable.Range(60, 30), upsert: false);
        await IndexAsync("vec", Pair("index_type", "HNSW"), Pair("metric_type", "L2"), Pair("M", "8"), Pair("efConstruction", "64"));
        await IndexAsync("sv", Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "IP"));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        var expected = Enumerable.Range(0, 90).ToDictionary(i => (long)i, i => new Row(HasVector(i) ? VectorOf(i) : null, HasSparse(i) ? SparseOf(i) : null));

        await AssertRowsAsync(expected);
        Assert.Equal(expected.Keys.Where(id => expected[id].Vector is null).Order(), await IdsAsync("vec is null"));
        Assert.Equal(expected.Keys.Where(id => expected[id].Vector is not null && expected[id].Sparse is null).Order(), await IdsAsync("vec is not null and sv is null"));
        Assert.Equal(expected.Keys.Where(id => expected[id].Vector is not null).Order(), await VectorHitsAsync());
        Assert.Equal(expected.Keys.Where(id => expected[id].Sparse is { } sparse && sparse[0] == 0).Order(), await SparseHitsAsync());

        // Upsert gives row 3 a vector and takes row 4's away, in the stored segment's rows.
        await WriteAsync([3, 4], upsert: true, hasVector: id => id == 3);
        expected[3] = expected[3] with { Vector = VectorOf(3) };
        expected[4] = expected[4] with { Vector = null };
        await AssertRowsAsync(expected);
        Assert.Equal(expected.Keys.Where(id => expected[id].Vector is not null).Order(), await VectorHitsAsync());

        var byNullKey = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            Ids = new IDs { IntId = new LongArray { Data = { 1, 4 } } },
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "3"), Pair("metric_type", "L2") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        IllegalArgument(byNullKey.Status, "primary key 4 to search by has a null vec");
    }

    [Fact]
    public async Task Vectors_that_match_neither_every_row_nor_the_valid_rows_are_refused()
    {
        var request = Insert([0, 1, 2], id => id != 1, HasSparse);
        request.FieldsData.Single(f => f.FieldName == "vec").Vectors.FloatVector.Data.Add(7f);
        IllegalArgument((await Client.InsertAsync(request)).Status, "expected 4 (the 2 valid rows) or 6");

        var flags = Insert([0, 1, 2], HasVector, HasSparse);
        flags.FieldsData.Single(f => f.FieldName == "vec").ValidData.Add(true);
        IllegalArgument((await Client.InsertAsync(flags)).Status, "4 valid_data flags for 3 rows");
    }

    private sealed record Row(float[]? Vector, byte[]? Sparse)
    {
        public bool Equals(Row? other) => other is not null && Same(Vector, other.Vector) && Same(Sparse, other.Sparse);

        public override int GetHashCode() => 0;

        private static bool Same<T>(T[]? a, T[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);
    }

    private async Task IndexAsync(string field, params Milvus.Akka.Grpc.Protocol.Common.KeyValuePair[] parameters) =>
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest { CollectionName = _collection, FieldName = field, ExtraParams = { parameters } }));

    private Task WriteAsync(IEnumerable<int> ids, bool upsert, Func<long, bool>? hasVector = null) =>
        WriteAsync(Insert([.. ids.Select(i => (long)i)], hasVector ?? HasVector, HasSparse), upsert);

    private async Task WriteAsync(InsertRequest request, bool upsert)
    {
        if (upsert)
        {
            Succeeded((await Client.UpsertAsync(new UpsertRequest { CollectionName = request.CollectionName, NumRows = request.NumRows, FieldsData = { request.FieldsData } })).Status);
        }
        else
        {
            Succeeded((await Client.InsertAsync(request)).Status);
        }
    }

    /// <summary>Rows as the SDKs send a nullable vector field: valid_data for every row, vectors for the valid ones.</summary>
    private InsertRequest Insert(long[] ids, Func<long, bool> hasVector, Func<long, bool> hasSparse) => new()
    {
        CollectionName = _collection,
        NumRows = (uint)ids.Length,
        FieldsData =
        {
            Int64s("id", ids),
            new FieldData
            {
                FieldName = "vec",
                Type = DataType.FloatVector,
                ValidData = { ids.Select(hasVector) },
                Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { ids.Where(hasVector).SelectMany(VectorOf) } } },
            },
            new FieldData
            {
                FieldName = "sv",
                Type = DataType.SparseFloatVector,
                ValidData = { ids.Select(hasSparse) },
                Vectors = new VectorField { SparseFloatVector = new SparseFloatArray { Dim = 5, Contents = { ids.Where(hasSparse).Select(id => ByteString.CopyFrom(SparseOf(id))) } } },
            },
        },
    };

    private async Task AssertRowsAsync(Dictionary<long, Row> expected)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = "id >= 0",
            OutputFields = { "vec", "sv" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        var ids = response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var vectors = response.FieldsData.Single(f => f.FieldName == "vec");
        var sparse = response.FieldsData.Single(f => f.FieldName == "sv");
        // Milvus answers compact: one vector per valid row, in row order.
        Assert.Equal(ids.Count, vectors.ValidData.Count);
        Assert.Equal(vectors.ValidData.Count(v => v) * Dim, vectors.Vectors.FloatVector.Data.Count);
        Assert.Equal(sparse.ValidData.Count(v => v), sparse.Vectors.SparseFloatVector.Contents.Count);
        var actual = new Dictionary<long, Row>();
        for (int i = 0, nextVector = 0, nextSparse = 0; i < ids.Count; i++)
        {
            var vector = vectors.ValidData[i] ? vectors.Vectors.FloatVector.Data.Skip(nextVector++ * Dim).Take(Dim).ToArray() : null;
            var row = sparse.ValidData[i] ? sparse.Vectors.SparseFloatVector.Contents[nextSparse++].ToByteArray() : null;
            actual[ids[i]] = new Row(vector, row);
        }

        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    private async Task<List<long>> IdsAsync(string expr)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest { CollectionName = _collection, Expr = expr, OutputFields = { "id" }, ConsistencyLevel = ConsistencyLevel.Strong });
        Succeeded(response.Status);
        return [.. response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order()];
    }

    private async Task<List<long>> VectorHitsAsync()
    {
        var response = await SearchAsync("vec", PlaceholderType.FloatVector, ByteString.CopyFrom(VectorOf(45).SelectMany(BitConverter.GetBytes).ToArray()), "L2");
        var vectors = response.Results.FieldsData.Single(f => f.FieldName == "vec");
        Assert.True(vectors.ValidData.All(v => v), "a hit's vector is never null");
        Assert.Equal(response.Results.Ids.IntId.Data.Count * Dim, vectors.Vectors.FloatVector.Data.Count);
        return [.. response.Results.Ids.IntId.Data.Order()];
    }

    private async Task<List<long>> SparseHitsAsync()
    {
        var response = await SearchAsync("sv", PlaceholderType.SparseFloatVector, ByteString.CopyFrom([.. BitConverter.GetBytes(0u), .. BitConverter.GetBytes(1f)]), "IP");
        return [.. response.Results.Ids.IntId.Data.Order()];
    }

    private async Task<SearchResults> SearchAsync(string field, PlaceholderType type, ByteString query, string metric)
    {
        var response = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            PlaceholderGroup = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = type, Values = { query } } } }.ToByteString(),
            SearchParams = { Pair("anns_field", field), Pair("topk", "200"), Pair("metric_type", metric), Pair("params", "{\"ef\": 200}") },
            OutputFields = { "vec" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        return response;
    }
}
