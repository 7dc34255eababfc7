using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.Singleton;
using Milvus.Akka.Client;
using Milvus.Akka.Cluster;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Data;
using Milvus.Akka.Persistence.Kafka;
using Milvus.Akka.Proxy;
using Milvus.Akka.Proxy.ClientGateway;
using Milvus.Akka.Proxy.Grpc;
using Milvus.Akka.Proxy.WebConsole;
using Milvus.Akka.Query;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Hosting;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Server;

/// <summary>
/// One Milvus.Akka process: an ActorSystem in the cluster running the configured roles. The standalone server and
/// every node of a cluster start through here, so both run the same code paths; only the configured plugins differ.
/// </summary>
public sealed class MilvusNode : IAsyncDisposable
{
    public const string SystemName = "milvus";
    public const string ShardTypeName = CoordinatorActor.ShardTypeName;

    private readonly IObjectStore _objects;
    private readonly IMetaStore _meta;

    private readonly MilvusGrpcHost? _grpc;
    private readonly ManagementServer? _management;

    private MilvusNode(NodeOptions options, ActorSystem system, IObjectStore objects, IMetaStore meta, MilvusProxy? proxy, MilvusGrpcHost? grpc,
        ManagementServer? management)
    {
        _management = management;
        Options = options;
        System = system;
        _objects = objects;
        _meta = meta;
        Proxy = proxy;
        _grpc = grpc;
    }

    public NodeOptions Options { get; }

    public ActorSystem System { get; }

    /// <summary>The object storage of this node's segments, indexes and snapshots, where bulk imports read their files.</summary>
    public IObjectStore Objects => _objects;

    /// <summary>The proxy API, on nodes with the proxy role.</summary>
    public MilvusProxy? Proxy { get; }

    /// <summary>The port of the Milvus gRPC API, on nodes with the proxy role.</summary>
    public int? GrpcPort => _grpc?.Port;

    /// <summary>The port of /healthz and /metrics; null when it could not be bound.</summary>
    public int? ManagementPort => _management?.Port;

    public Address Address => global::Akka.Cluster.Cluster.Get(System).SelfAddress;

    public static async Task<MilvusNode> StartAsync(NodeOptions options, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(options.DataDir);
        var config = MilvusConfig.Load(options);
        SqliteJournalFile.From(config).Apply(config);
        var storage = StorageSettings.From(config);
        var objects = storage.CreateObjectStore();
        var meta = storage.CreateMetaStore();
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(SystemName, RemotingTls.From(config).Setup(config));
        }
        catch
        {
            await CloseStoresAsync(objects, meta);
            throw;
        }

        ManagementServer? management = null;
        try
        {
            return await StartRolesAsync(options, config, system, objects, meta, m => management = m, cancellationToken);
        }
        catch
        {
            // A node that cannot finish starting (its gRPC port taken, meta storage unreachable) leaves the cluster it
            // joined and releases its stores, so the process can exit with the reason instead of lingering half started.
            if (management is not null)
            {
                await management.DisposeAsync();
            }

            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
            await system.WhenTerminated;
            await CloseStoresAsync(objects, meta);
            throw;
        }
    }

    private static async Task<MilvusNode> StartRolesAsync(NodeOptions options, Config config, ActorSystem system, IObjectStore objects,
        IMetaStore meta, Action<ManagementServer?> managementStarted, CancellationToken cancellationToken)
    {
        // The object-store snapshot plugin (milvus.streaming.snapshot-plugin-id) keeps shard snapshots next to the segments.
        SnapshotObjectStores.Get(system).Register("default", objects);
        // Served from the start, so probes see 503 (with the reason) until every role has started.
        var health = new NodeHealth(system, meta);
        var nodeMetrics = Prometheus.Metrics.NewCustomRegistry();
        var proxySettings = ProxySettings.From(config);
        // The console is mapped now, with the other routes, and answers 503 until the proxy below has started.
        MilvusProxy? proxy = null;
        var console = options.Roles.Contains(Roles.Proxy) && proxySettings.Console.Enabled
            ? app => ConsoleEndpoints.Map(app, () => Volatile.Read(ref proxy), global::Akka.Cluster.Cluster.Get(system).SelfAddress.ToString())
            : (Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder>?)null;
        var management = await ManagementServer.StartAsync(ManagementSettings.From(config), health, nodeMetrics, system.Log, cancellationToken, console);
        managementStarted(management);
        var cluster = global::Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        if (options.Seeds.Length == 0)
        {
            await cluster.JoinAsync(cluster.SelfAddress, cancellationToken);
        }

        await up.Task.WaitAsync(cancellationToken);
        if (DeadNodeDowningSettings.From(config) is { Enabled: true } deadNodeDowning)
        {
            system.ActorOf(DeadNodeDowner.Props(deadNodeDowning), "dead-node-downer");
        }

        var roles = options.Roles;
        var coordinator = system.ActorOf(
            ClusterSingletonProxy.Props("/user/coordinator", ClusterSingletonProxySettings.Create(system).WithRole(Roles.Coordinator)),
            "coordinator-proxy");
        var streaming = StreamingSettings.From(config);
        var sharding = ClusterSharding.Get(system);
        var shardRegion = roles.Contains(Roles.Streaming)
            ? await sharding.StartAsync(ShardTypeName, shard => ShardEntity.Props(shard, coordinator, objects, streaming),
                ClusterShardingSettings.Create(system).WithRole(Roles.Streaming), ShardMessageExtractor.Instance,
                new ShardPlacementStrategy(system, ShardTypeName), StopShard.Instance)
            : await sharding.StartProxyAsync(ShardTypeName, Roles.Streaming, ShardMessageExtractor.Instance);
        if (roles.Contains(Roles.Streaming))
        {
            _ = RecoveryWarmUp.RunAsync(system, streaming);
        }

        if (roles.Contains(Roles.Coordinator))
        {
            system.ActorOf(ClusterSingletonManager.Props(
                CoordinatorActor.Props(meta, objects, CoordinatorSettings.From(config), shardRegion),
                PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(Roles.Coordinator)), "coordinator");
        }

        if (roles.Contains(Roles.Query))
        {
            system.ActorOf(QueryNodeActor.Props(objects, coordinator, QuerySettings.From(config)), "query-node");
        }

        if (roles.Contains(Roles.Data))
        {
            system.ActorOf(DataNodeActor.Props(objects, coordinator, shardRegion, DataSettings.From(config)), "data-node");
        }

        Volatile.Write(ref proxy, roles.Contains(Roles.Proxy) ? new MilvusProxy(coordinator, shardRegion, proxySettings, RouteChanges.Get(system), LocalShards.Get(system),
            objects, ImportJob.NodeName(cluster.SelfUniqueAddress)) : null);
        if (proxy is not null)
        {
            system.ActorOf(CatalogSubscriber.Props(proxy.Catalog), "proxy-catalog");
        }

        var grpc = proxy is null ? null
            : await MilvusGrpcHost.StartAsync(proxy, new ServerInfoOptions(roles.Length == NodeOptions.AllRoles.Length ? "STANDALONE" : "CLUSTER"), cancellationToken);
        if (grpc is not null)
        {
            // .NET applications reach the same API through Akka's ClusterClient (Milvus.Akka.Client).
            ClusterClientReceptionist.Get(system).RegisterService(system.ActorOf(MilvusClientGateway.Props(grpc), ClientOperations.GatewayName));
        }

        NodeMetrics.Register(nodeMetrics, system, proxy);
        health.MarkStarted();
        system.Log.Info("Milvus.Akka node {0} up with roles [{1}], data in {2}", cluster.SelfAddress, string.Join(", ", roles),
            Path.GetFullPath(options.DataDir));
        return new MilvusNode(options, system, objects, meta, proxy, grpc, management);
    }

    /// <summary>Leaves the cluster gracefully: shards hand off, in-flight writes finish, then the stores close.</summary>
    public ValueTask DisposeAsync() => StopAsync(() => CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClrExitReason.Instance));

    /// <summary>
    /// Stops the ActorSystem at once, as a crash would stop it (with akka.coordinated-shutdown.run-by-actor-system-terminate
    /// = off, nothing hands off or leaves gracefully): only what was acknowledged is guaranteed to be in the WAL.
    /// </summary>
    public ValueTask AbortAsync() => StopAsync(System.Terminate);

    private async ValueTask StopAsync(Func<Task> stop)
    {
        if (_management is not null)
        {
            await _management.DisposeAsync();
        }

        if (_grpc is not null)
        {
            await _grpc.DisposeAsync();
        }

        await stop();
        await System.WhenTerminated;
        await CloseStoresAsync(_objects, _meta);
    }

    private static async ValueTask CloseStoresAsync(IObjectStore objects, IMetaStore meta)
    {
        await objects.DisposeAsync();
        await meta.DisposeAsync();
    }
}
