using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.MilvusRpc;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Collection snapshots through gRPC (Milvus 3.0's CreateSnapshot, RestoreSnapshot and the rpcs around them): a snapshot
/// holds the rows acknowledged before it, deletes applied, and a restore recreates the collection with them; it outlives
/// its collection, and a pin holds off its drop.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class SnapshotRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private readonly string _source = "snap_src_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _target = "snap_dst_" + Guid.NewGuid().ToString("N")[..8];

    private MilvusService.MilvusServiceClient Client => server.Client;

    public async Task InitializeAsync()
    {
        var schema = new CollectionSchema
        {
            Name = _source,
            EnableDynamicField = true,
            Fields =
            {
                IdAndVector(LineDim),
                new FieldSchema { Name = "tag", DataType = DataType.VarChar, TypeParams = { Pair("max_length", "16") } },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = _source, Schema = schema.ToByteString(), ShardsNum = 2, ConsistencyLevel = ConsistencyLevel.Session,
        }));
        Succeeded(await Client.CreatePartitionAsync(new CreatePartitionRequest { CollectionName = _source, PartitionName = "p1" }));
        await CreateFlatIndexAsync(Client, _source, "IP", "vec_idx");
    }

    public async Task DisposeAsync()
    {
        foreach (var collection in new[] { _source, _target })
        {
            foreach (var name in (await Client.ListSnapshotsAsync(new ListSnapshotsRequest { CollectionName = collection })).Snapshots)
            {
                await Client.DropSnapshotAsync(new DropSnapshotRequest { CollectionName = collection, Name = name });
            }

            await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = collection });
        }
    }

    private async Task InsertAsync(string partition, IEnumerable<long> ids, string tag = "")
    {
        var keys = ids.ToList();
        var response = await Client.InsertAsync(Rows(_source, partition, keys, tag));
        Succeeded(response.Status);
    }

    private static InsertRequest Rows(string collection, string partition, IReadOnlyList<long> ids, string tag) => new()
    {
        CollectionName = collection,
        PartitionName = partition,
        NumRows = (uint)ids.Count,
        FieldsData =
        {
            Int64s("id", ids),
            LineVectors(ids),
            new FieldData
            {
                FieldName = "tag", Type = DataType.VarChar,
                Scalars = new ScalarField { StringData = new StringArray { Data = { ids.Select(id => tag.Length > 0 ? tag : $"t{id}") } } },
            },
            new FieldData
            {
                FieldName = "$meta", Type = DataType.Json, IsDynamic = true,
                Scalars = new ScalarField { JsonData = new JSONArray { Data = { ids.Select(id => ByteString.CopyFromUtf8($$"""{"colour": "c{{id % 3}}"}""")) } } },
            },
        },
    };

    private async Task CreateSnapshotAsync(string collection, string name, string description = "")
    {
        Succeeded(await Client.CreateSnapshotAsync(new CreateSnapshotRequest { CollectionName = collection, Name = name, Description = description }));
    }

    private async Task<RestoreSnapshotInfo> RestoreAsync(string collection, string name)
    {
        var info = await RestoreEndedAsync(collection, name);
        Assert.True(info.State == RestoreSnapshotState.RestoreSnapshotCompleted, info.Reason);
        Assert.Equal((name, _target, 100), (info.SnapshotName, info.CollectionName, info.Progress));
        return info;
    }

    private async Task<RestoreSnapshotInfo> RestoreEndedAsync(string collection, string name)
    {
        var restore = await Client.RestoreSnapshotAsync(new RestoreSnapshotRequest { CollectionName = collection, Name = name, TargetCollectionName = _target });
        Succeeded(restore.Status);
        RestoreSnapshotInfo info = null!;
        await Eventually.UntilAsync(async () =>
        {
            var state = await Client.GetRestoreSnapshotStateAsync(new GetRestoreSnapshotStateRequest { JobId = restore.JobId });
            Succeeded(state.Status);
            info = state.Info;
            return info.State is RestoreSnapshotState.RestoreSnapshotCompleted or RestoreSnapshotState.RestoreSnapshotFailed;
        }, $"restore job {restore.JobId} finished", 60);
        Assert.Equal(restore.JobId, info.JobId);
        return info;
    }

    private async Task LoadTargetAsync()
    {
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _target }));
        await WaitLoadedAsync(Client, _target);
    }

    private async Task<QueryResults> QueryTargetAsync(string expr, params string[] partitions)
    {
        var rows = await Client.QueryAsync(new ProtoQueryRequest
        {
            CollectionName = _target, Expr = expr, OutputFields = { "tag", "colour" }, PartitionNames = { partitions },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        Succeeded(rows.Status);
        return rows;
    }

    private static List<long> Ids(QueryResults rows) => [.. rows.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data.Order()];

    [Fact]
    public async Task A_restore_recreates_the_collection_with_the_rows_acknowledged_before_the_snapshot()
    {
        await InsertAsync("_default", Enumerable.Range(0, 200).Select(i => (long)i));
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _source } })).Status);
        // Not flushed: the snapshot holds every acknowledged row, growing ones too.
        await InsertAsync("p1", Enumerable.Range(200, 50).Select(i => (long)i));
        Succeeded((await Client.DeleteAsync(new DeleteRequest { CollectionName = _source, Expr = "id < 10" })).Status);
        Succeeded((await Client.UpsertAsync(Upsert(Rows(_source, "_default", [20], "upserted")))).Status);

        await CreateSnapshotAsync(_source, "nightly", "before the reindex");
        // Changes after the snapshot are not in it.
        await InsertAsync("_default", Enumerable.Range(250, 10).Select(i => (long)i));
        Succeeded((await Client.DeleteAsync(new DeleteRequest { CollectionName = _source, Expr = "id in [30, 31]" })).Status);

        var described = await Client.DescribeSnapshotAsync(new DescribeSnapshotRequest { CollectionName = _source, Name = "nightly" });
        Succeeded(described.Status);
        Assert.Equal(("nightly", "before the reindex", _source), (described.Name, described.Description, described.CollectionName));
        Assert.Equal(["_default", "p1"], described.PartitionNames.Order());
        Assert.True(described.CreateTs > 0);
        Assert.StartsWith("snapshots/", described.S3Location);

        var job = await RestoreAsync(_source, "nightly");

        var target = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _target });
        Succeeded(target.Status);
        Assert.Equal((2, ConsistencyLevel.Session, true), (target.ShardsNum, target.ConsistencyLevel, target.Schema.EnableDynamicField));
        Assert.Equal(["id", "vec", "tag"], target.Schema.Fields.Where(f => !f.IsDynamic).Select(f => f.Name));
        var partitions = await Client.ShowPartitionsAsync(new ShowPartitionsRequest { CollectionName = _target });
        Assert.Equal(["_default", "p1"], partitions.PartitionNames.Order());
        var index = Assert.Single((await Client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = _target })).IndexDescriptions);
        Assert.Equal(("vec_idx", "vec"), (index.IndexName, index.FieldName));
        Assert.Contains(index.Params, p => p.Key == "metric_type" && p.Value == "IP");

        await LoadTargetAsync();
        Assert.Equal(240L, await StrongCountAsync(Client, _target));
        Assert.Equal(Enumerable.Range(200, 50).Select(i => (long)i), Ids(await QueryTargetAsync("id >= 0", "p1")));
        var picked = await QueryTargetAsync("id in [5, 20, 30, 100, 255]");
        Assert.Equal([20L, 30, 100], Ids(picked));
        var tags = picked.FieldsData.Single(f => f.FieldName == "tag").Scalars.StringData.Data;
        var ids = picked.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
        Assert.Equal("upserted", tags[ids.IndexOf(20)]);
        Assert.Equal("t100", tags[ids.IndexOf(100)]);
        Assert.Equal([100L], Ids(await QueryTargetAsync("colour == \"c1\" and id in [99, 100]")));

        var jobs = await Client.ListRestoreSnapshotJobsAsync(new ListRestoreSnapshotJobsRequest { CollectionName = _target });
        Succeeded(jobs.Status);
        Assert.Contains(jobs.Jobs, j => j.JobId == job.JobId && j.SnapshotName == "nightly");
        Assert.Contains((await Client.ListRestoreSnapshotJobsAsync(new ListRestoreSnapshotJobsRequest())).Jobs, j => j.JobId == job.JobId);
        Assert.DoesNotContain((await Client.ListImportTasksAsync(new ListImportTasksRequest { CollectionName = _target })).Tasks, t => t.Id == job.JobId);
        Assert.Contains("it restores snapshot nightly", (await Client.GetImportStateAsync(new GetImportStateRequest { Task = job.JobId })).Status.Reason);
    }

    [Fact]
    public async Task A_snapshot_outlives_its_collection_and_a_pin_holds_off_its_drop()
    {
        await InsertAsync("p1", Enumerable.Range(0, 10).Select(i => (long)i));
        Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _source } })).Status);
        // With nothing left to flush, this delete is still only in its shard's buffer when the snapshot is taken.
        Succeeded((await Client.DeleteAsync(new DeleteRequest { CollectionName = _source, Expr = "id == 3" })).Status);
        await CreateSnapshotAsync(_source, "weekly");
        var location = (await Client.DescribeSnapshotAsync(new DescribeSnapshotRequest { CollectionName = _source, Name = "weekly" })).S3Location;
        Assert.NotEmpty(await server.Node.Objects.ListAsync(location));

        var pin = await Client.PinSnapshotDataAsync(new PinSnapshotDataRequest { CollectionName = _source, Name = "weekly", TtlSeconds = 60 });
        Succeeded(pin.Status);
        Failed(await Client.DropSnapshotAsync(new DropSnapshotRequest { CollectionName = _source, Name = "weekly" }), 1100, "is pinned");
        Succeeded(await Client.UnpinSnapshotDataAsync(new UnpinSnapshotDataRequest { PinId = pin.PinId }));

        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _source }));
        var listed = await Client.ListSnapshotsAsync(new ListSnapshotsRequest { CollectionName = _source });
        Succeeded(listed.Status);
        Assert.Equal(["weekly"], listed.Snapshots);
        await RestoreAsync(_source, "weekly");
        await LoadTargetAsync();
        Assert.Equal(Enumerable.Range(0, 10).Where(i => i != 3).Select(i => (long)i), Ids(await QueryTargetAsync("id >= 0", "p1")));

        Succeeded(await Client.DropSnapshotAsync(new DropSnapshotRequest { CollectionName = _source, Name = "weekly" }));
        Assert.Empty(await server.Node.Objects.ListAsync(location));
        Failed((await Client.ListSnapshotsAsync(new ListSnapshotsRequest { CollectionName = _source })).Status, 100, "collection not found");
    }

    [Fact]
    public async Task Bad_snapshot_requests_are_refused_with_nothing_created()
    {
        await CreateSnapshotAsync(_source, "taken");

        IllegalArgument(await Client.CreateSnapshotAsync(new CreateSnapshotRequest { CollectionName = _source, Name = "taken" }), "already exists");
        IllegalArgument(await Client.CreateSnapshotAsync(new CreateSnapshotRequest { CollectionName = _source, Name = "" }), "snapshot name should not be empty");
        IllegalArgument(await Client.CreateSnapshotAsync(new CreateSnapshotRequest { CollectionName = _source, Name = "a/b" }), "invalid snapshot name");
        IllegalArgument(await Client.CreateSnapshotAsync(new CreateSnapshotRequest { CollectionName = _source, Name = "n", CompactionProtectionSeconds = -1 }),
            "compaction_protection_seconds must not be negative");
        Failed(await Client.CreateSnapshotAsync(new CreateSnapshotRequest { CollectionName = _source + "_none", Name = "n" }), 100, "collection not found");
        IllegalArgument((await Client.DescribeSnapshotAsync(new DescribeSnapshotRequest { CollectionName = _source, Name = "missing" })).Status,
            "snapshot missing not found");
        IllegalArgument((await Client.RestoreSnapshotAsync(new RestoreSnapshotRequest { CollectionName = _source, Name = "missing", TargetCollectionName = _target }))
            .Status, "snapshot missing not found");
        IllegalArgument((await Client.RestoreSnapshotAsync(new RestoreSnapshotRequest { CollectionName = _source, Name = "taken" })).Status,
            "target_collection_name");
        IllegalArgument((await Client.PinSnapshotDataAsync(new PinSnapshotDataRequest { CollectionName = _source, Name = "taken", TtlSeconds = -5 })).Status,
            "ttl_seconds");
        IllegalArgument(await Client.UnpinSnapshotDataAsync(new UnpinSnapshotDataRequest { PinId = 12345 }), "snapshot pin 12345 not found");
        Failed((await Client.ExportSnapshotAsync(new ExportSnapshotRequest { CollectionName = _source, Name = "taken" })).Status, 2400, "not supported");
        // Restoring onto an existing collection fails and leaves it as it was.
        IllegalArgument((await Client.RestoreSnapshotAsync(new RestoreSnapshotRequest { CollectionName = _source, Name = "taken", TargetCollectionName = _source }))
            .Status, "already exists");
        Assert.True((await Client.HasCollectionAsync(new HasCollectionRequest { CollectionName = _source })).Value);

        Assert.Equal(["taken"], (await Client.ListSnapshotsAsync(new ListSnapshotsRequest { CollectionName = _source })).Snapshots);
    }

    [Fact]
    public async Task A_restore_that_fails_names_why_and_drops_the_collection_it_created()
    {
        await InsertAsync("_default", Enumerable.Range(0, 20).Select(i => (long)i));
        await CreateSnapshotAsync(_source, "damaged");
        var location = (await Client.DescribeSnapshotAsync(new DescribeSnapshotRequest { CollectionName = _source, Name = "damaged" })).S3Location;
        var insertLog = (await server.Node.Objects.ListAsync(location)).First(o => o.Key.Contains(".insert.", StringComparison.Ordinal)).Key;
        await server.Node.Objects.DeleteAsync(insertLog);

        var info = await RestoreEndedAsync(_source, "damaged");

        Assert.Equal(RestoreSnapshotState.RestoreSnapshotFailed, info.State);
        Assert.Contains(insertLog, info.Reason);
        Assert.False((await Client.HasCollectionAsync(new HasCollectionRequest { CollectionName = _target })).Value);
    }

    private static UpsertRequest Upsert(InsertRequest rows) => new()
    {
        CollectionName = rows.CollectionName, PartitionName = rows.PartitionName, NumRows = rows.NumRows, FieldsData = { rows.FieldsData },
    };
}
