namespace Milvus.Akka.Storage.Cache;

/// <summary>Where <see cref="CachingObjectStore"/> keeps its files and how many bytes it may hold.</summary>
public sealed record ObjectCacheOptions
{
    /// <summary>A directory owned by the cache (it deletes files there); it survives restarts.</summary>
    public required string Directory { get; init; }

    /// <summary>Upper bound of the cached files' total size; the least recently used files go first.</summary>
    public long CapacityBytes { get; init; } = 10L << 30;
}
