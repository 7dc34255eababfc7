using Akka.Actor;
using Akka.Event;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Streaming;

/// <summary>
/// The sharding entity of a streaming shard. Before the persistent <see cref="ShardActor"/> may replay its WAL it needs
/// the collection's schema and where its flushed segments are served, so this host asks the coordinator first,
/// buffers messages meanwhile, then starts the shard and forwards everything to it.
/// </summary>
public sealed class ShardEntity : ReceiveActor, IWithStash, IWithTimers
{
    private readonly string _shardName;
    private readonly IActorRef _coordinator;
    private readonly IObjectStore _objects;
    private readonly StreamingSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ShardEntity(string shardName, IActorRef coordinator, IObjectStore objects, StreamingSettings settings)
    {
        _shardName = shardName;
        _coordinator = coordinator;
        _objects = objects;
        _settings = settings;
        Receive<CatalogLoaded>(Start);
        Receive<CatalogUnavailable>(OnUnavailable);
        Receive<RetryCatalog>(_ => LoadCatalog());
        // A hand-off before the shard started: nothing is in flight; stashed requests go unanswered and are retried.
        Receive<StopShard>(_ => Context.Stop(Self));
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(string shardName, IActorRef coordinator, IObjectStore objects, StreamingSettings settings) =>
        global::Akka.Actor.Props.Create(() => new ShardEntity(shardName, coordinator, objects, settings));

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record CatalogLoaded(CollectionInfo Collection, ShardDistribution Distribution) : INoSerializationVerificationNeeded;

    private sealed record CatalogUnavailable(Exception Error) : INoSerializationVerificationNeeded;

    private sealed record RetryCatalog : INoSerializationVerificationNeeded;

    /// <summary>Logged at INFO with the two steps after it (journal replay, recovered): where a fail-over's time goes.</summary>
    protected override void PreStart()
    {
        _log.Info("Shard {0} starting here: reading its catalog", _shardName);
        LoadCatalog();
    }

    private void LoadCatalog()
    {
        var coordinator = _coordinator;
        var settings = _settings;
        var routeChanges = RouteChanges.Get(Context.System);
        var shard = _shardName;
        var collectionId = ShardNames.Parse(shard).CollectionId;
        Task.Run(async () =>
        {
            try
            {
                var described = await coordinator.AskRepeatableAsync<CollectionDescribed>(new DescribeCollectionById(collectionId), settings, routeChanges);
                var distribution = await coordinator.AskRepeatableAsync<ShardDistribution>(new GetShardDistribution(shard), settings, routeChanges);
                return (object)new CatalogLoaded(described.Collection, distribution);
            }
            catch (Exception e)
            {
                return new CatalogUnavailable(e);
            }
        }).PipeTo(Self);
    }

    private void OnUnavailable(CatalogUnavailable m)
    {
        if (m.Error is MilvusException { Code: ErrorCode.CollectionNotFound } missing)
        {
            _log.Info("Shard {0}: {1}; stopping", _shardName, missing.Message);
            Become(() =>
            {
                Receive<StopShard>(_ => Context.Stop(Self));
                ReceiveAny(_ => Sender.Tell(MilvusFailure.From(missing)));
            });
            Stash.UnstashAll();
            Context.Parent.Tell(new global::Akka.Cluster.Sharding.Passivate(PoisonPill.Instance));
            return;
        }

        _log.Warning(m.Error, "Shard {0} could not load its catalog; retrying", _shardName);
        Timers.StartSingleTimer("catalog", new RetryCatalog(), _settings.FlushRetryMin);
    }

    private void Start(CatalogLoaded m)
    {
        _log.Info("Shard {0} replaying its journal", _shardName);
        var shard = Context.ActorOf(ShardActor.Props(_shardName, m.Collection, m.Distribution, _coordinator, _objects, _settings), "wal");
        Context.Watch(shard);
        Become(() =>
        {
            Receive<Terminated>(t => t.ActorRef.Equals(shard), _ => Context.Stop(Self));
            ReceiveAny(message => shard.Forward(message));
        });
        Stash.UnstashAll();
    }
}
