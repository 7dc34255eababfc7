using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// Releasing and loading a collection again, over and over at different offsets to the query node's registration
/// round: every load serves all flushed segments again and answers like the oracle. A registration sent before the
/// node handled a release must not leave the coordinator believing the segments are still assigned.
/// </summary>
public sealed class ReleaseAndLoadTests() : StandaloneNodeTest("milvus.coordinator.compaction.auto = off")
{

    [Fact]
    public async Task Every_load_after_a_release_serves_all_segments_again()
    {
        var collection = new OracleCollection(Proxy, "reloaded", seed: 8);
        await collection.CreateAndLoadAsync(shards: 2);
        for (var batch = 0; batch < 3; batch++)
        {
            await collection.InsertAsync(batch * 400, 400);
            await Proxy.FlushAsync(null, collection.Name);
        }

        await collection.WaitUntilServedAsync();
        // The test config registers query nodes every 500 ms; the pauses walk a release across that round.
        foreach (var pause in new[] { 0, 120, 240, 360, 480, 600 })
        {
            await Proxy.ReleaseCollectionAsync(null, collection.Name);
            Assert.False((await Proxy.GetLoadProgressAsync(null, collection.Name)).Loaded);
            await Task.Delay(pause);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Proxy.LoadCollectionAsync(null, collection.Name, cancellationToken: timeout.Token);
            await collection.AssertMatchesOracleAsync();
        }
    }
}
