using Milvus.Akka.Proxy.WebConsole;

namespace Milvus.Akka.Proxy.Tests.WebConsole;

public sealed class RequestRateWindowTests
{
    [Fact]
    public void Samples_are_the_complete_seconds_before_now_oldest_first_with_idle_seconds_as_zeros()
    {
        var window = new RequestRateWindow(5);
        window.Record(101, RequestKind.Read, 10, failed: false);
        window.Record(101, RequestKind.Write, 30, failed: true);
        window.Record(101, RequestKind.Other, 2, failed: false);
        window.Record(103, RequestKind.Read, 4, failed: false);
        window.Record(104, RequestKind.Read, 4, failed: false); // the second still running is not shown

        var samples = window.Samples(104);

        Assert.Equal(4, window.Length);
        Assert.Equal([100L, 101L, 102L, 103L], samples.Select(s => s.UnixSecond));
        Assert.Equal(new RateSample(100, 0, 0, 0, 0, 0, 0), samples[0]);
        Assert.Equal(new RateSample(101, 3, 1, 1, 1, 14, 30), samples[1]);
        Assert.Equal(new RateSample(102, 0, 0, 0, 0, 0, 0), samples[2]);
        Assert.Equal(new RateSample(103, 1, 1, 0, 0, 4, 4), samples[3]);
    }

    [Fact]
    public void A_slot_reused_by_a_later_second_forgets_the_old_one_and_a_late_record_is_dropped()
    {
        var window = new RequestRateWindow(3);
        window.Record(10, RequestKind.Read, 1, failed: false);
        window.Record(13, RequestKind.Read, 5, failed: false); // same slot as 10
        window.Record(10, RequestKind.Read, 1, failed: false); // finished too late: its second left the window

        var samples = window.Samples(14);

        Assert.Equal([12L, 13L], samples.Select(s => s.UnixSecond));
        Assert.Equal(0, samples[0].Requests);
        Assert.Equal(new RateSample(13, 1, 1, 0, 0, 5, 5), samples[1]);
        Assert.All(window.Samples(30), s => Assert.Equal(0, s.Requests));
    }

    [Fact]
    public void Counts_match_an_oracle_over_random_traffic()
    {
        var random = new Random(7);
        var window = new RequestRateWindow(10);
        var oracle = new Dictionary<long, List<double>>();
        for (var i = 0; i < 5_000; i++)
        {
            var second = 1_000 + random.Next(20);
            var latency = random.NextDouble() * 100;
            window.Record(second, RequestKind.Read, latency, failed: false);
            (oracle.TryGetValue(second, out var list) ? list : oracle[second] = []).Add(latency);
        }

        foreach (var sample in window.Samples(1_020))
        {
            // Seconds arrive out of order; 1011..1019 each share a slot with the second ten before, which they displace
            // for good, so every one of their records counts.
            var expected = oracle[sample.UnixSecond];
            Assert.Equal(expected.Count, sample.Requests);
            Assert.Equal(expected.Average(), sample.MeanLatencyMs, 9);
            Assert.Equal(expected.Max(), sample.MaxLatencyMs);
        }
    }

    [Fact]
    public void A_window_shorter_than_two_seconds_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RequestRateWindow(1));
}
