using Akka.Configuration;

namespace Milvus.Akka.Data;

/// <summary>Typed view of <c>milvus.data</c>; see hocon/role.data.hocon.</summary>
public sealed record DataSettings(TimeSpan PollInterval, TimeSpan AskTimeout)
{
    public static DataSettings From(Config config) => new(
        config.GetTimeSpan("milvus.data.poll-interval", TimeSpan.FromSeconds(2)),
        config.GetTimeSpan("milvus.data.ask-timeout", TimeSpan.FromSeconds(30)));
}
