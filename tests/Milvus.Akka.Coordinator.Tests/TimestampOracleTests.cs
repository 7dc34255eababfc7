using FsCheck.Xunit;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

public sealed class TimestampOracleTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Whatever the clock does (steps of -5 s to +5 s, including backwards) and however many timestamps each request
    /// takes, every allocation starts above everything issued before it, including after a restart on the same meta
    /// storage (a fail-over, every <paramref name="restartEvery"/> requests) whose clock is behind.
    /// </summary>
    [Property(MaxTest = 200)]
    public async Task<bool> Timestamps_never_go_back_whatever_the_clock_does_and_across_restarts(int[] clockSteps, byte[] counts, byte restartEvery)
    {
        var store = new InMemoryMetaStore();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        var oracle = await StartedAsync(store, () => now);
        ulong issuedEnd = 0;
        for (var i = 0; i < clockSteps.Length; i++)
        {
            now += TimeSpan.FromMilliseconds(clockSteps[i] % 5_000);
            if (restartEvery > 0 && i % restartEvery == 0)
            {
                oracle = await StartedAsync(store, () => now);
            }

            var count = 1 + (counts.Length == 0 ? 0 : counts[i % counts.Length]);
            var first = await oracle.AllocateAsync(count);
            if (first < issuedEnd || HybridTimestamp.Physical(first + (ulong)count) > await WindowEndAsync(store))
            {
                return false;
            }

            issuedEnd = first + (ulong)count;
        }

        return true;
    }

    [Fact]
    public async Task A_request_beyond_one_milliseconds_logical_space_is_refused()
    {
        var oracle = await StartedAsync(new InMemoryMetaStore(), () => DateTimeOffset.UtcNow);
        var refused = await Assert.ThrowsAsync<MilvusException>(() => oracle.AllocateAsync(TimestampOracle.MaxCount + 1));
        Assert.Equal(ErrorCode.ParameterInvalid, refused.Code);
    }

    [Fact]
    public async Task Ids_are_never_reused_after_a_restart()
    {
        var store = new InMemoryMetaStore();
        var ids = new IdAllocator(store, blockSize: 10);
        await ids.InitializeAsync();
        var before = await ids.AllocateAsync(3);
        var restarted = new IdAllocator(store, blockSize: 10);
        await restarted.InitializeAsync();
        Assert.True(await restarted.AllocateAsync(1) >= before + 10, "a restarted allocator starts after the block reserved before it");
    }

    private static async Task<TimestampOracle> StartedAsync(InMemoryMetaStore store, Func<DateTimeOffset> clock)
    {
        var oracle = new TimestampOracle(store, Window, clock);
        await oracle.InitializeAsync();
        return oracle;
    }

    /// <summary>The persisted window end: no timestamp may be issued at or past it.</summary>
    private static async Task<long> WindowEndAsync(InMemoryMetaStore store) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian((await store.GetAsync(TimestampOracle.WindowKey))!.Value);
}
