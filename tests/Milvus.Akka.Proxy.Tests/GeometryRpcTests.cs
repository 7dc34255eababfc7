using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// A Geometry field over gRPC as the SDKs use it: WKT in (or WKB), WKT out, nulls and a WKT default, an RTREE index,
/// spatial filters answered as NetTopologySuite answers them, before and after a flush and a restart.
/// </summary>
public sealed class GeometryRpcTests
{
    private const string Collection = "places";
    private const int Dim = 4;
    private const string Area = "POLYGON ((2 2, 8 2, 8 8, 2 8, 2 2))";
    private static readonly WKTReader Reader = new();

    /// <summary>The rows inserted, by id: null for a null geometry.</summary>
    private readonly Dictionary<long, string?> _rows = [];

    [Fact]
    public async Task Geometry_rows_are_stored_filtered_and_returned_as_wkt_across_a_flush_and_a_restart()
    {
        await using var node = await StandaloneGrpcNode.StartAsync();
        var client = node.Client;
        await CreateAsync(client);
        await InsertWktAsync(client, 0, 40);
        await CheckAsync(client);

        // A geometry that is not WKT is refused with Milvus's parameter error, and nothing of the batch is kept.
        var bad = await client.InsertAsync(Insert(100, [("POLYGON ((0 0, 1 1", true)]));
        Assert.Equal(1100, bad.Status.Code);
        Assert.Contains("not valid WKT", bad.Status.Reason);

        // WKB (geometry_data) is accepted too.
        var wkb = new WKBWriter().Write(Reader.Read("POINT (5 5)"));
        var insert = Insert(200, [("unused", true)]);
        insert.FieldsData[2] = new FieldData
        {
            FieldName = "geo",
            Type = DataType.Geometry,
            Scalars = new ScalarField { GeometryData = new GeometryArray { Data = { ByteString.CopyFrom(wkb) } } },
        };
        Succeeded((await client.InsertAsync(insert)).Status);
        _rows[200] = "POINT (5 5)";

        Succeeded((await client.FlushedAsync(new FlushRequest { CollectionNames = { Collection } })).Status);
        await InsertWktAsync(client, 40, 20);
        await CheckAsync(client);

        await node.RestartAsync();
        client = node.Client;
        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
        await CheckAsync(client);
    }

    private static async Task CreateAsync(MilvusService.MilvusServiceClient client)
    {
        var schema = new CollectionSchema
        {
            Name = Collection,
            Fields =
            {
                IdAndVector(Dim),
                new FieldSchema { Name = "geo", DataType = DataType.Geometry, Nullable = true },
                new FieldSchema { Name = "home", DataType = DataType.Geometry, DefaultValue = new ValueField { StringData = "POINT (0 0)" } },
            },
        };
        Succeeded(await client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = Collection, Schema = schema.ToByteString() }));

        var described = await client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = Collection });
        Succeeded(described.Status);
        Assert.Equal(DataType.Geometry, described.Schema.Fields.Single(f => f.Name == "geo").DataType);
        Assert.True(described.Schema.Fields.Single(f => f.Name == "geo").Nullable);
        Assert.Equal("POINT (0 0)", described.Schema.Fields.Single(f => f.Name == "home").DefaultValue.StringData);

        await CreateFlatIndexAsync(client, Collection);
        Succeeded(await client.CreateIndexAsync(new CreateIndexRequest { CollectionName = Collection, FieldName = "geo", ExtraParams = { Pair("index_type", "RTREE") } }));
        var refused = await client.CreateIndexAsync(new CreateIndexRequest { CollectionName = Collection, FieldName = "home", ExtraParams = { Pair("index_type", "INVERTED") } });
        Assert.NotEqual(0, refused.Code);
        var indexes = await client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = Collection, FieldName = "geo" });
        Succeeded(indexes.Status);
        Assert.Equal("RTREE", indexes.IndexDescriptions.Single().Params.Single(p => p.Key == "index_type").Value);

        Succeeded(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = Collection }));
    }

    private async Task InsertWktAsync(MilvusService.MilvusServiceClient client, int first, int count)
    {
        var random = new Random(first);
        var rows = new List<(string Wkt, bool Valid)>();
        for (var i = 0; i < count; i++)
        {
            var valid = (first + i) % 7 != 3;
            var x = random.Next(0, 6);
            var wkt = random.Next(3) switch
            {
                0 => $"POINT ({random.Next(0, 11)} {random.Next(0, 11)})",
                1 => $"LINESTRING ({random.Next(0, 11)} {random.Next(0, 11)}, {random.Next(0, 11)} {random.Next(0, 11)})",
                _ => $"POLYGON (({x} 3, 9 3, 9 {random.Next(4, 11)}, 4 4, {x} 3))",
            };
            rows.Add((wkt, valid));
            _rows[first + i] = valid ? wkt : null;
        }

        Succeeded((await client.InsertAsync(Insert(first, rows))).Status);
    }

    /// <summary>Rows sent as the Node SDK sends them: geometry_wkt_data with valid_data, the values of valid rows only.</summary>
    private static InsertRequest Insert(int first, IReadOnlyList<(string Wkt, bool Valid)> rows) => new()
    {
        CollectionName = Collection,
        NumRows = (uint)rows.Count,
        FieldsData =
        {
            new FieldData
            {
                FieldName = "id",
                Type = DataType.Int64,
                Scalars = new ScalarField { LongData = new LongArray { Data = { Enumerable.Range(first, rows.Count).Select(i => (long)i) } } },
            },
            new FieldData
            {
                FieldName = "vec",
                Type = DataType.FloatVector,
                Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { Enumerable.Range(first, rows.Count).SelectMany(i => new float[] { i, 1, 2, 3 }) } } },
            },
            new FieldData
            {
                FieldName = "geo",
                Type = DataType.Geometry,
                ValidData = { rows.Select(r => r.Valid) },
                Scalars = new ScalarField { GeometryWktData = new GeometryWktArray { Data = { rows.Where(r => r.Valid).Select(r => r.Wkt) } } },
            },
        },
    };

    private async Task CheckAsync(MilvusService.MilvusServiceClient client)
    {
        var area = Reader.Read(Area);
        var within = _rows.Where(r => r.Value is { } wkt && Reader.Read(wkt).Within(area)).Select(r => r.Key).Order().ToList();
        var intersecting = _rows.Where(r => r.Value is { } wkt && Reader.Read(wkt).Intersects(area)).Select(r => r.Key).Order().ToList();
        Assert.NotEmpty(within);
        Assert.NotEqual(within, intersecting);

        var query = await QueryAsync(client, $"ST_WITHIN(geo, '{Area}')");
        Assert.Equal(within, Ids(query));
        Assert.Equal(intersecting, Ids(await QueryAsync(client, $"st_intersects(geo, '{Area}')")));
        Assert.Equal(_rows.Where(r => r.Value is null).Select(r => r.Key).Order(), Ids(await QueryAsync(client, "geo is null")));

        // Output: WKT for every row (as NetTopologySuite writes what was sent), null rows flagged in valid_data.
        var all = await QueryAsync(client, "id >= 0");
        var ids = all.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var geo = all.FieldsData.Single(f => f.FieldName == "geo");
        var home = all.FieldsData.Single(f => f.FieldName == "home").Scalars.GeometryWktData.Data;
        Assert.Equal(_rows.Count, ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            var sent = _rows[ids[i]];
            Assert.Equal(sent is not null, geo.ValidData[i]);
            if (sent is not null)
            {
                Assert.Equal(Reader.Read(sent).AsText(), geo.Scalars.GeometryWktData.Data[i]);
            }

            Assert.Equal("POINT (0 0)", home[i]);
        }

        // A search filtered by distance, with the geometry as an output field.
        var search = await client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = Collection,
            Dsl = "ST_DWITHIN(geo, 'POINT (5 5)', 1)",
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = Placeholder([5, 1, 2, 3]),
            OutputFields = { "geo" },
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "10"), Pair("metric_type", "L2"), Pair("params", "{}") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(search.Status);
        // One meter from (5 5): the points on it, and the lines and areas through it (Milvus measures those in degrees scaled to meters).
        var center = Reader.Read("POINT (5 5)");
        var nearby = _rows.Where(r => r.Value is { } wkt && Reader.Read(wkt).Distance(center) < 1e-5).Select(r => r.Key).ToHashSet();
        var hits = search.Results.Ids.IntId.Data;
        Assert.Equal(Math.Min(10, nearby.Count), hits.Count);
        var hitGeometries = search.Results.FieldsData.Single(f => f.FieldName == "geo").Scalars.GeometryWktData.Data;
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.Contains(hits[i], nearby);
            Assert.Equal(Reader.Read(_rows[hits[i]]!).AsText(), hitGeometries[i]);
        }
    }

    private static async Task<QueryResults> QueryAsync(MilvusService.MilvusServiceClient client, string expr)
    {
        var response = await client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = Collection,
            Expr = expr,
            OutputFields = { "id", "geo", "home" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        return response;
    }

    private static List<long> Ids(QueryResults results) => [.. results.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order()];

    private static ByteString Placeholder(float[] vector)
    {
        var value = new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector };
        value.Values.Add(ByteString.CopyFrom([.. vector.SelectMany(BitConverter.GetBytes)]));
        return new PlaceholderGroup { Placeholders = { value } }.ToByteString();
    }
}
