using System.Text;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using Parquet.Schema;
using static Milvus.Akka.TestSupport.MilvusRpc;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Bulk import through gRPC (what the SDKs' bulkInsert, getImportState and listImportTasks send): JSON, Parquet, CSV and NumPy files put in the
/// node's object storage are imported, every row checked before any is written, and the job is tracked to its end.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class ImportRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _collection = "imports_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            EnableDynamicField = true,
            Fields =
            {
                IdAndVector(LineDim),
                new FieldSchema { Name = "tag", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "8") } },
                new FieldSchema { Name = "nums", DataType = DataType.Array, ElementType = DataType.Int64, TypeParams = { Pair("max_capacity", "4") } },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString() }));
        await CreateFlatIndexAsync(Client, _collection);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    private Task<string> PutFileAsync(string name, string json) => PutFileAsync(name, Encoding.UTF8.GetBytes(json));

    private async Task<string> PutFileAsync(string name, byte[] content)
    {
        var key = $"import_tests/{_collection}/{name}";
        await server.Node.Objects.PutAsync(key, content);
        return key;
    }

    private Task<long> ImportAsync(params string[] files) => ImportIntoAsync(_collection, files);

    private async Task<long> ImportIntoAsync(string collection, params string[] files)
    {
        var response = await Client.ImportAsync(new ImportRequest { CollectionName = collection, Files = { files } });
        Succeeded(response.Status);
        return Assert.Single(response.Tasks);
    }

    private async Task<GetImportStateResponse> FinishedAsync(long job)
    {
        GetImportStateResponse state = null!;
        await Eventually.UntilAsync(async () =>
        {
            state = await Client.GetImportStateAsync(new GetImportStateRequest { Task = job });
            Succeeded(state.Status);
            return state.State is ImportState.ImportCompleted or ImportState.ImportFailed;
        }, $"import job {job} finished", 60);
        return state;
    }

    private static string Info(GetImportStateResponse state, string key) => state.Infos.Single(i => i.Key == key).Value;

    private Task<long> CountAsync() => StrongCountAsync(Client, _collection);

    private static string Rows(int from, int count) => string.Join(",", Enumerable.Range(from, count).Select(i =>
        $$"""{"id": {{i}}, "vec": [{{i}}, 1], "nums": [{{i}}], "colour": "c{{i % 3}}"{{(i % 2 == 0 ? $", \"tag\": \"t{i}\"" : "")}}}"""));

    [Fact]
    public async Task Rows_of_two_files_are_imported_flushed_and_read_back_exactly()
    {
        var first = await PutFileAsync("first.json", $$"""{"rows": [{{Rows(0, 15_000)}}]}""");
        var second = await PutFileAsync("second.json", $"[{Rows(15_000, 5)}]");

        var job = await ImportAsync(first, second);
        var state = await FinishedAsync(job);

        Assert.True(state.State == ImportState.ImportCompleted, Info(state, "failed_reason"));
        Assert.Equal((15_005L, job, "100"), (state.RowCount, state.Id, Info(state, "progress_percent")));
        Assert.Equal($"{first},{second}", Info(state, "files"));
        var segments = await Client.GetPersistentSegmentInfoAsync(new GetPersistentSegmentInfoRequest { CollectionName = _collection });
        Assert.Equal(15_005L, segments.Infos.Sum(s => s.NumRows));
        await AssertLoadedRowsAsync(15_005, "id in [14999, 15004] or colour == \"c0\" and id < 4", [0L, 3, 14999, 15004]);
    }

    /// <summary>Loads the collection, checks its count, and that the rows <paramref name="filter"/> picks carry the tag of even ids and nums [id].</summary>
    private async Task AssertLoadedRowsAsync(long count, string filter, long[] expectedIds)
    {
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        Assert.Equal(count, await CountAsync());
        var rows = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = filter,
            OutputFields = { "tag", "nums", "colour" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(rows.Status);
        var ids = rows.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.ToList();
        Assert.Equal(expectedIds, ids.Order());
        var tags = rows.FieldsData.Single(f => f.FieldName == "tag");
        var nums = rows.FieldsData.Single(f => f.FieldName == "nums").Scalars.ArrayData.Data;
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal(ids[i] % 2 == 0, tags.ValidData[i]);
            Assert.Equal([ids[i]], nums[i].LongData.Data);
        }
    }

    [Fact]
    public async Task A_csv_file_with_its_separator_and_null_key_options_is_imported_beside_a_json_file()
    {
        // Semicolons between values, NULL for a null tag, vectors and arrays as JSON text, colour a dynamic key.
        var lines = Enumerable.Range(0, 3_000).Select(i => $"{i};[{i},1];[{i}];{(i % 2 == 0 ? $"t{i}" : "NULL")};c{i % 3}");
        var csv = await PutFileAsync("rows.csv", "id;vec;nums;tag;colour\n" + string.Join("\n", lines) + "\n");
        var json = await PutFileAsync("more.json", $"[{Rows(3_000, 2)}]");

        var response = await Client.ImportAsync(new ImportRequest
        {
            CollectionName = _collection,
            Files = { csv, json },
            Options = { Pair("sep", ";"), Pair("nullkey", "NULL") },
        });
        Succeeded(response.Status);
        var state = await FinishedAsync(Assert.Single(response.Tasks));

        Assert.True(state.State == ImportState.ImportCompleted, Info(state, "failed_reason"));
        Assert.Equal(3_002L, state.RowCount);
        await AssertLoadedRowsAsync(3_002, "colour == \"c2\" and id < 6 or tag is null and id > 2995", [2L, 5, 2997, 2999, 3001]);

        IllegalArgument((await Client.ImportAsync(new ImportRequest { CollectionName = _collection, Files = { csv }, Options = { Pair("sep", "::") } })).Status,
            "invalid csv separator '::'");
        var bad = await PutFileAsync("bad.csv", "id;vec;nums\n1;[1,1];[1]\n2;[1,x];[2]\n");
        response = await Client.ImportAsync(new ImportRequest { CollectionName = _collection, Files = { bad }, Options = { Pair("sep", ";") } });
        var failed = await FinishedAsync(Assert.Single(response.Tasks));
        Assert.Equal(ImportState.ImportFailed, failed.State);
        Assert.Contains($"file {bad}: row 1, field 'vec': expected JSON text, got '[1,x]'", Info(failed, "failed_reason"));
    }

    [Fact]
    public async Task Numpy_files_one_per_field_are_imported_together()
    {
        var collection = _collection + "_npy";
        var schema = new CollectionSchema
        {
            Name = collection,
            EnableDynamicField = true,
            Fields = { IdAndVector(LineDim), new FieldSchema { Name = "tag", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "8") } } },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = collection, Schema = schema.ToByteString() }));
        try
        {
            await CreateFlatIndexAsync(Client, collection);
            const int rows = 4_000;
            var ids = await PutFileAsync("npy/id.npy", NpyFile.Of("<i8", Enumerable.Range(0, rows).Select(i => (long)i).ToArray()));
            var vectors = await PutFileAsync("npy/vec.npy", NpyFile.Of("<f4", Enumerable.Range(0, rows).SelectMany(i => new[] { (float)i, 1f }).ToArray(), rows, LineDim));
            var meta = await PutFileAsync("npy/$meta.npy", NpyFile.Strings([.. Enumerable.Range(0, rows).Select(i => $$"""{"colour": "c{{i % 3}}"}""")]));

            // The tag has no file: every row's tag is null.
            var state = await FinishedAsync(await ImportIntoAsync(collection, ids, vectors, meta));

            Assert.True(state.State == ImportState.ImportCompleted, Info(state, "failed_reason"));
            Assert.Equal(rows, state.RowCount);
            Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = collection }));
            await WaitLoadedAsync(Client, collection);
            Assert.Equal(rows, await StrongCountAsync(Client, collection));
            var picked = await Client.QueryAsync(new ProtoQueryRequest
            {
                CollectionName = collection,
                Expr = "colour == \"c2\" and tag is null and id in [3998, 3999, 5]",
                OutputFields = { "vec" },
                ConsistencyLevel = ConsistencyLevel.Strong,
            });
            Succeeded(picked.Status);
            Assert.Equal([5L, 3998], picked.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
            Assert.Contains(3998f, picked.FieldsData.Single(f => f.FieldName == "vec").Vectors.FloatVector.Data);

            IllegalArgument((await Client.ImportAsync(new ImportRequest { CollectionName = collection, Files = { ids, "rows.json" } })).Status,
                "inconsistency in file types");
            var narrow = await PutFileAsync("npy_bad/vec.npy", NpyFile.Of("<f4", new float[rows * 3], rows, 3));
            var failed = await FinishedAsync(await ImportIntoAsync(collection, ids, narrow));
            Assert.Equal(ImportState.ImportFailed, failed.State);
            Assert.Contains($"file {narrow}: field 'vec' (FloatVector, dim 2) takes a 2-D array of 2 columns of floats", Info(failed, "failed_reason"));
        }
        finally
        {
            await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = collection });
        }
    }

    [Fact]
    public async Task A_parquet_file_of_one_large_row_group_is_imported_in_batches()
    {
        // pyarrow's layout: nullable lists of nullable elements; one row group of 25,000 rows, written in three batches.
        var schema = new ParquetSchema(new DataField<long>("id"), new ListField("vec", new DataField<float?>("element")),
            new DataField<string>("tag", nullable: true), new ListField("nums", new DataField<long?>("element")), new DataField<string>("$meta"));
        var rows = Enumerable.Range(0, 25_000).Select(i => ParquetImportRowsTests.Values(("id", (long)i), ("vec", new float?[] { i, 1 }),
            ("tag", i % 2 == 0 ? $"t{i}" : null), ("nums", new long?[] { i }), ("$meta", $$"""{"colour": "c{{i % 3}}"}"""))).ToArray();
        var file = await PutFileAsync("rows.parquet", await ParquetImportRowsTests.FileAsync(schema, rows));

        var state = await FinishedAsync(await ImportAsync(file));

        Assert.True(state.State == ImportState.ImportCompleted, Info(state, "failed_reason"));
        Assert.Equal(25_000L, state.RowCount);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        Assert.Equal(25_000L, await CountAsync());
        var picked = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = "colour == \"c2\" and id in [24998, 24999, 20000]",
            OutputFields = { "tag", "nums" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(picked.Status);
        Assert.Equal([20000L, 24998], picked.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order());
    }

    [Fact]
    public async Task Rows_imported_into_a_bm25_collection_get_their_sparse_vectors_from_the_function()
    {
        var name = _collection + "_bm25";
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = Bm25RpcTests.Schema(name).ToByteString() }));
        try
        {
            await CreateFlatIndexAsync(Client, name);
            Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
            {
                CollectionName = name, FieldName = "sparse", ExtraParams = { Pair("index_type", "SPARSE_INVERTED_INDEX"), Pair("metric_type", "BM25") },
            }));
            string[] texts = ["the quick brown fox", "lazy dogs sleep all day", "a fox jumps over the lazy dog", "vector databases store embeddings"];
            var file = await PutFileAsync("texts.json", "[" + string.Join(",", texts.Select((text, i) => $$"""{"id": {{i}}, "vec": [{{i}}, 1], "text": "{{text}}", "tag": "t"}""")) + "]");
            var given = await PutFileAsync("given.json", """[{"id": 9, "vec": [9, 1], "text": "fox", "tag": "t", "sparse": {"1": 0.5}}]""");

            var imported = await FinishedAsync(await ImportIntoAsync(name, file));
            var refused = await FinishedAsync(await ImportIntoAsync(name, given));

            Assert.True(imported.State == ImportState.ImportCompleted, Info(imported, "failed_reason"));
            Assert.Equal(ImportState.ImportFailed, refused.State);
            Assert.Contains("field sparse is the output of function bm25: the server computes it", Info(refused, "failed_reason"));
            Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = name }));
            await WaitLoadedAsync(Client, name);
            var found = await Client.SearchAsync(Bm25RpcTests.TextSearch(name, ["fox"], null, 4));
            Succeeded(found.Status);
            Assert.Equal([0L, 2], found.Results.Ids.IntId.Data.Order());
        }
        finally
        {
            await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name });
        }
    }

    [Fact]
    public async Task A_bad_row_late_in_a_file_fails_the_job_before_any_row_is_written()
    {
        // Rows 0 to 19,999 fill the first two insert batches (10,000 rows each); row 24,000 cannot be taken.
        var file = await PutFileAsync("bad.json", $$"""[{{Rows(0, 24_000)}}, {"id": 24000, "vec": [1, 2, 3]}, {{Rows(24_001, 10)}}]""");

        var state = await FinishedAsync(await ImportAsync(file));

        Assert.Equal(ImportState.ImportFailed, state.State);
        Assert.Contains($"file {file}: row 24000, field 'vec': the vector has 3 elements", Info(state, "failed_reason"));
        Assert.Equal(0L, state.RowCount);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        Assert.Equal(0L, await CountAsync());
    }

    [Fact]
    public async Task A_row_the_schema_refuses_or_a_missing_file_fails_the_job_naming_it()
    {
        var tooLong = await PutFileAsync("long.json", """[{"id": 1, "vec": [1, 1], "tag": "much too long"}]""");
        var missingField = await PutFileAsync("missing-field.json", """[{"id": 1, "tag": "a", "nums": []}]""");

        var states = await Task.WhenAll(new[] { tooLong, missingField, "import_tests/nowhere.json" }.Select(async f => await FinishedAsync(await ImportAsync(f))));

        Assert.All(states, s => Assert.Equal(ImportState.ImportFailed, s.State));
        Assert.Contains($"file {tooLong}, rows 0 to 0: the length (13) of a value of field 'tag' exceeds max_length (8)", Info(states[0], "failed_reason"));
        Assert.Contains("field 'vec' is missing", Info(states[1], "failed_reason"));
        Assert.Equal("file import_tests/nowhere.json is not in object storage", Info(states[2], "failed_reason"));
    }

    [Fact]
    public async Task A_proxy_runs_at_most_two_jobs_at_once_and_a_job_over_the_size_limit_fails_naming_it()
    {
        // 60,000 rows a file: each job writes for a while, so jobs running together would be seen together.
        var files = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            files.Add(await PutFileAsync($"slot{i}.json", $"[{Rows(i * 60_000, 60_000)}]"));
        }

        var jobs = new List<long>();
        foreach (var file in files)
        {
            jobs.Add(await ImportAsync(file));
        }

        var mostRunning = 0;
        var states = new List<GetImportStateResponse>();
        do
        {
            states = [.. await Task.WhenAll(jobs.Select(job => Client.GetImportStateAsync(new GetImportStateRequest { Task = job }).ResponseAsync))];
            mostRunning = Math.Max(mostRunning, states.Count(s => s.State == ImportState.ImportStarted));
        }
        while (states.Any(s => s.State is ImportState.ImportPending or ImportState.ImportStarted));

        Assert.All(states, s => Assert.Equal(ImportState.ImportCompleted, s.State));
        Assert.InRange(mostRunning, 1, 2);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
        Assert.Equal(180_000L, await CountAsync());
        var tooLarge = await PutFileAsync("large.json", $"[{Rows(0, 150_000)}]");
        var refused = await FinishedAsync(await ImportAsync(tooLarge));
        Assert.Equal(ImportState.ImportFailed, refused.State);
        Assert.Matches(@"the files of import job \d+ hold \d+ bytes, more than milvus.proxy.import.max-job-size \(8388608\)", Info(refused, "failed_reason"));
    }

    [Fact]
    public async Task Requests_that_cannot_start_a_job_are_refused_with_milvus_statuses()
    {
        IllegalArgument((await Client.ImportAsync(new ImportRequest { CollectionName = _collection, Files = { "a.txt" } })).Status, "unexpected file type");
        IllegalArgument((await Client.ImportAsync(new ImportRequest { CollectionName = _collection })).Status, "import needs at least one file");
        Failed((await Client.ImportAsync(new ImportRequest { CollectionName = "no_such_collection", Files = { "a.json" } })).Status, 100, "no_such_collection");
        Failed((await Client.ImportAsync(new ImportRequest { CollectionName = _collection, PartitionName = "nope", Files = { "a.json" } })).Status, 200,
            "partition not found");
        Failed((await Client.GetImportStateAsync(new GetImportStateRequest { Task = 424242 })).Status, 2100, "import job 424242 not found");
    }

    [Fact]
    public async Task Import_tasks_are_listed_per_collection_oldest_first_and_a_limit_keeps_the_newest()
    {
        var listed = await Client.ListImportTasksAsync(new ListImportTasksRequest { CollectionName = _collection });
        Succeeded(listed.Status);
        Assert.Empty(listed.Tasks);
        var file = await PutFileAsync("few.json", $"[{Rows(0, 3)}]");
        var jobs = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await ImportAsync(file));
            await FinishedAsync(jobs[^1]);
        }

        listed = await Client.ListImportTasksAsync(new ListImportTasksRequest { CollectionName = _collection });
        var limited = await Client.ListImportTasksAsync(new ListImportTasksRequest { CollectionName = _collection, Limit = 2 });

        Assert.Equal(jobs, listed.Tasks.Select(t => t.Id));
        Assert.All(listed.Tasks, t => Assert.Equal((ImportState.ImportCompleted, 3L), (t.State, t.RowCount)));
        Assert.Equal(jobs[1..], limited.Tasks.Select(t => t.Id));
    }
}
