using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// etcd restarts under a running node: requests issued during the outage complete once it is back, the catalog is
/// intact, and the timestamp oracle never goes back, neither in the running coordinator nor in a new incarnation.
/// </summary>
public sealed class EtcdRestartTests : IAsyncLifetime
{
    private readonly string _dataDir = StandaloneNode.NewDataDir();
    private readonly EtcdServer _etcd = new();
    private MilvusNode _node = null!;

    public async Task InitializeAsync()
    {
        await _etcd.StartAsync();
        // xunit skips DisposeAsync when InitializeAsync throws: a node that fails to start must not leak the servers.
        try
        {
            _node = await StartNodeAsync();
        }
        catch
        {
            await _etcd.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _etcd.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task<MilvusNode> StartNodeAsync() => StandaloneNode.StartAsync(_dataDir, RemoteBackends.EtcdConfig(_etcd));

    [Fact]
    public async Task The_catalog_and_the_timestamp_oracle_survive_an_etcd_restart()
    {
        var first = new OracleCollection(_node.Proxy!, "before_restart", seed: 21);
        await first.CreateAndLoadAsync(shards: 2);
        await first.InsertAsync(0, 1000);
        var before = await _node.Proxy!.AllocateTimestampAsync();

        await _etcd.StopAsync();
        // The coordinator writes etcd for a new collection: the request waits out the outage.
        var second = new OracleCollection(_node.Proxy!, "during_restart", seed: 22);
        var created = second.CreateAndLoadAsync(shards: 1);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await _etcd.StartAsync();
        await created.WaitAsync(TimeSpan.FromSeconds(60));

        var after = await _node.Proxy!.AllocateTimestampAsync();
        Assert.True(after > before, $"timestamp {after} after the etcd restart is not above {before}");
        await second.InsertAsync(5000, 800);
        await first.InsertAsync(1000, 200);
        await first.AssertMatchesOracleAsync();
        await second.AssertMatchesOracleAsync();

        // A new coordinator incarnation reloads the catalog from etcd and starts above every timestamp issued.
        var last = await _node.Proxy!.AllocateTimestampAsync();
        await _node.DisposeAsync();
        _node = await StartNodeAsync();
        var collections = await _node.Proxy!.ListCollectionsAsync(null);
        Assert.Equal(["before_restart", "during_restart"], collections.Select(c => c.Name).Order());
        Assert.True(await _node.Proxy!.AllocateTimestampAsync() > last);
        await first.Through(_node.Proxy!).AssertMatchesOracleAsync();
        await second.Through(_node.Proxy!).AssertMatchesOracleAsync();
    }
}
