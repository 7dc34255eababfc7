using System.Buffers.Binary;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Issues strictly increasing hybrid timestamps. Before serving any timestamp whose physical part reaches the
/// persisted window end, it moves the end forward in meta storage, so a new incarnation (after a crash or a
/// singleton hand-over) starts above everything the old one may have issued.
/// </summary>
/// <remarks>
/// After each allocation the oracle skips <see cref="ShardRaiseHeadroom"/> logical values that it never issues. A shard
/// raises a write whose timestamp is not above what it has applied to one above it (proxies write with timestamps from
/// blocks they took earlier), so applied timestamps can pass the newest issued one; the skipped values are where those
/// raised writes land. As long as a shard raises fewer writes than the headroom before it sees a newer issued timestamp
/// (bounded by proxies × their timestamp block size), every write a shard acknowledged is below every timestamp issued
/// afterwards, which is what a Strong read's fresh timestamp relies on.
/// </remarks>
public sealed class TimestampOracle(IMetaStore store, TimeSpan window, Func<DateTimeOffset>? clock = null)
{
    public const string WindowKey = "tso/window-end-ms";

    /// <summary>Logical values left unissued after every allocation; 16 allocations fit in one millisecond.</summary>
    public const int ShardRaiseHeadroom = 1 << 14;

    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.UtcNow);
    private ulong _next;
    private long _windowEnd;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var saved = await store.GetAsync(WindowKey, cancellationToken).ConfigureAwait(false);
        var previousEnd = saved is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(saved.Value);
        _next = HybridTimestamp.Compose(Math.Max(_clock().ToUnixTimeMilliseconds(), previousEnd + 1), 0);
        await ExtendWindowAsync(HybridTimestamp.Physical(_next), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reserves <paramref name="count"/> consecutive timestamps and returns the first.</summary>
    public async Task<ulong> AllocateAsync(int count, CancellationToken cancellationToken = default)
    {
        if (count <= 0 || count > MaxCount)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"timestamp count must be in [1, {MaxCount}], got {count}");
        }

        _next = Math.Max(_next, HybridTimestamp.Compose(_clock().ToUnixTimeMilliseconds(), 0));
        if (HybridTimestamp.Logical(_next) + count > (long)HybridTimestamp.LogicalMask)
        {
            // The logical space of this millisecond is used up: borrow the next one.
            _next = HybridTimestamp.Compose(HybridTimestamp.Physical(_next) + 1, 0);
        }

        // The headroom may run into the next millisecond; the window covers it too.
        var end = _next + (ulong)count + ShardRaiseHeadroom;
        if (HybridTimestamp.Physical(end) >= _windowEnd)
        {
            await ExtendWindowAsync(HybridTimestamp.Physical(end), cancellationToken).ConfigureAwait(false);
        }

        var first = _next;
        _next = end;
        return first;
    }

    /// <summary>The most timestamps one allocation may take: what fits in one millisecond's logical space besides the headroom.</summary>
    public static int MaxCount => (int)HybridTimestamp.LogicalMask - ShardRaiseHeadroom;

    private async Task ExtendWindowAsync(long physical, CancellationToken cancellationToken)
    {
        var end = physical + (long)window.TotalMilliseconds;
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, end);
        await store.PutAsync(WindowKey, bytes, cancellationToken).ConfigureAwait(false);
        _windowEnd = end;
    }
}

/// <summary>
/// Hands out unique ids from a block reserved ahead in meta storage; a restarted allocator starts after the
/// reserved block, so ids are never reused (gaps are fine).
/// </summary>
public sealed class IdAllocator(IMetaStore store, int blockSize)
{
    public const string ReservedKey = "ids/reserved-end";

    private long _next;
    private long _reservedEnd;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var saved = await store.GetAsync(ReservedKey, cancellationToken).ConfigureAwait(false);
        // Ids start at a large base so they never collide with small literal ids users may type in tests.
        _next = saved is null ? 1L << 40 : BinaryPrimitives.ReadInt64LittleEndian(saved.Value);
        _reservedEnd = _next;
    }

    public async Task<long> AllocateAsync(int count, CancellationToken cancellationToken = default)
    {
        if (count <= 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"id count must be positive, got {count}");
        }

        if (_next + count > _reservedEnd)
        {
            var end = _next + Math.Max(count, blockSize);
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, end);
            await store.PutAsync(ReservedKey, bytes, cancellationToken).ConfigureAwait(false);
            _reservedEnd = end;
        }

        var first = _next;
        _next += count;
        return first;
    }
}
