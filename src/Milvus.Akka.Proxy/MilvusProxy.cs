using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Expressions;
using Milvus.Akka.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Proxy;

/// <summary>
/// The proxy's API: what the gRPC edge and in-process .NET callers use. Stateless: DDL goes to the coordinator,
/// writes to the shards that own their primary keys, reads to every shard delegator, whose results it reduces.
/// Every failure is a <see cref="MilvusException"/> with a Milvus status code.
/// </summary>
public sealed partial class MilvusProxy(IActorRef coordinator, IActorRef shardRegion, ProxySettings settings)
{
    public ProxySettings Settings => settings;

    private Task<T> Coordinator<T>(object message, CancellationToken cancellationToken = default) =>
        coordinator.AskFor<T>(message, settings.AskTimeout, cancellationToken);

    private Task<T> Shard<T>(object message, CancellationToken cancellationToken = default) =>
        shardRegion.AskFor<T>(message, settings.AskTimeout, cancellationToken);

    private static string Db(string? database) => string.IsNullOrEmpty(database) ? CoordinatorActor.DefaultDatabase : database;

    public async Task<ulong> AllocateTimestampAsync(CancellationToken cancellationToken = default) =>
        (await Coordinator<TimestampsAllocated>(new AllocateTimestamps(1), cancellationToken)).First;

    // Databases.

    public Task CreateDatabaseAsync(string name, ImmutableSortedDictionary<string, string>? properties = null, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new CreateDatabase(name, properties ?? ImmutableSortedDictionary<string, string>.Empty), cancellationToken);

    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new DropDatabase(name), cancellationToken);

    public Task AlterDatabaseAsync(string name, ImmutableSortedDictionary<string, string> properties, ImmutableArray<string> deleteKeys,
        CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new AlterDatabase(name, properties, deleteKeys), cancellationToken);

    public async Task<ImmutableArray<DatabaseInfo>> ListDatabasesAsync(CancellationToken cancellationToken = default) =>
        (await Coordinator<DatabaseList>(ListDatabases.Instance, cancellationToken)).Databases;

    // Collections, partitions, aliases.

    public async Task<CollectionInfo> CreateCollectionAsync(string? database, CollectionSchema schema, int shards = 1,
        ConsistencyLevel consistency = ConsistencyLevel.Bounded, int numPartitions = 0,
        ImmutableSortedDictionary<string, string>? properties = null, CancellationToken cancellationToken = default) =>
        (await Coordinator<CollectionDescribed>(new CreateCollection(Db(database), schema, shards, consistency, numPartitions,
            properties ?? ImmutableSortedDictionary<string, string>.Empty), cancellationToken)).Collection;

    public async Task<CollectionInfo> DescribeCollectionAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "collection name should not be empty");
        }

        return (await Coordinator<CollectionDescribed>(new DescribeCollection(Db(database), name), cancellationToken)).Collection;
    }

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
        Coordinator<Done>(new DropCollection(Db(database), name), cancellationToken);

    public Task RenameCollectionAsync(string? database, string oldName, string? newDatabase, string newName, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new RenameCollection(Db(database), oldName, newDatabase ?? "", newName), cancellationToken);

    public Task AlterCollectionAsync(string? database, string name, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new AlterCollection(Db(database), name, properties, deleteKeys), cancellationToken);

    /// <summary>Sets or deletes properties of one field: max_length, max_capacity, mmap.enabled, warmup (Milvus's AlterCollectionField).</summary>
    public Task AlterCollectionFieldAsync(string? database, string collection, string field, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new AlterCollectionField(Db(database), collection, field, properties, deleteKeys), cancellationToken);

    public Task CreatePartitionAsync(string? database, string collection, string partition, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new CreatePartition(Db(database), collection, partition), cancellationToken);

    public Task DropPartitionAsync(string? database, string collection, string partition, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new DropPartition(Db(database), collection, partition), cancellationToken);

    public Task CreateAliasAsync(string? database, string alias, string collection, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new CreateAlias(Db(database), alias, collection), cancellationToken);

    public Task AlterAliasAsync(string? database, string alias, string collection, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new AlterAlias(Db(database), alias, collection), cancellationToken);

    public Task DropAliasAsync(string? database, string alias, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new DropAlias(Db(database), alias), cancellationToken);

    // Indexes, load, flush.

    public Task CreateIndexAsync(string? database, string collection, string field, string? indexName,
        ImmutableSortedDictionary<string, string> parameters, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new CreateIndex(Db(database), collection, field, indexName ?? "", parameters), cancellationToken);

    public Task DropIndexAsync(string? database, string collection, string? field, string? indexName, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new DropIndex(Db(database), collection, field ?? "", indexName ?? ""), cancellationToken);

    /// <summary>Sets or deletes (not both at once) index properties such as mmap.enabled; the collection must be released.</summary>
    public Task AlterIndexAsync(string? database, string collection, string indexName, ImmutableSortedDictionary<string, string> properties,
        ImmutableArray<string> deleteKeys, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new AlterIndex(Db(database), collection, indexName, properties, deleteKeys), cancellationToken);

    public async Task<IndexProgress> GetIndexProgressAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        return await Coordinator<IndexProgress>(new GetIndexProgress(info.Id), cancellationToken);
    }

    /// <summary>Loads a collection and, like the SDKs' load, waits until every flushed segment is served.</summary>
    public async Task LoadCollectionAsync(string? database, string name, bool wait = true, CancellationToken cancellationToken = default)
    {
        await Coordinator<Done>(new LoadCollection(Db(database), name), cancellationToken);
        if (!wait)
        {
            return;
        }

        var info = await DescribeCollectionAsync(database, name, cancellationToken);
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
        Coordinator<Done>(new ReleaseCollection(Db(database), name), cancellationToken);

    /// <summary>Starts loading the named partitions and returns; GetLoadState tells when they are served.</summary>
    public Task LoadPartitionsAsync(string? database, string collection, ImmutableArray<string> partitions, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new LoadPartitions(Db(database), collection, partitions), cancellationToken);

    public Task ReleasePartitionsAsync(string? database, string collection, ImmutableArray<string> partitions, CancellationToken cancellationToken = default) =>
        Coordinator<Done>(new ReleasePartitions(Db(database), collection, partitions), cancellationToken);

    public async Task<LoadProgress> GetLoadProgressAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, name, cancellationToken);
        return await Coordinator<LoadProgress>(new GetLoadProgress(info.Id), cancellationToken);
    }

    /// <summary>Seals every growing segment of the collection and waits until they are in object storage.</summary>
    public async Task<(ImmutableArray<long> SegmentIds, ulong FlushTimestamp)> FlushAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, name, cancellationToken);
        var flushed = await Task.WhenAll(info.AllShardNames.Select(s => Shard<ShardFlushed>(new FlushShard(s), cancellationToken)));
        return ([.. flushed.SelectMany(f => f.SegmentIds)], flushed.Max(f => f.FlushTimestamp));
    }

    public async Task<ImmutableArray<SegmentInfo>> GetFlushedSegmentsAsync(string? database, string name, CancellationToken cancellationToken = default)
    {
        var info = await DescribeCollectionAsync(database, name, cancellationToken);
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

    private static FilterExpression? ParseFilter(CollectionInfo collection, string? filter) =>
        string.IsNullOrWhiteSpace(filter) ? null : FilterExpression.Parse(filter, collection.Schema);

    /// <summary>Milvus's filter syntax for "primary key in these keys", used to fetch output fields and to delete.</summary>
    private static string PrimaryKeyFilter(FieldSchema pk, Column keys)
    {
        var text = new StringBuilder(pk.Name).Append(" in [");
        for (var i = 0; i < keys.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            if (keys is ScalarColumn<long> longs)
            {
                text.Append(longs.Values[i].ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append('"').Append(((StringColumn)keys).Values[i].Replace("\\", "\\\\").Replace("\"", "\\\"")).Append('"');
            }
        }

        return text.Append(']').ToString();
    }
}
