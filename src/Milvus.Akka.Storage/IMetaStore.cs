namespace Milvus.Akka.Storage;

/// <summary>A key with its value and the revision at which it was last modified (etcd's ModRevision).</summary>
public sealed record MetaEntry(string Key, byte[] Value, long Revision);

/// <summary>A condition of a <see cref="MetaTransaction"/>: the key's current revision must equal
/// <paramref name="Revision"/> (0 = the key must not exist).</summary>
public sealed record MetaCompare(string Key, long Revision);

/// <summary>A write inside a transaction: a put when <paramref name="Value"/> is set, otherwise a delete.</summary>
public sealed record MetaWrite(string Key, byte[]? Value)
{
    public static MetaWrite Put(string key, byte[] value) => new(key, value);

    public static MetaWrite Delete(string key) => new(key, null);
}

/// <summary>All compares hold → all writes apply atomically; otherwise nothing is written.</summary>
public sealed record MetaTransaction(IReadOnlyList<MetaCompare> Compares, IReadOnlyList<MetaWrite> Writes);

/// <summary>
/// Meta storage (etcd in production, a SQLite file when embedded): the coordinator's catalog, TSO window,
/// segment bookkeeping and checkpoints. Keys are '/'-separated paths; every write is durable when the task completes.
/// </summary>
public interface IMetaStore : IAsyncDisposable
{
    Task<MetaEntry?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every key starting with <paramref name="prefix"/>, in key order.</summary>
    Task<IReadOnlyList<MetaEntry>> RangeAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Writes a key unconditionally and returns its new revision.</summary>
    Task<long> PutAsync(string key, byte[] value, CancellationToken cancellationToken = default);

    /// <summary>Deletes a key; returns false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Compare-and-swap: returns true when every compare held and every write was applied.</summary>
    Task<bool> CommitAsync(MetaTransaction transaction, CancellationToken cancellationToken = default);
}
