using System.Collections.Concurrent;

namespace Milvus.Akka.Storage.Backends.Tests.ObjectStores;

/// <summary>Passes every call to an inner store and counts the reads that reach it, per key.</summary>
public sealed class CountingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly ConcurrentDictionary<string, int> _reads = new();

    /// <summary>Calls that fetched object bytes (whole, ranged or to a file) for <paramref name="key"/>.</summary>
    public int ReadsOf(string key) => _reads.GetValueOrDefault(key);

    public int TotalReads => _reads.Values.Sum();

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => inner.PutAsync(key, data, cancellationToken);

    public Task PutAsync(string key, Stream data, CancellationToken cancellationToken = default) => inner.PutAsync(key, data, cancellationToken);

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Count(key);
        return inner.GetAsync(key, cancellationToken);
    }

    public Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        Count(key);
        return inner.GetRangeAsync(key, offset, length, cancellationToken);
    }

    public async Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        Count(key);
        // Slow enough that concurrent readers overlap with the download they should share.
        await Task.Delay(50, cancellationToken);
        await inner.DownloadToFileAsync(key, path, cancellationToken);
    }

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private void Count(string key) => _reads.AddOrUpdate(key, 1, (_, n) => n + 1);
}
