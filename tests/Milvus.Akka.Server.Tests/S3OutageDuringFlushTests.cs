using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// S3 goes down while segments are being flushed: the shards keep the sealed rows in memory and retry, reads keep
/// working, and once S3 is back every segment is stored whole and served by the query role.
/// </summary>
public sealed class S3OutageDuringFlushTests : IAsyncLifetime
{
    /// <summary>Fast flush retries, and a proxy timeout that outlasts the outage.</summary>
    private const string FaultConfig = """
        milvus.streaming.flush-retry-min = 200ms
        milvus.streaming.flush-retry-max = 1s
        milvus.proxy.ask-timeout = 60s
        """;

    private readonly string _dataDir = StandaloneNode.NewDataDir();
    private readonly S3rverServer _s3 = new();
    private MilvusNode _node = null!;

    public async Task InitializeAsync()
    {
        await _s3.StartAsync();
        // xunit skips DisposeAsync when InitializeAsync throws: a node that fails to start must not leak the servers.
        try
        {
            _node = await StandaloneNode.StartAsync(_dataDir, RemoteBackends.S3Config(_s3) + "\n" + FaultConfig);
        }
        catch
        {
            await _s3.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _s3.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_flush_interrupted_by_an_s3_outage_completes_whole_once_s3_is_back()
    {
        var proxy = _node.Proxy!;
        var collection = new OracleCollection(proxy, "outage", seed: 11);
        await collection.CreateAndLoadAsync(shards: 2);
        await collection.InsertAsync(0, 3000);
        await collection.AssertMatchesOracleAsync();

        await _s3.StopAsync();
        var flush = proxy.FlushAsync(null, collection.Name);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(flush.IsCompleted, "a flush cannot complete while object storage is down");
        Assert.Empty(await proxy.GetFlushedSegmentsAsync(null, collection.Name));
        await collection.AssertMatchesOracleAsync();

        // Same port and data directory: the bucket is back as it was when the server died.
        await _s3.StartAsync();
        var (segmentIds, _) = await flush.WaitAsync(TimeSpan.FromSeconds(60));
        var flushed = await proxy.GetFlushedSegmentsAsync(null, collection.Name);
        Assert.Equal(segmentIds.Order(), flushed.Select(s => s.SegmentId).Order());
        Assert.Equal(3000, flushed.Sum(s => s.RowCount));
        await using (var bucket = RemoteBackends.OpenBucket(_s3))
        {
            await StoredSegments.AssertCompleteAsync(bucket, await collection.DescribeAsync(), flushed);
        }

        await collection.WaitUntilServedAsync();
        await collection.AssertMatchesOracleAsync();
        await collection.InsertAsync(10_000, 500);
        await collection.AssertMatchesOracleAsync();
    }
}
