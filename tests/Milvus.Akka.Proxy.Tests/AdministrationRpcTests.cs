using System.Text.Json;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// The administrative rpcs through the real gRPC endpoint: compaction by id, segment information, replicas,
/// flush-all and metrics. Every expectation comes from what the test itself inserted, deleted and flushed.
/// </summary>
[Collection(GrpcServerCollection.Name)]
public sealed class AdministrationRpcTests(GrpcServerFixture server) : IAsyncLifetime
{
    private const int Dim = 4;
    private const int RowsPerBatch = 40;
    private const int Batches = 3;
    private readonly string _collection = "admin_" + Guid.NewGuid().ToString("N")[..8];
    private long _collectionId;

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
        await CreateFlatIndexAsync(Client, _collection, indexName: "vec_idx");
        var described = await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection });
        Succeeded(described.Status);
        _collectionId = described.CollectionID;
    }

    public async Task DisposeAsync() => await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });

    [Fact]
    public async Task Manual_compaction_is_tracked_by_its_id_until_completed_with_its_merge_plans()
    {
        await InsertBatchesAsync(flushEach: true);
        var deleted = Enumerable.Range(0, Batches * RowsPerBatch).Where(id => id % 7 == 3).Select(id => (long)id).ToList();
        var delete = await Client.DeleteAsync(new DeleteRequest { CollectionName = _collection, Expr = $"id in [{string.Join(",", deleted)}]" });
        Succeeded(delete.Status);
        var before = await PersistentSegmentsAsync();
        // Every batch of consecutive keys reaches both shards, and each flush seals one segment per shard.
        Assert.Equal(2 * Batches, before.Count);
        Assert.Equal(Batches * RowsPerBatch, before.Sum(s => s.NumRows));
        Assert.All(before, s => Assert.Equal(SegmentState.Flushed, s.State));
        // As in Milvus, the statistics count the rows segments hold: deleted ones until compaction drops them.
        Assert.Equal(Batches * RowsPerBatch, await StatisticsRowCountAsync());

        var compaction = await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionID = _collectionId });
        Succeeded(compaction.Status);
        Assert.True(compaction.CompactionID > 0);
        // Segments of different shards are never merged: one plan per shard.
        Assert.Equal(2, compaction.CompactionPlanCount);

        var state = await Eventually.UntilAsync(
            () => Client.GetCompactionStateAsync(new GetCompactionStateRequest { CompactionID = compaction.CompactionID }).ResponseAsync,
            s => s.State == CompactionState.Completed, "the compaction completes");
        Succeeded(state.Status);
        Assert.Equal(compaction.CompactionPlanCount, state.CompletedPlanNo);
        Assert.Equal(0, state.ExecutingPlanNo);
        Assert.Equal(0, state.FailedPlanNo);

        var plans = await Client.GetCompactionStateWithPlansAsync(new GetCompactionPlansRequest { CompactionID = compaction.CompactionID });
        Succeeded(plans.Status);
        Assert.Equal(CompactionState.Completed, plans.State);
        Assert.Equal(before.Select(s => s.SegmentID).Order(), plans.MergeInfos.SelectMany(m => m.Sources).Order());

        var after = await PersistentSegmentsAsync();
        Assert.Equal(plans.MergeInfos.Select(m => m.Target).Order(), after.Select(s => s.SegmentID).Order());
        Assert.Equal(Batches * RowsPerBatch - deleted.Count, after.Sum(s => s.NumRows));
        await Eventually.UntilAsync(StatisticsRowCountAsync, rows => rows == Batches * RowsPerBatch - deleted.Count,
            "the statistics leave out the deleted rows once the compacted segments are read");
    }

    private async Task<long> StatisticsRowCountAsync()
    {
        var stats = await Client.GetCollectionStatisticsAsync(new GetCollectionStatisticsRequest { CollectionName = _collection });
        Succeeded(stats.Status);
        return long.Parse(stats.Stats.Single(s => s.Key == "row_count").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task An_unknown_compaction_id_is_a_completed_compaction_without_plans()
    {
        var state = await Client.GetCompactionStateAsync(new GetCompactionStateRequest { CompactionID = 123_456_789 });
        Succeeded(state.Status);
        Assert.Equal(CompactionState.Completed, state.State);
        Assert.Equal(0, state.ExecutingPlanNo + state.CompletedPlanNo + state.FailedPlanNo + state.TimeoutPlanNo);

        var plans = await Client.GetCompactionStateWithPlansAsync(new GetCompactionPlansRequest { CompactionID = 123_456_789 });
        Succeeded(plans.Status);
        Assert.Empty(plans.MergeInfos);
    }

    [Fact]
    public async Task Compacting_a_collection_without_flushed_segments_plans_nothing()
    {
        var compaction = await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionName = _collection });
        Succeeded(compaction.Status);
        Assert.Equal(-1, compaction.CompactionID);
        Assert.Equal(0, compaction.CompactionPlanCount);

        // Without a clustering key a major compaction has nothing to regroup: no compaction, as Milvus answers.
        var major = await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionID = _collectionId, MajorCompaction = true });
        Succeeded(major.Status);
        Assert.Equal(-1, major.CompactionID);
        Assert.Equal(0, major.CompactionPlanCount);
        var clustered = new CollectionSchema
        {
            Name = _collection + "_ck",
            Fields =
            {
                IdAndVector(Dim),
                new FieldSchema { Name = "city", DataType = DataType.Int64, IsClusteringKey = true },
            },
        };
        Succeeded(await Client.CreateCollectionAsync(new CreateCollectionRequest { CollectionName = clustered.Name, Schema = clustered.ToByteString() }));
        var regroup = await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionName = clustered.Name, MajorCompaction = true });
        Assert.Equal(2400, regroup.Status.Code);
        Assert.Contains("clustering (major) compaction is not supported", regroup.Status.Reason);
        Succeeded(await Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = clustered.Name }));
        var l0 = await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionID = _collectionId, L0Compaction = true });
        Assert.Equal(2400, l0.Status.Code);
        Assert.Contains("L0 compaction is not supported", l0.Status.Reason);
        // A target_size below what a merge normally reaches is refused as Milvus does; a larger one merges up to it.
        var tooSmall = await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionID = _collectionId, TargetSize = 1 });
        Assert.Equal(1100, tooSmall.Status.Code);
        Assert.Contains("targetSize 1 MB should be greater than or equal to configMaxSize", tooSmall.Status.Reason);
        Succeeded((await Client.ManualCompactionAsync(new ManualCompactionRequest { CollectionID = _collectionId, TargetSize = 1024 })).Status);
    }

    [Fact]
    public async Task Loaded_segments_name_their_query_node_and_the_replica_names_every_shard()
    {
        var notLoaded = await Client.GetQuerySegmentInfoAsync(new GetQuerySegmentInfoRequest { CollectionName = _collection });
        Assert.Equal(101, notLoaded.Status.Code);
        var noReplica = await Client.GetReplicasAsync(new GetReplicasRequest { CollectionID = _collectionId });
        Succeeded(noReplica.Status);
        Assert.Empty(noReplica.Replicas);

        await InsertBatchesAsync(flushEach: true);
        Succeeded(await Client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }));
        var persistent = await PersistentSegmentsAsync();
        var served = await Eventually.UntilAsync(
            () => Client.GetQuerySegmentInfoAsync(new GetQuerySegmentInfoRequest { CollectionName = _collection }).ResponseAsync,
            r => r.Infos.Count == persistent.Count, "every flushed segment is served");
        Assert.Equal(persistent.Select(s => s.SegmentID).Order(), served.Infos.Select(s => s.SegmentID).Order());
        foreach (var segment in served.Infos)
        {
            Assert.NotEqual(0, segment.NodeID);
            Assert.Equal([segment.NodeID], segment.NodeIds);
            Assert.Equal("vec_idx", segment.IndexName);
            Assert.Equal(persistent.Single(s => s.SegmentID == segment.SegmentID).NumRows, segment.NumRows);
        }

        var replicas = await Client.GetReplicasAsync(new GetReplicasRequest { CollectionID = _collectionId, WithShardNodes = true });
        Succeeded(replicas.Status);
        var replica = Assert.Single(replicas.Replicas);
        Assert.Equal(_collectionId, replica.CollectionID);
        var channels = (await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = _collection })).VirtualChannelNames;
        Assert.Equal(channels.Order(), replica.ShardReplicas.Select(s => s.DmChannelName).Order());
        Assert.All(replica.ShardReplicas, s => Assert.Contains(s.LeaderID, replica.NodeIds));
        Assert.All(served.Infos, s => Assert.Contains(s.NodeID, replica.NodeIds));
        Succeeded(await Client.ReleaseCollectionAsync(new ReleaseCollectionRequest { CollectionName = _collection }));
    }

    [Fact]
    public async Task A_flush_names_the_segments_it_sealed_and_the_flush_state_follows_them_into_object_storage()
    {
        await InsertBatchesAsync(flushEach: false);
        var flushed = await Client.FlushAsync(new FlushRequest { CollectionNames = { _collection } });
        Succeeded(flushed.Status);
        // One growing segment a shard, sealed by this flush.
        var segments = flushed.CollSegIDs[_collection].Data;
        Assert.Equal(2, segments.Count);
        Assert.NotEqual(0UL, flushed.CollFlushTs[_collection]);

        // As the SDKs ask: pymilvus names the collection, the Node SDK's flushSync only the segments.
        await Eventually.UntilAsync(async () => (await Client.GetFlushStateAsync(new GetFlushStateRequest { CollectionName = _collection, SegmentIDs = { segments } })).Flushed,
            "the collection's flush state reports its segments flushed");
        var bySegments = await Client.GetFlushStateAsync(new GetFlushStateRequest { SegmentIDs = { segments } });
        Succeeded(bySegments.Status);
        Assert.True(bySegments.Flushed);
        Assert.Equal(segments.Order(), (await PersistentSegmentsAsync()).Select(s => s.SegmentID).Order());

        // Nothing left to seal: a second flush names no segment. A segment no shard holds counts as flushed, as in Milvus.
        Assert.Empty((await Client.FlushAsync(new FlushRequest { CollectionNames = { _collection } })).CollSegIDs[_collection].Data);
        Assert.True((await Client.GetFlushStateAsync(new GetFlushStateRequest { CollectionName = _collection, SegmentIDs = { 123_456_789 } })).Flushed);
        Failed((await Client.GetFlushStateAsync(new GetFlushStateRequest { CollectionName = "missing_" + _collection, SegmentIDs = { 1 } })).Status, 100, "missing_");
    }

    [Fact]
    public async Task Flush_all_seals_every_collection_of_the_database()
    {
        await InsertBatchesAsync(flushEach: false);
        Assert.Empty(await PersistentSegmentsAsync());

        var flushed = await Client.FlushAllAsync(new FlushAllRequest { DbName = "default" });
        Succeeded(flushed.Status);
        Assert.NotEqual(0UL, flushed.FlushAllTs);
        var result = Assert.Single(flushed.FlushResults, r => r.DbName == "default").CollectionResults.Single(c => c.CollectionName == _collection);
        var persistent = await PersistentSegmentsAsync();
        Assert.Equal(persistent.Select(s => s.SegmentID).Order(), result.SegmentIds.Data.Order());
        Assert.Equal(Batches * RowsPerBatch, persistent.Sum(s => s.NumRows));

        var state = await Client.GetFlushAllStateAsync(new GetFlushAllStateRequest { FlushAllTs = flushed.FlushAllTs });
        Succeeded(state.Status);
        Assert.True(state.Flushed);
    }

    [Fact]
    public async Task System_info_metrics_list_a_component_per_role_and_other_metrics_are_refused()
    {
        var metrics = await Client.GetMetricsAsync(new GetMetricsRequest { Request = """{"metric_type":"system_info"}""" });
        Succeeded(metrics.Status);
        using var json = JsonDocument.Parse(metrics.Response);
        var components = json.RootElement.GetProperty("nodes_info").EnumerateArray().Select(n => n.GetProperty("infos")).ToList();
        Assert.Equal(["datanode", "mixcoord", "proxy", "querynode", "streamingnode"], components.Select(c => c.GetProperty("type").GetString()).Order());
        // A standalone node runs every component: they share its node id.
        var nodeId = Assert.Single(components.Select(c => c.GetProperty("id").GetInt64()).Distinct());
        Assert.Equal($"proxy{nodeId}", metrics.ComponentName);
        Assert.All(components, c => Assert.False(c.GetProperty("has_error").GetBoolean()));

        var other = await Client.GetMetricsAsync(new GetMetricsRequest { Request = """{"metric_type":"system_metrics"}""" });
        Assert.Equal(1100, other.Status.Code);
        Assert.Contains("system_metrics", other.Status.Reason);
        var garbage = await Client.GetMetricsAsync(new GetMetricsRequest { Request = "not json" });
        Assert.Equal(1100, garbage.Status.Code);
    }

    private async Task InsertBatchesAsync(bool flushEach)
    {
        for (var batch = 0; batch < Batches; batch++)
        {
            var ids = Enumerable.Range(batch * RowsPerBatch, RowsPerBatch).Select(i => (long)i).ToList();
            var vectors = new FloatArray();
            vectors.Data.Add(ids.SelectMany(id => Enumerable.Range(0, Dim).Select(d => (float)(id * Dim + d))));
            var inserted = await Client.InsertAsync(new InsertRequest
            {
                CollectionName = _collection,
                NumRows = RowsPerBatch,
                FieldsData =
                {
                    new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids } } } },
                    new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
                },
            });
            Succeeded(inserted.Status);
            if (flushEach)
            {
                Succeeded((await Client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status);
            }
        }
    }

    private async Task<List<PersistentSegmentInfo>> PersistentSegmentsAsync()
    {
        var response = await Client.GetPersistentSegmentInfoAsync(new GetPersistentSegmentInfoRequest { CollectionName = _collection });
        Succeeded(response.Status);
        Assert.All(response.Infos, s => Assert.Equal(_collectionId, s.CollectionID));
        return [.. response.Infos];
    }
}
