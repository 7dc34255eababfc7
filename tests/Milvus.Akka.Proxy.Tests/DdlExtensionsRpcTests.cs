using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 2.6's TruncateCollection, partial_update upsert, search by primary keys and guarantee timestamps through the
/// real gRPC endpoint; every expectation is computed from the rows the test wrote.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class DdlExtensionsRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Dim = 4;
    private readonly string _collection = "ddlx_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields =
            {
                IdAndVector(Dim),
                new FieldSchema { Name = "score", DataType = DataType.Int64 },
                new FieldSchema { Name = "tag", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "16") } },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString(), ShardsNum = 2 }));
        Succeeded(await Client.CreatePartitionAsync(new CreatePartitionRequest { CollectionName = _collection, PartitionName = "p1" }));
        await CreateFlatIndexAsync(Client, _collection, indexName: "vec_idx");
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task Truncate_removes_every_row_of_every_partition_and_keeps_schema_indexes_aliases_and_load_state()
    {
        var alias = _collection + "_alias";
        Succeeded(await Client.CreateAliasAsync(new CreateAliasRequest { CollectionName = _collection, Alias = alias }));
        await InsertAsync(Rows(0, 40), partition: null);
        await InsertAsync(Rows(40, 20), partition: "p1");
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await InsertAsync(Rows(60, 30), partition: null);
        Assert.Equal(90, await CountAsync());
        var flushed = await Eventually.UntilAsync(PersistentSegmentsAsync, s => s.Count > 0, "the flushed segments are recorded");
        var describedBefore = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });

        Succeeded((await Client.TruncateCollectionAsync(new TruncateCollectionRequest { CollectionName = alias })).Status);

        Assert.Equal(0, await CountAsync());
        Assert.Empty(await QueryIdsAsync("id >= 0"));
        Assert.Empty((await SearchAsync(Vector(5), limit: 10)).Results.Ids.IntId?.Data ?? []);
        var describedAfter = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Assert.Equal(describedBefore.Schema, describedAfter.Schema);
        Assert.Contains(alias, describedAfter.Aliases);
        var index = await Client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = _collection });
        Assert.Equal("vec_idx", Assert.Single(index.IndexDescriptions).IndexName);
        var partitions = await Client.ShowPartitionsAsync(new ShowPartitionsRequest { CollectionName = _collection });
        Assert.Equal(["_default", "p1"], partitions.PartitionNames.Order());
        var load = await Client.GetLoadStateAsync(new GetLoadStateRequest { CollectionName = _collection });
        Assert.Equal(LoadState.Loaded, load.State);

        // The flushed segments, wholly below the truncation, leave the bookkeeping for garbage collection.
        var flushedIds = flushed.Select(s => s.SegmentID).ToHashSet();
        await Eventually.UntilAsync(PersistentSegmentsAsync, s => !s.Any(x => flushedIds.Contains(x.SegmentID)), "the truncated segments are dropped");

        // Rows inserted afterwards, even under old primary keys, are the only ones read.
        await InsertAsync(Rows(85, 10), partition: "p1");
        Assert.Equal(10, await CountAsync());
        Assert.Equal(Enumerable.Range(85, 10).Select(i => (long)i), await QueryIdsAsync("id >= 0"));
        var hit = await SearchAsync(Vector(90), limit: 3);
        Assert.Equal(90, hit.Results.Ids.IntId.Data[0]);
    }

    [Fact]
    public async Task Partial_update_replaces_the_fields_sent_and_keeps_the_others()
    {
        await InsertAsync(Rows(0, 10), partition: null);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);

        // Rows 2 and 5 exist: only their score changes. Row 100 is new: tag is nullable, so score alone is missing.
        var upserted = await Client.UpsertAsync(new UpsertRequest
        {
            CollectionName = _collection,
            NumRows = 2,
            PartialUpdate = true,
            FieldsData = { Longs("id", 2, 5), Longs("score", 1_002, 1_005) },
        });
        Succeeded(upserted.Status);
        Assert.Equal(2, upserted.UpsertCnt);

        var rows = await QueryRowsAsync("id in [2, 5]");
        Assert.Equal([(2L, 1_002L, "tag2"), (5L, 1_005L, "tag5")], rows.Select(r => (r.Id, r.Score, r.Tag)));
        var vectors = await QueryVectorsAsync("id in [2, 5]");
        Assert.Equal([.. VectorValues(2), .. VectorValues(5)], vectors);
        Assert.Equal(10, await CountAsync());

        // A row that does not exist yet needs every field that is neither nullable nor default-valued.
        var missing = await Client.UpsertAsync(new UpsertRequest
        {
            CollectionName = _collection,
            NumRows = 1,
            PartialUpdate = true,
            FieldsData = { Longs("id", 100), Longs("score", 7) },
        });
        Assert.NotEqual(0, missing.Status.Code);
        Assert.Contains("vec", missing.Status.Reason);

        var fresh = await Client.UpsertAsync(new UpsertRequest
        {
            CollectionName = _collection,
            NumRows = 2,
            PartialUpdate = true,
            FieldsData = { Longs("id", 3, 100), Longs("score", 3_003, 100_100), Floats("vec", 3, 100) },
        });
        Succeeded(fresh.Status);
        var after = await QueryRowsAsync("id in [3, 100]");
        Assert.Equal([(3L, 3_003L, "tag3"), (100L, 100_100L, (string?)null)], after.Select(r => (r.Id, r.Score, r.Tag)));
    }

    [Fact]
    public async Task Search_by_primary_keys_searches_with_the_stored_vectors_of_those_rows()
    {
        var ids = Enumerable.Range(0, 30).ToArray();
        await InsertAsync(Rows(0, 30), partition: null);
        long[] queries = [7, 21];

        var response = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            Ids = new IDs { IntId = new LongArray { Data = { queries } } },
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "4"), Pair("metric_type", "L2") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });

        Succeeded(response.Status);
        Assert.Equal(2, response.Results.NumQueries);
        for (var q = 0; q < queries.Length; q++)
        {
            var stored = VectorValues((int)queries[q]);
            var expected = ids.OrderBy(id => L2(stored, VectorValues(id))).ThenBy(id => id).Take(4).Select(id => (long)id);
            Assert.Equal(expected, response.Results.Ids.IntId.Data.Skip(q * 4).Take(4));
        }

        var unknown = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            Ids = new IDs { IntId = new LongArray { Data = { 7, 999 } } },
            SearchParams = { Pair("topk", "4") },
        });
        Assert.Equal((int)Milvus.Akka.Common.ErrorCode.ParameterInvalid, unknown.Status.Code);
        Assert.Contains("999", unknown.Status.Reason);

        // A hybrid search's sub-request may search by primary keys too: the same as sending their vectors.
        var byVector = new ProtoHybridSearchRequest
        {
            CollectionName = _collection,
            Requests = { SearchRequest(Vector(7), 4), SearchRequest(Vector(21), 4) },
            RankParams = { Pair("strategy", "rrf"), Pair("limit", "4") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
        var byKey = byVector.Clone();
        byKey.Requests[1] = SearchRequest(Vector(21), 4);
        byKey.Requests[1].ClearPlaceholderGroup();
        byKey.Requests[1].Ids = new IDs { IntId = new LongArray { Data = { 21 } } };
        var expectedHybrid = await Client.HybridSearchAsync(byVector);
        var hybrid = await Client.HybridSearchAsync(byKey);
        Succeeded(hybrid.Status);
        Assert.Equal(expectedHybrid.Results.Ids.IntId.Data, hybrid.Results.Ids.IntId.Data);
        Assert.Equal(expectedHybrid.Results.Scores, hybrid.Results.Scores);
    }

    [Fact]
    public async Task Session_guarantee_ahead_of_the_cluster_waits_for_it_and_one_too_far_ahead_fails_clearly()
    {
        var written = await InsertAsync(Rows(0, 5), partition: null);
        var soon = Compose(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 300);

        var waited = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = "id >= 0",
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Session,
            GuaranteeTimestamp = Math.Max(soon, written),
        });
        Succeeded(waited.Status);
        Assert.Equal(5, waited.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Count);
        Assert.True(waited.SessionTs >= soon, "the session timestamp covers the guarantee");

        var tooFar = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = "id >= 0",
            ConsistencyLevel = ConsistencyLevel.Customized,
            GuaranteeTimestamp = Compose(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000),
        });
        Assert.Equal((int)Milvus.Akka.Common.ErrorCode.ServiceTimeTickLongDelay, tooFar.Status.Code);
        Assert.Contains("guarantee timestamp", tooFar.Status.Reason);
    }

    [Fact]
    public async Task Iterator_pages_read_at_the_first_pages_session_timestamp()
    {
        await InsertAsync(Rows(0, 5), partition: null);
        var first = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = "id >= 0",
            OutputFields = { "id" },
            QueryParams = { Pair("iterator", "true") },
        });
        Succeeded(first.Status);
        Assert.True(first.SessionTs > 0);

        await InsertAsync(Rows(5, 5), partition: null);
        var pinned = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = "id >= 0",
            OutputFields = { "id" },
            QueryParams = { Pair("iterator", "true") },
            GuaranteeTimestamp = first.SessionTs,
        });
        Succeeded(pinned.Status);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => (long)i), pinned.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        Assert.Equal(10, await CountAsync());
    }

    private sealed record Row(long Id, long Score, string? Tag);

    [Fact]
    public async Task Batch_describe_answers_each_collection_by_name_and_by_id_as_describe_does()
    {
        var single = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Succeeded(single.Status);
        var byId = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionID = single.CollectionID });
        Assert.Equal(single, byId);

        var batch = await Client.BatchDescribeCollectionAsync(new BatchDescribeCollectionRequest
        {
            CollectionName = { _collection },
            CollectionID = { single.CollectionID },
        });
        Succeeded(batch.Status);
        Assert.Equal([single, single], batch.Responses);

        var empty = await Client.BatchDescribeCollectionAsync(new BatchDescribeCollectionRequest());
        IllegalArgument(empty.Status, "at least one collection");
        var missing = await Client.BatchDescribeCollectionAsync(new BatchDescribeCollectionRequest { CollectionName = { _collection, "no_such_" + _collection } });
        Failed(missing.Status, 100, "no_such_" + _collection);
    }

    [Fact]
    public async Task Unserved_reranking_providers_semantic_highlighters_and_namespaces_are_refused_not_ignored()
    {
        await InsertAsync(Rows(0, 5), partition: null);
        var plain = SearchRequest(Vector(1), limit: 3);
        Succeeded((await Client.SearchAsync(plain)).Status);

        var reranked = plain.Clone();
        reranked.FunctionScore = new FunctionScore
        {
            Functions =
            {
                new FunctionSchema
                {
                    Name = "model", Type = FunctionType.Rerank, InputFieldNames = { "tag" },
                    Params = { Pair("reranker", "model"), Pair("provider", "cohere"), Pair("queries", "[\"x\"]") },
                },
            },
        };
        Failed((await Client.SearchAsync(reranked)).Status, 2400, "provider cohere is not supported by Milvus.Akka (supported: tei, vllm)");

        var highlighted = plain.Clone();
        highlighted.Highlighter = new Highlighter { Type = HighlightType.Semantic, Params = { Pair("queries", "[\"x\"]") } };
        Failed((await Client.SearchAsync(highlighted)).Status, 2400, "semantic highlighter");

        var scoped = plain.Clone();
        scoped.Namespace = "tenant_a";
        Failed((await Client.SearchAsync(scoped)).Status, 2400, "namespace");
        var insert = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection, NumRows = 1, Namespace = "tenant_a",
            FieldsData = { Longs("id", 900), Floats("vec", 900), Longs("score", 9) },
        });
        Failed(insert.Status, 2400, "namespace");
        Failed((await Client.QueryAsync(new ProtoQueryRequest { CollectionName = _collection, Expr = "id >= 0", Namespace = "tenant_a" })).Status, 2400, "namespace");

        var schema = new CollectionSchema
        {
            Name = _collection + "_ns",
            EnableNamespace = true,
            Fields =
            {
                IdAndVector(Dim),
            },
        };
        var created = await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = schema.Name, Schema = schema.ToByteString() });
        Failed(created, 2400, "enable_namespace");
        Assert.False((await Client.HasCollectionAsync(new HasCollectionRequest { CollectionName = schema.Name })).Value);
        Assert.Equal(5, await CountAsync());
    }

    [Fact]
    public async Task A_read_that_ignores_growing_segments_sees_only_flushed_rows()
    {
        await InsertAsync(Rows(0, 10), partition: null);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await InsertAsync(Rows(10, 6), partition: "p1");
        await InsertAsync(Rows(16, 4), partition: null);

        async Task<long[]> HitsAsync(string ignoreGrowing)
        {
            var search = SearchRequest(Vector(3), limit: 50);
            search.SearchParams.Add(Pair("ignore_growing", ignoreGrowing));
            var result = await Client.SearchAsync(search);
            Succeeded(result.Status);
            return [.. result.Results.Ids.IntId.Data.Order()];
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), await HitsAsync("true"));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), await HitsAsync("false"));

        // A query and a count take it too (pymilvus sends it among the query params).
        async Task<QueryResults> QueryAsync(string ignoreGrowing, string output) => await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection, Expr = "id >= 0", OutputFields = { output }, ConsistencyLevel = ConsistencyLevel.Strong,
            QueryParams = { Pair("ignore_growing", ignoreGrowing) },
        });
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), (await QueryAsync("True", "id")).FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
        Assert.Equal(10, (await QueryAsync("True", "count(*)")).FieldsData.Single().Scalars.LongData.Data.Single());
        Assert.Equal(20, (await QueryAsync("False", "count(*)")).FieldsData.Single().Scalars.LongData.Data.Single());
    }

    [Fact]
    public async Task A_hybrid_search_groups_by_the_field_its_rank_params_name_and_answers_each_hits_group_value()
    {
        await InsertAsync(Rows(0, 20), partition: null);
        var plain = new ProtoHybridSearchRequest
        {
            CollectionName = _collection,
            Requests = { SearchRequest(Vector(3), 5), SearchRequest(Vector(4), 5) },
            RankParams = { Pair("strategy", "rrf"), Pair("limit", "3") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
        var ungrouped = await Client.HybridSearchAsync(plain);
        // pymilvus puts the grouping among the rank params; every score is its own group here, so groups of one.
        var grouped = plain.Clone();
        grouped.RankParams.Add([Pair("group_by_field", "score"), Pair("group_size", "2")]);
        var response = await Client.HybridSearchAsync(grouped);

        Succeeded(response.Status);
        var ids = response.Results.Ids.IntId.Data.ToList();
        Assert.Equal(ungrouped.Results.Ids.IntId.Data, ids);
        Assert.Equal(ids.Select(id => 10 * id), response.Results.GroupByFieldValue.Scalars.LongData.Data);
        Assert.Equal("score", response.Results.GroupByFieldValue.FieldName);

        var disagreeing = plain.Clone();
        disagreeing.Requests[0].SearchParams.Add(Pair("group_by_field", "score"));
        disagreeing.Requests[1].SearchParams.Add(Pair("group_by_field", "tag"));
        IllegalArgument((await Client.HybridSearchAsync(disagreeing)).Status, "group by different fields: score, tag");
    }

    [Fact]
    public async Task Milvus_3_features_the_sdk_sends_are_served_or_refused_never_ignored()
    {
        await InsertAsync(Rows(0, 5), partition: null);
        var plain = SearchRequest(Vector(1), limit: 3);

        var aggregated = plain.Clone();
        aggregated.SearchAggregation = new SearchAggregationSpec { Fields = { "tag" }, Size = 5 };
        Succeeded((await Client.SearchAsync(aggregated)).Status);
        var chained = plain.Clone();
        chained.FunctionChains.Add(new FunctionChain { Name = "c", Stage = FunctionChainStage.L2Rerank });
        Succeeded((await Client.SearchAsync(chained)).Status);
        var queryNodeChained = plain.Clone();
        queryNodeChained.FunctionChains.Add(new FunctionChain { Name = "c", Stage = FunctionChainStage.L0Rerank });
        Failed((await Client.SearchAsync(queryNodeChained)).Status, 2400, "L0Rerank");
        var hybrid = new ProtoHybridSearchRequest { CollectionName = _collection, Requests = { plain }, RankParams = { Pair("strategy", "rrf"), Pair("limit", "3") } };
        Succeeded((await Client.HybridSearchAsync(hybrid)).Status);
        var hybridChained = hybrid.Clone();
        hybridChained.FunctionChains.Add(new FunctionChain { Name = "c" });
        Failed((await Client.HybridSearchAsync(hybridChained)).Status, 2400, "function_chains");
        var hybridAggregated = new ProtoHybridSearchRequest { CollectionName = _collection, Requests = { aggregated }, RankParams = { hybrid.RankParams } };
        IllegalArgument((await Client.HybridSearchAsync(hybridAggregated)).Status, "search_aggregation");
        var multiGrouped = plain.Clone();
        multiGrouped.SearchParams.Add(Pair("group_by_fields", "id,tag"));
        Succeeded((await Client.SearchAsync(multiGrouped)).Status);
        var hybridMultiGrouped = new ProtoHybridSearchRequest { CollectionName = _collection, Requests = { multiGrouped }, RankParams = { hybrid.RankParams } };
        Failed((await Client.HybridSearchAsync(hybridMultiGrouped)).Status, 2400, "group_by_fields");

        var scopedDelete = await Client.DeleteAsync(new DeleteRequest { CollectionName = _collection, Expr = "id >= 0", Namespace = "tenant_a" });
        Failed(scopedDelete.Status, 2400, "namespace");
        var bytesTemplate = new ProtoQueryRequest { CollectionName = _collection, Expr = "id == {v}", OutputFields = { "id" } };
        bytesTemplate.ExprTemplateValues["v"] = new TemplateValue { BytesVal = ByteString.CopyFromUtf8("CCO") };
        Failed((await Client.QueryAsync(bytesTemplate)).Status, 2400, "bytes value");

        FieldSchema Id() => new() { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true };
        FieldSchema Vec() => new() { Name = "vec", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{Dim}") } };
        (string Mentions, CollectionSchema Schema)[] refusedSchemas =
        [
            ("external_source", new CollectionSchema { Fields = { Id(), Vec() }, ExternalSource = "s3://bucket/rows/", ExternalSpec = "{\"format\":\"parquet\"}" }),
            ("external_field", new CollectionSchema { Fields = { Id(), new FieldSchema(Vec()) { ExternalField = "embedding" } } }),
            ("file_resource_ids", new CollectionSchema { Fields = { Id(), Vec() }, FileResourceIds = { 7 } }),
            ("Date", new CollectionSchema { Fields = { Id(), Vec(), new FieldSchema { Name = "day", DataType = DataType.Date } } }),
            ("Mol", new CollectionSchema { Fields = { Id(), Vec(), new FieldSchema { Name = "molecule", DataType = DataType.Mol } } }),
        ];
        foreach (var (mentions, schema) in refusedSchemas)
        {
            schema.Name = _collection + "_v3";
            Failed(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = schema.Name, Schema = schema.ToByteString() }), 2400, mentions);
            Assert.False((await Client.HasCollectionAsync(new HasCollectionRequest { CollectionName = schema.Name })).Value);
        }

        // Rpcs Milvus 3.0 added answer "not supported" in a response the SDK reads, not gRPC UNIMPLEMENTED (an empty success to the Node SDK).
        Failed((await Client.RefreshExternalCollectionAsync(new RefreshExternalCollectionRequest { CollectionName = _collection })).Status, 10,
            "RefreshExternalCollection is not supported");
        Failed((await Client.ListNamespacesAsync(new ListNamespacesRequest { CollectionName = _collection })).Status, 10, "ListNamespaces is not supported");
        Failed((await Client.PrewarmAsync(new PrewarmRequest { CollectionName = _collection })).Status, 10, "Prewarm is not supported");
        Assert.Equal(5, await CountAsync());
    }

    private static IEnumerable<int> Rows(int first, int count) => Enumerable.Range(first, count);

    private static float[] VectorValues(int id) => [id, id % 7, (id * 3) % 11, 1];

    private static float L2(float[] a, float[] b) => a.Zip(b, (x, y) => (x - y) * (x - y)).Sum();

    private static ByteString Vector(int id) => ByteString.CopyFrom(VectorValues(id).SelectMany(BitConverter.GetBytes).ToArray());

    private static ulong Compose(long physicalMs) => (ulong)physicalMs << 18;

    private static FieldData Longs(string name, params long[] values) =>
        new() { FieldName = name, Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { values } } } };

    private static FieldData Floats(string name, params int[] ids) => new()
    {
        FieldName = name,
        Type = DataType.FloatVector,
        Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { ids.SelectMany(VectorValues) } } },
    };

    private async Task<ulong> InsertAsync(IEnumerable<int> rows, string? partition)
    {
        var ids = rows.ToArray();
        var inserted = await Client.InsertAsync(new InsertRequest
        {
            CollectionName = _collection,
            PartitionName = partition ?? "",
            NumRows = (uint)ids.Length,
            FieldsData =
            {
                Longs("id", [.. ids.Select(i => (long)i)]),
                Floats("vec", ids),
                Longs("score", [.. ids.Select(i => 10L * i)]),
                new FieldData
                {
                    FieldName = "tag",
                    Type = DataType.VarChar,
                    Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(i => $"tag{i}") } } },
                },
            },
        });
        Succeeded(inserted.Status);
        return inserted.Timestamp;
    }

    private Task<long> CountAsync() => StrongCountAsync(Client, _collection);

    private async Task<List<long>> QueryIdsAsync(string expr)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = expr,
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        return [.. response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order()];
    }

    private async Task<List<Row>> QueryRowsAsync(string expr)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = expr,
            OutputFields = { "id", "score", "tag" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        var ids = response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var scores = response.FieldsData.Single(f => f.FieldName == "score").Scalars.LongData.Data;
        var tags = response.FieldsData.Single(f => f.FieldName == "tag");
        return [.. ids.Select((id, i) => new Row(id, scores[i], tags.ValidData.Count > 0 && !tags.ValidData[i] ? null : tags.Scalars.StringData.Data[i]))
            .OrderBy(r => r.Id)];
    }

    private async Task<List<float>> QueryVectorsAsync(string expr)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = expr,
            OutputFields = { "id", "vec" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        var ids = response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var vectors = response.FieldsData.Single(f => f.FieldName == "vec").Vectors.FloatVector.Data;
        return [.. ids.Select((id, i) => (id, i)).OrderBy(p => p.id).SelectMany(p => vectors.Skip(p.i * Dim).Take(Dim))];
    }

    private async Task<SearchResults> SearchAsync(ByteString vector, int limit)
    {
        var response = await Client.SearchAsync(SearchRequest(vector, limit));
        Succeeded(response.Status);
        return response;
    }

    private ProtoSearchRequest SearchRequest(ByteString vector, int limit) => new()
    {
        CollectionName = _collection,
        PlaceholderGroup = new PlaceholderGroup { Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { vector } } } }
            .ToByteString(),
        SearchParams = { Pair("anns_field", "vec"), Pair("topk", $"{limit}"), Pair("metric_type", "L2") },
        ConsistencyLevel = ConsistencyLevel.Strong,
    };

    private async Task<List<PersistentSegmentInfo>> PersistentSegmentsAsync()
    {
        var response = await Client.GetPersistentSegmentInfoAsync(new GetPersistentSegmentInfoRequest { CollectionName = _collection });
        Succeeded(response.Status);
        return [.. response.Infos];
    }
}
