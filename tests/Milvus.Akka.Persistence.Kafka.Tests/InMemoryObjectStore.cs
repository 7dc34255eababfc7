using System.Collections.Concurrent;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Persistence.Kafka.Tests;

/// <summary>A dictionary-backed <see cref="IObjectStore"/> with the interface's semantics, for snapshot store tests.</summary>
public sealed class InMemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Keys => _objects.Keys.Order(StringComparer.Ordinal).ToArray();

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        _objects[key] = data.ToArray();
        return Task.CompletedTask;
    }

    public async Task PutAsync(string key, Stream data, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await data.CopyToAsync(buffer, cancellationToken);
        _objects[key] = buffer.ToArray();
    }

    public Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default) =>
        _objects.TryGetValue(key, out var data)
            ? Task.FromResult(data.ToArray())
            : Task.FromException<byte[]>(new MilvusException(ErrorCode.IoKeyNotFound, $"object '{key}' not found"));

    public async Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default) =>
        (await GetAsync(key, cancellationToken)).AsSpan((int)offset, length).ToArray();

    public async Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default) =>
        await File.WriteAllBytesAsync(path, await GetAsync(key, cancellationToken), cancellationToken);

    public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_objects.TryGetValue(key, out var data) ? new ObjectInfo(key, data.Length, DateTimeOffset.UnixEpoch) : null);

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ObjectInfo>>(_objects
            .Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new ObjectInfo(o.Key, o.Value.Length, DateTimeOffset.UnixEpoch))
            .ToArray());

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
