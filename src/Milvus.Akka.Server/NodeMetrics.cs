using Akka.Actor;
using Akka.Cluster;
using Milvus.Akka.Proxy;
using Prometheus;

namespace Milvus.Akka.Server;

/// <summary>
/// A node's own metrics, read when /metrics is scraped: cluster members by status as this node sees them, the mailbox
/// depth of its coordinator, query-node, data-node and shard actors, and its proxy's metadata-cache hits. Kept in a
/// registry per node, so nodes sharing a process (tests) do not mix them.
/// </summary>
public static class NodeMetrics
{
    /// <summary>Adds the node's metrics to its registry (the one its <see cref="ManagementServer"/> exports).</summary>
    public static void Register(CollectorRegistry registry, ActorSystem system, MilvusProxy? proxy)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var members = factory.CreateGauge("milvus_akka_cluster_members", "Cluster members this node sees, by member status.", "status");
        var mailboxes = factory.CreateGauge("milvus_akka_mailbox_depth", "Messages waiting in the mailbox of a node's main actors (a shard counts its WAL actor too).",
            "actor");
        var cache = factory.CreateCounter("milvus_proxy_cache_hit_count", "Lookups of the proxy's collection metadata cache, by hit or miss.",
            "cache_name", "cache_type");
        registry.AddBeforeCollectCallback(() =>
        {
            if (system.WhenTerminated.IsCompleted)
            {
                return;
            }

            var seen = global::Akka.Cluster.Cluster.Get(system).State.Members.GroupBy(m => m.Status).ToDictionary(g => g.Key, g => g.Count());
            foreach (var status in Enum.GetValues<MemberStatus>())
            {
                members.WithLabels(status.ToString()).Set(seen.GetValueOrDefault(status));
            }

            var provider = ((ExtendedActorSystem)system).Provider;
            foreach (var (name, path) in new[] { ("coordinator", "user/coordinator/singleton"), ("query-node", "user/query-node"), ("data-node", "user/data-node") })
            {
                if (provider.ResolveActorRef(path.Split('/').Aggregate(provider.RootPath, (p, element) => p / element)) is ActorRefWithCell actor)
                {
                    mailboxes.WithLabels(name).Set(actor.Underlying.NumberOfMessages);
                }
            }

            if (provider.ResolveActorRef(provider.RootPath / "system" / "sharding" / CoordinatorShardType) is ActorRefWithCell region)
            {
                foreach (var shard in region.Children.OfType<ActorRefWithCell>().SelectMany(s => s.Children.OfType<ActorRefWithCell>()))
                {
                    mailboxes.WithLabels("shard/" + shard.Path.Name)
                        .Set(shard.Underlying.NumberOfMessages + shard.Children.OfType<ActorRefWithCell>().Sum(c => c.Underlying.NumberOfMessages));
                }
            }

            if (proxy is not null)
            {
                cache.WithLabels("collection", "hit").IncTo(proxy.Catalog.Hits);
                cache.WithLabels("collection", "miss").IncTo(proxy.Catalog.Misses);
            }
        });
    }

    private const string CoordinatorShardType = MilvusNode.ShardTypeName;
}
