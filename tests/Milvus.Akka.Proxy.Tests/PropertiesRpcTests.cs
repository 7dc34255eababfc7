using System.Text.Json;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Index, collection and field properties through the real gRPC endpoint: what Milvus keeps and echoes although
/// Milvus.Akka does not act on it (mmap, warmup, analyzer settings), and the checks Milvus makes when they are altered.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class PropertiesRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Dim = 4;
    private const string IndexName = "vec_idx";
    private const int TitleLength = 8;
    private readonly string _collection = "props_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                IdAndVector(Dim),
                new FieldSchema
                {
                    Name = "title",
                    DataType = DataType.VarChar,
                    TypeParams =
                    {
                        Pair("max_length", $"{TitleLength}"),
                        Pair("enable_analyzer", "true"),
                        Pair("enable_match", "true"),
                        Pair("analyzer_params", """{"type":"english"}"""),
                        Pair("mmap.enabled", "false"),
                    },
                },
                new FieldSchema { Name = "score", DataType = DataType.Int32 },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = _collection,
            Schema = schema.ToByteString(),
            Properties = { Pair("collection.ttl.seconds", "3600") },
        }));
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = _collection,
            FieldName = "vec",
            IndexName = IndexName,
            ExtraParams =
            {
                Pair("index_type", "HNSW"),
                Pair("metric_type", "L2"),
                Pair("params", """{"M":8,"efConstruction":64,"mmap.enabled":true}"""),
            },
        }));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task Mmap_sent_with_CreateIndex_is_echoed_as_a_property_not_a_build_param()
    {
        var index = await DescribeIndexAsync();

        Assert.Equal("HNSW", index["index_type"]);
        Assert.Equal("L2", index["metric_type"]);
        Assert.Equal("true", index["mmap.enabled"]);
        var build = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(index["params"])!;
        Assert.Equal(["M", "efConstruction"], build.Keys.Order(StringComparer.Ordinal));

        // The same index with another mmap setting is the same index: Milvus answers success and keeps the first.
        Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = _collection,
            FieldName = "vec",
            IndexName = IndexName,
            ExtraParams = { Pair("index_type", "HNSW"), Pair("metric_type", "L2"), Pair("params", """{"M":8,"efConstruction":64}""") },
        }));
        Assert.Equal("true", (await DescribeIndexAsync())["mmap.enabled"]);
    }

    [Fact]
    public async Task AlterIndex_sets_properties_and_delete_keys_removes_them()
    {
        Succeeded(await AlterIndexAsync(properties: [Pair("mmap.enabled", "False"), Pair("warmup", "sync")]));
        var altered = await DescribeIndexAsync();
        Assert.Equal("False", altered["mmap.enabled"]);
        Assert.Equal("sync", altered["warmup"]);
        Assert.Equal("HNSW", altered["index_type"]);

        Succeeded(await AlterIndexAsync(deleteKeys: ["mmap.enabled"]));
        var dropped = await DescribeIndexAsync();
        Assert.False(dropped.ContainsKey("mmap.enabled"));
        Assert.Equal("sync", dropped["warmup"]);
    }

    [Fact]
    public async Task AlterIndex_refuses_build_params_bad_values_and_mixed_requests_as_Milvus_does()
    {
        Failed(await AlterIndexAsync(properties: [Pair("M", "32")]), 1100, "M is not a configable index property");
        Failed(await AlterIndexAsync(properties: [Pair("index_type", "FLAT")]), 1100, "index_type is not a configable index property");
        Failed(await AlterIndexAsync(deleteKeys: ["metric_type"]), 1100, "metric_type is not a configable index property");
        Failed(await AlterIndexAsync(properties: [Pair("mmap.enabled", "20")]), 1100, "invalid mmap.enabled value: 20, expected: true, false");
        Failed(await AlterIndexAsync(properties: [Pair("mmap.enabled", "true")], deleteKeys: ["warmup"]), 1100,
            "cannot provide both DeleteKeys and ExtraParams");
        Failed(await Client.AlterIndexAsync(new AlterIndexRequest { CollectionName = _collection, IndexName = "missing", ExtraParams = { Pair("mmap.enabled", "true") } }),
            700, "missing");

        var index = await DescribeIndexAsync();
        Assert.Equal("true", index["mmap.enabled"]);
        Assert.False(index.ContainsKey("M"));
    }

    [Fact]
    public async Task Load_time_properties_cannot_change_while_the_collection_is_loaded()
    {
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));

        Failed(await AlterIndexAsync(properties: [Pair("mmap.enabled", "false")]), 104,
            $"can't alter index on loaded collection, please release the collection first: collection already loaded[collection={_collection}]");
        Failed(await AlterCollectionAsync([Pair("mmap.enabled", "true")]), 104, "can not alter mmap properties if collection loaded");
        Failed(await AlterFieldAsync("title", [Pair("mmap.enabled", "true")]), 104, "can not alter collection field properties if collection loaded");
        // Other properties stay alterable while loaded.
        Succeeded(await AlterCollectionAsync([Pair("collection.ttl.seconds", "60")]));

        Succeeded(await Client.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = _collection }));
        Succeeded(await AlterIndexAsync(properties: [Pair("mmap.enabled", "false")]));
        Succeeded(await AlterCollectionAsync([Pair("mmap.enabled", "true")]));
        Assert.Equal("false", (await DescribeIndexAsync())["mmap.enabled"]);
        var collection = await DescribeCollectionAsync();
        Assert.Equal("true", collection.Properties.Single(p => p.Key == "mmap.enabled").Value);
        Assert.Equal("60", collection.Properties.Single(p => p.Key == "collection.ttl.seconds").Value);
    }

    [Fact]
    public async Task Field_type_params_beyond_dim_and_max_length_are_kept_and_echoed()
    {
        var title = TypeParams(await DescribeCollectionAsync(), "title");

        Assert.Equal($"{TitleLength}", title["max_length"]);
        Assert.Equal("true", title["enable_analyzer"]);
        Assert.Equal("true", title["enable_match"]);
        Assert.Equal("""{"type":"english"}""", title["analyzer_params"]);
        Assert.Equal("false", title["mmap.enabled"]);
    }

    [Fact]
    public async Task AlterCollectionField_raises_max_length_for_the_next_inserts()
    {
        var longTitle = new string('x', TitleLength + 4);
        Failed((await Client.InsertAsync(Insert(longTitle))).Status, 1100, "title");

        Succeeded(await AlterFieldAsync("title", [Pair("max_length", $"{TitleLength * 2}"), Pair("mmap_enabled", "true")]));

        var title = TypeParams(await DescribeCollectionAsync(), "title");
        Assert.Equal($"{TitleLength * 2}", title["max_length"]);
        // pymilvus's "mmap_enabled" spelling is stored as Milvus stores it.
        Assert.Equal("true", title["mmap.enabled"]);
        Assert.False(title.ContainsKey("mmap_enabled"));
        var inserted = await Client.InsertAsync(Insert(longTitle));
        Succeeded(inserted.Status);
        Assert.Equal(1, inserted.InsertCnt);

        Succeeded(await AlterFieldAsync("title", deleteKeys: ["mmap.enabled"]));
        Assert.False(TypeParams(await DescribeCollectionAsync(), "title").ContainsKey("mmap.enabled"));
    }

    [Fact]
    public async Task AlterCollectionField_refuses_what_Milvus_refuses()
    {
        Failed(await AlterFieldAsync("title", [Pair("enable_match", "false")]), 1100, "enable_match does not allow update in collection field param");
        Failed(await AlterFieldAsync("score", [Pair("max_length", "16")]), 1100, "score can not modify the maxlength for non-string types");
        Failed(await AlterFieldAsync("title", [Pair("max_length", "70000")]), 1100, "70000 exceeds the maximum allowed value 65535");
        Failed(await AlterFieldAsync("title", [Pair("max_capacity", "10")]), 1100, "title can not modify the maxcapacity for non-array types");
        Failed(await AlterFieldAsync("title", deleteKeys: ["max_length"]), 1100, "max_length is not allowed to drop in collection field param");
        Failed(await AlterFieldAsync("title", [Pair("mmap.enabled", "maybe")]), 1100, "invalid mmap.enabled value: maybe, expected: true, false");

        Assert.Equal($"{TitleLength}", TypeParams(await DescribeCollectionAsync(), "title")["max_length"]);
    }

    [Fact]
    public async Task The_dynamic_field_is_never_switched_off()
    {
        Failed(await AlterCollectionAsync([Pair("dynamicfield.enabled", "false")]), 1100, "dynamic schema cannot supported to be disabled");

        var collection = await DescribeCollectionAsync();
        Assert.False(collection.Schema.EnableDynamicField);
        Assert.DoesNotContain(collection.Properties, p => p.Key == "dynamicfield.enabled");
    }

    private async Task<Dictionary<string, string>> DescribeIndexAsync()
    {
        var response = await Client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = _collection, IndexName = IndexName });
        Succeeded(response.Status);
        return Assert.Single(response.IndexDescriptions).Params.ToDictionary(p => p.Key, p => p.Value);
    }

    private async Task<DescribeCollectionResponse> DescribeCollectionAsync()
    {
        var response = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Succeeded(response.Status);
        return response;
    }

    private static Dictionary<string, string> TypeParams(DescribeCollectionResponse collection, string field) =>
        collection.Schema.Fields.Single(f => f.Name == field).TypeParams.ToDictionary(p => p.Key, p => p.Value);

    private async Task<MilvusStatus> AlterIndexAsync(KeyValuePair[]? properties = null, string[]? deleteKeys = null) =>
        await Client.AlterIndexAsync(new AlterIndexRequest
        {
            CollectionName = _collection,
            IndexName = IndexName,
            ExtraParams = { properties ?? [] },
            DeleteKeys = { deleteKeys ?? [] },
        });

    private async Task<MilvusStatus> AlterCollectionAsync(KeyValuePair[] properties) =>
        await Client.AlterCollectionAsync(new AlterCollectionRequest { CollectionName = _collection, Properties = { properties } });

    private async Task<MilvusStatus> AlterFieldAsync(string field, KeyValuePair[]? properties = null, string[]? deleteKeys = null) =>
        await Client.AlterCollectionFieldAsync(new AlterCollectionFieldRequest
        {
            CollectionName = _collection,
            FieldName = field,
            Properties = { properties ?? [] },
            DeleteKeys = { deleteKeys ?? [] },
        });

    private InsertRequest Insert(string title) => new()
    {
        CollectionName = _collection,
        NumRows = 1,
        FieldsData =
        {
            new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { 1L } } } },
            new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { 1f, 0f, 0f, 0f } } } },
            new FieldData { FieldName = "title", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { title } } } },
            new FieldData { FieldName = "score", Type = DataType.Int32, Scalars = new ScalarField { IntData = new IntArray { Data = { 5 } } } },
        },
    };
}
