using System.Buffers.Binary;
using System.Text;
using Microsoft.Data.Sqlite;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Tests;

public sealed class SqliteMetaStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private SqliteMetaStore _store = null!;

    private string DbPath => _dir.File("meta.db");

    public Task InitializeAsync()
    {
        _store = SqliteMetaStore.Open(DbPath);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _dir.Dispose();
    }

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Every_write_advances_the_global_revision_and_stamps_the_key()
    {
        Assert.Equal(0, await _store.GetRevisionAsync());
        Assert.Equal(1, await _store.PutAsync("a", Bytes("1")));
        Assert.Equal(2, await _store.PutAsync("b", Bytes("2")));
        Assert.Equal(3, await _store.PutAsync("a", Bytes("3")));

        var a = await _store.GetAsync("a");
        Assert.Equal("a", a!.Key);
        Assert.Equal(Bytes("3"), a.Value);
        Assert.Equal(3, a.Revision);
        Assert.Equal(2, (await _store.GetAsync("b"))!.Revision);

        Assert.True(await _store.DeleteAsync("a"));
        Assert.Equal(4, await _store.GetRevisionAsync());
        Assert.Null(await _store.GetAsync("a"));

        // Deleting an absent key changes nothing, as in etcd.
        Assert.False(await _store.DeleteAsync("a"));
        Assert.Equal(4, await _store.GetRevisionAsync());
    }

    [Fact]
    public async Task Range_returns_exactly_the_prefixed_keys_in_key_order()
    {
        string[] keys = ["root/coll/2", "root/coll/10", "root/coll/1", "root/coll", "root/col", "root/collx/1", "zzz", "a"];
        foreach (var key in keys)
        {
            await _store.PutAsync(key, Bytes(key));
        }

        var range = await _store.RangeAsync("root/coll/");
        Assert.Equal(["root/coll/1", "root/coll/10", "root/coll/2"], range.Select(e => e.Key));
        Assert.All(range, e => Assert.Equal(Bytes(e.Key), e.Value));
        Assert.Equal(["root/coll", "root/coll/1", "root/coll/10", "root/coll/2", "root/collx/1"], (await _store.RangeAsync("root/coll")).Select(e => e.Key));
        Assert.Equal(keys.Order(StringComparer.Ordinal), (await _store.RangeAsync("")).Select(e => e.Key));
        Assert.Empty(await _store.RangeAsync("root/none"));
    }

    [Fact]
    public async Task Commit_applies_all_writes_at_one_revision_when_every_compare_holds()
    {
        var revA = await _store.PutAsync("a", Bytes("old"));
        await _store.PutAsync("gone", Bytes("x"));

        var committed = await _store.CommitAsync(new MetaTransaction(
            [new MetaCompare("a", revA), new MetaCompare("new", 0)],
            [MetaWrite.Put("a", Bytes("A")), MetaWrite.Put("new", Bytes("N")), MetaWrite.Delete("gone")]));

        Assert.True(committed);
        Assert.Equal(3, await _store.GetRevisionAsync());
        Assert.Equal(3, (await _store.GetAsync("a"))!.Revision);
        Assert.Equal(3, (await _store.GetAsync("new"))!.Revision);
        Assert.Equal(Bytes("N"), (await _store.GetAsync("new"))!.Value);
        Assert.Null(await _store.GetAsync("gone"));
    }

    [Fact]
    public async Task Commit_writes_nothing_when_any_compare_fails()
    {
        var revA = await _store.PutAsync("a", Bytes("old"));
        await _store.PutAsync("exists", Bytes("e"));

        // The second compare fails ("exists" is present, not absent): the first write must not happen either.
        var committed = await _store.CommitAsync(new MetaTransaction(
            [new MetaCompare("a", revA), new MetaCompare("exists", 0)],
            [MetaWrite.Put("a", Bytes("changed")), MetaWrite.Delete("exists"), MetaWrite.Put("c", Bytes("c"))]));

        Assert.False(committed);
        Assert.Equal(2, await _store.GetRevisionAsync());
        Assert.Equal(Bytes("old"), (await _store.GetAsync("a"))!.Value);
        Assert.NotNull(await _store.GetAsync("exists"));
        Assert.Null(await _store.GetAsync("c"));

        Assert.False(await _store.CommitAsync(new MetaTransaction([new MetaCompare("a", revA + 1)], [MetaWrite.Put("a", Bytes("x"))])));
        Assert.Equal(Bytes("old"), (await _store.GetAsync("a"))!.Value);
    }

    [Fact]
    public async Task Commit_rejects_a_transaction_writing_one_key_twice()
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => _store.CommitAsync(new MetaTransaction(
            [], [MetaWrite.Put("k", Bytes("1")), MetaWrite.Delete("k")])));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Null(await _store.GetAsync("k"));
    }

    [Fact]
    public async Task Concurrent_compare_and_swap_increments_lose_no_update()
    {
        const int workers = 8, incrementsEach = 25;
        await _store.PutAsync("counter", new byte[8]);

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            for (var done = 0; done < incrementsEach;)
            {
                var current = (await _store.GetAsync("counter"))!;
                var next = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(next, BinaryPrimitives.ReadInt64LittleEndian(current.Value) + 1);
                if (await _store.CommitAsync(new MetaTransaction([new MetaCompare("counter", current.Revision)], [MetaWrite.Put("counter", next)])))
                {
                    done++;
                }
            }
        })));

        var counter = (await _store.GetAsync("counter"))!;
        Assert.Equal(workers * incrementsEach, BinaryPrimitives.ReadInt64LittleEndian(counter.Value));
        Assert.Equal(1 + workers * incrementsEach, counter.Revision);
    }

    [Fact]
    public async Task Keys_values_and_revision_survive_reopening_the_file()
    {
        await _store.PutAsync("persist/a", Bytes("alpha"));
        await _store.CommitAsync(new MetaTransaction([], [MetaWrite.Put("persist/b", Bytes("beta")), MetaWrite.Put("persist/c", [])]));
        await _store.DeleteAsync("persist/a");
        await _store.DisposeAsync();

        _store = SqliteMetaStore.Open(DbPath);
        Assert.Equal(3, await _store.GetRevisionAsync());
        var range = await _store.RangeAsync("persist/");
        Assert.Equal(["persist/b", "persist/c"], range.Select(e => e.Key));
        Assert.Equal(Bytes("beta"), range[0].Value);
        Assert.Empty(range[1].Value);
        Assert.Equal(2, range[0].Revision);
        Assert.Equal(4, await _store.PutAsync("persist/d", Bytes("d")));
    }

    [Fact]
    public async Task The_file_uses_write_ahead_logging()
    {
        await _store.PutAsync("k", Bytes("v"));
        await using var probe = new SqliteConnection($"Data Source={DbPath};Pooling=False;Mode=ReadOnly");
        await probe.OpenAsync();
        await using var command = probe.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }
}
