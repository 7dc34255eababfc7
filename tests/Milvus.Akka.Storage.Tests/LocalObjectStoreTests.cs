using System.Text;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Tests;

public sealed class LocalObjectStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTests() => _store = new LocalObjectStore(_dir.File("root"));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Put_then_get_returns_the_bytes_and_overwrite_replaces_them()
    {
        await _store.PutAsync("a/b/c", Encoding.UTF8.GetBytes("first version"));
        Assert.Equal("first version", Encoding.UTF8.GetString(await _store.GetAsync("a/b/c")));

        await _store.PutAsync("a/b/c", Encoding.UTF8.GetBytes("v2"));
        Assert.Equal("v2", Encoding.UTF8.GetString(await _store.GetAsync("a/b/c")));
        Assert.Equal(2, (await _store.StatAsync("a/b/c"))!.Size);
    }

    [Fact]
    public async Task Put_from_a_stream_stores_every_byte()
    {
        var data = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(data);
        await _store.PutAsync("big/object", new MemoryStream(data));
        Assert.Equal(data, await _store.GetAsync("big/object"));
    }

    [Fact]
    public async Task Put_leaves_no_temporary_files_behind()
    {
        await _store.PutAsync("x/y", new byte[] { 1, 2, 3 });
        await _store.PutAsync("x/y", new byte[] { 4 });
        var files = Directory.GetFiles(Path.Combine(_store.RootDirectory, "x"));
        Assert.Equal([Path.Combine(_store.RootDirectory, "x", "y")], files);
    }

    [Fact]
    public async Task A_cancelled_stream_put_keeps_the_old_object_and_leaves_no_temporary_file()
    {
        await _store.PutAsync("k", new byte[] { 9, 9 });
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.PutAsync("k", new MemoryStream(new byte[1000]), cancellation.Token));
        Assert.Equal(new byte[] { 9, 9 }, await _store.GetAsync("k"));
        Assert.Single(Directory.GetFiles(_store.RootDirectory));
    }

    [Fact]
    public async Task Ranged_get_returns_the_slice_and_rejects_ranges_past_the_end()
    {
        var data = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        await _store.PutAsync("r", data);
        Assert.Equal(data[10..25], await _store.GetRangeAsync("r", 10, 15));
        Assert.Equal(data[90..], await _store.GetRangeAsync("r", 90, 10));
        Assert.Empty(await _store.GetRangeAsync("r", 100, 0));
        var error = await Assert.ThrowsAsync<MilvusException>(() => _store.GetRangeAsync("r", 95, 10));
        Assert.Equal(ErrorCode.IoUnexpectEof, error.Code);
    }

    [Fact]
    public async Task Missing_keys_fail_with_IoKeyNotFound_naming_the_key()
    {
        await _store.PutAsync("dir/inner", new byte[] { 1 });
        foreach (var read in new Func<Task>[]
                 {
                     () => _store.GetAsync("nope/missing"),
                     () => _store.GetRangeAsync("nope", 0, 1),
                     () => _store.DownloadToFileAsync("nope", _dir.File("dl")),
                     () => _store.GetAsync("dir"),
                 })
        {
            var error = await Assert.ThrowsAsync<MilvusException>(read);
            Assert.Equal(ErrorCode.IoKeyNotFound, error.Code);
            Assert.Matches("object '(nope/missing|nope|dir)' not found", error.Message);
        }

        Assert.Null(await _store.StatAsync("nope"));
        Assert.Null(await _store.StatAsync("dir"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs/path")]
    [InlineData("a/../../etc/passwd")]
    [InlineData("..")]
    [InlineData("a\\b")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("a/b/")]
    [InlineData("a/.~tmp")]
    public async Task Invalid_keys_are_rejected_with_a_clear_error(string key)
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => _store.PutAsync(key, new byte[] { 1 }));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"object key '{key}' is invalid", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_store.RootDirectory));
    }

    [Theory]
    [InlineData("../")]
    [InlineData("a/../..")]
    [InlineData("/etc")]
    [InlineData("a\\")]
    public async Task List_rejects_prefixes_that_could_leave_the_root(string prefix)
    {
        var error = await Assert.ThrowsAsync<MilvusException>(() => _store.ListAsync(prefix));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains($"object prefix '{prefix}' is invalid", error.Message);
    }

    [Fact]
    public async Task List_returns_matching_keys_in_ordinal_order_with_sizes()
    {
        string[] keys = ["seg/1/b", "seg/1/a", "seg/10/a", "seg/2", "seg1", "other/x"];
        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            await _store.PutAsync(key, new byte[i + 1]);
        }

        Assert.Equal(["seg/1/a", "seg/1/b"], (await _store.ListAsync("seg/1/")).Select(o => o.Key));
        Assert.Equal(["seg/1/a", "seg/1/b", "seg/10/a"], (await _store.ListAsync("seg/1")).Select(o => o.Key));
        Assert.Equal(["seg/1/a", "seg/1/b", "seg/10/a", "seg/2", "seg1"], (await _store.ListAsync("seg")).Select(o => o.Key));
        Assert.Equal(keys.Order(StringComparer.Ordinal), (await _store.ListAsync("")).Select(o => o.Key));
        Assert.Empty(await _store.ListAsync("absent/"));
        Assert.Equal(2, (await _store.ListAsync("seg/1/a")).Single().Size);
    }

    [Fact]
    public async Task Delete_removes_the_object_and_deleting_an_absent_key_succeeds()
    {
        await _store.PutAsync("d/e", new byte[] { 1 });
        await _store.DeleteAsync("d/e");
        Assert.Null(await _store.StatAsync("d/e"));
        await _store.DeleteAsync("d/e");
        await _store.DeleteAsync("never/existed/at/all");
        Assert.Empty(await _store.ListAsync(""));
    }

    [Fact]
    public async Task Download_copies_the_object_into_a_local_file()
    {
        var data = new byte[2 * 1024 * 1024 + 5];
        new Random(3).NextBytes(data);
        await _store.PutAsync("cache/me", data);
        var target = _dir.File(Path.Combine("cache", "nested", "copy.bin"));
        await _store.DownloadToFileAsync("cache/me", target);
        Assert.Equal(data, await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task Concurrent_puts_of_one_key_leave_one_whole_version()
    {
        var versions = Enumerable.Range(0, 8).Select(i => Enumerable.Repeat((byte)i, 64 * 1024 + i).ToArray()).ToArray();
        await Task.WhenAll(versions.Select(v => Task.Run(() => _store.PutAsync("contended", v))));
        var stored = await _store.GetAsync("contended");
        Assert.Contains(versions, v => v.AsSpan().SequenceEqual(stored));
    }
}
