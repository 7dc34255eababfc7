using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.MilvusRpc;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus's RESTful API (v2) over HTTP/1.1 on the gRPC port: what it writes is what gRPC reads and the other way round,
/// rows keep their values, searches find what gRPC searches find, and bad requests get Milvus's codes.
/// </summary>
/// <remarks>On a node of its own: its collections stay loaded, which the shared server's resource group tests must not see.</remarks>
public sealed class RestApiTests(RestApiTests.Server server) : IClassFixture<RestApiTests.Server>
{
    private MilvusService.MilvusServiceClient Client => server.Node.Client;

    public sealed class Server : IAsyncLifetime
    {
        public StandaloneGrpcNode Node { get; private set; } = null!;

        public string Address => Node.Address;

        public async Task InitializeAsync() => Node = await StandaloneGrpcNode.StartAsync();

        public async Task DisposeAsync() => await Node.DisposeAsync();
    }

    [Fact]
    public async Task The_gRPC_port_serves_both_APIs_and_each_sees_what_the_other_created()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", new JsonObject { ["collectionName"] = "rest_quick", ["dimension"] = 4, ["metricType"] = "L2" }));
        var listed = await Client.ShowCollectionsAsync(new ShowCollectionsRequest());
        Assert.Contains("rest_quick", listed.CollectionNames);

        // The quick set-up: an int64 key "id", a float vector "vector" with an AUTOINDEX of the metric, dynamic fields, loaded.
        var described = Ok(await PostAsync(http, "collections/describe", new JsonObject { ["collectionName"] = "rest_quick" }))!;
        Assert.Equal(["id", "vector"], described["fields"]!.AsArray().Select(f => (string)f!["name"]!));
        Assert.Equal("Int64", (string)described["fields"]![0]!["type"]!);
        Assert.True((bool)described["fields"]![0]!["primaryKey"]!);
        Assert.Equal("L2", (string)described["indexes"]![0]!["metricType"]!);
        Assert.True((bool)described["enableDynamicField"]!);
        Assert.Equal("LoadStateLoaded", (string)described["load"]!);
        Assert.Equal("Bounded", (string)described["consistencyLevel"]!);

        await Client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = "grpc_made",
            Schema = new Milvus.Akka.Grpc.Protocol.Schema.CollectionSchema { Name = "grpc_made", Fields = { IdAndVector(2) } }.ToByteString(),
        });
        var has = Ok(await PostAsync(http, "collections/has", new JsonObject { ["collectionName"] = "grpc_made" }))!;
        Assert.True((bool)has["has"]!);
        var gone = await PostAsync(http, "collections/describe", new JsonObject { ["collectionName"] = "no_such_collection" });
        Assert.Equal(100, (int)gone["code"]!);
        Assert.Contains("collection not found", (string)gone["message"]!);
    }

    [Fact]
    public async Task Rows_written_through_REST_read_back_alike_through_REST_and_gRPC()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", JsonObject.Parse("""
            {
              "collectionName": "rest_rows",
              "schema": {
                "autoId": false, "enableDynamicField": true,
                "fields": [
                  {"fieldName": "pk", "dataType": "Int64", "isPrimary": true},
                  {"fieldName": "title", "dataType": "VarChar", "elementTypeParams": {"max_length": 64}},
                  {"fieldName": "tags", "dataType": "Array", "elementDataType": "Int32", "elementTypeParams": {"max_capacity": 4}},
                  {"fieldName": "score", "dataType": "Double", "nullable": true},
                  {"fieldName": "meta", "dataType": "JSON"},
                  {"fieldName": "vec", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}
                ]
              },
              "indexParams": [{"fieldName": "vec", "indexName": "vec_idx", "metricType": "L2", "params": {"index_type": "FLAT"}}]
            }
            """)!.AsObject()));
        var inserted = Ok(await PostAsync(http, "entities/insert", JsonObject.Parse("""
            {
              "collectionName": "rest_rows",
              "data": [
                {"pk": 1, "title": "one", "tags": [1, 2], "score": 0.5, "meta": {"k": "v"}, "vec": [1, 0], "color": "red"},
                {"pk": 9007199254740993, "title": "two", "tags": [], "score": null, "meta": [1, 2], "vec": [0, 1], "color": "blue"}
              ]
            }
            """)!.AsObject()))!;
        Assert.Equal(2, (long)inserted["insertCount"]!);
        Assert.Equal([1L, 9007199254740993L], inserted["insertIds"]!.AsArray().Select(id => (long)id!));

        var rows = Ok(await PostAsync(http, "entities/query", new JsonObject
        {
            ["collectionName"] = "rest_rows",
            ["filter"] = "pk > 0",
            ["outputFields"] = new JsonArray("*"),
            ["consistencyLevel"] = "Strong",
        }))!.AsArray().OrderBy(r => (long)r!["pk"]!).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("one", (string)rows[0]!["title"]!);
        Assert.Equal([1, 2], rows[0]!["tags"]!.AsArray().Select(t => (int)t!));
        Assert.Equal(0.5, (double)rows[0]!["score"]!);
        Assert.Equal("v", (string)rows[0]!["meta"]!["k"]!);
        Assert.Equal([1f, 0f], rows[0]!["vec"]!.AsArray().Select(v => (float)v!));
        Assert.Equal("red", (string)rows[0]!["color"]!);
        Assert.Null(rows[1]!["score"]);
        Assert.Equal("blue", (string)rows[1]!["color"]!);

        // The same rows through gRPC: the dynamic key lives in $meta, the big key kept every digit.
        var grpc = await Client.QueryAsync(new Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest
        {
            CollectionName = "rest_rows",
            Expr = "color == \"blue\"",
            OutputFields = { "pk", "title" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(grpc.Status);
        Assert.Equal([9007199254740993L], grpc.FieldsData.Single(f => f.FieldName == "pk").Scalars.LongData.Data);

        // A client that cannot read int64 numbers (the Node SDK's default) gets them as strings, and may send them so.
        using var strings = Http(server.Address, allowInt64: false);
        var got = Ok(await PostAsync(strings, "entities/get", new JsonObject
        {
            ["collectionName"] = "rest_rows",
            ["id"] = new JsonArray("9007199254740993"),
            ["outputFields"] = new JsonArray("pk", "title"),
            ["consistencyLevel"] = "Strong",
        }))!.AsArray();
        Assert.Equal("9007199254740993", (string)got.Single()!["pk"]!);
        Assert.Equal("two", (string)got.Single()!["title"]!);

        // Filter placeholders take their values from exprParams, as Milvus's filter templates.
        var templated = Ok(await PostAsync(http, "entities/query", new JsonObject
        {
            ["collectionName"] = "rest_rows",
            ["filter"] = "title in {titles} and pk > {least}",
            ["exprParams"] = new JsonObject { ["titles"] = new JsonArray("one", "three"), ["least"] = 0 },
            ["outputFields"] = new JsonArray("pk"),
            ["consistencyLevel"] = "Strong",
        }))!.AsArray();
        Assert.Equal([1L], templated.Select(r => (long)r!["pk"]!));

        Ok(await PostAsync(http, "entities/delete", new JsonObject
        {
            ["collectionName"] = "rest_rows", ["filter"] = "pk == {key}", ["exprParams"] = new JsonObject { ["key"] = 1 },
        }));
        Assert.Equal(1, await StrongCountAsync(Client, "rest_rows"));
    }

    [Fact]
    public async Task Every_vector_type_is_written_read_and_searched_through_REST()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", JsonObject.Parse("""
            {
              "collectionName": "rest_vectors",
              "schema": {
                "fields": [
                  {"fieldName": "pk", "dataType": "VarChar", "isPrimary": true, "elementTypeParams": {"max_length": 8}},
                  {"fieldName": "flag", "dataType": "Bool"},
                  {"fieldName": "small", "dataType": "Int8"},
                  {"fieldName": "bin", "dataType": "BinaryVector", "elementTypeParams": {"dim": 16}},
                  {"fieldName": "half", "dataType": "Float16Vector", "elementTypeParams": {"dim": 2}},
                  {"fieldName": "i8", "dataType": "Int8Vector", "elementTypeParams": {"dim": 2}},
                  {"fieldName": "sp", "dataType": "SparseFloatVector"}
                ]
              },
              "indexParams": [
                {"fieldName": "bin", "metricType": "HAMMING", "params": {"index_type": "BIN_FLAT"}},
                {"fieldName": "half", "metricType": "L2", "params": {"index_type": "FLAT"}},
                {"fieldName": "i8", "metricType": "L2", "params": {"index_type": "HNSW", "M": 8, "efConstruction": 32}},
                {"fieldName": "sp", "metricType": "IP", "params": {"index_type": "SPARSE_INVERTED_INDEX"}}
              ]
            }
            """)!.AsObject()));
        Ok(await PostAsync(http, "entities/insert", JsonObject.Parse("""
            {
              "collectionName": "rest_vectors",
              "data": [
                {"pk": "a", "flag": true, "small": -3, "bin": [255, 0], "half": [0.5, 1.5], "i8": [1, -2], "sp": {"3": 0.5, "7": 1.25}},
                {"pk": "b", "flag": false, "small": 4, "bin": [0, 15], "half": [2, -1], "i8": [-128, 127], "sp": {"1": 2.0}}
              ]
            }
            """)!.AsObject()));
        var rows = Ok(await PostAsync(http, "entities/query", new JsonObject
        {
            ["collectionName"] = "rest_vectors",
            ["filter"] = "pk in [\"a\", \"b\"]",
            ["outputFields"] = new JsonArray("*"),
            ["consistencyLevel"] = "Strong",
        }))!.AsArray().OrderBy(r => (string)r!["pk"]!).ToList();
        Assert.True((bool)rows[0]!["flag"]!);
        Assert.Equal(-3, (int)rows[0]!["small"]!);
        Assert.Equal(Convert.ToBase64String([255, 0]), (string)rows[0]!["bin"]!);
        Assert.Equal(Convert.ToBase64String([.. BitConverter.GetBytes((Half)0.5f), .. BitConverter.GetBytes((Half)1.5f)]), (string)rows[0]!["half"]!);
        Assert.Equal([-128, 127], rows[1]!["i8"]!.AsArray().Select(v => (int)v!));
        Assert.Equal(0.5f, (float)rows[0]!["sp"]!["3"]!);
        Assert.Equal(1.25f, (float)rows[0]!["sp"]!["7"]!);

        // Searches by each kind of query vector find the row closest by that field's metric.
        async Task<string> NearestAsync(string field, JsonNode query) => (string)Ok(await PostAsync(http, "entities/search", new JsonObject
        {
            ["collectionName"] = "rest_vectors", ["annsField"] = field, ["data"] = new JsonArray(query), ["limit"] = 1,
            ["consistencyLevel"] = "Strong",
        }))![0]!["pk"]!;
        Assert.Equal("b", await NearestAsync("bin", new JsonArray(0, 31)));
        Assert.Equal("a", await NearestAsync("half", new JsonArray(0.4, 1.4)));
        Assert.Equal("b", await NearestAsync("i8", new JsonArray(-100, 100)));
        Assert.Equal("a", await NearestAsync("sp", new JsonObject { ["7"] = 1.0 }));
        var unnamed = await PostAsync(http, "entities/search", new JsonObject
        {
            ["collectionName"] = "rest_vectors", ["data"] = new JsonArray(new JsonArray(1, 2)), ["limit"] = 1,
        });
        Assert.Equal(1100, (int)unnamed["code"]!);
        Assert.Contains("multiple anns_fields", (string)unnamed["message"]!);
    }

    [Fact]
    public async Task A_search_finds_what_the_same_gRPC_search_finds_one_list_per_query()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", new JsonObject { ["collectionName"] = "rest_search", ["dimension"] = 2, ["metricType"] = "L2" }));
        var data = new JsonArray();
        for (var i = 0; i < 20; i++)
        {
            data.Add(new JsonObject { ["id"] = i, ["vector"] = new JsonArray(i, 0), ["parity"] = i % 2 });
        }

        Ok(await PostAsync(http, "entities/insert", new JsonObject { ["collectionName"] = "rest_search", ["data"] = data }));
        var reply = await PostAsync(http, "entities/search", new JsonObject
        {
            ["collectionName"] = "rest_search",
            ["data"] = new JsonArray(new JsonArray(3.2, 0), new JsonArray(15.9, 0)),
            ["filter"] = "parity == 0",
            ["limit"] = 3,
            ["outputFields"] = new JsonArray("parity"),
            ["consistencyLevel"] = "Strong",
        });
        var hits = Ok(reply)!.AsArray();
        Assert.Equal([3, 3], reply["topks"]!.AsArray().Select(t => (int)t!));
        var aggregated = await PostAsync(http, "entities/search", new JsonObject
        {
            ["collectionName"] = "rest_search",
            ["data"] = new JsonArray(new JsonArray(3.2, 0)),
            ["searchAggregation"] = new JsonObject { ["fields"] = new JsonArray("parity"), ["size"] = 2 },
        });
        Assert.Equal(2400, (int)aggregated["code"]!);
        Assert.Contains("searchAggregation", (string)aggregated["message"]!);
        Assert.Equal([4L, 2L, 6L, 16L, 14L, 18L], hits.Select(h => (long)h!["id"]!));
        Assert.All(hits, h => Assert.Equal(0, (int)h!["parity"]!));

        var grpc = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = "rest_search",
            Dsl = "parity == 0",
            DslType = DslType.BoolExprV1,
            PlaceholderGroup = new PlaceholderGroup
            {
                Placeholders =
                {
                    new PlaceholderValue
                    {
                        Tag = "$0",
                        Type = PlaceholderType.FloatVector,
                        Values = { ByteString.CopyFrom([.. BitConverter.GetBytes(3.2f), .. BitConverter.GetBytes(0f)]) },
                    },
                },
            }.ToByteString(),
            Nq = 1,
            SearchParams = { Pair("anns_field", "vector"), Pair("topk", "3"), Pair("metric_type", "L2"), Pair("params", "{}") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(grpc.Status);
        Assert.Equal(grpc.Results.Ids.IntId.Data, hits.Take(3).Select(h => (long)h!["id"]!));
        Assert.Equal(grpc.Results.Scores, hits.Take(3).Select(h => (float)h!["distance"]!));

        var fused = Ok(await PostAsync(http, "entities/hybrid_search", new JsonObject
        {
            ["collectionName"] = "rest_search",
            ["search"] = new JsonArray(
                new JsonObject { ["data"] = new JsonArray(new JsonArray(3.2, 0)), ["annsField"] = "vector", ["limit"] = 5 },
                new JsonObject { ["data"] = new JsonArray(new JsonArray(4.1, 0)), ["annsField"] = "vector", ["limit"] = 5 }),
            ["rerank"] = new JsonObject { ["strategy"] = "rrf", ["params"] = new JsonObject { ["k"] = 60 } },
            ["limit"] = 2,
            ["consistencyLevel"] = "Strong",
        }))!.AsArray();
        // 3 and 4 are in both lists' top two, so reciprocal rank fusion puts them first.
        Assert.Equal([3L, 4L], fused.Select(h => (long)h!["id"]!).Order());
    }

    [Fact]
    public async Task Statistics_count_a_released_partition_instead_of_refusing_it()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", new JsonObject { ["collectionName"] = "rest_parts", ["dimension"] = 2 }));
        Ok(await PostAsync(http, "partitions/create", new JsonObject { ["collectionName"] = "rest_parts", ["partitionName"] = "p1" }));
        Ok(await PostAsync(http, "entities/insert", new JsonObject
        {
            ["collectionName"] = "rest_parts",
            ["partitionName"] = "p1",
            ["data"] = new JsonArray(new JsonObject { ["id"] = 1, ["vector"] = new JsonArray(1, 1) }),
        }));
        Ok(await PostAsync(http, "partitions/release", new JsonObject { ["collectionName"] = "rest_parts", ["partitionNames"] = new JsonArray("p1") }));
        var stats = Ok(await PostAsync(http, "partitions/get_stats", new JsonObject { ["collectionName"] = "rest_parts", ["partitionName"] = "p1" }))!;
        Assert.Equal(1, (long)stats["rowCount"]!);
        var listed = Ok(await PostAsync(http, "partitions/list", new JsonObject { ["collectionName"] = "rest_parts" }))!;
        Assert.Equal(["_default", "p1"], listed.AsArray().Select(p => (string)p!).Order());
    }

    [Fact]
    public async Task Bad_requests_get_Milvus_codes_and_unknown_actions_404()
    {
        using var http = Http(server.Address);
        var unknown = await http.PostAsync("/v2/vectordb/collections/frobnicate", Json(new JsonObject()));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var unserved = await PostAsync(http, "segments/describe", new JsonObject());
        Assert.Equal(2400, (int)unserved["code"]!);
        Assert.Contains("not supported", (string)unserved["message"]!);

        var notJson = JsonNode.Parse(await (await http.PostAsync("/v2/vectordb/collections/describe",
            new StringContent("{not json", Encoding.UTF8, "application/json"))).Content.ReadAsStringAsync())!;
        Assert.Equal(1801, (int)notJson["code"]!);

        var missing = await PostAsync(http, "collections/describe", new JsonObject());
        Assert.Equal(1802, (int)missing["code"]!);
        Assert.Contains("collectionName", (string)missing["message"]!);

        var wrongType = await PostAsync(http, "collections/create", new JsonObject
        {
            ["collectionName"] = "rest_bad",
            ["schema"] = JsonNode.Parse("""{"fields": [{"fieldName": "x", "dataType": "Quaternion"}]}"""),
        });
        Assert.Equal(1801, (int)wrongType["code"]!);
        Assert.Contains("Quaternion", (string)wrongType["message"]!);

        var wrongKind = await PostAsync(http, "collections/create", new JsonObject
        {
            ["collectionName"] = "rest_bad", ["dimension"] = 2, ["params"] = new JsonObject { ["shardsNum"] = "many" },
        });
        Assert.Equal(1801, (int)wrongKind["code"]!);
        var textAsVector = await PostAsync(http, "entities/search", new JsonObject
        {
            ["collectionName"] = "rest_bad_missing", ["data"] = new JsonArray(new JsonObject()),
        });
        Assert.Equal(100, (int)textAsVector["code"]!);

        // A valid request the server refuses carries the gRPC status's code and reason.
        Ok(await PostAsync(http, "collections/create", new JsonObject { ["collectionName"] = "rest_dims", ["dimension"] = 3 }));
        var shortVector = await PostAsync(http, "entities/insert", new JsonObject
        {
            ["collectionName"] = "rest_dims",
            ["data"] = new JsonArray(new JsonObject { ["id"] = 1, ["vector"] = new JsonArray(1, 2) }),
        });
        Assert.Equal(1100, (int)shortVector["code"]!);
    }

    [Fact]
    public async Task Privilege_groups_and_collection_grants_are_managed_through_REST_as_through_gRPC()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "privilege_groups/create", new JsonObject { ["privilegeGroupName"] = "rest_readers" }));
        Ok(await PostAsync(http, "privilege_groups/add_privileges_to_group", new JsonObject
        {
            ["privilegeGroupName"] = "rest_readers", ["privileges"] = new JsonArray("Query", "Search"),
        }));
        var groups = Ok(await PostAsync(http, "privilege_groups/list", new JsonObject()))!["privilegeGroups"]!.AsArray();
        Assert.Equal("Query,Search", (string)groups.Single(g => (string)g!["privilegeGroupName"]! == "rest_readers")!["privileges"]!);

        Ok(await PostAsync(http, "roles/create", new JsonObject { ["roleName"] = "rest_analyst" }));
        Ok(await PostAsync(http, "roles/grant_privilege_v2", new JsonObject
        {
            ["roleName"] = "rest_analyst", ["privilege"] = "rest_readers", ["dbName"] = "default", ["collectionName"] = "*",
        }));
        var grants = await Client.SelectGrantAsync(new SelectGrantRequest { Entity = new GrantEntity { Role = new RoleEntity { Name = "rest_analyst" } } });
        Succeeded(grants.Status);
        Assert.Equal("rest_readers", Assert.Single(grants.Entities).Grantor.Privilege.Name);
        Ok(await PostAsync(http, "roles/revoke_privilege_v2", new JsonObject
        {
            ["roleName"] = "rest_analyst", ["privilege"] = "rest_readers", ["dbName"] = "default", ["collectionName"] = "*",
        }));
        Assert.Empty(Ok(await PostAsync(http, "roles/describe", new JsonObject { ["roleName"] = "rest_analyst" }))!.AsArray());
        Ok(await PostAsync(http, "privilege_groups/drop", new JsonObject { ["privilegeGroupName"] = "rest_readers" }));
    }

    [Fact]
    public async Task Resource_groups_are_created_described_altered_and_dropped_through_REST()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "resource_groups/create", JsonObject.Parse("""
            {"name": "rest_rg", "config": {"requests": {"node_num": 0}, "limits": {"node_num": 0}, "node_filter": {"node_labels": {"zone": "a"}}}}
            """)!.AsObject()));
        Assert.Contains("rest_rg", Ok(await PostAsync(http, "resource_groups/list", new JsonObject()))!.AsArray().Select(n => (string)n!));
        var described = await PostAsync(http, "resource_groups/describe", new JsonObject { ["name"] = "rest_rg" });
        Ok(described);
        Assert.Equal("rest_rg", (string)described["resource_group"]!["name"]!);
        Assert.Equal("zone", (string)described["resource_group"]!["config"]!["node_filter"]!["node_labels"]![0]!["key"]!);

        Ok(await PostAsync(http, "resource_groups/alter", JsonObject.Parse("""
            {"resource_groups": {"rest_rg": {"requests": {"node_num": 0}, "limits": {"node_num": 0}, "transfer_from": [{"resource_group": "__default_resource_group"}]}}}
            """)!.AsObject()));
        var grpc = await Client.DescribeResourceGroupAsync(new DescribeResourceGroupRequest { ResourceGroup = "rest_rg" });
        Succeeded(grpc.Status);
        Assert.Equal("__default_resource_group", Assert.Single(grpc.ResourceGroup.Config.TransferFrom).ResourceGroup);
        Ok(await PostAsync(http, "resource_groups/drop", new JsonObject { ["name"] = "rest_rg" }));
        Assert.DoesNotContain("rest_rg", Ok(await PostAsync(http, "resource_groups/list", new JsonObject()))!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public async Task Snapshots_are_created_listed_described_and_dropped_through_REST()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", new JsonObject { ["collectionName"] = "rest_snap", ["dimension"] = 2 }));
        Ok(await PostAsync(http, "entities/insert", new JsonObject
        {
            ["collectionName"] = "rest_snap",
            ["data"] = new JsonArray(new JsonObject { ["id"] = 1, ["vector"] = new JsonArray(1, 2) }, new JsonObject { ["id"] = 2, ["vector"] = new JsonArray(3, 4) }),
        }));
        Ok(await PostAsync(http, "snapshots/create", new JsonObject
        {
            ["collectionName"] = "rest_snap", ["snapshotName"] = "rest_snap_1", ["description"] = "before the change",
        }));
        Assert.Equal(["rest_snap_1"], Ok(await PostAsync(http, "snapshots/list", new JsonObject { ["collectionName"] = "rest_snap" }))!
            .AsArray().Select(n => (string)n!));
        var described = Ok(await PostAsync(http, "snapshots/describe", new JsonObject { ["collectionName"] = "rest_snap", ["snapshotName"] = "rest_snap_1" }))!;
        Assert.Equal("before the change", (string)described["description"]!);
        Assert.Equal("rest_snap", (string)described["collectionName"]!);
        Assert.True((long)described["createTs"]! > 0);
        var grpc = await Client.DescribeSnapshotAsync(new DescribeSnapshotRequest { CollectionName = "rest_snap", Name = "rest_snap_1" });
        Succeeded(grpc.Status);
        Assert.Equal(grpc.CreateTs, (long)described["createTs"]!);

        Ok(await PostAsync(http, "snapshots/drop", new JsonObject { ["collectionName"] = "rest_snap", ["snapshotName"] = "rest_snap_1" }));
        Assert.Empty(Ok(await PostAsync(http, "snapshots/list", new JsonObject { ["collectionName"] = "rest_snap" }))!.AsArray());
        var restore = await PostAsync(http, "snapshots/restore", new JsonObject { ["snapshotName"] = "rest_snap_1" });
        Assert.Equal(2400, (int)restore["code"]!);
    }

    /// <summary>
    /// Seeded random bodies at every kind of action: values of the wrong kind, missing and unknown keys, bodies that are
    /// not objects or nest deeply. Each is answered with a JSON code, never an HTTP 5xx or an internal error, and the node
    /// serves the collection it holds afterwards.
    /// </summary>
    [Fact]
    public async Task Hostile_bodies_get_Milvus_codes_and_never_an_internal_error()
    {
        using var http = Http(server.Address);
        Ok(await PostAsync(http, "collections/create", new JsonObject { ["collectionName"] = "rest_fuzz", ["dimension"] = 4 }));
        string[] actions =
        [
            "collections/create", "collections/describe", "collections/get_stats", "collections/get_load_state", "collections/alter_properties",
            "collections/fields/add", "collections/compact", "collections/get_compaction_state", "partitions/create", "partitions/load",
            "indexes/create", "indexes/describe", "aliases/create", "databases/describe", "entities/insert", "entities/upsert",
            "entities/delete", "entities/query", "entities/get", "entities/search", "entities/hybrid_search", "roles/grant_privilege",
            "resource_groups/alter", "jobs/import/create", "jobs/import/describe", "snapshots/describe",
        ];
        string[] keys =
        [
            "collectionName", "data", "filter", "limit", "offset", "outputFields", "id", "annsField", "search", "rerank", "schema",
            "indexParams", "params", "dimension", "partitionNames", "exprParams", "properties", "files", "jobId", "compactionID",
            "roleName", "privilege", "objectType", "objectName", "fieldName", "searchParams", "consistencyLevel", "idType",
            "functionScore", "groupingField", "resource_groups", "snapshotName",
        ];
        JsonNode?[] values =
        [
            null, 5, -1, 1.5, "x", "", true, new JsonArray(), new JsonArray(1), new JsonArray("a"), new JsonObject(),
            new JsonObject { ["a"] = 1 }, new JsonArray(new JsonArray(1, 2, 3, 4)), new JsonArray(new JsonObject { ["id"] = "z" }),
            "rest_fuzz", 1e30, new JsonArray(new JsonObject { ["id"] = 1, ["vector"] = new JsonArray(1, 2, 3) }),
        ];
        var random = new Random(20_261_206);
        var failures = new List<string>();
        foreach (var action in actions)
        {
            var bodies = new List<string> { "", "[]", "\"text\"", "{\"collectionName\": \"rest_fuzz\"}", new string('[', 3000) + new string(']', 3000) };
            for (var i = 0; i < 40; i++)
            {
                var body = new JsonObject { ["collectionName"] = random.Next(3) == 0 ? "no_such_collection" : "rest_fuzz" };
                foreach (var key in keys.OrderBy(_ => random.Next()).Take(4))
                {
                    body[key] = values[random.Next(values.Length)]?.DeepClone();
                }

                bodies.Add(body.ToJsonString());
            }

            foreach (var body in bodies)
            {
                using var response = await http.PostAsync($"/v2/vectordb/{action}", new StringContent(body, Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                var code = (int)response.StatusCode < 500 && text.StartsWith('{') ? JsonNode.Parse(text)!["code"]?.GetValue<int>() : null;
                if (code is null or (int)Common.ErrorCode.ServiceInternal)
                {
                    failures.Add($"{action} {body[..Math.Min(body.Length, 120)]} -> {(int)response.StatusCode} {text[..Math.Min(text.Length, 200)]}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(10)));
        Assert.Equal("rest_fuzz", (string)Ok(await PostAsync(http, "collections/describe", new JsonObject { ["collectionName"] = "rest_fuzz" }))!["collectionName"]!);
    }

    internal static HttpClient Http(string address, bool allowInt64 = true, string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://{address}") };
        http.DefaultRequestHeaders.Add("Accept-Type-Allow-Int64", allowInt64 ? "true" : "false");
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    internal static async Task<JsonNode> PostAsync(HttpClient http, string action, JsonObject body)
    {
        using var response = await http.PostAsync($"/v2/vectordb/{action}", Json(body));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    /// <summary>The reply's data, after checking it succeeded.</summary>
    internal static JsonNode? Ok(JsonNode reply)
    {
        Assert.True((int)reply["code"]! == 0, reply.ToJsonString());
        return reply["data"];
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
