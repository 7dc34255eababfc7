using Akka.Actor;
using Akka.Cluster;

namespace Milvus.Akka.Cluster;

/// <summary>
/// Tells requests in flight that a member left the cluster (<see cref="AttemptedAsks"/>): a request the member was to
/// answer is lost with it, and sending it again at once lets it wait in the shard region's or the singleton proxy's
/// buffer for the shard or singleton to start elsewhere, instead of waiting out its attempt timeout first.
/// </summary>
public sealed class RouteChanges : IExtension
{
    private CancellationTokenSource _next = new();

    /// <summary>Cancelled at the next change (a new token is handed out after each).</summary>
    public CancellationToken Next => Volatile.Read(ref _next).Token;

    public static RouteChanges Get(ActorSystem system) => system.WithExtension<RouteChanges, RouteChangesProvider>();

    internal void Signal() => Interlocked.Exchange(ref _next, new CancellationTokenSource()).Cancel();

    private sealed class RouteChangesProvider : ExtensionIdProvider<RouteChanges>
    {
        public override RouteChanges CreateExtension(ExtendedActorSystem system)
        {
            var changes = new RouteChanges();
            system.SystemActorOf(Props.Create(() => new RemovalWatcher(changes)), "route-changes");
            return changes;
        }
    }

    /// <summary>
    /// Signals a while after each removal: the shard region and the singleton proxy must first have dropped the removed
    /// node's shards and singleton (on the same removal), or the copy follows the old route and is lost too. Shards and
    /// singletons start elsewhere no sooner than akka.cluster.down-removal-margin after the removal, so half of it costs
    /// nothing.
    /// </summary>
    private sealed class RemovalWatcher : ReceiveActor, IWithTimers
    {
        private sealed record SignalNow;

        public RemovalWatcher(RouteChanges changes)
        {
            var cluster = global::Akka.Cluster.Cluster.Get(Context.System);
            var margin = Context.System.Settings.Config.GetString("akka.cluster.down-removal-margin", "off");
            var delay = margin == "off" ? TimeSpan.Zero : Context.System.Settings.Config.GetTimeSpan("akka.cluster.down-removal-margin") / 2;
            Receive<ClusterEvent.MemberRemoved>(removed => Timers.StartSingleTimer(removed.Member.UniqueAddress, new SignalNow(), delay));
            Receive<SignalNow>(_ => changes.Signal());
            cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PostStop() => global::Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }
}
