using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>
/// A proxy's one channel to the coordinator singleton, and what keeps the singleton off the data path: the metadata
/// cache, blocks of row ids and of write timestamps handed out locally, and fresh timestamps for Strong reads batched
/// into one round trip. Counts the requests it sends, so the savings can be measured. Thread-safe.
/// </summary>
public sealed class CoordinatorClient
{
    private readonly IActorRef _coordinator;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _attemptTimeout;
    private readonly RouteChanges _routeChanges;
    private readonly BlockAllocator<ulong> _writeTimestamps;
    private readonly BlockAllocator<long> _ids;
    private readonly TimestampBatcher _freshTimestamps;
    private long _asks;

    public CoordinatorClient(IActorRef coordinator, ProxySettings settings, RouteChanges routeChanges)
    {
        _coordinator = coordinator;
        _routeChanges = routeChanges;
        _timeout = settings.AskTimeout;
        _attemptTimeout = settings.CoordinatorAttemptTimeout;
        Catalog = new CatalogCache(settings.MetadataCacheTtl);
        _writeTimestamps = new BlockAllocator<ulong>(ReserveTimestampsAsync, settings.TimestampBlockSize);
        _freshTimestamps = new TimestampBatcher(ReserveTimestampsAsync);
        _ids = new BlockAllocator<long>(async count => (await AllocateAsync<IdsAllocated>(new AllocateIds(count))).First, settings.IdBlockSize);
    }

    /// <summary>Collection metadata the proxy answers from; <see cref="CatalogSubscriber"/> feeds it the coordinator's announcements.</summary>
    public CatalogCache Catalog { get; }

    /// <summary>Requests sent to the coordinator so far.</summary>
    public long Asks => Interlocked.Read(ref _asks);

    public Task<T> AskAsync<T>(object message, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _asks);
        return _coordinator.AskFor<T>(message, _timeout, cancellationToken);
    }

    /// <summary>A DDL command; its reply carries the catalog version after the change, which drops what this proxy cached before it.</summary>
    public async Task CatalogCommandAsync(object command, CancellationToken cancellationToken) =>
        Catalog.Observe((await AskAsync<CatalogChanged>(command, cancellationToken)).Version);

    /// <summary>
    /// A timestamp the oracle issued after this call began (concurrent callers share one round trip), so it is above
    /// every write any proxy had acknowledged by then: the timestamp of Strong reads and of the rpcs that hand one out.
    /// </summary>
    public Task<ulong> FreshTimestampAsync(CancellationToken cancellationToken) => _freshTimestamps.NextAsync(cancellationToken);

    /// <summary>
    /// A write's timestamp, from this proxy's block: it may be below writes other proxies made since, which is safe
    /// because a shard raises every write above what it has applied (ShardActor.NextTimestamp).
    /// </summary>
    public Task<ulong> WriteTimestampAsync(CancellationToken cancellationToken) => _writeTimestamps.TakeAsync(1, cancellationToken);

    /// <summary><paramref name="count"/> consecutive unique row ids; returns the first.</summary>
    public Task<long> IdsAsync(int count, CancellationToken cancellationToken) => _ids.TakeAsync(count, cancellationToken);

    /// <summary>
    /// Timestamps and ids are asked for in attempts (<see cref="ProxySettings.CoordinatorAttemptTimeout"/>): a request lost
    /// with a dead coordinator node reaches the singleton that took over as soon as it runs (sent again when a member
    /// leaves, it waits in the singleton proxy's buffer for the new singleton). Sending one again only
    /// leaves a gap of unused values, and the first answer wins.
    /// </summary>
    private Task<T> AllocateAsync<T>(object message)
    {
        Interlocked.Increment(ref _asks);
        return _coordinator.AskInAttemptsAsync<T>(message, _timeout, _attemptTimeout, backOff: false, _routeChanges, "through the coordinator singleton's proxy");
    }

    private async Task<ulong> ReserveTimestampsAsync(int count)
    {
        var allocated = await AllocateAsync<TimestampsAllocated>(new AllocateTimestamps(count));
        Catalog.Observe(allocated.CatalogVersion);
        return allocated.First;
    }
}
