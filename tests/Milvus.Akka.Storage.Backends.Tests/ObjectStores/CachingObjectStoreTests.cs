using Milvus.Akka.Common;
using Milvus.Akka.TestSupport;
using Milvus.Akka.Storage.Cache;

namespace Milvus.Akka.Storage.Backends.Tests.ObjectStores;

public sealed class CachingObjectStoreTests : IDisposable
{
    private readonly TempDirectory _backend = new("cache-backend");
    private readonly TempDirectory _cacheDirectory = new("cache");
    private readonly CountingObjectStore _counting;

    public CachingObjectStoreTests() => _counting = new CountingObjectStore(new LocalObjectStore(_backend.Path));

    public void Dispose()
    {
        _backend.Dispose();
        _cacheDirectory.Dispose();
    }

    private CachingObjectStore Cache(long capacity) =>
        new(_counting, new ObjectCacheOptions { Directory = _cacheDirectory.Path, CapacityBytes = capacity });

    [Fact]
    public async Task An_object_is_fetched_from_the_backend_once_then_read_locally()
    {
        var data = Payloads.Random(100_000, seed: 1);
        await _counting.PutAsync("insert_log/1/2/3/100", data);
        var cache = Cache(1 << 20);

        var whole = await cache.GetAsync("insert_log/1/2/3/100");
        var again = await cache.GetAsync("insert_log/1/2/3/100");
        var range = await cache.GetRangeAsync("insert_log/1/2/3/100", 99_000, 1_000);
        var path = Path.Combine(_cacheDirectory.Path, "..", $"milvus-akka-copy-{Guid.NewGuid():N}");
        await cache.DownloadToFileAsync("insert_log/1/2/3/100", path);

        Assert.Equal(1, _counting.ReadsOf("insert_log/1/2/3/100"));
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(whole));
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(again));
        Assert.Equal(data.AsSpan(99_000).ToArray(), range);
        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256OfFile(path));
        File.Delete(path);
        Assert.Equal((1, 3), (cache.Misses, cache.Hits));
    }

    [Fact]
    public async Task Segment_manifests_are_read_from_the_backend_every_time_because_their_shard_rewrites_them()
    {
        var key = ObjectPaths.SegmentManifest(1, 2, 3);
        await _counting.PutAsync(key, Payloads.Random(500, seed: 3));
        var cache = Cache(1 << 20);
        await cache.GetAsync(key);

        // Another node's shard adds a delete log: this node's cache never saw that write.
        var rewritten = Payloads.Random(600, seed: 4);
        await _counting.PutAsync(key, rewritten);

        Assert.Equal(rewritten, await cache.GetAsync(key));
        Assert.Equal(2, _counting.ReadsOf(key));
        Assert.Equal(0, cache.CachedObjects);
    }

    [Fact]
    public async Task Concurrent_readers_of_a_missing_object_share_one_download()
    {
        var data = Payloads.Random(300_000, seed: 2);
        await _counting.PutAsync("index_files/1/3/101/7/HNSW", data);
        var cache = Cache(1 << 20);

        var reads = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => cache.GetRangeAsync("index_files/1/3/101/7/HNSW", i * 1_000, 1_000))));

        Assert.Equal(1, _counting.ReadsOf("index_files/1/3/101/7/HNSW"));
        for (var i = 0; i < reads.Length; i++)
        {
            Assert.Equal(data.AsSpan(i * 1_000, 1_000).ToArray(), reads[i]);
        }
    }

    [Fact]
    public async Task The_least_recently_used_objects_are_evicted_to_stay_under_capacity()
    {
        for (var i = 0; i < 4; i++)
        {
            await _counting.PutAsync($"k/{i}", Payloads.Random(1_000, seed: i));
        }

        var cache = Cache(3_000);
        await cache.GetAsync("k/0");
        await cache.GetAsync("k/1");
        await cache.GetAsync("k/2");
        await cache.GetAsync("k/0"); // k/1 is now the least recently used
        await cache.GetAsync("k/3"); // evicts k/1

        Assert.Equal(3_000, cache.CachedBytes);
        Assert.Equal(3, cache.CachedObjects);
        await cache.GetAsync("k/0");
        await cache.GetAsync("k/2");
        await cache.GetAsync("k/3");
        Assert.Equal([1, 1, 1, 1], Enumerable.Range(0, 4).Select(i => _counting.ReadsOf($"k/{i}")));
        Assert.Equal(Payloads.Sha256(Payloads.Random(1_000, seed: 1)), Payloads.Sha256(await cache.GetAsync("k/1")));
        Assert.Equal(2, _counting.ReadsOf("k/1"));
        Assert.Equal(3, Directory.GetFiles(_cacheDirectory.Path).Length);
    }

    [Fact]
    public async Task An_object_larger_than_the_cache_is_served_but_not_kept()
    {
        var data = Payloads.Random(5_000, seed: 3);
        await _counting.PutAsync("big", data);
        var cache = Cache(4_000);

        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(await cache.GetAsync("big")));
        Assert.Equal(data.AsSpan(4_500).ToArray(), await cache.GetRangeAsync("big", 4_500, 500));

        Assert.Equal(0, cache.CachedObjects);
        Assert.Empty(Directory.GetFiles(_cacheDirectory.Path));
    }

    [Fact]
    public async Task Deleting_or_rewriting_through_the_cache_drops_the_local_copy()
    {
        await _counting.PutAsync("k", Payloads.Random(1_000, seed: 1));
        var cache = Cache(1 << 20);
        await cache.GetAsync("k");

        var rewritten = Payloads.Random(2_000, seed: 2);
        await cache.PutAsync("k", rewritten);
        Assert.Equal(Payloads.Sha256(rewritten), Payloads.Sha256(await cache.GetAsync("k")));

        await cache.DeleteAsync("k");
        Assert.Equal(ErrorCode.IoKeyNotFound, (await Assert.ThrowsAsync<MilvusException>(() => cache.GetAsync("k"))).Code);
        Assert.Equal(0, cache.CachedObjects);
    }

    [Fact]
    public async Task A_restarted_cache_serves_files_it_downloaded_before_and_drops_unfinished_ones()
    {
        var data = Payloads.Random(10_000, seed: 4);
        await _counting.PutAsync("k", data);
        await Cache(1 << 20).GetAsync("k");
        await File.WriteAllBytesAsync(Path.Combine(_cacheDirectory.Path, "0123.abc.tmp"), new byte[10]);

        var restarted = Cache(1 << 20);

        Assert.Equal(Payloads.Sha256(data), Payloads.Sha256(await restarted.GetAsync("k")));
        Assert.Equal(1, _counting.ReadsOf("k"));
        Assert.Equal(10_000, restarted.CachedBytes);
        Assert.Single(Directory.GetFiles(_cacheDirectory.Path));
    }
}
