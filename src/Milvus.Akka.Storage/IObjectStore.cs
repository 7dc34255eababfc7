namespace Milvus.Akka.Storage;

/// <summary>Size and checksum-independent facts about a stored object.</summary>
public sealed record ObjectInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// Object storage (S3/MinIO in production, a local directory when embedded) for immutable segment,
/// delete-log, stats and index files. Keys are '/'-separated relative paths.
/// </summary>
public interface IObjectStore : IAsyncDisposable
{
    /// <summary>Stores an object atomically: readers see the old object or the whole new one, never a part.</summary>
    Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Stores an object from a stream of unknown length (multipart where the backend has it).</summary>
    Task PutAsync(string key, Stream data, CancellationToken cancellationToken = default);

    /// <summary>Reads a whole object; throws <see cref="Common.MilvusException"/> with IoKeyNotFound when absent.</summary>
    Task<byte[]> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="length"/> bytes starting at <paramref name="offset"/>.</summary>
    Task<byte[]> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default);

    /// <summary>Copies a whole object into a local file (the query nodes' cache), streaming.</summary>
    Task DownloadToFileAsync(string key, string path, CancellationToken cancellationToken = default);

    Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order.</summary>
    Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting an absent key succeeds.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
