using Akka.Configuration;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>Typed view of <c>milvus.proxy.rest</c> (hocon/role.proxy.hocon): Milvus's RESTful API (v2) on the gRPC port.</summary>
public sealed record RestSettings(bool Enabled, long MaxBodyBytes)
{
    public static RestSettings Default { get; } = new(true, 64L << 20);

    public static RestSettings From(Config? proxy)
    {
        var c = proxy?.GetConfig("rest");
        if (c is null || c.IsEmpty)
        {
            return Default;
        }

        var settings = new RestSettings(c.GetBoolean("enabled", Default.Enabled), c.GetByteSize("max-body-size") ?? Default.MaxBodyBytes);
        return settings.MaxBodyBytes > 0 ? settings : throw new ConfigurationException("milvus.proxy.rest.max-body-size must be positive");
    }
}
