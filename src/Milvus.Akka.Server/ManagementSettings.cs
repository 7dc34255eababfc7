using Akka.Configuration;

namespace Milvus.Akka.Server;

/// <summary>Typed view of <c>milvus.management</c>: where a node serves /healthz and /metrics.</summary>
public sealed record ManagementSettings(string Host, int Port)
{
    public static ManagementSettings Default { get; } = new("0.0.0.0", 9091);

    public static ManagementSettings From(Config config)
    {
        var c = config.GetConfig("milvus.management");
        return c is null || c.IsEmpty ? Default : new ManagementSettings(c.GetString("host", Default.Host), c.GetInt("port", Default.Port));
    }
}
