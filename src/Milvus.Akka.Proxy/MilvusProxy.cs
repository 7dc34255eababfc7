using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Proxy.WebConsole;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Proxy;

/// <summary>
/// The proxy's API: what the gRPC edge and in-process .NET callers use. DDL goes to the coordinator, writes to the
/// shards that own their primary keys, reads to every shard delegator, whose results it reduces. Its only state keeps
/// the coordinator off the data path (<see cref="CoordinatorClient"/>: cached metadata, id and timestamp blocks).
/// Every failure is a <see cref="MilvusException"/> with a Milvus status code.
/// </summary>
/// <param name="objects">The cluster's object storage: bulk imports read their files from it, snapshots keep their segment copies in it.</param>
/// <param name="importNode">This node as import and restore jobs name it (<see cref="ImportJob.NodeName"/>).</param>
public sealed partial class MilvusProxy(IActorRef coordinator, IActorRef shardRegion, ProxySettings settings, RouteChanges routeChanges,
    LocalShards localShards, IObjectStore objects, string importNode)
{

    private readonly CoordinatorClient _coordinator = new(coordinator, settings, routeChanges);

    public ProxySettings Settings => settings;

    /// <summary>This proxy's request rates, latencies and slow requests, for the web console.</summary>
    public RequestActivity Activity { get; } = new(settings.Console, TimeProvider.System);

    /// <summary>Collection metadata this proxy answers from; <see cref="CatalogSubscriber"/> feeds it the coordinator's announcements.</summary>
    public CatalogCache Catalog => _coordinator.Catalog;

    /// <summary>Requests this proxy has sent to the coordinator so far.</summary>
    public long CoordinatorAsks => _coordinator.Asks;

    private Task<T> Coordinator<T>(object message, CancellationToken cancellationToken = default) =>
        _coordinator.AskAsync<T>(message, cancellationToken);

    /// <param name="timeout">How long the request may take in all: the proxy's ask-timeout unless given.</param>
    private async Task<T> Shard<T>(object message, CancellationToken cancellationToken = default, TimeSpan? timeout = null)
    {
        try
        {
            return await AskShardAsync<T>(message, timeout ?? settings.AskTimeout, cancellationToken);
        }
        catch (MilvusException e) when (e.Code == ErrorCode.CollectionNotFound && message is IShardCommand command)
        {
            // The collection was dropped while cached here (its announcement was lost): describe it again next time.
            Catalog.Forget(ShardNames.Parse(command.ShardName).CollectionId);
            throw;
        }
    }

    /// <summary>
    /// Asks a shard through the shard region in attempts (<see cref="AttemptedAsks"/>): a message lost with a dead
    /// streaming node is sent again to where sharding restarted the shard (at once when a member leaves the cluster, to
    /// wait in the region's buffer for the shard to start elsewhere), while a merely slow shard still answers the
    /// first one. Writes carry request ids: a batch that arrived more than once is applied once and every copy is answered
    /// with its first acknowledgement. Reads and flushes, whose repetition costs work, wait twice as long before each
    /// further attempt. A read of a shard running in this process goes to it directly first (<see cref="LocalShards"/>).
    /// </summary>
    private Task<T> AskShardAsync<T>(object message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Reads only: their replies come from the search pool, so continuing the caller there is cheap, while a write's
        // reply comes from the shard actor's own thread, which should not run the proxy's continuation.
        var local = message is SearchShard or QueryShard or Bm25StatsShard ? localShards.Find(message) : null;
        return (local ?? shardRegion).AskInAttemptsAsync<T>(message, timeout, settings.ShardAttemptTimeout,
            backOff: message is not IShardWrite, routeChanges, "through the shard region", cancellationToken,
            laterTarget: local is null ? null : shardRegion);
    }

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
        CollectionTtl.Check(properties ?? ImmutableSortedDictionary<string, string>.Empty);
        CheckTextEmbeddings(schema);
        PartitionKeyIsolation.Check(properties ?? ImmutableSortedDictionary<string, string>.Empty, schema);
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

    /// <summary>Removes every row of the collection; see <see cref="CollectionInfo.TruncatedBefore"/>.</summary>
    public Task TruncateCollectionAsync(string? database, string name, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new TruncateCollection(Db(database), name), cancellationToken);

    public Task RenameCollectionAsync(string? database, string oldName, string? newDatabase, string newName, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new RenameCollection(Db(database), oldName, newDatabase ?? "", newName), cancellationToken);

    public Task AlterCollectionAsync(string? database, string name, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterCollection(Db(database), name, properties, deleteKeys), cancellationToken);

    /// <summary>Sets or deletes properties of one field: max_length, max_capacity, mmap.enabled, warmup (Milvus's AlterCollectionField).</summary>
    public Task AlterCollectionFieldAsync(string? database, string collection, string field, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AlterCollectionField(Db(database), collection, field, properties, deleteKeys), cancellationToken);

    /// <summary>
    /// Adds nullable fields (Milvus 2.6's AddCollectionField, 3.0's AlterCollectionSchema; vector fields as in 3.0) together: when the
    /// coordinator refuses one, none is added. Rows written before read their default values or null. Answered once
    /// every shard and the query nodes serving it hold the new schema.
    /// </summary>
    public Task AddCollectionFieldsAsync(string? database, string collection, ImmutableArray<FieldSchema> fields, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new AddCollectionField(Db(database), collection, fields), cancellationToken);

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

    /// <summary>
    /// Loads a collection (every field, or a partial load's <paramref name="fields"/>) in <paramref name="replicaNumber"/>
    /// replicas and, like the SDKs' load, waits until every flushed segment is served.
    /// </summary>
    public async Task LoadCollectionAsync(string? database, string name, bool wait = true, CancellationToken cancellationToken = default,
        LoadFieldSelection? fields = null, int replicaNumber = 1, ImmutableArray<string> resourceGroups = default)
    {
        fields ??= LoadFieldSelection.All;
        await _coordinator.CatalogCommandAsync(new LoadCollection(Db(database), name, replicaNumber)
        {
            LoadFields = fields.Names,
            SkipDynamicField = fields.SkipDynamicField,
            ResourceGroups = resourceGroups.IsDefault ? [] : resourceGroups,
        }, cancellationToken);
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
    public Task LoadPartitionsAsync(string? database, string collection, ImmutableArray<string> partitions, CancellationToken cancellationToken = default,
        LoadFieldSelection? fields = null, int replicaNumber = 1, ImmutableArray<string> resourceGroups = default) =>
        _coordinator.CatalogCommandAsync(new LoadPartitions(Db(database), collection, partitions, replicaNumber)
        {
            LoadFields = (fields ?? LoadFieldSelection.All).Names,
            SkipDynamicField = (fields ?? LoadFieldSelection.All).SkipDynamicField,
            ResourceGroups = resourceGroups.IsDefault ? [] : resourceGroups,
        }, cancellationToken);

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
        var flushed = await Task.WhenAll(info.AllShardNames.Select(s => Shard<ShardFlushed>(new FlushShard(s), cancellationToken, settings.FlushTimeout)));
        return ([.. flushed.SelectMany(f => f.SegmentIds)], flushed.Max(f => f.FlushTimestamp));
    }

    /// <summary>
    /// Milvus's Flush: seals every growing segment of the collection and answers the segments sealed now or still being
    /// flushed once they are in object storage or <paramref name="wait"/> is over, whichever comes first (the upload goes
    /// on; <see cref="IsFlushedAsync"/> tells when it is done).
    /// </summary>
    public async Task<(ImmutableArray<long> SegmentIds, ulong FlushTimestamp)> SealAsync(string? database, string name, TimeSpan wait,
        CancellationToken cancellationToken = default)
    {
        var info = await ResolveCollectionAsync(database, name, cancellationToken: cancellationToken);
        var sealedSegments = await Task.WhenAll(info.AllShardNames.Select(s => Shard<ShardFlushed>(new SealShard(s), cancellationToken)));
        ImmutableArray<long> segments = [.. sealedSegments.SelectMany(f => f.SegmentIds)];
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(20);
        while (!await IsFlushedAsync(info, segments, cancellationToken) && waited.Elapsed + pause < wait)
        {
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(250).Ticks));
        }

        return (segments, sealedSegments.Max(f => f.FlushTimestamp));
    }

    /// <summary>
    /// Milvus's GetFlushState: whether every segment is in object storage. Without a collection, every collection of
    /// the database is asked; a segment no shard holds unflushed counts as flushed, as in Milvus.
    /// </summary>
    public async Task<bool> IsFlushedAsync(string? database, string? collection, ImmutableArray<long> segmentIds, CancellationToken cancellationToken = default)
    {
        if (segmentIds.IsDefaultOrEmpty)
        {
            return true;
        }

        var collections = string.IsNullOrEmpty(collection)
            ? await ListCollectionsAsync(database, cancellationToken)
            : [await ResolveCollectionAsync(database, collection, cancellationToken: cancellationToken)];
        var states = await Task.WhenAll(collections.Select(c => IsFlushedAsync(c, segmentIds, cancellationToken)));
        return states.All(flushed => flushed);
    }

    private async Task<bool> IsFlushedAsync(CollectionInfo info, ImmutableArray<long> segmentIds, CancellationToken cancellationToken)
    {
        if (segmentIds.IsEmpty)
        {
            return true;
        }

        var states = await Task.WhenAll(info.AllShardNames.Select(s => Shard<ShardFlushState>(new GetShardFlushState(s, segmentIds), cancellationToken)));
        return states.All(s => s.Unflushed.IsEmpty);
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
    /// <param name="requireLoaded">Whether a named partition must be loaded (reads); statistics and deletes count a released one too.</param>
    private static ImmutableArray<long> ResolvePartitions(CollectionInfo collection, ImmutableArray<string> names, ErrorCode partitionKeyError,
        bool requireLoaded)
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
            return requireLoaded && collection.Loaded && !collection.IsPartitionLoaded(partition.Id)
                ? throw new MilvusException(ErrorCode.PartitionNotLoaded, $"partition not loaded[partition={n}]")
                : partition.Id;
        })];
    }

    /// <summary>
    /// The partitions a read searches: those named, else those of the partition-key values the filter pins (Milvus's
    /// partition-key pruning: only their hash buckets can hold matching rows), else every loaded partition.
    /// </summary>
    private static ImmutableArray<long> ReadPartitions(CollectionInfo collection, ImmutableArray<string> names, FilterExpression? filter,
        ErrorCode partitionKeyError, bool requireLoaded)
    {
        if (names.IsDefaultOrEmpty && collection.LoadedPartitions is null && filter?.TryGetPartitionKeyValues() is { } values)
        {
            return [.. values.Select(v => PartitionOfKey(collection, v).Id).Distinct()];
        }

        return ResolvePartitions(collection, names, partitionKeyError, requireLoaded);
    }

    /// <summary>The partition (hash bucket) a partition-key value belongs to; inserts and pruned reads agree on it.</summary>
    private static PartitionInfo PartitionOfKey(CollectionInfo collection, object value) => collection.Partitions[value is long number
        ? PrimaryKeyHash.Bucket(number, collection.Partitions.Length)
        : PrimaryKeyHash.Bucket((string)value, collection.Partitions.Length)];

    private FilterExpression? ParseFilter(CollectionInfo collection, string? filter, IReadOnlyDictionary<string, object?>? templateValues)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return null;
        }

        var parsed = FilterExpression.Parse(filter, collection.Schema, templateValues, settings.Filter, Timestamptz.ZoneOf(collection.Properties));
        foreach (var fieldId in parsed.ReferencedFieldIds)
        {
            RequireFieldLoaded(collection, collection.Schema.FindField(fieldId)!);
        }

        return parsed;
    }

    /// <summary>A read may name only fields the load holds (a partial load leaves the others out of memory).</summary>
    private static void RequireFieldLoaded(CollectionInfo collection, FieldSchema field)
    {
        if (!collection.IsFieldLoaded(field.FieldId))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"field {field.Name} is not loaded: collection {collection.Name} was loaded with load_fields that leave it out");
        }
    }
}
