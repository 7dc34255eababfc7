using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Google.Protobuf;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The coordinator's catalog: databases, collections, partitions, indexes, aliases and load state (users, roles and
/// grants in its <see cref="SecurityActor"/> child). A child of <see cref="CoordinatorActor"/>; timestamps and ids come
/// from its sibling <see cref="TimestampActor"/>. It processes one message at a time and writes meta storage before it
/// changes memory or replies, so a new incarnation reloads exactly what was acknowledged. After each change it hands a
/// <see cref="CatalogView"/> to its siblings (segments, compaction), which follow it on their own.
/// </summary>
public sealed partial class CatalogActor : ReceiveActor, IWithStash
{
    private const string DatabasePrefix = "catalog/databases/";
    private const string CollectionPrefix = "catalog/collections/";

    /// <summary>The oracle answers after at most one meta write; this only bounds a request while it restarts.</summary>
    private static readonly TimeSpan TimestampsTimeout = TimeSpan.FromSeconds(30);

    private readonly IMetaStore _meta;
    private readonly CoordinatorSettings _settings;
    private readonly IActorRef _shardRegion;
    private readonly IActorRef _timestamps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, DatabaseInfo> _databases = [];
    private readonly Dictionary<long, CollectionInfo> _collections = [];
    private ulong _catalogVersion;
    private bool _loaded;

    public CatalogActor(IMetaStore meta, CoordinatorSettings settings, IActorRef shardRegion, IActorRef timestamps)
    {
        _meta = meta;
        _settings = settings;
        _shardRegion = shardRegion;
        _timestamps = timestamps;
        ReceiveAsync<Initialize>(_ => InitializeAsync());
        ReceiveAny(_ => Stash.Stash());
    }

    public static Props Props(IMetaStore meta, CoordinatorSettings settings, IActorRef shardRegion, IActorRef timestamps) =>
        global::Akka.Actor.Props.Create(() => new CatalogActor(meta, settings, shardRegion, timestamps));

    public IStash Stash { get; set; } = null!;

    private sealed record Initialize : INoSerializationVerificationNeeded
    {
        public static readonly Initialize Instance = new();
    }

    protected override void PreStart() => Self.Tell(Initialize.Instance);

    private async Task InitializeAsync()
    {
        _catalogVersion = await NextTimestampAsync();
        foreach (var entry in await _meta.RangeAsync(DatabasePrefix))
        {
            var db = CatalogCodec.DecodeDatabase(ByteString.CopyFrom(entry.Value));
            _databases[db.Name] = db;
        }

        if (!_databases.ContainsKey(DatabaseInfo.DefaultName))
        {
            var db = new DatabaseInfo(0, DatabaseInfo.DefaultName, ImmutableSortedDictionary<string, string>.Empty, await NextTimestampAsync());
            await SaveAsync(db);
        }

        foreach (var entry in await _meta.RangeAsync(CollectionPrefix))
        {
            var collection = CatalogCodec.DecodeCollection(ByteString.CopyFrom(entry.Value));
            _collections[collection.Id] = collection;
        }

        _log.Info("Coordinator catalog started: {0} databases, {1} collections", _databases.Count, _collections.Count);
        _loaded = true;
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Receive<GetCatalogView>(_ => Sender.Tell(View()));
        ReplyCatalog<CreateDatabase>(CreateDatabaseAsync);
        ReplyCatalog<DropDatabase>(DropDatabaseAsync);
        ReplyCatalog<AlterDatabase>(AlterDatabaseAsync);
        Reply<ListDatabases>(_ => Task.FromResult<object>(new DatabaseList([.. _databases.Values.OrderBy(d => d.CreatedTimestamp)])));
        Reply<CreateCollection>(CreateCollectionAsync);
        ReplyCatalog<DropCollection>(DropCollectionAsync);
        ReplyCatalog<TruncateCollection>(TruncateCollectionAsync);
        Reply<DescribeCollection>(m => Task.FromResult<object>(Described(Find(m.Database, m.Name))));
        Reply<DescribeCollectionById>(m => Task.FromResult<object>(Described(_collections.GetValueOrDefault(m.CollectionId)
            ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {m.CollectionId} not found"))));
        Reply<ListCollections>(m => Task.FromResult<object>(new CollectionList([.. InDatabase(m.Database).OrderBy(c => c.CreatedTimestamp)])));
        ReplyCatalog<RenameCollection>(RenameCollectionAsync);
        ReplyCatalog<AlterCollection>(AlterCollectionAsync);
        ReplyCatalog<AlterCollectionField>(AlterCollectionFieldAsync);
        ReplyCatalog<CreatePartition>(CreatePartitionAsync);
        ReplyCatalog<DropPartition>(DropPartitionAsync);
        ReplyCatalog<CreateAlias>(m => SetAliasAsync(m.Database, m.Alias, m.Collection, mustExist: false));
        ReplyCatalog<AlterAlias>(m => SetAliasAsync(m.Database, m.Alias, m.Collection, mustExist: true));
        ReplyCatalog<DropAlias>(DropAliasAsync);
        ReplyCatalog<CreateIndex>(CreateIndexAsync);
        ReplyCatalog<DropIndex>(DropIndexAsync);
        ReplyCatalog<AlterIndex>(AlterIndexAsync);
        ReplyCatalog<LoadCollection>(LoadCollectionAsync);
        ReplyCatalog<ReleaseCollection>(ReleaseCollectionAsync);
        ReplyCatalog<LoadPartitions>(LoadPartitionsAsync);
        ReplyCatalog<ReleasePartitions>(ReleasePartitionsAsync);
        ReadySecurity();
    }

    /// <summary>Runs a request handler and replies with its result, or with a <see cref="MilvusFailure"/> naming the problem.</summary>
    private void Reply<T>(Func<T, Task<object>> handler) =>
        ReceiveAsync<T>(message => RequestReplies.ReplyAsync(Sender, () => handler(message), _log, typeof(T).Name));

    /// <summary>
    /// A DDL command: replies the catalog version after it (a no-op replies the current one), so the proxy that sent it
    /// drops what it cached before the change at once instead of waiting for the pub-sub message.
    /// </summary>
    private void ReplyCatalog<T>(Func<T, Task<object>> handler) => Reply<T>(async message =>
    {
        await handler(message);
        return new CatalogChanged(_catalogVersion);
    });

    private CollectionDescribed Described(CollectionInfo collection) => new(collection, _catalogVersion);

    /// <summary>
    /// Takes the version of a catalog change before it is written: a TSO timestamp, so versions grow across fail-overs
    /// (a new incarnation's timestamps start above everything the old one issued).
    /// </summary>
    private Task<ulong> NextCatalogVersionAsync() => NextTimestampAsync();

    /// <summary>One timestamp from the oracle (catalog versions, creation times).</summary>
    private async Task<ulong> NextTimestampAsync() =>
        (await _timestamps.AskFor<TimestampsAllocated>(new AllocateTimestamps(1), TimestampsTimeout)).First;

    /// <summary><paramref name="count"/> consecutive unique ids; returns the first.</summary>
    private async Task<long> NextIdsAsync(int count = 1) =>
        (await _timestamps.AskFor<IdsAllocated>(new AllocateIds(count), TimestampsTimeout)).First;

    /// <summary>
    /// Called once meta storage and memory hold a change: proxies drop cached metadata older than it, and the siblings
    /// get the new view (through the coordinator) before the change is answered, so a request that follows the answer
    /// finds them following it.
    /// </summary>
    private void CatalogChangedTo(ulong version)
    {
        _catalogVersion = Math.Max(_catalogVersion, version);
        _timestamps.Tell(new CatalogVersionAdvanced(_catalogVersion));
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topics.Catalog, new CatalogChanged(_catalogVersion)));
        if (_loaded)
        {
            Context.Parent.Tell(View());
        }
    }

    /// <summary>Only a loaded catalog hands out views: the siblings remove what a view lacks.</summary>
    private CatalogView View() => new(_catalogVersion, _collections.ToImmutableDictionary());

    private IEnumerable<CollectionInfo> InDatabase(string database)
    {
        RequireDatabase(database);
        return _collections.Values.Where(c => c.Database == DatabaseName(database));
    }

    private static string DatabaseName(string? database) => string.IsNullOrEmpty(database) ? DatabaseInfo.DefaultName : database;

    private DatabaseInfo RequireDatabase(string? database) =>
        _databases.GetValueOrDefault(DatabaseName(database))
        ?? throw new MilvusException(ErrorCode.DatabaseNotFound, $"database not found[database={DatabaseName(database)}]");

    /// <summary>Resolves a collection name or alias in a database.</summary>
    private CollectionInfo Find(string? database, string name)
    {
        var db = RequireDatabase(database).Name;
        return TryFind(db, name) ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection not found[database={db}][collection={name}]");
    }

    private CollectionInfo? TryFind(string database, string name) =>
        _collections.Values.FirstOrDefault(c => c.Database == database && (c.Name == name || c.Aliases.Contains(name)));

    private async Task SaveAsync(DatabaseInfo db)
    {
        var version = await NextCatalogVersionAsync();
        await _meta.PutAsync(DatabasePrefix + db.Name, CatalogCodec.Encode(db).ToByteArray());
        _databases[db.Name] = db;
        CatalogChangedTo(version);
    }

    private async Task SaveAsync(CollectionInfo collection)
    {
        var version = await NextCatalogVersionAsync();
        await _meta.PutAsync(CollectionPrefix + collection.Id, CatalogCodec.Encode(collection).ToByteArray());
        _collections[collection.Id] = collection;
        CatalogChangedTo(version);
    }

    private async Task<object> CreateDatabaseAsync(CreateDatabase m)
    {
        SchemaValidator.CheckName(m.Name, "database");
        if (_databases.ContainsKey(m.Name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"database already exist: {m.Name}");
        }

        if (_databases.Count >= _settings.MaxDatabases)
        {
            throw new MilvusException(ErrorCode.DatabaseNumLimitExceeded, $"database number ({_databases.Count}) exceeds max configuration ({_settings.MaxDatabases})");
        }

        await SaveAsync(new DatabaseInfo(await NextIdsAsync(), m.Name, m.Properties, await NextTimestampAsync()));
        return Done.Instance;
    }

    private async Task<object> DropDatabaseAsync(DropDatabase m)
    {
        if (m.Name == DatabaseInfo.DefaultName)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "can not drop default database");
        }

        if (!_databases.ContainsKey(m.Name))
        {
            return Done.Instance;
        }

        if (_collections.Values.Any(c => c.Database == m.Name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"database:{m.Name} not empty, must drop all collections before drop database");
        }

        var version = await NextCatalogVersionAsync();
        await _meta.DeleteAsync(DatabasePrefix + m.Name);
        _databases.Remove(m.Name);
        CatalogChangedTo(version);
        return Done.Instance;
    }

    private async Task<object> AlterDatabaseAsync(AlterDatabase m)
    {
        var db = RequireDatabase(m.Name);
        var properties = db.Properties.SetItems(m.Properties).RemoveRange(m.DeleteKeys);
        await SaveAsync(db with { Properties = properties });
        return Done.Instance;
    }

    private async Task<object> CreateCollectionAsync(CreateCollection m)
    {
        var db = RequireDatabase(m.Database).Name;
        var schema = SchemaValidator.Complete(m.Schema);
        if (TryFind(db, schema.Name) is { } existing)
        {
            // Milvus answers success when the same schema is created again.
            if (existing.Name == schema.Name && existing.Schema.Equals(schema))
            {
                return Described(existing);
            }

            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"create duplicate collection with different parameters, collection: {schema.Name}");
        }

        if (_collections.Count >= _settings.MaxCollections)
        {
            throw new MilvusException(ErrorCode.CollectionNumLimitExceeded,
                $"exceeded the limit number of collections[dbName={db}][limit={_settings.MaxCollections}]");
        }

        if (_collections.Values.Count(c => c.Database == db) >= _settings.MaxCollectionsPerDatabase)
        {
            throw new MilvusException(ErrorCode.CollectionNumLimitExceeded, $"the number of collections in database {db} exceeds {_settings.MaxCollectionsPerDatabase}");
        }

        var shards = m.ShardsNum <= 0 ? 1 : m.ShardsNum;
        if (shards > _settings.MaxShards)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"shard num ({shards}) exceeds max configuration ({_settings.MaxShards})");
        }

        var created = await NextTimestampAsync();
        var partitionNames = schema.PartitionKey is null
            ? [CollectionInfo.DefaultPartitionName]
            : Enumerable.Range(0, m.NumPartitions <= 0 ? 16 : m.NumPartitions).Select(i => $"{CollectionInfo.DefaultPartitionName}_{i}").ToList();
        if (partitionNames.Count > _settings.MaxPartitions)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"partition number ({partitionNames.Count}) exceeds max configuration ({_settings.MaxPartitions})");
        }

        var firstId = await NextIdsAsync(1 + partitionNames.Count);
        var partitions = partitionNames.Select((name, i) => new PartitionInfo(firstId + 1 + i, name, created)).ToImmutableArray();
        var collection = new CollectionInfo(firstId, db, schema.Name, schema, shards, m.Consistency, partitions,
            [], [], m.Properties, created, Loaded: false);
        await SaveAsync(collection);
        _log.Info("Created collection {0}.{1} (id {2}, {3} shards)", db, schema.Name, collection.Id, shards);
        return Described(collection);
    }

    private async Task<object> DropCollectionAsync(DropCollection m)
    {
        var db = RequireDatabase(m.Database).Name;
        var collection = TryFind(db, m.Name);
        if (collection is null)
        {
            return Done.Instance;
        }

        if (collection.Name != m.Name)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"cannot drop the collection via alias = {m.Name}");
        }

        if (collection.Aliases.Length > 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"unable to drop the collection [{m.Name}] because it has associated aliases [{string.Join(", ", collection.Aliases)}], please remove all aliases before dropping the collection");
        }

        // The drop is recorded for garbage collection first; the segments child forgets the collection's segments
        // once it sees the view without it (or, after a fail-over, when it reconciles with the first view).
        await _meta.PutAsync(GarbageRecords.DroppedCollection(collection.Id), GarbageRecords.DropTime(DateTimeOffset.UtcNow));
        var version = await NextCatalogVersionAsync();
        await _meta.DeleteAsync(CollectionPrefix + collection.Id);
        _collections.Remove(collection.Id);
        CatalogChangedTo(version);
        foreach (var shard in collection.AllShardNames)
        {
            _shardRegion.Tell(new DropShard(shard));
        }

        _log.Info("Dropped collection {0}.{1} (id {2})", db, m.Name, collection.Id);
        return Done.Instance;
    }

    /// <summary>
    /// Truncation is one catalog change at a fresh timestamp: every read at or above it skips the rows below it at once
    /// (see <see cref="CollectionInfo.TruncatedBefore"/>), so no reader sees a half-truncated collection.
    /// </summary>
    private async Task<object> TruncateCollectionAsync(TruncateCollection m)
    {
        var collection = Find(m.Database, m.Name);
        await SaveAsync(collection with { TruncatedBefore = await NextTimestampAsync() });
        _log.Info("Truncated collection {0}.{1} (id {2})", collection.Database, collection.Name, collection.Id);
        return Done.Instance;
    }

    private async Task<object> RenameCollectionAsync(RenameCollection m)
    {
        var collection = Find(m.Database, m.OldName);
        var newDb = RequireDatabase(string.IsNullOrEmpty(m.NewDatabase) ? collection.Database : m.NewDatabase).Name;
        SchemaValidator.CheckName(m.NewName, "collection");
        if (TryFind(newDb, m.NewName) is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"duplicated new collection name {newDb}:{m.NewName} with other collection name or alias");
        }

        if (collection.Aliases.Length > 0 && newDb != collection.Database)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"fail to rename collection to different database, must drop all aliases of collection {m.OldName} before rename");
        }

        await SaveAsync(collection with { Database = newDb, Name = m.NewName, Schema = collection.Schema with { Name = m.NewName } });
        return Done.Instance;
    }

    private async Task<object> AlterCollectionAsync(AlterCollection m)
    {
        var collection = Find(m.Database, m.Name);
        var properties = AlterableProperties.CheckCollectionAlteration(collection, m.Properties, m.DeleteKeys);
        await SaveAsync(collection with { Properties = collection.Properties.SetItems(properties).RemoveRange(m.DeleteKeys) });
        return Done.Instance;
    }

    private async Task<object> AlterCollectionFieldAsync(AlterCollectionField m)
    {
        var collection = Find(m.Database, m.Collection);
        var field = collection.Schema.FindField(m.FieldName)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {m.FieldName} does not exist in collection {collection.Name}");
        var (properties, deleteKeys) = AlterableProperties.CheckFieldAlteration(collection, field, m.Properties, m.DeleteKeys);
        var altered = field with { TypeParams = field.TypeParams.SetItems(properties).RemoveRange(deleteKeys) };
        var schema = collection.Schema with { Fields = collection.Schema.Fields.Replace(field, altered) };
        await SaveAsync(collection with { Schema = schema });
        return Done.Instance;
    }

    private async Task<object> CreatePartitionAsync(CreatePartition m)
    {
        var collection = Find(m.Database, m.Collection);
        SchemaValidator.CheckName(m.Partition, "partition");
        if (collection.Schema.PartitionKey is not null)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "disable create partition if partition key mode is used");
        }

        if (collection.FindPartition(m.Partition) is not null)
        {
            return Done.Instance;
        }

        if (collection.Partitions.Length >= _settings.MaxPartitions)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"partition number ({collection.Partitions.Length}) exceeds max configuration ({_settings.MaxPartitions}), collection: {collection.Name}");
        }

        var partition = new PartitionInfo(await NextIdsAsync(), m.Partition, await NextTimestampAsync());
        await SaveAsync(collection with { Partitions = collection.Partitions.Add(partition) });
        return Done.Instance;
    }

    private async Task<object> DropPartitionAsync(DropPartition m)
    {
        var collection = Find(m.Database, m.Collection);
        if (collection.Schema.PartitionKey is not null)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "disable drop partition if partition key mode is used");
        }

        if (m.Partition == CollectionInfo.DefaultPartitionName)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "default partition cannot be deleted");
        }

        var partition = collection.FindPartition(m.Partition);
        if (partition is null)
        {
            return Done.Instance;
        }

        if (collection.IsPartitionLoaded(partition.Id))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"partition {m.Partition} cannot be dropped, release it first");
        }

        // The segments child records the partition's segments for garbage collection and forgets them once it sees the view.
        await SaveAsync(collection with { Partitions = collection.Partitions.Remove(partition) });
        foreach (var shard in collection.AllShardNames)
        {
            _shardRegion.Tell(new DropPartitionData(shard, partition.Id));
        }

        return Done.Instance;
    }

    private async Task<object> SetAliasAsync(string database, string alias, string target, bool mustExist)
    {
        var db = RequireDatabase(database).Name;
        SchemaValidator.CheckName(alias, "alias");
        var collection = Find(db, target);
        if (collection.Name != target)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"cannot point alias {alias} at another alias {target}");
        }

        var holder = _collections.Values.FirstOrDefault(c => c.Database == db && c.Aliases.Contains(alias));
        if (_collections.Values.Any(c => c.Database == db && c.Name == alias))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"alias {alias} conflicts with a collection name");
        }

        if (mustExist && holder is null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"alias {alias} does not exist");
        }

        if (!mustExist && holder is not null)
        {
            if (holder.Id == collection.Id)
            {
                return Done.Instance;
            }

            throw new MilvusException(ErrorCode.ParameterInvalid, $"{alias} is alias to another collection: {holder.Name}");
        }

        if (holder is not null && holder.Id != collection.Id)
        {
            await SaveAsync(holder with { Aliases = holder.Aliases.Remove(alias) });
        }

        var current = _collections[collection.Id];
        if (!current.Aliases.Contains(alias))
        {
            await SaveAsync(current with { Aliases = current.Aliases.Add(alias) });
        }

        return Done.Instance;
    }

    private async Task<object> DropAliasAsync(DropAlias m)
    {
        var db = RequireDatabase(m.Database).Name;
        var holder = _collections.Values.FirstOrDefault(c => c.Database == db && c.Aliases.Contains(m.Alias));
        if (holder is not null)
        {
            await SaveAsync(holder with { Aliases = holder.Aliases.Remove(m.Alias) });
        }

        return Done.Instance;
    }
}
