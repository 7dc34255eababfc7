using Akka.Configuration;

namespace Milvus.Akka.Query;

/// <summary>Typed view of <c>milvus.query</c>; see hocon/role.query.hocon.</summary>
public sealed record QuerySettings(TimeSpan RegisterInterval)
{
    public static QuerySettings From(Config config) =>
        new(config.GetTimeSpan("milvus.query.register-interval", TimeSpan.FromSeconds(5)));
}
