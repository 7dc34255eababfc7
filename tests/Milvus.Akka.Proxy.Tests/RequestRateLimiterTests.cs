using Milvus.Akka.Proxy.Quotas;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>The proxy's token buckets, driven with an explicit clock.</summary>
public sealed class RequestRateLimiterTests
{
    private static readonly TimeSpan T0 = TimeSpan.FromSeconds(100);

    private static RequestRateLimiter Limiter(double cluster = -1, double database = -1, double collection = -1) =>
        new((_, scope) => scope switch
        {
            RateScope.Cluster => cluster,
            RateScope.Database => database,
            _ => collection,
        });

    [Fact]
    public void Negative_rates_admit_everything()
    {
        var limiter = Limiter();
        for (var i = 0; i < 1000; i++)
        {
            Assert.Null(limiter.TryAcquire(RateType.Insert, "default", "c", 1e9, T0));
        }
    }

    [Fact]
    public void A_bucket_admits_a_second_s_worth_then_refuses_until_it_refills()
    {
        var limiter = Limiter(collection: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(limiter.TryAcquire(RateType.Query, "default", "c", 1, T0));
        }

        Assert.Equal(3, limiter.TryAcquire(RateType.Query, "default", "c", 1, T0));
        // 300 ms at 3/s refill 0.9 tokens: credit, so one more passes and leaves 0.1 of debt, repaid after 33 ms.
        Assert.Null(limiter.TryAcquire(RateType.Query, "default", "c", 1, T0 + TimeSpan.FromMilliseconds(300)));
        Assert.Equal(3, limiter.TryAcquire(RateType.Query, "default", "c", 1, T0 + TimeSpan.FromMilliseconds(320)));
        Assert.Null(limiter.TryAcquire(RateType.Query, "default", "c", 1, T0 + TimeSpan.FromMilliseconds(340)));
    }

    [Fact]
    public void A_request_bigger_than_a_second_s_worth_passes_once_and_its_debt_holds_the_next_ones()
    {
        var limiter = Limiter(collection: 100);
        Assert.Null(limiter.TryAcquire(RateType.Insert, "default", "c", 350, T0));
        // 250 tokens of debt take 2.5 s to repay at 100/s.
        Assert.NotNull(limiter.TryAcquire(RateType.Insert, "default", "c", 1, T0 + TimeSpan.FromSeconds(2.5)));
        Assert.Null(limiter.TryAcquire(RateType.Insert, "default", "c", 1, T0 + TimeSpan.FromSeconds(2.6)));
    }

    [Fact]
    public void Collections_have_their_own_buckets_and_share_their_database_s()
    {
        var limiter = Limiter(database: 3, collection: 2);
        Assert.Null(limiter.TryAcquire(RateType.Search, "db", "a", 1, T0));
        Assert.Null(limiter.TryAcquire(RateType.Search, "db", "a", 1, T0));
        Assert.Equal(2, limiter.TryAcquire(RateType.Search, "db", "a", 1, T0));
        // b's own bucket is full, but the database has one token left.
        Assert.Null(limiter.TryAcquire(RateType.Search, "db", "b", 1, T0));
        Assert.Equal(3, limiter.TryAcquire(RateType.Search, "db", "b", 1, T0));
        // Another database, and another rate type, are not touched.
        Assert.Null(limiter.TryAcquire(RateType.Search, "other", "a", 1, T0));
        Assert.Null(limiter.TryAcquire(RateType.Query, "db", "a", 1, T0));
    }

    [Fact]
    public void A_refused_request_takes_nothing_from_the_buckets_that_had_credit()
    {
        var limiter = Limiter(cluster: 2, collection: 1);
        Assert.Null(limiter.TryAcquire(RateType.Delete, "db", "a", 1, T0));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(1, limiter.TryAcquire(RateType.Delete, "db", "a", 1, T0));
        }

        // The cluster bucket still holds the token the refused requests did not take.
        Assert.Null(limiter.TryAcquire(RateType.Delete, "db", "b", 1, T0));
        Assert.Equal(2, limiter.TryAcquire(RateType.Delete, "db", "c", 1, T0));
    }

    [Fact]
    public void A_rate_of_zero_refuses_everything()
    {
        var limiter = Limiter(database: 0);
        Assert.Equal(0, limiter.TryAcquire(RateType.Upsert, "db", "a", 1, T0));
        Assert.Equal(0, limiter.TryAcquire(RateType.Upsert, "db", "a", 1, T0 + TimeSpan.FromHours(1)));
    }
}
