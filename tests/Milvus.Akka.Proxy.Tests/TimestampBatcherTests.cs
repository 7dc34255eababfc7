using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Proxy.Tests;

public sealed class TimestampBatcherTests
{
    /// <summary>An oracle whose round trips complete when the test says so, recording the batch sizes asked for.</summary>
    private sealed class ManualOracle
    {
        private readonly Lock _gate = new();
        private ulong _next = 1_000;

        public List<(int Count, TaskCompletionSource Release)> Calls { get; } = [];

        /// <summary>Timestamps the oracle had issued, in order; a round trip issues when it is served.</summary>
        public ulong Issued { get; private set; }

        public async Task<ulong> AllocateAsync(int count)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                Calls.Add((count, release));
            }

            await release.Task;
            lock (_gate)
            {
                var first = _next;
                _next += (ulong)count;
                Issued = _next - 1;
                return first;
            }
        }
    }

    [Fact]
    public async Task Callers_arriving_during_a_round_trip_wait_for_the_next_one_and_share_it()
    {
        var oracle = new ManualOracle();
        var batcher = new TimestampBatcher(oracle.AllocateAsync);

        var first = batcher.NextAsync();
        Assert.Single(oracle.Calls);

        // While the first round trip is under way: these must not be served by it, it may predate them.
        var later = Enumerable.Range(0, 5).Select(_ => batcher.NextAsync()).ToList();
        Assert.Single(oracle.Calls);

        oracle.Calls[0].Release.SetResult();
        var firstTimestamp = await first;
        await Eventually.UntilAsync(() => oracle.Calls.Count == 2, "the second round trip starts", seconds: 30);
        Assert.Equal(5, oracle.Calls[1].Count);
        var issuedBeforeSecond = oracle.Issued;
        oracle.Calls[1].Release.SetResult();
        var timestamps = await Task.WhenAll(later);

        Assert.All(timestamps, t => Assert.True(t > issuedBeforeSecond));
        Assert.True(timestamps.Min() > firstTimestamp);
        Assert.Equal(5, timestamps.Distinct().Count());
        Assert.Equal(2, oracle.Calls.Count);
    }

    [Fact]
    public async Task A_failed_round_trip_fails_its_callers_only()
    {
        var calls = 0;
        var batcher = new TimestampBatcher(count => ++calls == 1 ? Task.FromException<ulong>(new TimeoutException("no coordinator")) : Task.FromResult(77UL));
        await Assert.ThrowsAsync<TimeoutException>(() => batcher.NextAsync());
        Assert.Equal(77UL, await batcher.NextAsync());
    }
}
