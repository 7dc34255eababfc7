using Milvus.Akka.Proxy.WebConsole;

namespace Milvus.Akka.Proxy.Tests.WebConsole;

public sealed class SlowRequestLogTests
{
    private static SlowRequest Request(int n) => new(DateTimeOffset.UnixEpoch.AddSeconds(n), "Search", "default", $"c{n}", "", n, false, "");

    [Fact]
    public void Requests_at_or_over_the_threshold_are_slow()
    {
        var log = new SlowRequestLog(TimeSpan.FromMilliseconds(100), 10);
        Assert.False(log.IsSlow(TimeSpan.FromMilliseconds(99.9)));
        Assert.True(log.IsSlow(TimeSpan.FromMilliseconds(100)));
        Assert.False(new SlowRequestLog(TimeSpan.Zero, 0).IsSlow(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Keeps_the_newest_up_to_its_capacity_newest_first()
    {
        var log = new SlowRequestLog(TimeSpan.Zero, 3);
        for (var n = 1; n <= 7; n++)
        {
            log.Add(Request(n));
        }

        Assert.Equal(["c7", "c6", "c5"], log.NewestFirst().Select(r => r.Collection));
    }

    [Fact]
    public void Records_only_slow_reads_and_writes_but_counts_every_rpc()
    {
        var time = new ManualTime(DateTimeOffset.FromUnixTimeSeconds(500));
        var activity = new RequestActivity(ConsoleSettings.Default with { SlowRequestThreshold = TimeSpan.FromMilliseconds(50), RateWindowSeconds = 4 }, time);
        activity.Record("Search", TimeSpan.FromMilliseconds(80), false, (at, ms) => Request((int)ms));
        activity.Record("Insert", TimeSpan.FromMilliseconds(10), false, (_, _) => throw new InvalidOperationException("a fast request is not described"));
        activity.Record("LoadCollection", TimeSpan.FromSeconds(3), false, (_, _) => throw new InvalidOperationException("only reads and writes are slow requests"));
        activity.Record("Delete", TimeSpan.FromMilliseconds(60), true, (at, ms) => Request((int)ms) with { Failed = true });
        time.Now = time.Now.AddSeconds(1);

        Assert.Equal(["c60", "c80"], activity.SlowRequests.NewestFirst().Select(r => r.Collection));
        var last = activity.Rates.Samples(501)[^1];
        Assert.Equal(new RateSample(500, 4, 1, 2, 1, (80 + 10 + 3000 + 60) / 4.0, 3000), last);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
