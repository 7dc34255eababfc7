using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Server.Tests;

public sealed class TimestampOracleTests : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(StandaloneNode.NewDataDir()).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Allocations_leave_headroom_for_raised_writes_and_a_new_incarnation_starts_above_the_old_one()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        await using var store = SqliteMetaStore.Open(Path.Combine(_dir, "meta.db"));
        var oracle = new TimestampOracle(store, TimeSpan.FromSeconds(3), () => now);
        await oracle.InitializeAsync();

        var issued = new List<(ulong First, int Count)>();
        foreach (var count in new[] { 1, 256, 1, 1, 256, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })
        {
            issued.Add((await oracle.AllocateAsync(count), count));
        }

        // The clock stood still: later allocations borrowed the next milliseconds rather than reuse the headroom.
        for (var i = 1; i < issued.Count; i++)
        {
            var previousLast = issued[i - 1].First + (ulong)issued[i - 1].Count - 1;
            Assert.True(issued[i].First > previousLast + TimestampOracle.ShardRaiseHeadroom,
                $"allocation {i} at {issued[i].First} is within the headroom after {previousLast}");
        }

        Assert.True(HybridTimestamp.Physical(issued[^1].First) > HybridTimestamp.Physical(issued[0].First));

        // A new incarnation (fail-over) with a clock that went back: still above everything issued before.
        var restarted = new TimestampOracle(store, TimeSpan.FromSeconds(3), () => now - TimeSpan.FromSeconds(10));
        await restarted.InitializeAsync();
        Assert.True(await restarted.AllocateAsync(1) > issued[^1].First + TimestampOracle.ShardRaiseHeadroom);
        await Assert.ThrowsAsync<MilvusException>(() => oracle.AllocateAsync(TimestampOracle.MaxCount + 1));
    }
}
