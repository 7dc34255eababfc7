using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Milvus 2.6's AddCollectionField on a loaded collection whose rows sit in a stored segment, a segment served by a
/// query node and a growing segment: rows written before read the field's default or null, rows written after carry
/// it, and filters, searches and a release and reload agree with what the test wrote.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class AddCollectionFieldRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Dim = 4;
    private const long RankDefault = 7;
    private readonly string _collection = "addf_" + Guid.NewGuid().ToString("N")[..8];

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
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = _collection, Schema = schema.ToByteString(), ShardsNum = 2 }));
        await CreateFlatIndexAsync(Client, _collection);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task Rows_written_before_read_the_default_or_null_and_rows_written_after_carry_the_field()
    {
        await InsertAsync(Enumerable.Range(0, 40), withNewFields: false);
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        await Eventually.UntilAsync(PersistentSegmentsAsync, s => s.Count > 0 && s.All(i => i.State == SegmentState.Flushed), "the first rows are flushed");
        await InsertAsync(Enumerable.Range(40, 20), withNewFields: false);

        Succeeded(await AddFieldAsync(new FieldSchema
        {
            Name = "rank", DataType = DataType.Int64, Nullable = true, DefaultValue = new ValueField { LongData = RankDefault },
        }));
        Succeeded(await AddFieldAsync(new FieldSchema { Name = "note", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "16") } }));

        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Assert.Equal(["id", "vec", "rank", "note"], described.Schema.Fields.Select(f => f.Name));
        Assert.Equal(2, described.Schema.Version);
        Assert.Equal(RankDefault, described.Schema.Fields.Single(f => f.Name == "rank").DefaultValue.LongData);

        var before = await QueryRowsAsync("id >= 0");
        Assert.Equal(Enumerable.Range(0, 60).Select(i => new Row(i, RankDefault, null)), before);

        await InsertAsync(Enumerable.Range(60, 10), withNewFields: true);
        await InsertAsync(Enumerable.Range(70, 5), withNewFields: false);
        var expected = Enumerable.Range(0, 75).Select(i => i is >= 60 and < 70 ? new Row(i, i, $"n{i}") : new Row(i, RankDefault, null)).ToList();

        Assert.Equal(expected, await QueryRowsAsync("id >= 0"));
        Assert.Equal(expected.Where(r => r.Rank == RankDefault), await QueryRowsAsync("rank == 7"));
        Assert.Equal(expected.Where(r => r.Rank > 64), await QueryRowsAsync("rank > 64"));
        Assert.Equal(expected.Where(r => r.Note is null), await QueryRowsAsync("note is null"));
        await AssertSearchCarriesTheFieldAsync(expected);

        // The stored segments (one written before the field existed) read the same after a release and reload.
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
        Succeeded(await Client.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = _collection }));
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        Assert.Equal(expected, await QueryRowsAsync("id >= 0"));
        Assert.Equal(expected.Where(r => r.Note is not null), await QueryRowsAsync("note like \"n%\""));
        await AssertSearchCarriesTheFieldAsync(expected);
    }

    [Fact]
    public async Task A_field_that_rows_already_written_could_not_have_is_refused()
    {
        IllegalArgument(await AddFieldAsync(new FieldSchema { Name = "required", DataType = DataType.Int64 }), "nullable");
        IllegalArgument(await AddFieldAsync(new FieldSchema
        {
            Name = "vec2", DataType = DataType.FloatVector, TypeParams = { Pair("dim", $"{Dim}") },
        }), "nullable");
        IllegalArgument(await AddFieldAsync(new FieldSchema { Name = "id", DataType = DataType.Int64, Nullable = true }), "duplicate");
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Assert.Equal(["id", "vec"], described.Schema.Fields.Select(f => f.Name));
        Assert.Equal(0, described.Schema.Version);
    }

    [Fact]
    public async Task A_write_built_for_the_schema_before_a_field_was_added_is_answered_schema_mismatch()
    {
        var before = (await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection })).UpdateTimestamp;
        Succeeded(await TryInsertAsync([1], withNewFields: false, schemaTimestamp: before));
        Succeeded(await AddFieldAsync(new FieldSchema { Name = "rank", DataType = DataType.Int64, Nullable = true }));
        Succeeded(await AddFieldAsync(new FieldSchema { Name = "note", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "16") } }));
        var after = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Assert.True(after.UpdateTimestamp > before);
        Assert.Equal(after.UpdateTimestamp.ToString(System.Globalization.CultureInfo.InvariantCulture), after.UpdateTimestampStr);

        var stale = await TryInsertAsync([2], withNewFields: false, schemaTimestamp: before);

        Failed(stale, 109, "collection schema mismatch");
        Assert.Equal(ErrorCode.SchemaMismatch, stale.ErrorCode);
        Succeeded(await TryInsertAsync([3], withNewFields: true, schemaTimestamp: after.UpdateTimestamp));
        Succeeded(await TryInsertAsync([4], withNewFields: true));
        Assert.Equal([1L, 3, 4], (await QueryRowsAsync("id >= 0")).Select(r => r.Id).Order());
    }

    [Fact]
    public async Task A_collection_never_written_or_loaded_takes_the_field_at_once()
    {
        // Its shards need not be running: the confirmation starts them, and each reads its catalog from the coordinator
        // that is waiting for it.
        var name = _collection + "_fresh";
        var schema = new CollectionSchema
        {
            Name = name,
            Fields =
            {
                IdAndVector(Dim),
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = name, Schema = schema.ToByteString(), ShardsNum = 2 }));
        try
        {
            Succeeded(await Client.AddCollectionFieldAsync(new AddCollectionFieldRequest
            {
                CollectionName = name,
                Schema = new FieldSchema { Name = "rank", DataType = DataType.Int64, Nullable = true }.ToByteString(),
            }));
            var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = name });
            Assert.Equal(["id", "vec", "rank"], described.Schema.Fields.Select(f => f.Name));
        }
        finally
        {
            await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = name });
        }
    }

    private sealed record Row(long Id, long Rank, string? Note);

    private async Task AssertSearchCarriesTheFieldAsync(List<Row> rows)
    {
        var response = await Client.SearchAsync(new ProtoSearchRequest
        {
            CollectionName = _collection,
            PlaceholderGroup = new PlaceholderGroup
            {
                Placeholders = { new PlaceholderValue { Tag = "$0", Type = PlaceholderType.FloatVector, Values = { Vector(65) } } },
            }.ToByteString(),
            SearchParams = { Pair("anns_field", "vec"), Pair("topk", "10"), Pair("metric_type", "L2") },
            OutputFields = { "rank", "note" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        var ids = response.Results.Ids.IntId.Data;
        Assert.Equal(10, ids.Count);
        var ranks = response.Results.FieldsData.Single(f => f.FieldName == "rank").Scalars.LongData.Data;
        var notes = response.Results.FieldsData.Single(f => f.FieldName == "note");
        var byId = rows.ToDictionary(r => r.Id);
        for (var i = 0; i < ids.Count; i++)
        {
            var note = notes.ValidData.Count > 0 && !notes.ValidData[i] ? null : notes.Scalars.StringData.Data[i];
            Assert.Equal(byId[ids[i]], new Row(ids[i], ranks[i], note));
        }
    }

    [Fact]
    public async Task AlterCollectionSchema_adds_fields_as_AddCollectionField_does_and_refuses_what_it_cannot_do()
    {
        await InsertAsync(Enumerable.Range(0, 10), withNewFields: false);
        AlterCollectionSchemaRequest Alter(params FieldSchema[] fields) => new()
        {
            CollectionName = _collection,
            Action = new AlterCollectionSchemaRequest.Types.Action
            {
                AddRequest = new AlterCollectionSchemaRequest.Types.AddRequest { FieldInfos = { fields.Select(f => new AlterCollectionSchemaRequest.Types.FieldInfo { FieldSchema = f }) } },
            },
        };
        var rank = new FieldSchema { Name = "rank", DataType = DataType.Int64, Nullable = true, DefaultValue = new ValueField { LongData = RankDefault } };
        var note = new FieldSchema { Name = "note", DataType = DataType.VarChar, Nullable = true, TypeParams = { Pair("max_length", "16") } };

        // Added together or not at all: a refused second field (a name taken, a field not nullable) leaves the first one out too.
        IllegalArgument((await Client.AlterCollectionSchemaAsync(Alter(rank, new FieldSchema(note) { Name = "id" }))).AlterStatus, "duplicate field name: id");
        IllegalArgument((await Client.AlterCollectionSchemaAsync(Alter(rank, new FieldSchema(note) { Nullable = false }))).AlterStatus, "added field must be nullable");
        IllegalArgument((await Client.AlterCollectionSchemaAsync(Alter(rank, new FieldSchema(note) { Name = "rank" }))).AlterStatus, "duplicate field name: rank");
        var withIndex = Alter(note);
        withIndex.Action.AddRequest.FieldInfos[0].IndexName = "note_idx";
        Failed((await Client.AlterCollectionSchemaAsync(withIndex)).AlterStatus, 2400, "index");
        var withFunction = Alter(note);
        withFunction.Action.AddRequest.FuncSchema.Add(new FunctionSchema { Name = "bm25", Type = FunctionType.Bm25 });
        Failed((await Client.AlterCollectionSchemaAsync(withFunction)).AlterStatus, 2400, "func_schema");
        var drop = new AlterCollectionSchemaRequest
        {
            CollectionName = _collection,
            Action = new AlterCollectionSchemaRequest.Types.Action { DropRequest = new AlterCollectionSchemaRequest.Types.DropRequest { FieldName = "vec" } },
        };
        Failed((await Client.AlterCollectionSchemaAsync(drop)).AlterStatus, 2400, "drop_request");
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Assert.Equal(["id", "vec"], described.Schema.Fields.Select(f => f.Name));

        Succeeded((await Client.AlterCollectionSchemaAsync(Alter(rank, note))).AlterStatus);
        described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Assert.Equal(["id", "vec", "rank", "note"], described.Schema.Fields.Select(f => f.Name));
        await InsertAsync(Enumerable.Range(10, 5), withNewFields: true);
        var rows = await QueryRowsAsync("id >= 0");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => new Row(i, RankDefault, null)).Concat(Enumerable.Range(10, 5).Select(i => new Row(i, i, $"n{i}"))), rows);
    }

    private async Task<MilvusStatus> AddFieldAsync(FieldSchema field) =>
        await Client.AddCollectionFieldAsync(new AddCollectionFieldRequest { CollectionName = _collection, Schema = field.ToByteString() });

    private static float[] VectorValues(int id) => [id, id % 7, (id * 3) % 11, 1];

    private static ByteString Vector(int id) => ByteString.CopyFrom(VectorValues(id).SelectMany(BitConverter.GetBytes).ToArray());

    private async Task InsertAsync(IEnumerable<int> rows, bool withNewFields) => Succeeded(await TryInsertAsync(rows, withNewFields));

    private async Task<MilvusStatus> TryInsertAsync(IEnumerable<int> rows, bool withNewFields, ulong schemaTimestamp = 0)
    {
        var ids = rows.ToArray();
        var request = new InsertRequest
        {
            CollectionName = _collection,
            SchemaTimestamp = schemaTimestamp,
            NumRows = (uint)ids.Length,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids.Select(i => (long)i) } } } },
                new FieldData
                {
                    FieldName = "vec",
                    Type = DataType.FloatVector,
                    Vectors = new VectorField { Dim = Dim, FloatVector = new FloatArray { Data = { ids.SelectMany(VectorValues) } } },
                },
            },
        };
        if (withNewFields)
        {
            request.FieldsData.Add(new FieldData { FieldName = "rank", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids.Select(i => (long)i) } } } });
            request.FieldsData.Add(new FieldData
            {
                FieldName = "note", Type = DataType.VarChar, Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(i => $"n{i}") } } },
            });
        }

        return (await Client.InsertAsync(request)).Status;
    }

    private async Task<List<Row>> QueryRowsAsync(string expr)
    {
        var response = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _collection,
            Expr = expr,
            OutputFields = { "id", "rank", "note" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(response.Status);
        var ids = response.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        var ranks = response.FieldsData.Single(f => f.FieldName == "rank").Scalars.LongData.Data;
        var notes = response.FieldsData.Single(f => f.FieldName == "note");
        return [.. ids.Select((id, i) => new Row(id, ranks[i], notes.ValidData.Count > 0 && !notes.ValidData[i] ? null : notes.Scalars.StringData.Data[i]))
            .OrderBy(r => r.Id)];
    }

    private async Task<List<PersistentSegmentInfo>> PersistentSegmentsAsync()
    {
        var response = await Client.GetPersistentSegmentInfoAsync(new GetPersistentSegmentInfoRequest { CollectionName = _collection });
        Succeeded(response.Status);
        return [.. response.Infos];
    }
}
