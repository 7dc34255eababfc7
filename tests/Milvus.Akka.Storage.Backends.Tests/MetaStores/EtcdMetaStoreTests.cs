using System.Collections.Concurrent;
using System.Text;
using Milvus.Akka.TestSupport;
using Milvus.Akka.Storage.Etcd;

namespace Milvus.Akka.Storage.Backends.Tests.MetaStores;

/// <summary>etcd-only features (watches, leases, sessions) and its behaviour across a restart.</summary>
public sealed class EtcdMetaStoreTests : IAsyncLifetime
{
    // The restart test stops this server, so it is not shared with the contract suite.
    private readonly EtcdServer _server = new();
    private EtcdMetaStore _store = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _store = new EtcdMetaStore(_server.Options());
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    [Fact]
    public async Task A_prefix_watch_reports_puts_and_deletes_under_the_prefix_in_order()
    {
        var events = new ConcurrentQueue<MetaWatchEvent>();
        using (await _store.WatchPrefixAsync("catalog/", events.Enqueue))
        {
            var put = await _store.PutAsync("catalog/collection/1", Text("v1"));
            await _store.PutAsync("catalogue/other", Text("not watched"));
            await _store.DeleteAsync("catalog/collection/1");
            await Eventually.UntilAsync(() => Task.FromResult(events.Count >= 2), "the watch reports the put and the delete", seconds: 30);

            Assert.Equal(
                [(MetaWatchEventKind.Put, "catalog/collection/1", "v1"), (MetaWatchEventKind.Delete, "catalog/collection/1", null)],
                events.Select(e => (e.Kind, e.Key, e.Value is null ? null : Encoding.UTF8.GetString(e.Value))));
            Assert.Equal(put, events.First().Revision);
        }
    }

    [Fact]
    public async Task A_watch_from_a_read_revision_misses_nothing_written_after_the_read()
    {
        await _store.PutAsync("catalog/a", Text("1"));
        var readAt = await _store.CurrentRevisionAsync();
        await _store.PutAsync("catalog/b", Text("2")); // written before the watch exists

        var events = new ConcurrentQueue<MetaWatchEvent>();
        using (await _store.WatchPrefixAsync("catalog/", events.Enqueue, fromRevision: readAt + 1))
        {
            await _store.PutAsync("catalog/c", Text("3"));
            await Eventually.UntilAsync(() => Task.FromResult(events.Count >= 2), "the watch reports both puts after the read", seconds: 30);
        }

        Assert.Equal(["catalog/b", "catalog/c"], events.Select(e => e.Key));
    }

    [Fact]
    public async Task A_session_key_lives_while_kept_alive_and_vanishes_when_the_session_ends()
    {
        var session = await _store.StartSessionAsync("session/querynode/7", Text("127.0.0.1:21123"), TimeSpan.FromSeconds(1));

        // Three TTLs later the key is still there: the keep-alive loop refreshed the lease.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal("127.0.0.1:21123", Encoding.UTF8.GetString((await _store.GetAsync("session/querynode/7"))!.Value));
        Assert.False(session.Lost.IsCompleted);

        await session.DisposeAsync();
        Assert.Null(await _store.GetAsync("session/querynode/7"));
    }

    [Fact]
    public async Task A_key_bound_to_a_lease_that_is_not_kept_alive_expires()
    {
        var lease = await _store.GrantLeaseAsync(TimeSpan.FromSeconds(1));
        await _store.PutWithLeaseAsync("session/datanode/3", Text("x"), lease);
        Assert.True(await _store.KeepAliveOnceAsync(lease) > 0);

        await Eventually.UntilAsync(async () => await _store.GetAsync("session/datanode/3") is null, "the key of the expired lease is gone", seconds: 30);

        Assert.Null(await _store.GetAsync("session/datanode/3"));
        Assert.Equal(0, await _store.KeepAliveOnceAsync(lease));
    }

    [Fact]
    public async Task Data_survives_an_etcd_restart_and_the_store_reconnects_by_itself()
    {
        var value = Payloads.Random(100_000, seed: 9);
        var revision = await _store.PutAsync("catalog/collection/1", value);
        for (var i = 0; i < 20; i++)
        {
            await _store.PutAsync($"segments/{i}", Text(i.ToString()));
        }

        await _server.StopAsync();
        await _server.StartAsync();

        var entry = await _store.GetAsync("catalog/collection/1");
        Assert.Equal(revision, entry!.Revision);
        Assert.Equal(Payloads.Sha256(value), Payloads.Sha256(entry.Value));
        Assert.Equal(20, (await _store.RangeAsync("segments/")).Count);
        Assert.True(await _store.CommitAsync(new MetaTransaction([new MetaCompare("catalog/collection/1", revision)],
            [MetaWrite.Put("catalog/collection/1", Text("v2"))])));
    }

    [Fact]
    public async Task A_write_issued_while_etcd_is_down_lands_once_it_is_back()
    {
        await _store.PutAsync("k", Text("before"));
        await _server.StopAsync();

        var write = _store.PutAsync("k", Text("after"));
        await Task.Delay(300);
        await _server.StartAsync();
        await write;

        Assert.Equal("after", Encoding.UTF8.GetString((await _store.GetAsync("k"))!.Value));
    }

    [Fact]
    public void Options_never_print_the_password()
    {
        var options = _server.Options() with { Username = "root", Password = "s3cr3t-pa55" };

        Assert.DoesNotContain("s3cr3t-pa55", options.ToString());
    }
}
