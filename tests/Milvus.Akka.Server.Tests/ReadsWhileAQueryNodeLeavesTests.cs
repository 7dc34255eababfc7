using Akka.Actor;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// A query node leaves the three-node cluster while a reader runs without pause: the shards read its segments themselves
/// until the coordinator has the remaining query node serve them, so no read fails or misses rows.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ReadsWhileAQueryNodeLeavesTests : IAsyncLifetime
{
    private LocalCluster _cluster = null!;

    /// <summary>No node leaves here (one actor stops): a busy machine's late heartbeats must not get a node downed.</summary>
    public async Task InitializeAsync() => _cluster = await LocalCluster.StartAsync(
        StandaloneNode.TestConfig + "\nakka.cluster.failure-detector.acceptable-heartbeat-pause = 20s\n");

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    /// <remarks>
    /// Automatic compaction merges the small flushed segments again and again here, often a result no query node serves
    /// yet: the shard once kept reading that result's inputs beside the new merge and counted their rows twice
    /// (SegmentServing.Replace now replaces them too).
    /// </remarks>
    [Fact]
    public async Task Reads_never_fail_or_miss_rows_when_a_query_node_stops()
    {
        var proxy = _cluster.Front.Proxy!;
        var collection = new OracleCollection(proxy, "query_node_leaves", seed: 63);
        await collection.CreateAndLoadAsync(shards: 2);
        var history = new ContinuousReader.WriteHistory();
        var nextId = 0L;
        for (var batch = 0; batch < 4; batch++, nextId += 500)
        {
            var rows = collection.Rows.Make(nextId, 500);
            await history.WriteAsync(+500, () => InsertAsync(proxy, collection.Name, rows, $"insert-{nextId}"));
            await proxy.FlushAsync(null, collection.Name);
        }

        await collection.WaitUntilServedAsync();
        var collectionId = (await collection.DescribeAsync()).Id;
        // Which query node serves segments depends on when each registered with the coordinator (slow on a loaded
        // machine): the one serving the most segments is stopped, so its segments must change hands.
        var servingNode = (await proxy.GetDistributionAsync(collectionId)).Segments.GroupBy(s => s.NodeId).MaxBy(g => g.Count())!.Key;
        var leaving = _cluster.Streaming.Single(n => global::Akka.Cluster.Cluster.Get(n.System).SelfUniqueAddress.Uid == servingNode);

        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() => ContinuousReader.RunAsync(proxy, collection.Name, collection.Rows, history, stop.Token));
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(reader.IsFaulted || history.Reads >= 10), "the reader ran 10 reads");
            var queryNode = await leaving.System.ActorSelection("/user/query-node").ResolveOne(TimeSpan.FromSeconds(10));
            await queryNode.GracefulStop(TimeSpan.FromSeconds(10));
            for (var batch = 0; batch < 2; batch++, nextId += 500)
            {
                var rows = collection.Rows.Make(nextId, 500);
                await history.WriteAsync(+500, () => InsertAsync(proxy, collection.Name, rows, $"insert-{nextId}"));
                var deleted = Enumerable.Range(0, 500).Select(i => nextId + i).Where(id => id % 10 == 3).ToList();
                await history.WriteAsync(-deleted.Count, () => proxy.DeleteAsync(null, collection.Name, $"id in [{string.Join(",", deleted)}]"));
                collection.Rows.Delete(deleted);
                await proxy.FlushAsync(null, collection.Name);
            }

            await Eventually.UntilAsync(async () => (await proxy.GetDistributionAsync(collectionId)).Segments.All(s => s.NodeId is not 0 && s.NodeId != servingNode),
                "the remaining query node serves every segment", seconds: 120);
            var reads = history.Reads;
            await Eventually.UntilAsync(() => Task.FromResult(reader.IsFaulted || history.Reads >= reads + 10), "the reader ran 10 more reads");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await reader;
        await collection.AssertMatchesOracleAsync();
    }

    /// <summary>
    /// A new collection's shards can wait about 20 s for sharding's coordinator while the streaming nodes have just joined
    /// (deploy/README.md, member age), so an insert may time out: it is sent again with its request id, which applies
    /// what is missing and nothing twice (the reader's bounds still hold, the write being in flight until it succeeds).
    /// </summary>
    private static async Task InsertAsync(MilvusProxy proxy, string collection, IReadOnlyDictionary<string, Column> rows, string requestId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await proxy.InsertAsync(null, collection, rows, requestId: requestId);
                return;
            }
            catch (MilvusException e) when (e.Code == ErrorCode.ServiceUnavailable && attempt < 3)
            {
            }
        }
    }
}
