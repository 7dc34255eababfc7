namespace Milvus.Akka.Proxy.Tests;

public sealed class BlockAllocatorTests
{
    /// <summary>A coordinator stand-in that issues increasing, never-repeated ranges and counts its round trips.</summary>
    private sealed class Reserver
    {
        private long _next = 1000;

        public int Calls;

        public TaskCompletionSource? Gate { get; set; }

        public async Task<long> ReserveAsync(int count)
        {
            Interlocked.Increment(ref Calls);
            if (Gate is { } gate)
            {
                await gate.Task;
            }

            return Interlocked.Add(ref _next, count) - count;
        }
    }

    [Fact]
    public async Task Hands_out_a_block_locally_and_refills_when_it_runs_out()
    {
        var reserver = new Reserver();
        var allocator = new BlockAllocator<long>(reserver.ReserveAsync, 10);
        var values = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            values.Add(await allocator.TakeAsync(1));
        }

        Assert.Equal(Enumerable.Range(1000, 25).Select(v => (long)v), values);
        Assert.Equal(3, reserver.Calls);
    }

    [Fact]
    public async Task Ranges_are_consecutive_and_unique_and_a_request_larger_than_a_block_is_reserved_alone()
    {
        var reserver = new Reserver();
        var allocator = new BlockAllocator<long>(reserver.ReserveAsync, 10);
        var first = await allocator.TakeAsync(4);
        var second = await allocator.TakeAsync(8);   // does not fit the rest (6): a new block
        var big = await allocator.TakeAsync(50);
        var third = await allocator.TakeAsync(2);

        var taken = new[] { (first, 4), (second, 8), (big, 50), (third, 2) }
            .SelectMany(r => Enumerable.Range(0, r.Item2).Select(i => r.Item1 + i)).ToList();
        Assert.Equal(taken.Count, taken.Distinct().Count());
        Assert.Equal(1004, first + 4);
        Assert.Equal(second + 8, third);
        Assert.Equal(3, reserver.Calls);
    }

    [Fact]
    public async Task Concurrent_callers_share_one_refill()
    {
        var reserver = new Reserver { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var allocator = new BlockAllocator<long>(reserver.ReserveAsync, 100);
        var takes = Enumerable.Range(0, 50).Select(_ => allocator.TakeAsync(1)).ToList();
        Assert.Equal(1, reserver.Calls);
        reserver.Gate.SetResult();
        var values = await Task.WhenAll(takes);
        Assert.Equal(Enumerable.Range(1000, 50).Select(v => (long)v), values.Order());
        Assert.Equal(1, reserver.Calls);
    }

    [Fact]
    public async Task A_failed_refill_fails_its_callers_and_the_next_call_tries_again()
    {
        var fail = true;
        var reserver = new Reserver();
        var allocator = new BlockAllocator<long>(count => fail ? Task.FromException<long>(new TimeoutException("no coordinator")) : reserver.ReserveAsync(count), 10);
        await Assert.ThrowsAsync<TimeoutException>(() => allocator.TakeAsync(1));
        fail = false;
        Assert.Equal(1000, await allocator.TakeAsync(1));
    }
}
