using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>Hands the coordinator's <see cref="CatalogChanged"/> announcements (distributed pub-sub) to a proxy's metadata cache.</summary>
public sealed class CatalogSubscriber : ReceiveActor
{
    public CatalogSubscriber(CatalogCache cache)
    {
        Receive<CatalogChanged>(m => cache.Observe(m.Version));
        Receive<SubscribeAck>(_ => { });
    }

    public static Props Props(CatalogCache cache) => global::Akka.Actor.Props.Create(() => new CatalogSubscriber(cache));

    protected override void PreStart() => DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topics.Catalog, Self));
}
