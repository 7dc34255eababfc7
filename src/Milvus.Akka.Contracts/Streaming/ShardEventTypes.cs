namespace Milvus.Akka.Streaming;

// Value types the shard's journal events carry.

/// <summary>Why a growing segment was sealed; logged with every seal.</summary>
public enum SealReason
{
    /// <summary>The segment reached its row or byte capacity.</summary>
    Capacity,

    /// <summary>No write for the idle time while holding at least the idle minimum of bytes.</summary>
    Idle,

    /// <summary>The segment lived longer than the maximum lifetime (keeps WAL replay short).</summary>
    Lifetime,

    /// <summary>A client asked for a flush.</summary>
    Flush,
}

/// <summary>A write a shard applied: the request id of its batch and the timestamp it was acknowledged with.</summary>
public readonly record struct AppliedWrite(string RequestId, ulong Timestamp);
