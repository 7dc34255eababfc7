using Akka.Configuration;

namespace Milvus.Akka.Proxy.WebConsole;

/// <summary>Typed view of <c>milvus.proxy.console</c> (hocon/role.proxy.hocon): the read-only web console of a proxy node.</summary>
public sealed record ConsoleSettings(bool Enabled, TimeSpan SlowRequestThreshold, int SlowRequestsKept, int RateWindowSeconds)
{
    public static ConsoleSettings Default { get; } = new(true, TimeSpan.FromSeconds(5), 100, 120);

    public static ConsoleSettings From(Config? proxy)
    {
        var c = proxy?.GetConfig("console");
        if (c is null || c.IsEmpty)
        {
            return Default;
        }

        var settings = new ConsoleSettings(
            c.GetBoolean("enabled", Default.Enabled),
            c.GetTimeSpan("slow-request-threshold", Default.SlowRequestThreshold),
            c.GetInt("slow-requests-kept", Default.SlowRequestsKept),
            (int)c.GetTimeSpan("rate-window", TimeSpan.FromSeconds(Default.RateWindowSeconds)).TotalSeconds);
        if (settings.SlowRequestsKept < 0 || settings.RateWindowSeconds < 2 || settings.SlowRequestThreshold < TimeSpan.Zero)
        {
            throw new ConfigurationException(
                "milvus.proxy.console: slow-requests-kept must be 0 or more, rate-window at least 2s and slow-request-threshold not negative");
        }

        return settings;
    }
}
