using System.Collections.Frozen;
using Akka.Configuration;

namespace Milvus.Akka.Proxy.Quotas;

/// <summary>
/// Typed view of the proxy's part of <c>milvus.quota</c> (Milvus's quotaAndLimits; hocon/milvus.base.hocon): request
/// rates per type and scope, and the largest insert. Rates are per second in the unit of <see cref="RateType"/>
/// (bytes for writes, query vectors for search, requests for query); negative means unlimited.
/// </summary>
public sealed record QuotaSettings(bool DmlEnabled, bool DqlEnabled, FrozenDictionary<(RateType, RateScope), double> Rates, long MaxInsertSize)
{
    private const double BytesPerMegabyte = 1024 * 1024;

    /// <summary>Milvus's defaults: no rate limits, no insert size limit.</summary>
    public static QuotaSettings Default { get; } = new(false, false, FrozenDictionary<(RateType, RateScope), double>.Empty, -1);

    /// <summary>The rate of a type at a scope; negative (unlimited) when its group (dml or dql) is off or none is set.</summary>
    public double RatePerSecond(RateType type, RateScope scope) =>
        (type is RateType.Search or RateType.Query ? DqlEnabled : DmlEnabled) && Rates.TryGetValue((type, scope), out var rate) ? rate : -1;

    public static QuotaSettings From(Config config)
    {
        var c = config.GetConfig("milvus.quota");
        if (c is null || c.IsEmpty)
        {
            return Default;
        }

        var rates = new Dictionary<(RateType, RateScope), double>();
        Read("dml.insert-rate", RateType.Insert, BytesPerMegabyte);
        Read("dml.upsert-rate", RateType.Upsert, BytesPerMegabyte);
        Read("dml.delete-rate", RateType.Delete, BytesPerMegabyte);
        Read("dql.search-rate", RateType.Search, 1);
        Read("dql.query-rate", RateType.Query, 1);
        return new QuotaSettings(c.GetBoolean("dml.enabled", false), c.GetBoolean("dql.enabled", false), rates.ToFrozenDictionary(),
            c.GetString("limits.max-insert-size", "-1") == "-1" ? -1 : c.GetByteSize("limits.max-insert-size") ?? -1);

        void Read(string path, RateType type, double unit)
        {
            foreach (var (scope, key) in new[] { (RateScope.Cluster, "max"), (RateScope.Database, "db.max"), (RateScope.Collection, "collection.max") })
            {
                var value = c.GetDouble($"{path}.{key}", -1);
                if (value >= 0)
                {
                    rates[(type, scope)] = value * unit;
                }
            }
        }
    }
}
