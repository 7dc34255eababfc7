using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Backends.Tests.ObjectStores;

/// <summary>
/// What every <see cref="IObjectStore"/> must do, run against each backend by a subclass. Bytes are verified by
/// size and SHA-256, never by a successful status alone.
/// </summary>
public abstract class ObjectStoreContract : IAsyncLifetime
{
    private IObjectStore? _store;

    protected IObjectStore Store => _store ?? throw new InvalidOperationException("not initialized");

    /// <summary>A new, empty store isolated from every other test.</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4097)]
    [InlineData(1 << 20)]
    public async Task Put_then_get_returns_the_same_bytes(int size)
    {
        var data = Payloads.Random(size, seed: size);
        await Store.PutAsync("insert_log/1/2/3/100", data);

        var read = await Store.GetAsync("insert_log/1/2/3/100");

        Assert.Equal(size, read.Length);
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(read));
        Assert.Equal(size, (await Store.StatAsync("insert_log/1/2/3/100"))!.Size);
    }

    [Fact]
    public async Task A_large_stream_of_unknown_length_round_trips_in_parts()
    {
        // ~20 MB over 5 MiB parts on S3: four full parts and a short last one, read from a non-seekable stream.
        var data = Payloads.Random(20_000_003, seed: 20);
        await Store.PutAsync("index_files/1/3/101/7/HNSW", new TrickleStream(data));

        var read = await Store.GetAsync("index_files/1/3/101/7/HNSW");

        Assert.Equal(data.Length, read.Length);
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(read));
        Assert.Equal(data.Length, (await Store.StatAsync("index_files/1/3/101/7/HNSW"))!.Size);
    }

    [Fact]
    public async Task A_large_buffer_round_trips_and_downloads_to_a_file()
    {
        var data = Payloads.Random(11_534_337, seed: 11);
        await Store.PutAsync("insert_log/1/2/3/101", data);
        var path = Path.Combine(Path.GetTempPath(), $"milvus-akka-download-{Guid.NewGuid():N}");
        try
        {
            await Store.DownloadToFileAsync("insert_log/1/2/3/101", path);

            Assert.Equal(data.Length, new FileInfo(path).Length);
            Assert.Equal(Payloads.Sha256(data), Payloads.Sha256OfFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_stream_exactly_one_part_long_round_trips()
    {
        var data = Payloads.Random(5 << 20, seed: 5);
        await Store.PutAsync("delta_log/1/2/3/9", new TrickleStream(data));

        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(await Store.GetAsync("delta_log/1/2/3/9")));
    }

    [Fact]
    public async Task Ranged_reads_return_exact_bytes_at_the_edges()
    {
        var data = Payloads.Random(10_000, seed: 3);
        await Store.PutAsync("stats_log/1/2/3/100", data);

        foreach (var (offset, length) in new (long, int)[] { (0, 1), (0, 10_000), (9_999, 1), (4_096, 1_000), (10_000, 0), (0, 0) })
        {
            var read = await Store.GetRangeAsync("stats_log/1/2/3/100", offset, length);
            Assert.Equal(data.AsSpan((int)offset, length).ToArray(), read);
        }
    }

    [Theory]
    [InlineData(9_990, 11)]
    [InlineData(10_000, 1)]
    [InlineData(20_000, 5)]
    [InlineData(10_001, 0)]
    public async Task A_range_past_the_end_is_an_unexpected_eof(long offset, int length)
    {
        await Store.PutAsync("stats_log/1/2/3/101", Payloads.Random(10_000, seed: 4));

        var error = await Assert.ThrowsAsync<MilvusException>(() => Store.GetRangeAsync("stats_log/1/2/3/101", offset, length));

        Assert.Equal(ErrorCode.IoUnexpectEof, error.Code);
    }

    [Fact]
    public async Task Reading_an_absent_object_is_key_not_found()
    {
        Assert.Equal(ErrorCode.IoKeyNotFound, (await Assert.ThrowsAsync<MilvusException>(() => Store.GetAsync("insert_log/9/9/9/9"))).Code);
        Assert.Equal(ErrorCode.IoKeyNotFound,
            (await Assert.ThrowsAsync<MilvusException>(() => Store.GetRangeAsync("insert_log/9/9/9/9", 0, 1))).Code);
        var path = Path.Combine(Path.GetTempPath(), $"milvus-akka-absent-{Guid.NewGuid():N}");
        Assert.Equal(ErrorCode.IoKeyNotFound,
            (await Assert.ThrowsAsync<MilvusException>(() => Store.DownloadToFileAsync("insert_log/9/9/9/9", path))).Code);
        Assert.False(File.Exists(path));
        Assert.Null(await Store.StatAsync("insert_log/9/9/9/9"));
    }

    [Fact]
    public async Task Listing_returns_exactly_the_prefix_in_key_order_with_sizes()
    {
        // No key is both an object and a "directory" of others: a local filesystem cannot hold both, and Milvus's layout never needs it.
        string[] keys = ["a/2", "a/10", "ab/1", "a/1", "b/1", "a/3/x", "a-1"];
        for (var i = 0; i < keys.Length; i++)
        {
            await Store.PutAsync(keys[i], Payloads.Random(100 + i, seed: i));
        }

        var listed = await Store.ListAsync("a/");

        Assert.Equal(["a/1", "a/10", "a/2", "a/3/x"], listed.Select(o => o.Key));
        Assert.Equal([100 + 3, 100 + 1, 100 + 0, 100 + 5], listed.Select(o => o.Size));
        Assert.Equal(["a-1", "a/1", "a/10", "a/2", "a/3/x", "ab/1"], (await Store.ListAsync("a")).Select(o => o.Key));
        Assert.Equal(keys.Order(StringComparer.Ordinal), (await Store.ListAsync("")).Select(o => o.Key));
        Assert.Empty(await Store.ListAsync("c/"));
    }

    [Fact]
    public async Task Overwriting_replaces_the_whole_object()
    {
        await Store.PutAsync("segment_manifest/1/2/3", Payloads.Random(5_000, seed: 1));
        var second = Payloads.Random(300, seed: 2);
        await Store.PutAsync("segment_manifest/1/2/3", second);

        Assert.Equal(Payloads.Sha256(second), Payloads.Sha256(await Store.GetAsync("segment_manifest/1/2/3")));
        Assert.Equal(300, (await Store.StatAsync("segment_manifest/1/2/3"))!.Size);
    }

    [Fact]
    public async Task Delete_removes_the_object_and_deleting_an_absent_one_succeeds()
    {
        await Store.PutAsync("delta_log/1/2/3/1", Payloads.Random(10, seed: 1));
        await Store.PutAsync("delta_log/1/2/3/2", Payloads.Random(10, seed: 2));

        await Store.DeleteAsync("delta_log/1/2/3/1");
        await Store.DeleteAsync("delta_log/1/2/3/1");
        await Store.DeleteAsync("delta_log/7/7/7/7");

        Assert.Null(await Store.StatAsync("delta_log/1/2/3/1"));
        Assert.Equal(ErrorCode.IoKeyNotFound, (await Assert.ThrowsAsync<MilvusException>(() => Store.GetAsync("delta_log/1/2/3/1"))).Code);
        Assert.Equal(["delta_log/1/2/3/2"], (await Store.ListAsync("delta_log/")).Select(o => o.Key));
    }
}
