using System.Collections.Immutable;
using Akka.Configuration;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Query;

/// <summary>Typed view of <c>milvus.query</c>; see hocon/role.query.hocon.</summary>
public sealed record QuerySettings(TimeSpan RegisterInterval, ImmutableArray<NodeLabel> Labels)
{
    public static QuerySettings From(Config config) =>
        new(config.GetTimeSpan("milvus.query.register-interval", TimeSpan.FromSeconds(5)), LabelsOf(config.GetConfig("milvus.query.labels")));

    private static ImmutableArray<NodeLabel> LabelsOf(Config? labels) =>
        labels is null || labels.IsEmpty
            ? []
            : [.. labels.AsEnumerable().Select(e => new NodeLabel(e.Key, e.Value.GetString())).OrderBy(l => l.Key, StringComparer.Ordinal)];
}
