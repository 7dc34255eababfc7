using System.Runtime.InteropServices;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using static Milvus.Akka.TestSupport.MilvusRpc;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoMutationResult = Milvus.Akka.Grpc.Protocol.Milvus.MutationResult;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Array-of-struct fields through gRPC, as the SDKs send them: a struct of a label and two vectors per element,
/// written, read back grouped by struct (growing and after a flush), searched by embedding lists and element by
/// element, and filtered with element_filter; structs that do not fit the schema are refused.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class StructFieldRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Rows = 6;
    private readonly string _collection = "structs_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    /// <summary>Row i holds i mod 3 structs; struct e is labelled "r{i}e{e}" with emb (i, e + 1) and pos (e, -i).</summary>
    private static int Structs(int row) => row % 3;

    private static float[] Emb(int row, int element) => [row, element + 1];

    private static float[] Pos(int row, int element) => [element, -row];

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _collection,
            Fields = { new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true } },
            StructArrayFields =
            {
                new StructArrayFieldSchema
                {
                    Name = "items",
                    Description = "parts",
                    TypeParams = { Pair("mmap.enabled", "false") },
                    Fields =
                    {
                        new FieldSchema { Name = "label", DataType = DataType.Array, ElementType = DataType.VarChar, TypeParams = { Pair("max_length", "8"), Pair("max_capacity", "3") } },
                        new FieldSchema { Name = "emb", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, TypeParams = { Pair("dim", "2"), Pair("max_capacity", "3") } },
                        new FieldSchema { Name = "pos", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, TypeParams = { Pair("dim", "2"), Pair("max_capacity", "3") } },
                    },
                },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString() }));
        await IndexAsync("items[emb]", "HNSW", "MAX_SIM_IP");
        await IndexAsync("items[pos]", "AUTOINDEX", "L2");
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        await WaitLoadedAsync(Client, _collection);
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    private async Task IndexAsync(string field, string type, string metric) => Succeeded(await Client.CreateIndexAsync(new CreateIndexRequest
    {
        CollectionName = _collection, FieldName = field, ExtraParams = { Pair("index_type", type), Pair("metric_type", metric) },
    }));

    private static FieldData Labels(IEnumerable<string[]> rows) => new()
    {
        FieldName = "label", Type = DataType.Array,
        Scalars = new ScalarField { ArrayData = new ArrayArray { ElementType = DataType.VarChar, Data = { rows.Select(r => new ScalarField { StringData = new StringArray { Data = { r } } }) } } },
    };

    private static FieldData Vectors(string name, IEnumerable<float[]> rows) => new()
    {
        FieldName = name, Type = DataType.ArrayOfVector,
        Vectors = new VectorField
        {
            Dim = 2,
            VectorArray = new VectorArray { Dim = 2, ElementType = DataType.FloatVector, Data = { rows.Select(r => new VectorField { Dim = 2, FloatVector = new FloatArray { Data = { r } } }) } },
        },
    };

    private static FieldData StructData(params FieldData[] subFields) => new()
    {
        FieldName = "items", Type = DataType.ArrayOfStruct, StructArrays = new StructArrayField { Fields = { subFields } },
    };

    private static FieldData[] RowsData(int from, int count)
    {
        var rows = Enumerable.Range(from, count).ToList();
        return
        [
            Int64s("id", rows.Select(i => (long)i)),
            StructData(
                Labels(rows.Select(i => Enumerable.Range(0, Structs(i)).Select(e => $"r{i}e{e}").ToArray())),
                Vectors("emb", rows.Select(i => Enumerable.Range(0, Structs(i)).SelectMany(e => Emb(i, e)).ToArray())),
                Vectors("pos", rows.Select(i => Enumerable.Range(0, Structs(i)).SelectMany(e => Pos(i, e)).ToArray()))),
        ];
    }

    private async Task<ProtoMutationResult> InsertAsync(params FieldData[] fields) =>
        await Client.InsertAsync(new InsertRequest { CollectionName = _collection, NumRows = (uint)fields[0].Scalars.LongData.Data.Count, FieldsData = { fields } });

    private async Task<QueryResults> QueryAsync(string filter, params string[] outputs)
    {
        var results = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection, Expr = filter, OutputFields = { outputs }, ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(results.Status);
        return results;
    }

    /// <summary>The structs of each returned row as (label, emb) pairs, read from the struct field's sub-fields.</summary>
    private static List<(string Label, float[] Emb)[]> StructsOf(QueryResults results)
    {
        var items = results.FieldsData.Single(f => f.FieldName == "items");
        Assert.Equal(DataType.ArrayOfStruct, items.Type);
        var labels = items.StructArrays.Fields.Single(f => f.FieldName == "label").Scalars.ArrayData.Data;
        var embs = items.StructArrays.Fields.Single(f => f.FieldName == "emb").Vectors.VectorArray.Data;
        return [.. labels.Select((row, i) => row.StringData.Data.Select((label, e) => (label, embs[i].FloatVector.Data.Skip(e * 2).Take(2).ToArray())).ToArray())];
    }

    private static (string, float[])[] Expected(long row) =>
        [.. Enumerable.Range(0, Structs((int)row)).Select(e => ($"r{row}e{e}", Emb((int)row, e)))];

    [Fact]
    public async Task Structs_read_back_as_written_while_growing_and_after_a_flush_and_describe_shows_the_struct()
    {
        Succeeded((await InsertAsync(RowsData(0, Rows))).Status);

        var growing = await QueryAsync("id >= 0", "id", "items");
        var ids = growing.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        Assert.Equal(Rows, ids.Count);
        Assert.Equal(ids.Select(Expected), StructsOf(growing));

        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        var flushed = await QueryAsync("id >= 0", "id", "items");
        Assert.Equal(flushed.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Select(Expected), StructsOf(flushed));

        // One sub-field alone comes back inside its struct.
        var labelsOnly = await QueryAsync("id == 4", "items[label]");
        var items = Assert.Single(labelsOnly.FieldsData, f => f.FieldName == "items");
        Assert.Equal(["label"], items.StructArrays.Fields.Select(f => f.FieldName));
        Assert.Equal(["r4e0"], items.StructArrays.Fields[0].Scalars.ArrayData.Data.Single().StringData.Data);

        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        var structField = Assert.Single(described.Schema.StructArrayFields);
        Assert.Equal(("items", "parts"), (structField.Name, structField.Description));
        Assert.Contains(structField.TypeParams, p => p.Key == "mmap.enabled" && p.Value == "false");
        Assert.Equal(["label", "emb", "pos"], structField.Fields.Select(f => f.Name));
        Assert.Equal([DataType.Array, DataType.ArrayOfVector, DataType.ArrayOfVector], structField.Fields.Select(f => f.DataType));
        Assert.All(structField.Fields, f => Assert.Contains(f.TypeParams, p => p.Key == "max_capacity" && p.Value == "3"));
        Assert.Equal(["id"], described.Schema.Fields.Select(f => f.Name));
    }

    private async Task<SearchResults> SearchAsync(string field, PlaceholderType type, int limit, params float[][] values)
    {
        var results = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            PlaceholderGroup = new PlaceholderGroup
            {
                Placeholders = { new PlaceholderValue { Tag = "$0", Type = type, Values = { values.Select(v => ByteString.CopyFrom(MemoryMarshal.AsBytes(v.AsSpan()))) } } },
            }.ToByteString(),
            SearchParams = { Pair("anns_field", field), Pair("topk", $"{limit}") },
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(results.Status);
        return results;
    }

    [Fact]
    public async Task An_embedding_list_search_ranks_rows_by_the_sum_of_each_query_vectors_best_inner_product()
    {
        Succeeded((await InsertAsync(RowsData(0, Rows))).Status);
        float[][] list = [[1, 0], [0, 1]];

        var results = await SearchAsync("items[emb]", PlaceholderType.EmbListFloatVector, 3, [.. list.SelectMany(v => v)]);

        var expected = Enumerable.Range(0, Rows).Where(i => Structs(i) > 0)
            .Select(i => (Id: (long)i, Score: list.Sum(q => Enumerable.Range(0, Structs(i)).Max(e => (q[0] * Emb(i, e)[0]) + (q[1] * Emb(i, e)[1])))))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id).Take(3).ToList();
        Assert.Equal(expected.Select(x => x.Id), results.Results.Ids.IntId.Data);
        Assert.Equal(expected.Select(x => x.Score), results.Results.Scores);
        Assert.Null(results.Results.ElementIndices);
    }

    [Fact]
    public async Task An_element_level_search_returns_each_hits_element_and_a_row_may_be_hit_twice()
    {
        Succeeded((await InsertAsync(RowsData(0, Rows))).Status);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        Succeeded((await InsertAsync(RowsData(Rows, 3))).Status);

        var results = await SearchAsync("items[pos]", PlaceholderType.FloatVector, 4, [1.2f, -5]);

        var expected = Enumerable.Range(0, Rows + 3).SelectMany(i => Enumerable.Range(0, Structs(i))
                .Select(e => (Id: (long)i, Element: (long)e, Score: MathF.Pow(Pos(i, e)[0] - 1.2f, 2) + MathF.Pow(Pos(i, e)[1] + 5, 2))))
            .OrderBy(x => x.Score).Take(4).ToList();
        Assert.Equal(expected.Select(x => x.Id), results.Results.Ids.IntId.Data);
        Assert.Equal(expected.Select(x => x.Element), results.Results.ElementIndices.Data);
        Assert.Equal(expected.Select(x => x.Score), results.Results.Scores, (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Contains(results.Results.Ids.IntId.Data.GroupBy(id => id), g => g.Count() == 2);
    }

    [Fact]
    public async Task A_search_by_primary_keys_uses_each_rows_structs_as_its_embedding_list_and_a_range_search_is_refused()
    {
        Succeeded((await InsertAsync(RowsData(0, Rows))).Status);

        var results = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            Ids = new IDs { IntId = new LongArray { Data = { 5 } } },
            SearchParams = { Pair("anns_field", "items[emb]"), Pair("topk", "1") },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(results.Status);
        var list = Enumerable.Range(0, Structs(5)).Select(e => Emb(5, e)).ToList();
        var best = Enumerable.Range(0, Rows).Where(i => Structs(i) > 0)
            .MaxBy(i => list.Sum(q => Enumerable.Range(0, Structs(i)).Max(e => (q[0] * Emb(i, e)[0]) + (q[1] * Emb(i, e)[1]))));
        Assert.Equal([(long)best], results.Results.Ids.IntId.Data);

        var ranged = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            PlaceholderGroup = new PlaceholderGroup
            {
                Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { ByteString.CopyFrom(MemoryMarshal.AsBytes(new float[] { 1, 0 }.AsSpan())) } } },
            }.ToByteString(),
            SearchParams = { Pair("anns_field", "items[pos]"), Pair("topk", "3"), Pair("params", "{\"radius\": 10}") },
        });
        Failed(ranged.Status, 2400, "range search");
    }

    [Fact]
    public async Task An_element_filter_query_answers_each_rows_matching_structs()
    {
        Succeeded((await InsertAsync(RowsData(0, Rows))).Status);

        var results = await QueryAsync("id > 1 && element_filter(items, $[label] like '%e1')", "id");

        // Rows 2 and 5 hold two structs; their second matches.
        Assert.Equal([2L, 5], results.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data);
        Assert.Equal([[1L], [1L]], results.ElementIndices.Select(e => e.Indices.Data.ToArray()));
        var counted = await QueryAsync("MATCH_ALL(items, $[label] like 'r%') && MATCH_LEAST(items, $[label] like '%e0', 1)", "id");
        Assert.Equal(Enumerable.Range(0, Rows).Where(i => Structs(i) > 0).Select(i => (long)i), counted.FieldsData.Single().Scalars.LongData.Data.Order());
        Assert.Empty(counted.ElementIndices);
    }

    [Fact]
    public async Task Structs_that_do_not_fit_the_schema_are_refused_and_nothing_is_written()
    {
        var (id, items) = (Int64s("id", [1]), new Func<string[], float[], float[], FieldData>((labels, emb, pos) =>
            StructData(Labels([labels]), Vectors("emb", [emb]), Vectors("pos", [pos]))));

        IllegalArgument((await InsertAsync(id, items(["a", "b"], [1, 2], [1, 2]))).Status, "hold 2 and 1 elements");
        IllegalArgument((await InsertAsync(id, items(["a", "b", "c", "d"], [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8]))).Status, "more than max_capacity 3");
        IllegalArgument((await InsertAsync(id, items(["a"], [1, 2, 3], [1, 2]))).Status, "not a whole number of vectors of dim 2");
        IllegalArgument((await InsertAsync(id, StructData(Labels([["a"]]), Vectors("emb", [[1, 2]])))).Status, "lack their field 'pos'");
        IllegalArgument((await InsertAsync(id)).Status, "field 'items' is missing");
        Assert.Equal(0, await StrongCountAsync(Client, _collection));
    }

    [Fact]
    public async Task A_nullable_struct_field_is_refused_as_not_supported()
    {
        var schema = new CollectionSchema
        {
            Name = _collection + "_n",
            Fields = { new FieldSchema { Name = "id", DataType = DataType.Int64, IsPrimaryKey = true } },
            StructArrayFields =
            {
                new StructArrayFieldSchema
                {
                    Name = "items", Nullable = true,
                    Fields = { new FieldSchema { Name = "v", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, TypeParams = { Pair("dim", "2"), Pair("max_capacity", "2") } } },
                },
            },
        };

        var status = await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = schema.Name, Schema = schema.ToByteString() });

        Failed(status, 2400, "nullable array-of-struct fields are not supported");
    }
}
