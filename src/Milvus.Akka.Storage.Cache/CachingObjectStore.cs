using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Cache;

/// <summary>
/// A local, size-bounded LRU cache of whole objects on disk in front of another store (the query nodes' view of
/// S3): the first read of a segment or index file downloads it, later reads (whole or ranged) are served from the
/// local file. Segment and index files are immutable, so only this store's own puts and deletes evict an entry early;
/// segment manifests are not (the shard that flushed a segment rewrites its manifest when it adds a delete log), so
/// they are always read from the inner store.
/// Concurrent reads of one missing object share a single download. Files are named by a hash of the key, so the
/// cache survives restarts. Writes, stats and listings go straight to the inner store, which this store owns.
/// </summary>
public sealed class CachingObjectStore : IObjectStore
{
    private const string TempSuffix = ".tmp";
    private const string ManifestPrefix = ObjectPaths.SegmentManifestRoot + "/";

    private readonly IObjectStore _inner;
    private readonly string _directory;
    private readonly long _capacity;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new(); // most recently used first
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _downloads = new(StringComparer.Ordinal);
    private long _cachedBytes;
    private long _hits;
    private long _misses;

    public CachingObjectStore(IObjectStore inner, ObjectCacheOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CapacityBytes);
        _inner = inner;
        _capacity = options.CapacityBytes;
        _directory = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(_directory);
        LoadExistingFiles();
    }

    public long CachedBytes
    {
        get
        {
            lock (_lock)
            {
                return _cachedBytes;
            }
        }
    }

    public int CachedObjects
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Reads served from a local file.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Reads that had to download the object.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await _inner.PutAsync(key, data, cancellationToken).ConfigureAwait(false);
        Evict(key);
    }

    public async Task PutAsync(string key, Stream data, CancellationToken cancellationToken = default)
    {
        await _inner.PutAsync(key, data, cancellationToken).ConfigureAwait(false);
        Evict(key);
    }

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default) =>
        ReadLocalAsync(key, (file, ct) => ReadAsync(file, 0, checked((int)file.Length), ct), () => _inner.GetAsync(key, cancellationToken),
            cancellationToken);

    public Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return ReadLocalAsync(key, (file, ct) => offset + length <= file.Length
                ? ReadAsync(file, offset, length, ct)
                : throw new MilvusException(ErrorCode.IoUnexpectEof,
                    $"range [{offset}, {offset + length}) is beyond the end of object '{key}' ({file.Length} bytes)"),
            () => _inner.GetRangeAsync(key, offset, length, cancellationToken), cancellationToken);
    }

    public Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        return ReadLocalAsync(key, async (file, ct) =>
        {
            var temp = target + "." + Guid.NewGuid().ToString("N") + TempSuffix;
            try
            {
                var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    await file.CopyToAsync(output, 1 << 20, ct).ConfigureAwait(false);
                }

                File.Move(temp, target, overwrite: true);
                return true;
            }
            finally
            {
                File.Delete(temp);
            }
        }, async () =>
        {
            await _inner.DownloadToFileAsync(key, path, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) => _inner.StatAsync(key, cancellationToken);

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        _inner.ListAsync(prefix, cancellationToken);

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await _inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        Evict(key);
    }

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    /// <summary>
    /// Opens the object's local file (downloading it on a miss) and reads it with <paramref name="read"/>; objects
    /// larger than the whole cache are read from the inner store with <paramref name="uncached"/>.
    /// </summary>
    private async Task<T> ReadLocalAsync<T>(string key, Func<FileStream, CancellationToken, Task<T>> read, Func<Task<T>> uncached,
        CancellationToken cancellationToken)
    {
        if (key.StartsWith(ManifestPrefix, StringComparison.Ordinal))
        {
            return await uncached().ConfigureAwait(false);
        }

        var name = FileNameOf(key);
        while (true)
        {
            var path = Touch(name);
            if (path is null)
            {
                // One download per object however many readers miss at once; a reader that gives up does not cancel the others.
                // Lazy: GetOrAdd may build several values in a race, but only the stored one ever starts a download.
                var download = _downloads.GetOrAdd(name, n => new Lazy<Task<string?>>(() => DownloadAsync(key, n)));
                path = await download.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (path is null)
                {
                    return await uncached().ConfigureAwait(false);
                }
            }
            else
            {
                Interlocked.Increment(ref _hits);
            }

            FileStream file;
            try
            {
                // FileShare.Delete: eviction may unlink the file while it is read; the open handle keeps its bytes.
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 0, FileOptions.Asynchronous);
            }
            catch (FileNotFoundException)
            {
                // Evicted between the lookup and the open, or removed behind the cache's back: forget it and fetch again.
                Forget(name);
                continue;
            }

            await using (file.ConfigureAwait(false))
            {
                return await read(file, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string?> DownloadAsync(string key, string name)
    {
        // Yield first, so the entry is in _downloads before this method can remove it.
        await Task.Yield();
        var temp = Path.Combine(_directory, name + "." + Guid.NewGuid().ToString("N") + TempSuffix);
        try
        {
            if (Touch(name) is { } already)
            {
                return already;
            }

            Interlocked.Increment(ref _misses);
            await _inner.DownloadToFileAsync(key, temp, CancellationToken.None).ConfigureAwait(false);
            var size = new FileInfo(temp).Length;
            if (size > _capacity)
            {
                return null;
            }

            var path = Path.Combine(_directory, name);
            lock (_lock)
            {
                // Renames and deletes of cache files happen only under the lock, so the index and the directory agree.
                File.Move(temp, path, overwrite: true);
                RemoveLocked(name, deleteFile: false);
                _entries[name] = _recency.AddFirst(new Entry(name, size));
                _cachedBytes += size;
                EvictOverCapacityLocked();
            }

            return path;
        }
        finally
        {
            File.Delete(temp);
            _downloads.TryRemove(name, out _);
        }
    }

    /// <summary>The local path of a cached object, marked as most recently used; null when not cached.</summary>
    private string? Touch(string name)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(name, out var node))
            {
                return null;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return Path.Combine(_directory, name);
        }
    }

    private void Evict(string key)
    {
        lock (_lock)
        {
            RemoveLocked(FileNameOf(key), deleteFile: true);
        }
    }

    private void Forget(string name)
    {
        lock (_lock)
        {
            RemoveLocked(name, deleteFile: false);
        }
    }

    private void RemoveLocked(string name, bool deleteFile)
    {
        if (_entries.Remove(name, out var node))
        {
            _recency.Remove(node);
            _cachedBytes -= node.Value.Size;
            if (deleteFile)
            {
                File.Delete(Path.Combine(_directory, name));
            }
        }
    }

    private void EvictOverCapacityLocked()
    {
        while (_cachedBytes > _capacity && _recency.Last is { } oldest)
        {
            RemoveLocked(oldest.Value.Name, deleteFile: true);
        }
    }

    /// <summary>Indexes the files a previous process left, oldest write first, and drops unfinished downloads.</summary>
    private void LoadExistingFiles()
    {
        var files = new DirectoryInfo(_directory).GetFiles();
        lock (_lock)
        {
            foreach (var file in files.OrderByDescending(f => f.LastWriteTimeUtc))
            {
                if (file.Name.EndsWith(TempSuffix, StringComparison.Ordinal))
                {
                    file.Delete();
                    continue;
                }

                _entries[file.Name] = _recency.AddLast(new Entry(file.Name, file.Length));
                _cachedBytes += file.Length;
            }

            EvictOverCapacityLocked();
        }
    }

    private static async Task<byte[]> ReadAsync(FileStream file, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        var filled = 0;
        while (filled < length)
        {
            var read = await RandomAccess.ReadAsync(file.SafeFileHandle, buffer.AsMemory(filled), offset + filled, cancellationToken).ConfigureAwait(false);
            filled += read > 0 ? read : throw new MilvusException(ErrorCode.IoUnexpectEof, $"cache file '{file.Name}' ended early");
        }

        return buffer;
    }

    // Keys may be long and hold any character: a fixed-length hex digest is always a valid file name.
    private static string FileNameOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private sealed record Entry(string Name, long Size);
}
