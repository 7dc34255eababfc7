using System.Text;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Backends.Tests.MetaStores;

/// <summary>What every <see cref="IMetaStore"/> must do (etcd semantics), run against each backend by a subclass.</summary>
public abstract class MetaStoreContract : IAsyncLifetime
{
    private IMetaStore? _store;

    protected IMetaStore Store => _store ?? throw new InvalidOperationException("not initialized");

    /// <summary>A new, empty store isolated from every other test.</summary>
    protected abstract Task<IMetaStore> CreateStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private static byte[] Text(string value) => Encoding.UTF8.GetBytes(value);

    [Fact]
    public async Task Put_returns_the_revision_that_get_reports_and_each_write_advances_it()
    {
        Assert.Null(await Store.GetAsync("catalog/collection/1"));

        var first = await Store.PutAsync("catalog/collection/1", Text("v1"));
        var entry = await Store.GetAsync("catalog/collection/1");
        var second = await Store.PutAsync("catalog/collection/1", Text("v2"));
        var other = await Store.PutAsync("catalog/collection/2", Text("x"));

        Assert.Equal(("catalog/collection/1", "v1", first), (entry!.Key, Encoding.UTF8.GetString(entry.Value), entry.Revision));
        Assert.True(second > first);
        Assert.True(other > second);
        var latest = await Store.GetAsync("catalog/collection/1");
        Assert.Equal(("v2", second), (Encoding.UTF8.GetString(latest!.Value), latest.Revision));
    }

    [Fact]
    public async Task Binary_values_round_trip_byte_for_byte()
    {
        var value = Payloads.Random(200_000, seed: 7);
        await Store.PutAsync("segments/1/2/3", value);

        var read = await Store.GetAsync("segments/1/2/3");

        Assert.Equal(Payloads.Sha256(value), Payloads.Sha256(read!.Value));
    }

    [Fact]
    public async Task Delete_reports_whether_the_key_existed()
    {
        await Store.PutAsync("a", Text("1"));

        Assert.True(await Store.DeleteAsync("a"));
        Assert.False(await Store.DeleteAsync("a"));
        Assert.False(await Store.DeleteAsync("never"));
        Assert.Null(await Store.GetAsync("a"));
    }

    [Fact]
    public async Task Range_returns_exactly_the_prefix_in_key_order()
    {
        string[] keys = ["c/2", "c/10", "cd/1", "c/1", "b/9", "c/1/x", "c-1", "d"];
        foreach (var key in keys)
        {
            await Store.PutAsync(key, Text("value of " + key));
        }

        var range = await Store.RangeAsync("c/");

        Assert.Equal(["c/1", "c/1/x", "c/10", "c/2"], range.Select(e => e.Key));
        Assert.All(range, e => Assert.Equal("value of " + e.Key, Encoding.UTF8.GetString(e.Value)));
        Assert.Equal(keys.Order(StringComparer.Ordinal), (await Store.RangeAsync("")).Select(e => e.Key));
        Assert.Empty(await Store.RangeAsync("e"));
    }

    [Fact]
    public async Task Range_over_many_keys_returns_all_of_them_with_their_revisions()
    {
        var revisions = new Dictionary<string, long>();
        for (var i = 0; i < 60; i++)
        {
            var key = $"channels/{i:D3}";
            revisions[key] = await Store.PutAsync(key, Text(i.ToString()));
        }

        var range = await Store.RangeAsync("channels/");

        Assert.Equal(revisions.Keys.Order(StringComparer.Ordinal), range.Select(e => e.Key));
        Assert.All(range, e => Assert.Equal(revisions[e.Key], e.Revision));
    }

    [Fact]
    public async Task Create_if_absent_succeeds_once()
    {
        var create = new MetaTransaction([new MetaCompare("tso/window", 0)], [MetaWrite.Put("tso/window", Text("100"))]);

        Assert.True(await Store.CommitAsync(create));
        Assert.False(await Store.CommitAsync(create with { Writes = [MetaWrite.Put("tso/window", Text("999"))] }));
        Assert.Equal("100", Encoding.UTF8.GetString((await Store.GetAsync("tso/window"))!.Value));
    }

    [Fact]
    public async Task A_failed_compare_writes_nothing_and_a_held_one_writes_everything_at_one_revision()
    {
        var a = await Store.PutAsync("catalog/a", Text("a1"));
        var b = await Store.PutAsync("catalog/b", Text("b1"));
        await Store.PutAsync("catalog/gone", Text("x"));

        var stale = new MetaTransaction([new MetaCompare("catalog/a", a), new MetaCompare("catalog/b", b - 1)],
            [MetaWrite.Put("catalog/a", Text("a2")), MetaWrite.Put("catalog/c", Text("c2")), MetaWrite.Delete("catalog/gone")]);
        Assert.False(await Store.CommitAsync(stale));
        Assert.Equal(["catalog/a", "catalog/b", "catalog/gone"], (await Store.RangeAsync("catalog/")).Select(e => e.Key));
        Assert.Equal("a1", Encoding.UTF8.GetString((await Store.GetAsync("catalog/a"))!.Value));

        Assert.True(await Store.CommitAsync(stale with { Compares = [new MetaCompare("catalog/a", a), new MetaCompare("catalog/b", b)] }));
        var after = await Store.RangeAsync("catalog/");
        Assert.Equal(["catalog/a", "catalog/b", "catalog/c"], after.Select(e => e.Key));
        Assert.Equal(after[0].Revision, after[2].Revision);
        Assert.True(after[0].Revision > b);
        Assert.Equal(b, after[1].Revision);
    }

    [Fact]
    public async Task A_transaction_writing_one_key_twice_is_rejected()
    {
        var twice = new MetaTransaction([], [MetaWrite.Put("k", Text("1")), MetaWrite.Delete("k")]);

        Assert.Equal(ErrorCode.ParameterInvalid, (await Assert.ThrowsAsync<MilvusException>(() => Store.CommitAsync(twice))).Code);
        Assert.Null(await Store.GetAsync("k"));
    }

    [Fact]
    public async Task Concurrent_compare_and_swap_increments_lose_no_update()
    {
        const int workers = 4;
        const int increments = 15;
        await Store.PutAsync("counter", Text("0"));

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (var done = 0; done < increments;)
            {
                var current = (await Store.GetAsync("counter"))!;
                var next = int.Parse(Encoding.UTF8.GetString(current.Value)) + 1;
                if (await Store.CommitAsync(new MetaTransaction([new MetaCompare("counter", current.Revision)],
                        [MetaWrite.Put("counter", Text(next.ToString()))])))
                {
                    done++;
                }
            }
        })));

        Assert.Equal((workers * increments).ToString(), Encoding.UTF8.GetString((await Store.GetAsync("counter"))!.Value));
    }
}
