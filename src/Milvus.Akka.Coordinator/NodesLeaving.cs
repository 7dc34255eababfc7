using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Members leaving the cluster, for the children that lease work to data nodes: a task held by a removed member is
/// handed out again at once, not after its lease (a killed data node would otherwise hold its builds for minutes).
/// </summary>
internal static class NodesLeaving
{
    /// <summary>Removals only, as events: the members already gone when the actor starts hold no lease of this incarnation.</summary>
    public static void Subscribe(IActorContext context) =>
        global::Akka.Cluster.Cluster.Get(context.System).Subscribe(context.Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberRemoved));

    public static void Unsubscribe(IActorContext context) => global::Akka.Cluster.Cluster.Get(context.System).Unsubscribe(context.Self);

    public static void LogReleased(ILoggingAdapter log, int released, string what, Address node)
    {
        if (released > 0)
        {
            log.Info("{0} {1} held by {2} handed out again: it left the cluster", released, what, node);
        }
    }
}
