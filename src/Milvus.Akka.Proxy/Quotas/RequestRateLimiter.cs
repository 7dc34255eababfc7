namespace Milvus.Akka.Proxy.Quotas;

/// <summary>The kinds of request Milvus rate-limits, each with its own rates (<c>milvus.quota.dml</c> / <c>dql</c>).</summary>
public enum RateType
{
    /// <summary>Insert, in bytes of the request.</summary>
    Insert,

    /// <summary>Upsert, in bytes of the request.</summary>
    Upsert,

    /// <summary>Delete, in bytes of the request.</summary>
    Delete,

    /// <summary>Search, in query vectors (nq), as Milvus counts it.</summary>
    Search,

    /// <summary>Query, in requests.</summary>
    Query,
}

/// <summary>Where a rate applies: the whole cluster, one database, or one collection of a database.</summary>
public enum RateScope
{
    Cluster,
    Database,
    Collection,
}

/// <summary>
/// Milvus's proxy rate limiter: one token bucket per (rate type, scope, database/collection) holding at most one
/// second's worth of tokens. A request is admitted while every bucket it falls under still has credit, and then takes
/// its full cost from each, even into debt (so a request bigger than a second's worth still passes once, and the next
/// ones wait until the debt is repaid), as Milvus's limiter does. Pure and thread-safe: the caller passes the time.
/// </summary>
public sealed class RequestRateLimiter(Func<RateType, RateScope, double> ratePerSecond)
{
    private readonly Dictionary<(RateType, RateScope, string, string), TokenBucket> _buckets = [];
    private readonly Lock _lock = new();

    /// <summary>
    /// Admits a request of <paramref name="cost"/> units at <paramref name="now"/>, or returns the rate of the first
    /// bucket without credit (the request then takes nothing from any bucket). A negative rate means unlimited.
    /// </summary>
    public double? TryAcquire(RateType type, string database, string collection, double cost, TimeSpan now)
    {
        (RateScope Scope, string Database, string Collection)[] scopes =
            [(RateScope.Cluster, "", ""), (RateScope.Database, database, ""), (RateScope.Collection, database, collection)];
        var admitted = new List<TokenBucket>(scopes.Length);
        lock (_lock)
        {
            foreach (var (scope, db, name) in scopes)
            {
                var rate = ratePerSecond(type, scope);
                if (rate < 0)
                {
                    continue;
                }

                var key = (type, scope, db, name);
                if (!_buckets.TryGetValue(key, out var bucket) || bucket.Rate != rate)
                {
                    // A changed rate starts a fresh bucket, as Milvus's limiter does when its limit is set again.
                    _buckets[key] = bucket = new TokenBucket(rate, now);
                }

                if (!bucket.HasCredit(now))
                {
                    return rate;
                }

                admitted.Add(bucket);
            }

            foreach (var bucket in admitted)
            {
                bucket.Take(cost);
            }

            return null;
        }
    }

    /// <summary>A bucket refilled at <see cref="Rate"/> tokens a second up to one second's worth; it may go into debt.</summary>
    private sealed class TokenBucket(double rate, TimeSpan now)
    {
        private double _tokens = rate;
        private TimeSpan _updated = now;

        public double Rate { get; } = rate;

        public bool HasCredit(TimeSpan now)
        {
            if (now > _updated)
            {
                _tokens = Math.Min(Rate, _tokens + (now - _updated).TotalSeconds * Rate);
                _updated = now;
            }

            return _tokens > 0;
        }

        public void Take(double cost) => _tokens -= cost;
    }
}
