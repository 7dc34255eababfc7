using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Proxy;

/// <summary>
/// The proxy's API: what the gRPC edge and in-process .NET callers use. DDL goes to the coordinator, writes to the
/// shards that own their primary keys, reads to every shard delegator, whose results it reduces. Its only state keeps
/// the coordinator off the data path (<see cref="CoordinatorClient"/>: cached metadata, id and timestamp blocks).
/// Every failure is a <see cref="MilvusException"/> with a Milvus status code.
/// </summary>
public sealed partial class MilvusProxy(IActorRef coordinator, IActorRef shardRegion, ProxySettings settings)
{
    private readonly CoordinatorClient _coordinator = new(coordinator, settings);

    public ProxySettings Settings => settings;

    /// <summary>Collection metadata this proxy answers from; <see cref="CatalogSubscriber"/> feeds it the coordinator's announcements.</summary>
    public CatalogCache Catalog => _coordinator.Catalog;

    /// <summary>Requests this proxy has sent to the coordinator so far.</summary>
    public long CoordinatorAsks => _coordinator.Asks;

    private Task<T> Coordinator<T>(object message, CancellationToken cancellationToken = default) =>
        _coordinator.AskAsync<T>(message, cancellationToken);

    private async Task<T> Shard<T>(object message, CancellationToken cancellationToken = default)
    {
        try
        {
            return await AskShardAsync<T>(message, cancellationToken);
        }
        catch (MilvusException e) when (e.Code == ErrorCode.CollectionNotFound && message is IShardCommand command)
        {
            // The collection was dropped while cached here (its announcement was lost): describe it again next time.
            Catalog.Forget(ShardNames.Parse(command.ShardName).CollectionId);
            throw;
        }
    }

    /// <summary>
    /// Asks a shard through the shard region, and while no answer has come, asks again through the region every
    /// <see cref="ProxySettings.ShardAttemptTimeout"/> until <see cref="ProxySettings.AskTimeout"/> has passed; the first
    /// answer wins. A message lost with a dead streaming node is thus sent again to where sharding restarted the shard,
    /// while earlier attempts stay open, so a merely slow shard still answers the first one. Writes carry request ids: a
    /// batch that arrived more than once is applied once and every copy is answered with its first acknowledgement.
    /// Reads and flushes, whose repetition costs work, wait twice as long before each further attempt. A retriable
    /// failure (a shard or node not ready yet) is asked again after a short pause.
    /// </summary>
    private async Task<T> AskShardAsync<T>(object message, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + settings.AskTimeout;
        // Nearly every request is answered by its first attempt in time: that path costs one ask and one timer, with no
        // linked tokens, delays or task lists (it runs once per shard of every search).
        var first = shardRegion.AskFor<T>(message, settings.AskTimeout, cancellationToken);
        try
        {
            return await first.WaitAsync(settings.ShardAttemptTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // No answer yet: the first attempt stays open while the next ones go out.
        }
        catch (MilvusException e) when (IsRetriable(e) && DateTimeOffset.UtcNow + RetryPause < deadline)
        {
            await Task.Delay(RetryPause, cancellationToken);
            first = null;
        }

        return await RetryShardAsync(message, first, deadline, cancellationToken);
    }

    private async Task<T> RetryShardAsync<T>(object message, Task<T>? firstAttempt, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var interval = settings.ShardAttemptTimeout;
        var growing = message is not (InsertRows or DeleteRows);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var open = new List<Task<T>>();
        if (firstAttempt is not null)
        {
            open.Add(firstAttempt);
            if (growing)
            {
                interval *= 2;
            }
        }

        for (var attempt = open.Count + 1; ; attempt++)
        {
            var remaining = deadline - DateTimeOffset.UtcNow;
            open.Add(shardRegion.AskFor<T>(message, remaining, abandon.Token));
            using var nextAttempt = CancellationTokenSource.CreateLinkedTokenSource(abandon.Token);
            // The last attempt (its timeout is the deadline) only waits for the open ones to answer or time out.
            var wait = Task.Delay(interval < remaining ? interval : Timeout.InfiniteTimeSpan, nextAttempt.Token);
            while (true)
            {
                var done = await Task.WhenAny(new List<Task>(open) { wait });
                if (done == wait)
                {
                    break;
                }

                var answered = (Task<T>)done;
                open.Remove(answered);
                try
                {
                    var reply = await answered;
                    await abandon.CancelAsync();
                    return reply;
                }
                catch (MilvusException e) when (IsRetriable(e) && DateTimeOffset.UtcNow + RetryPause < deadline)
                {
                    if (open.Count == 0)
                    {
                        await Task.Delay(RetryPause, abandon.Token);
                        break;
                    }
                }
                catch (MilvusException e) when (IsRetriable(e))
                {
                    await abandon.CancelAsync();
                    throw new MilvusException(e.Code, $"{message.GetType().Name} was not answered within {settings.AskTimeout.TotalSeconds:0.#} s "
                        + $"({attempt} attempts through the shard region; last: {e.Message})", e);
                }
                catch
                {
                    await abandon.CancelAsync();
                    throw;
                }
            }

            await nextAttempt.CancelAsync();
            if (growing)
            {
                interval *= 2;
            }
        }
    }

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    /// <summary>Failures a later attempt can overcome: no answer in time, or a shard or node not ready yet.</summary>
    private static bool IsRetriable(MilvusException e) => e.Code is ErrorCode.ServiceUnavailable or ErrorCode.ServiceNotReady;

    private static string Db(string? database) => string.IsNullOrEmpty(database) ? DatabaseInfo.DefaultName : database;

    /// <summary>A timestamp the oracle issued after this call began; see <see cref="CoordinatorClient.FreshTimestampAsync"/>.</summary>
    public Task<ulong> AllocateTimestampAsync(CancellationToken cancellationToken = default) =>
        _coordinator.FreshTimestampAsync(cancellationToken);

    // Databases.

    public Task CreateDatabaseAsync(string name, ImmutableSortedDictionary<string, string>? properties = null, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new CreateDatabase(name, properties ?? ImmutableSortedDictionary<string, string>.Empty), cancellationToken);

    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropDatabase(name), cancellationToken);

    public Task AlterDatabaseAsync(string name, ImmutableSortedDictionary<string, string> properties, ImmutableArray<string> deleteKeys,
        CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterDatabase(name, properties, deleteKeys), cancellationToken);

    public async Task<ImmutableArray<DatabaseInfo>> ListDatabasesAsync(CancellationToken cancellationToken = default) =>
        (await Coordinator<DatabaseList>(ListDatabases.Instance, cancellationToken)).Databases;

    // Collections, partitions, aliases.

    public async Task<CollectionInfo> CreateCollectionAsync(string? database, CollectionSchema schema, int shards = 1,
        ConsistencyLevel consistency = ConsistencyLevel.Bounded, int numPartitions = 0,
        ImmutableSortedDictionary<string, string>? properties = null, CancellationToken cancellationToken = default)
    {
        var created = await Coordinator<CollectionDescribed>(new CreateCollection(Db(database), schema, shards, consistency, numPartitions,
            properties ?? ImmutableSortedDictionary<string, string>.Empty), cancellationToken);
        Catalog.Observe(created.CatalogVersion);
        return created.Collection;
    }

    /// <summary>The collection as the coordinator has it now (DescribeCollection, HasCollection); refreshes the cache.</summary>
    public async Task<CollectionInfo> DescribeCollectionAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "collection name should not be empty");
        }

        var described = await Coordinator<CollectionDescribed>(new DescribeCollection(Db(database), name), cancellationToken);
        Catalog.Put(Db(database), name, described.Collection, described.CatalogVersion);
        return described.Collection;
    }

    /// <summary>
    /// The collection from this proxy's metadata cache, described by the coordinator only when not cached: what the
    /// data path uses. With <paramref name="mustBeLoaded"/>, a cached "not loaded" is checked with the coordinator
    /// before anyone fails on it, since a load made through another proxy may not have been announced here yet.
    /// </summary>
    public async Task<CollectionInfo> ResolveCollectionAsync(string? database, string name, bool mustBeLoaded = false,
        CancellationToken cancellationToken = default) =>
        Catalog.Find(Db(database), name) is { } cached && (cached.Loaded || !mustBeLoaded)
            ? cached
            : await DescribeCollectionAsync(database, name, cancellationToken);

    public async Task<bool> HasCollectionAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await DescribeCollectionAsync(database, name, cancellationToken);
            return true;
        }
        catch (MilvusException e) when (e.Code == ErrorCode.CollectionNotFound)
        {
            return false;
        }
    }

    public async Task<ImmutableArray<CollectionInfo>> ListCollectionsAsync(string? database, CancellationToken cancellationToken = default) =>
        (await Coordinator<CollectionList>(new ListCollections(Db(database)), cancellationToken)).Collections;

    public Task DropCollectionAsync(string? database, string name, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropCollection(Db(database), name), cancellationToken);

    public Task RenameCollectionAsync(string? database, string oldName, string? newDatabase, string newName, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new RenameCollection(Db(database), oldName, newDatabase ?? "", newName), cancellationToken);

    public Task AlterCollectionAsync(string? database, string name, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterCollection(Db(database), name, properties, deleteKeys), cancellationToken);

    /// <summary>Sets or deletes properties of one field: max_length, max_capacity, mmap.enabled, warmup (Milvus's AlterCollectionField).</summary>
    public Task AlterCollectionFieldAsync(string? database, string collection, string field, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterCollectionField(Db(database), collection, field, properties, deleteKeys), cancellationToken);

    public Task CreatePartitionAsync(string? database, string collection, string partition, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new CreatePartition(Db(database), collection, partition), cancellationToken);

    public Task DropPartitionAsync(string? database, string collection, string partition, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropPartition(Db(database), collection, partition), cancellationToken);

    public Task CreateAliasAsync(string? database, string alias, string collection, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new CreateAlias(Db(database), alias, collection), cancellationToken);

    public Task AlterAliasAsync(string? database, string alias, string collection, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterAlias(Db(database), alias, collection), cancellationToken);

    public Task DropAliasAsync(string? database, string alias, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropAlias(Db(database), alias), cancellationToken);

    // Indexes, load, flush.

    public Task CreateIndexAsync(string? database, string collection, string field, string? indexName,
        ImmutableSortedDictionary<string, string> parameters, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new CreateIndex(Db(database), collection, field, indexName ?? "", parameters), cancellationToken);

    public Task DropIndexAsync(string? database, string collection, string? field, string? indexName, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropIndex(Db(database), collection, field ?? "", indexName ?? ""), cancellationToken);

    /// <summary>Sets or deletes (not both at once) index properties such as mmap.enabled; the collection must be released.</summary>
    public Task AlterIndexAsync(string? database, string collection, string indexName, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterIndex(Db(database), collection, indexName, properties, deleteKeys), cancellationToken);

    public async Task<IndexProgress> GetIndexProgressAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, collection, cancellationToken: cancellationToken);
        return await Coordinator<IndexProgress>(new GetIndexProgress(info.Id), cancellationToken);
    }

    /// <summary>Loads a collection and, like the SDKs' load, waits until every flushed segment is served.</summary>
    public async Task LoadCollectionAsync(string? database, string name, bool wait = true, CancellationToken cancellationToken = default)
    {
        await _coordinator.CatalogCommandAsync(new LoadCollection(Db(database), name), cancellationToken);
        if (!wait)
        {
            return;
        }

        var info = await ResolveCollectionAsync(database, name, cancellationToken: cancellationToken);
        var deadline = DateTimeOffset.UtcNow + settings.LoadTimeout;
        while ((await Coordinator<LoadProgress>(new GetLoadProgress(info.Id), cancellationToken)).Percent < 100)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new MilvusException(ErrorCode.ServiceUnavailable, $"collection {name} was not loaded within {settings.LoadTimeout}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public Task ReleaseCollectionAsync(string? database, string name, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new ReleaseCollection(Db(database), name), cancellationToken);

    /// <summary>Starts loading the named partitions and returns; GetLoadState tells when they are served.</summary>
    public Task LoadPartitionsAsync(string? database, string collection, ImmutableArray<string> partitions, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new LoadPartitions(Db(database), collection, partitions), cancellationToken);

    public Task ReleasePartitionsAsync(string? database, string collection, ImmutableArray<string> partitions, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new ReleasePartitions(Db(database), collection, partitions), cancellationToken);

    public async Task<LoadProgress> GetLoadProgressAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, name, cancellationToken: cancellationToken);
        return await Coordinator<LoadProgress>(new GetLoadProgress(info.Id), cancellationToken);
    }

    /// <summary>Seals every growing segment of the collection and waits until they are in object storage.</summary>
    public async Task<(ImmutableArray<long> SegmentIds, ulong FlushTimestamp)> FlushAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, name, cancellationToken: cancellationToken);
        var flushed = await Task.WhenAll(info.AllShardNames.Select(s => Shard<ShardFlushed>(new FlushShard(s), cancellationToken)));
        return ([.. flushed.SelectMany(f => f.SegmentIds)], flushed.Max(f => f.FlushTimestamp));
    }

    public async Task<ImmutableArray<SegmentInfo>> GetFlushedSegmentsAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, name, cancellationToken: cancellationToken);
        return (await Coordinator<SegmentList>(new GetSegments(info.Id), cancellationToken)).Segments;
    }

    /// <summary>
    /// The partitions a read covers: the named ones, which must be loaded when the collection is, else the loaded
    /// ones (empty means every partition). Naming partitions of a partition-key collection fails with
    /// <paramref name="partitionKeyError"/>: Milvus answers a search and a query with different codes.
    /// </summary>
    private static ImmutableArray<long> ResolvePartitions(CollectionInfo collection, ImmutableArray<string> names, ErrorCode partitionKeyError)
    {
        if (names.IsDefaultOrEmpty)
        {
            return collection.LoadedPartitions is { } loaded ? [.. loaded] : [];
        }

        if (collection.Schema.PartitionKey is not null)
        {
            throw new MilvusException(partitionKeyError, "not support manually specifying the partition names if partition key mode is used");
        }

        return [.. names.Select(n =>
        {
            var partition = collection.FindPartition(n) ?? throw new MilvusException(ErrorCode.PartitionNotFound, $"partition not found[partition={n}]");
            return collection.Loaded && !collection.IsPartitionLoaded(partition.Id)
                ? throw new MilvusException(ErrorCode.PartitionNotLoaded, $"partition not loaded[partition={n}]")
                : partition.Id;
        })];
    }

    private FilterExpression? ParseFilter(CollectionInfo collection, string? filter) =>
        string.IsNullOrWhiteSpace(filter) ? null : FilterExpression.Parse(filter, collection.Schema, limits: settings.Filter);
}
