namespace Milvus.Akka.Storage.Etcd;

public enum MetaWatchEventKind
{
    Put,
    Delete,

    /// <summary>The watch lost events (etcd compacted the history it started from): re-read the whole prefix.</summary>
    Reset,
}

/// <summary>One change seen by <see cref="EtcdMetaStore.WatchPrefixAsync"/>; <see cref="Value"/> is null for deletes and resets.</summary>
public sealed record MetaWatchEvent(MetaWatchEventKind Kind, string Key, byte[]? Value, long Revision);
