using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// The data path's metrics on /metrics move as a collection goes through its life: segments by state with their rows,
/// WAL writes, flushes, index builds and compactions.
/// </summary>
public sealed class DataPathMetricsTests : IAsyncLifetime
{
    private const int Dim = 4;
    private const int Rows = 40;
    private readonly HttpClient _http = new();
    private StandaloneGrpcNode? _node;

    public async Task InitializeAsync() => _node = await StandaloneGrpcNode.StartAsync("""
        milvus.coordinator.min-rows-to-index = 1
        # The test compacts by hand: an automatic merge of its two small segments could win the race against their
        # index builds, and the two segments it waits for would never both be served.
        milvus.coordinator.compaction.auto = off
        milvus.streaming.seal-check-interval = 200ms
        milvus.query.register-interval = 500ms
        milvus.data.poll-interval = 500ms
        """);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Segment_wal_flush_index_and_compaction_metrics_move_under_load()
    {
        const string collection = "lifecycle_metered";
        var client = _node!.Client;
        await _node.CreateLoadedCollectionAsync(collection, Dim, hnsw: true);
        var before = await ScrapeAsync();

        await InsertAsync(collection, firstId: 0);
        var growing = await AwaitSampleAsync("a growing segment with the inserted rows",
            s => Sum(s, "milvus_akka_segment_rows{segment_state=\"Growing\"") >= Rows);
        Assert.True(Sum(growing, "milvus_datacoord_segment_num{segment_state=\"Growing\"") >= 1);
        Assert.True(ManagementEndpointTests.Delta(before, growing, "milvus_akka_wal_write_latency_count") >= 1);

        MilvusRpc.Succeeded((await client.FlushedAsync(new FlushRequest { CollectionNames = { collection } })).Status);
        await InsertAsync(collection, firstId: Rows);
        MilvusRpc.Succeeded((await client.FlushedAsync(new FlushRequest { CollectionNames = { collection } })).Status);
        // The segment count and the row gauges are refreshed apart (a scrape may see one before the other): wait for both.
        var served = await AwaitSampleAsync("both flushed segments served with their index, and their rows",
            s => Sum(s, "milvus_datacoord_segment_num{segment_state=\"Indexed\"") >= 2
                && Sum(s, "milvus_akka_segment_rows{segment_state=\"Indexed\"") >= 2 * Rows);
        Assert.True(ManagementEndpointTests.Delta(before, served, "milvus_datanode_save_latency_count") >= 2);
        Assert.True(ManagementEndpointTests.Delta(before, served, "milvus_indexnode_build_index_latency_count") >= 2);
        Assert.True(ManagementEndpointTests.Delta(before, served, "milvus_datanode_save_latency_sum") > 0);

        var described = await client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = collection });
        MilvusRpc.Succeeded((await client.ManualCompactionAsync(new ManualCompactionRequest { CollectionID = described.CollectionID })).Status);
        var compacted = await AwaitSampleAsync("a compaction",
            s => ManagementEndpointTests.Delta(before, s, "milvus_datanode_compaction_latency_count") >= 1);
        Assert.True(ManagementEndpointTests.Delta(before, compacted, "milvus_datanode_compaction_latency_sum") > 0);
    }

    private Task<Dictionary<string, double>> ScrapeAsync() => ManagementEndpointTests.ScrapeAsync(_http, _node!.Node.ManagementPort!.Value);

    /// <summary>Sum of the samples whose name and labels start with <paramref name="prefix"/> (every shard's).</summary>
    private static double Sum(Dictionary<string, double> samples, string prefix) =>
        samples.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(s => s.Value);

    private Task<Dictionary<string, double>> AwaitSampleAsync(string what, Func<Dictionary<string, double>, bool> condition) =>
        Eventually.UntilAsync(ScrapeAsync, condition, $"/metrics shows {what}");

    private async Task InsertAsync(string collection, long firstId)
    {
        var ids = Enumerable.Range(0, Rows).Select(i => firstId + i).ToList();
        var vectors = new FloatArray();
        vectors.Data.Add(ids.SelectMany(id => Enumerable.Range(0, Dim).Select(d => (float)(id * 0.01 + d))));
        MilvusRpc.Succeeded((await _node!.Client.InsertAsync(new InsertRequest
        {
            CollectionName = collection,
            NumRows = Rows,
            FieldsData =
            {
                new FieldData { FieldName = "id", Type = DataType.Int64, Scalars = new ScalarField { LongData = new LongArray { Data = { ids } } } },
                new FieldData { FieldName = "vec", Type = DataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
            },
        })).Status);
    }
}
