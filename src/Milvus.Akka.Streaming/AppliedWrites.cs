using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Streaming;

/// <summary>Bounds of <see cref="AppliedWrites"/>; see <c>milvus.streaming.applied-writes</c> in hocon/role.streaming.hocon.</summary>
public sealed record AppliedWritesSettings(int MaxEntries, TimeSpan MaxAge)
{
    public static AppliedWritesSettings Default { get; } = new(50_000, TimeSpan.FromMinutes(10));
}

/// <summary>
/// The request ids of the writes a shard applied recently, with their acknowledged timestamps, so a batch sent again
/// (a proxy retry after a timeout, or a client's retry of a whole request with the same id) is answered with the
/// earlier acknowledgement instead of being applied twice. Built only from journaled events and snapshots, so it is the
/// same after a replay on another node. Bounded: an id is remembered until <see cref="MaxEntries"/> newer ids were
/// added or the newest write is <see cref="MaxAge"/> (of timestamp time, not of the clock, so replay agrees) younger.
/// </summary>
public sealed class AppliedWrites(int maxEntries, TimeSpan maxAge)
{
    private readonly Dictionary<string, ulong> _byId = new(StringComparer.Ordinal);

    // Oldest first; a shard's timestamps only rise, so this is also timestamp order.
    private readonly Queue<AppliedWrite> _order = new();

    public int MaxEntries => maxEntries;

    public TimeSpan MaxAge => maxAge;

    public int Count => _byId.Count;

    /// <summary>The timestamp <paramref name="requestId"/> was acknowledged with, if it is still remembered.</summary>
    public bool TryGet(string requestId, out ulong timestamp)
    {
        timestamp = 0;
        return requestId.Length > 0 && _byId.TryGetValue(requestId, out timestamp);
    }

    /// <summary>Remembers an applied write (an empty id, from a request without one or an old event, is not remembered).</summary>
    public void Add(string requestId, ulong timestamp)
    {
        if (requestId.Length == 0 || !_byId.TryAdd(requestId, timestamp))
        {
            return;
        }

        _order.Enqueue(new AppliedWrite(requestId, timestamp));
        var oldestKept = HybridTimestamp.Physical(timestamp) - (long)maxAge.TotalMilliseconds;
        while (_order.Count > maxEntries || (_order.Count > 0 && HybridTimestamp.Physical(_order.Peek().Timestamp) < oldestKept))
        {
            _byId.Remove(_order.Dequeue().RequestId);
        }
    }

    /// <summary>Everything remembered, oldest first, for a snapshot.</summary>
    public ImmutableArray<AppliedWrite> ToImmutableArray() => [.. _order];

    /// <summary>Replaces the state with a snapshot's, within this node's bounds.</summary>
    public void Restore(ImmutableArray<AppliedWrite> writes)
    {
        _byId.Clear();
        _order.Clear();
        foreach (var write in writes)
        {
            Add(write.RequestId, write.Timestamp);
        }
    }
}
