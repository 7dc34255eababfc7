using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy;

/// <summary>
/// The two timestamps of a read: the guarantee it waits for (every write at or below it visible) and the MVCC timestamp
/// it reads at (<see cref="ulong.MaxValue"/>: the newest data the shards applied, as Milvus reads at a shard's service
/// time once it passed the guarantee).
/// </summary>
public readonly record struct ReadTimestamps(ulong Guarantee, ulong ReadTimestamp);

/// <summary>
/// Milvus's consistency levels as timestamps (its proxy's <c>parseGuaranteeTsFromConsistency</c>): Strong guarantees a
/// timestamp the oracle issued after the read began, Bounded that minus the graceful time (<c>common.gracefulTime</c>,
/// <c>milvus.proxy.graceful-time</c>), Session and Customized the client's <c>guarantee_timestamp</c> (the SDKs send the
/// timestamp of their last write; Customized keeps the legacy sentinels 0 = Strong and 2 = Bounded), Eventually 1 (no
/// wait). An iterator's later pages (a guarantee sent with <c>iterator</c>) read at that guarantee, the first page's
/// session timestamp, so every page sees one snapshot. Pure.
/// </summary>
public static class ReadConsistency
{
    private const ulong StrongSentinel = 0;
    private const ulong BoundedSentinel = 2;

    /// <summary>Whether <see cref="Resolve"/> needs a timestamp the oracle issued after the read began.</summary>
    public static bool NeedsFreshTimestamp(ConsistencyLevel level, ulong requested, bool iterator) =>
        iterator ? requested == 0 : level == ConsistencyLevel.Strong || (level == ConsistencyLevel.Customized && requested == StrongSentinel);

    /// <param name="level">The request's level, or the collection's with <c>use_default_consistency</c>.</param>
    /// <param name="requested">The request's <c>guarantee_timestamp</c> (0 when not sent).</param>
    /// <param name="iterator">An iterator page: its first page reads at a fresh timestamp, the others at the one sent.</param>
    /// <param name="now">A fresh oracle timestamp when <see cref="NeedsFreshTimestamp"/>, else the proxy's clock.</param>
    public static ReadTimestamps Resolve(ConsistencyLevel level, ulong requested, bool iterator, ulong now, TimeSpan gracefulTime)
    {
        if (iterator)
        {
            var snapshot = requested == 0 ? now : requested;
            return new ReadTimestamps(snapshot, snapshot);
        }

        return level switch
        {
            ConsistencyLevel.Strong => new ReadTimestamps(now, now),
            ConsistencyLevel.Bounded => new ReadTimestamps(HybridTimestamp.SubtractPhysical(now, gracefulTime), ulong.MaxValue),
            ConsistencyLevel.Eventually => new ReadTimestamps(1, ulong.MaxValue),
            ConsistencyLevel.Customized when requested == StrongSentinel => new ReadTimestamps(now, now),
            ConsistencyLevel.Customized when requested == BoundedSentinel => Resolve(ConsistencyLevel.Bounded, 0, false, now, gracefulTime),
            _ => new ReadTimestamps(requested, ulong.MaxValue),
        };
    }

    /// <summary>
    /// The session timestamp a response reports (an iterator's next pages read at it): the read timestamp, or for a read
    /// of the newest data the later of its guarantee and <paramref name="now"/>.
    /// </summary>
    public static ulong SessionTimestamp(ReadTimestamps read, ulong now) =>
        read.ReadTimestamp != ulong.MaxValue ? read.ReadTimestamp : Math.Max(read.Guarantee, now);
}
