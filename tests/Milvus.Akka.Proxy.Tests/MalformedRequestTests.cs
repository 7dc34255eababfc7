using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Requests the SDKs never send, through our generated client: each gets a clear error naming the problem, with both
/// the legacy and the new code, and the server keeps serving afterwards.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class MalformedRequestTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Dim = 4;
    private readonly string _collection = "malformed_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                IdAndVector(Dim),
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString() }));
        await CreateFlatIndexAsync(Client, _collection);
        Succeeded((await Client.InsertAsync(Insert(rows: 3, floatsPerRow: Dim))).Status);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task An_oversized_request_is_refused_and_the_server_keeps_serving()
    {
        // 1 MiB is this server's configured limit; 300k floats are 1.2 MB on the wire.
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.InsertAsync(Insert(rows: 75_000, floatsPerRow: Dim)).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task A_malformed_placeholder_group_is_an_illegal_argument()
    {
        var garbage = await Client.SearchAsync(Search(ByteString.CopyFrom(0xFF, 0x01, 0x02)));
        IllegalArgument(garbage.Status, "placeholder_group");

        var wrongTag = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$1", Type = PlaceholderType.FloatVector, Values = { Vector(Dim) } } } };
        IllegalArgument((await Client.SearchAsync(Search(wrongTag.ToByteString()))).Status, "$0");

        var wrongType = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.BinaryVector, Values = { Vector(Dim) } } } };
        IllegalArgument((await Client.SearchAsync(Search(wrongType.ToByteString()))).Status, "BinaryVector");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData((DataType)77, 1100)]
    public async Task A_field_type_the_server_does_not_store_is_refused_at_create_naming_it(DataType type, int code)
    {
        var name = "types_" + Guid.NewGuid().ToString("N")[..8];
        var schema = new CollectionSchema
        {
            Name = name,
            Fields =
            {
                IdAndVector(Dim),
                new FieldSchema { Name = "other", DataType = type },
            },
        };

        var created = await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString() });

        Assert.Equal(code, created.Code);
        Assert.Contains($"field 'other': data type {type} is not supported", created.Reason);
        Assert.False((await Client.HasCollectionAsync(new HasCollectionRequest { CollectionName = name })).Value);
    }

    [Fact]
    public async Task Vector_lengths_that_do_not_match_the_dimension_are_illegal_arguments()
    {
        var query = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { Vector(Dim + 1) } } } };
        IllegalArgument((await Client.SearchAsync(Search(query.ToByteString()))).Status, "dim 4");

        var insert = await Client.InsertAsync(Insert(rows: 2, floatsPerRow: Dim - 1));
        IllegalArgument(insert.Status, "expected 8");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Unknown_enum_values_are_illegal_arguments()
    {
        var query = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { Vector(Dim) } } } };
        var request = Search(query.ToByteString());
        request.ConsistencyLevel = (ConsistencyLevel)99;
        IllegalArgument((await Client.SearchAsync(request)).Status, "consistency level 99");

        var schema = new CollectionSchema
        {
            Name = "unknown_type",
            Fields = { new FieldSchema { Name = "id", DataType = (DataType)77, IsPrimaryKey = true } },
        };
        var created = await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = "unknown_type", Schema = schema.ToByteString() });
        IllegalArgument(created, "77");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task An_unsupported_rpc_answers_a_status_not_unimplemented()
    {
        var response = await Client.ListNamespacesAsync(new ListNamespacesRequest());
        Assert.Equal(ErrorCode.UnexpectedError, response.Status.ErrorCode);
        Assert.Equal(10, response.Status.Code);
        Assert.Contains("ListNamespaces is not supported", response.Status.Reason);
    }

    [Fact]
    public async Task A_missing_collection_has_both_codes()
    {
        var response = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = "does_not_exist" });
        Assert.Equal(ErrorCode.CollectionNotExists, response.Status.ErrorCode);
        Assert.Equal(100, response.Status.Code);
        Assert.Contains("does_not_exist", response.Status.Reason);
    }

    private async Task AssertStillServingAsync()
    {
        var query = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { Vector(Dim) } } } };
        var search = Search(query.ToByteString());
        search.ConsistencyLevel = ConsistencyLevel.Strong;
        var result = await Client.SearchAsync(search);
        Succeeded(result.Status);
        Assert.Equal([3L], result.Results.Topks);
    }

    private InsertRequest Insert(int rows, int floatsPerRow)
    {
        var vectors = new FloatArray();
        vectors.Data.Add(Enumerable.Range(0, rows * floatsPerRow).Select(i => (float)(i % 7)));
        return new InsertRequest
        {
            CollectionName = _collection,
            NumRows = (uint)rows,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { Enumerable.Range(0, rows).Select(i => (long)i) } } } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
            },
        };
    }

    private ProtoSearchRequest Search(ByteString placeholders) => new()
    {
        CollectionName = _collection,
        PlaceholderGroup = placeholders,
        Nq = 1,
        DslType = DslType.BoolExprV1,
        SearchParams = { new KeyValuePair { Key = "topk", Value = "5" }, new KeyValuePair { Key = "anns_field", Value = "vec" } },
    };

    private static ByteString Vector(int dim) => ByteString.CopyFrom(Enumerable.Range(0, dim).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray());
}
