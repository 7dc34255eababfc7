using System.Collections.Immutable;
using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// What a catalog decision takes from outside the catalog, gathered by <see cref="CatalogActor"/> before it decides:
/// one fresh TSO timestamp (the version of the change, and the creation time of what it creates), the first of
/// <see cref="IdCount"/> fresh ids (<see cref="CatalogState.IdsNeeded"/>), the wall clock for garbage-collection
/// records and the number of live query nodes in a resource group (asked by loads and TransferNode).
/// </summary>
public sealed record CatalogInputs(ulong Timestamp, long FirstId, int IdCount, DateTimeOffset Now, Func<string, int> NodesInGroup)
{
    /// <summary>The <paramref name="index"/>-th fresh id; asking past those reserved is a bug in <see cref="CatalogState.IdsNeeded"/>.</summary>
    public long Id(int index) => index >= 0 && index < IdCount
        ? FirstId + index
        : throw new InvalidOperationException($"catalog decision asked for id {index} of {IdCount} reserved");
}

/// <summary>
/// The coordinator's catalog, pure: databases, collections (with partitions, indexes, aliases, properties, load state
/// and truncation) and the catalog version. Each DDL command is a <c>Decide</c> overload that validates it against the
/// state and returns the new state and the effects (<see cref="Decision{TState}"/>): meta-storage writes, then
/// <see cref="AnnounceCatalog"/> when the catalog changed, shard messages, and the <see cref="Reply"/> to the sender.
/// A refused command throws a <see cref="MilvusException"/> and changes nothing. <see cref="CatalogActor"/> gathers
/// the <see cref="CatalogInputs"/>, performs the effects (writes first) and answers.
/// </summary>
public sealed partial record CatalogState(
    CoordinatorSettings Settings,
    ulong Version,
    ImmutableDictionary<string, DatabaseInfo> Databases,
    ImmutableDictionary<long, CollectionInfo> Collections)
{
    public const string DatabasePrefix = "catalog/databases/";
    public const string CollectionPrefix = "catalog/collections/";

    public static string KeyOf(DatabaseInfo db) => DatabasePrefix + db.Name;

    public static string KeyOf(CollectionInfo collection) => CollectionPrefix + collection.Id.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The catalog of a new incarnation, read back from meta storage; its version is a fresh timestamp, so versions grow
    /// across fail-overs. The default database is created on first start.
    /// </summary>
    public static Decision<CatalogState> Recover(
        CoordinatorSettings settings, IEnumerable<DatabaseInfo> databases, IEnumerable<CollectionInfo> collections, ulong timestamp,
        IEnumerable<ResourceGroupInfo>? resourceGroups = null)
    {
        var state = new CatalogState(settings, timestamp, databases.ToImmutableDictionary(d => d.Name), collections.ToImmutableDictionary(c => c.Id))
        {
            ResourceGroups = DefaultResourceGroups.SetItems((resourceGroups ?? []).Select(g => KeyValuePair.Create(g.Name, g))),
        };
        if (state.Databases.ContainsKey(DatabaseInfo.DefaultName))
        {
            return state;
        }

        var db = new DatabaseInfo(0, DatabaseInfo.DefaultName, ImmutableSortedDictionary<string, string>.Empty, timestamp);
        return new Decision<CatalogState>(state with { Databases = state.Databases.Add(db.Name, db) },
            [new PutMeta(KeyOf(db), CatalogCodec.Encode(db).ToByteArray()), new AnnounceCatalog(timestamp)]);
    }

    /// <summary>The immutable snapshot the segments and compaction children follow.</summary>
    public CatalogView View => new(Version, Collections) { ResourceGroups = [.. ResourceGroupsInOrder] };

    /// <summary>How many fresh ids <paramref name="command"/>'s decision may take (an upper bound: a refusal or a no-op takes none).</summary>
    public int IdsNeeded(object command) => command switch
    {
        CreateDatabase or CreatePartition or CreateIndex => 1,
        CreateCollection m => 1 + Math.Min(InitialPartitionCount(m), Settings.MaxPartitions),
        LoadCollection m => NewReplicaIds(m.Database, m.Name, m.ReplicaNumber, m.ResourceGroups),
        LoadPartitions m => NewReplicaIds(m.Database, m.Collection, m.ReplicaNumber, m.ResourceGroups),
        _ => 0,
    };

    /// <summary>A catalog change made elsewhere (users, roles, grants in <see cref="SecurityActor"/>): a new version only.</summary>
    public Decision<CatalogState> Advanced(ulong version) => Changed(version, []);

    // Reads.

    public DatabaseList ListDatabases() => new([.. Databases.Values.OrderBy(d => d.CreatedTimestamp)]);

    public CollectionList ListCollections(string? database)
    {
        var db = RequireDatabase(database).Name;
        return new CollectionList([.. Collections.Values.Where(c => c.Database == db).OrderBy(c => c.CreatedTimestamp)]);
    }

    public CollectionDescribed Describe(string? database, string name) => Described(Find(database, name));

    public CollectionDescribed Describe(long collectionId) => Described(Collections.GetValueOrDefault(collectionId)
        ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {collectionId} not found"));

    /// <summary>Resolves a collection name or alias in a database.</summary>
    public CollectionInfo Find(string? database, string name)
    {
        var db = RequireDatabase(database).Name;
        return TryFind(db, name) ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection not found[database={db}][collection={name}]");
    }

    // Databases.

    public Decision<CatalogState> Decide(CreateDatabase m, CatalogInputs inputs)
    {
        SchemaValidator.CheckName(m.Name, "database");
        if (Databases.ContainsKey(m.Name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"database already exist: {m.Name}");
        }

        if (Databases.Count >= Settings.MaxDatabases)
        {
            throw new MilvusException(ErrorCode.DatabaseNumLimitExceeded, $"database number ({Databases.Count}) exceeds max configuration ({Settings.MaxDatabases})");
        }

        return Saved(inputs, new DatabaseInfo(inputs.Id(0), m.Name, m.Properties, inputs.Timestamp));
    }

    public Decision<CatalogState> Decide(DropDatabase m, CatalogInputs inputs)
    {
        if (m.Name == DatabaseInfo.DefaultName)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "can not drop default database");
        }

        if (!Databases.TryGetValue(m.Name, out var db))
        {
            return Unchanged();
        }

        if (Collections.Values.Any(c => c.Database == m.Name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"database:{m.Name} not empty, must drop all collections before drop database");
        }

        return (this with { Databases = Databases.Remove(m.Name) }).Changed(inputs.Timestamp, [new DeleteMeta(KeyOf(db))]);
    }

    public Decision<CatalogState> Decide(AlterDatabase m, CatalogInputs inputs)
    {
        var db = RequireDatabase(m.Name);
        return Saved(inputs, db with { Properties = db.Properties.SetItems(m.Properties).RemoveRange(m.DeleteKeys) });
    }

    // Collections.

    public Decision<CatalogState> Decide(CreateCollection m, CatalogInputs inputs)
    {
        var db = RequireDatabase(m.Database).Name;
        var schema = SchemaValidator.Complete(m.Schema);
        if (TryFind(db, schema.Name) is { } existing)
        {
            // Milvus answers success when the same schema is created again.
            if (existing.Name == schema.Name && existing.Schema.Equals(schema))
            {
                return Answered(Described(existing));
            }

            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"create duplicate collection with different parameters, collection: {schema.Name}");
        }

        if (Collections.Count >= Settings.MaxCollections)
        {
            throw new MilvusException(ErrorCode.CollectionNumLimitExceeded,
                $"exceeded the limit number of collections[dbName={db}][limit={Settings.MaxCollections}]");
        }

        if (Collections.Values.Count(c => c.Database == db) >= Settings.MaxCollectionsPerDatabase)
        {
            throw new MilvusException(ErrorCode.CollectionNumLimitExceeded, $"the number of collections in database {db} exceeds {Settings.MaxCollectionsPerDatabase}");
        }

        var shards = m.ShardsNum <= 0 ? 1 : m.ShardsNum;
        if (shards > Settings.MaxShards)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"shard num ({shards}) exceeds max configuration ({Settings.MaxShards})");
        }

        var partitionCount = InitialPartitionCount(m with { Schema = schema });
        if (partitionCount > Settings.MaxPartitions)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"partition number ({partitionCount}) exceeds max configuration ({Settings.MaxPartitions})");
        }

        var partitions = Enumerable.Range(0, partitionCount)
            .Select(i => new PartitionInfo(inputs.Id(1 + i), schema.PartitionKey is null ? CollectionInfo.DefaultPartitionName : $"{CollectionInfo.DefaultPartitionName}_{i}", inputs.Timestamp))
            .ToImmutableArray();
        var collection = new CollectionInfo(inputs.Id(0), db, schema.Name, schema, shards, m.Consistency, partitions,
            [], [], m.Properties, inputs.Timestamp, Loaded: false);
        return (this with { Collections = Collections.Add(collection.Id, collection) }).Changed(inputs.Timestamp,
            [new PutMeta(KeyOf(collection), CatalogCodec.Encode(collection).ToByteArray())], reply: version => new CollectionDescribed(collection, version));
    }

    public Decision<CatalogState> Decide(DropCollection m, CatalogInputs inputs)
    {
        var db = RequireDatabase(m.Database).Name;
        var collection = TryFind(db, m.Name);
        if (collection is null || m.OnlyId != 0 && collection.Id != m.OnlyId)
        {
            return Unchanged();
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
        return (this with { Collections = Collections.Remove(collection.Id) }).Changed(inputs.Timestamp,
            [new PutMeta(GarbageRecords.DroppedCollection(collection.Id), GarbageRecords.DropTime(inputs.Now)), new DeleteMeta(KeyOf(collection))],
            [.. collection.AllShardNames.Select(shard => new SendToShards(new DropShard(shard)))]);
    }

    /// <summary>
    /// Truncation is one catalog change at a fresh timestamp: every read at or above it skips the rows below it at once
    /// (see <see cref="CollectionInfo.TruncatedBefore"/>), so no reader sees a half-truncated collection.
    /// </summary>
    public Decision<CatalogState> Decide(TruncateCollection m, CatalogInputs inputs) =>
        Saved(inputs, Find(m.Database, m.Name) with { TruncatedBefore = inputs.Timestamp });

    public Decision<CatalogState> Decide(RenameCollection m, CatalogInputs inputs)
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

        return Saved(inputs, collection with { Database = newDb, Name = m.NewName, Schema = collection.Schema with { Name = m.NewName } });
    }

    public Decision<CatalogState> Decide(AlterCollection m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Name);
        var properties = AlterableProperties.CheckCollectionAlteration(collection, m.Properties, m.DeleteKeys);
        var altered = collection with { Properties = collection.Properties.SetItems(properties).RemoveRange(m.DeleteKeys) };
        if (!AlterableProperties.EnablesDynamicField(collection, m.Properties))
        {
            return Saved(inputs, altered);
        }

        // The new dynamic field reaches the shards (and the query nodes serving their segments) as an added field does.
        var schema = SchemaValidator.EnableDynamicField(collection.Schema);
        return Saved(inputs, [SchemaChanged(altered, schema, inputs)], WidenedOnShards(collection, schema));
    }

    public Decision<CatalogState> Decide(AddCollectionField m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        if (m.Fields.IsDefaultOrEmpty)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"no field to add to collection {collection.Name}");
        }

        // Each field is checked against the schema with the ones before it: a refused field leaves the schema as it was.
        var schema = m.Fields.Aggregate(collection.Schema, SchemaValidator.AddField);
        return Saved(inputs, [SchemaChanged(collection, schema, inputs)], WidenedOnShards(collection, schema));
    }

    /// <summary>The collection with <paramref name="schema"/>, changed at this decision's timestamp (its update timestamp, which writes built against an older schema are refused by).</summary>
    private static CollectionInfo SchemaChanged(CollectionInfo collection, CollectionSchema schema, CatalogInputs inputs) =>
        collection with { Schema = schema, SchemaUpdatedTimestamp = inputs.Timestamp };

    /// <summary>Every shard of the collection (and the query nodes serving its segments) takes the widened schema before the change is answered.</summary>
    private static ImmutableArray<Effect> WidenedOnShards(CollectionInfo collection, CollectionSchema schema) =>
        [.. collection.AllShardNames.Select(shard => new ConfirmWithShard(new WidenShardSchema(shard, schema)))];

    public Decision<CatalogState> Decide(AddCollectionFunction m, CatalogInputs inputs) => ChangeFunctions(m.Database, m.Collection, inputs,
        schema => FunctionValidator.Add(schema, m.Function));

    public Decision<CatalogState> Decide(AlterCollectionFunction m, CatalogInputs inputs) => ChangeFunctions(m.Database, m.Collection, inputs,
        schema => FunctionValidator.Alter(schema, m.FunctionName, m.Function));

    public Decision<CatalogState> Decide(DropCollectionFunction m, CatalogInputs inputs) => ChangeFunctions(m.Database, m.Collection, inputs,
        schema => FunctionValidator.Drop(schema, m.FunctionName));

    /// <summary>
    /// A function DDL: only the catalog changes. Proxies compute function outputs and take the new schema with the
    /// catalog change announcement; shards and query nodes store and search the output field as before.
    /// </summary>
    private Decision<CatalogState> ChangeFunctions(string database, string name, CatalogInputs inputs, Func<CollectionSchema, CollectionSchema> change)
    {
        var collection = Find(database, name);
        return Saved(inputs, SchemaChanged(collection, change(collection.Schema), inputs));
    }

    public Decision<CatalogState> Decide(AlterCollectionField m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        var field = collection.Schema.FindField(m.FieldName)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {m.FieldName} does not exist in collection {collection.Name}");
        var (properties, deleteKeys) = AlterableProperties.CheckFieldAlteration(collection, field, m.Properties, m.DeleteKeys);
        var altered = field with { TypeParams = field.TypeParams.SetItems(properties).RemoveRange(deleteKeys) };
        return Saved(inputs, SchemaChanged(collection, collection.Schema with { Fields = collection.Schema.Fields.Replace(field, altered) }, inputs));
    }

    // Partitions.

    public Decision<CatalogState> Decide(CreatePartition m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        SchemaValidator.CheckName(m.Partition, "partition");
        if (collection.Schema.PartitionKey is not null)
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "disable create partition if partition key mode is used");
        }

        if (collection.FindPartition(m.Partition) is not null)
        {
            return Unchanged();
        }

        if (collection.Partitions.Length >= Settings.MaxPartitions)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"partition number ({collection.Partitions.Length}) exceeds max configuration ({Settings.MaxPartitions}), collection: {collection.Name}");
        }

        return Saved(inputs, collection with { Partitions = collection.Partitions.Add(new PartitionInfo(inputs.Id(0), m.Partition, inputs.Timestamp)) });
    }

    public Decision<CatalogState> Decide(DropPartition m, CatalogInputs inputs)
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
            return Unchanged();
        }

        if (collection.IsPartitionLoaded(partition.Id))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"partition {m.Partition} cannot be dropped, release it first");
        }

        // The segments child records the partition's segments for garbage collection and forgets them once it sees the view.
        return Saved(inputs, [collection with { Partitions = collection.Partitions.Remove(partition) }],
            [.. collection.AllShardNames.Select(shard => new SendToShards(new DropPartitionData(shard, partition.Id)))]);
    }

    // Aliases.

    public Decision<CatalogState> Decide(CreateAlias m, CatalogInputs inputs) => SetAlias(m.Database, m.Alias, m.Collection, mustExist: false, inputs);

    public Decision<CatalogState> Decide(AlterAlias m, CatalogInputs inputs) => SetAlias(m.Database, m.Alias, m.Collection, mustExist: true, inputs);

    public Decision<CatalogState> Decide(DropAlias m, CatalogInputs inputs)
    {
        var db = RequireDatabase(m.Database).Name;
        return AliasHolder(db, m.Alias) is { } holder
            ? Saved(inputs, holder with { Aliases = holder.Aliases.Remove(m.Alias) })
            : Unchanged();
    }

    private Decision<CatalogState> SetAlias(string database, string alias, string target, bool mustExist, CatalogInputs inputs)
    {
        var db = RequireDatabase(database).Name;
        SchemaValidator.CheckName(alias, "alias");
        var collection = Find(db, target);
        if (collection.Name != target)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"cannot point alias {alias} at another alias {target}");
        }

        var holder = AliasHolder(db, alias);
        if (Collections.Values.Any(c => c.Database == db && c.Name == alias))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"alias {alias} conflicts with a collection name");
        }

        if (mustExist && holder is null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"alias {alias} does not exist");
        }

        if (holder is not null && holder.Id == collection.Id)
        {
            return Unchanged();
        }

        if (!mustExist && holder is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{alias} is alias to another collection: {holder.Name}");
        }

        // Moving an alias writes both collections in one change: no version shows it on both or on neither.
        var withAlias = collection with { Aliases = collection.Aliases.Add(alias) };
        return holder is null
            ? Saved(inputs, withAlias)
            : Saved(inputs, [holder with { Aliases = holder.Aliases.Remove(alias) }, withAlias], []);
    }

    private CollectionInfo? AliasHolder(string database, string alias) =>
        Collections.Values.FirstOrDefault(c => c.Database == database && c.Aliases.Contains(alias));

    // Shared by the decisions.

    private static string DatabaseName(string? database) => string.IsNullOrEmpty(database) ? DatabaseInfo.DefaultName : database;

    private DatabaseInfo RequireDatabase(string? database) =>
        Databases.GetValueOrDefault(DatabaseName(database))
        ?? throw new MilvusException(ErrorCode.DatabaseNotFound, $"database not found[database={DatabaseName(database)}]");

    private CollectionInfo? TryFind(string database, string name) =>
        Collections.Values.FirstOrDefault(c => c.Database == database && (c.Name == name || c.Aliases.Contains(name)));

    private CollectionDescribed Described(CollectionInfo collection) => new(collection, Version);

    /// <summary>A partition-key collection starts with <c>num_partitions</c> partitions (16 by default), any other with one.</summary>
    private static int InitialPartitionCount(CreateCollection m) =>
        m.Schema.PartitionKey is null ? 1 : m.NumPartitions <= 0 ? 16 : m.NumPartitions;

    /// <summary>
    /// Answers without a change: a DDL command replies the catalog version after it (here the current one), so the
    /// proxy that sent it drops what it cached before the change at once instead of waiting for the pub-sub message.
    /// </summary>
    private Decision<CatalogState> Unchanged(ImmutableArray<Effect> sends = default) =>
        new(this, [.. sends.IsDefault ? [] : sends, new Reply(new CatalogChanged(Version))]);

    private Decision<CatalogState> Answered(object reply) => new(this, [new Reply(reply)]);

    private Decision<CatalogState> Saved(CatalogInputs inputs, DatabaseInfo db) =>
        (this with { Databases = Databases.SetItem(db.Name, db) }).Changed(inputs.Timestamp, [new PutMeta(KeyOf(db), CatalogCodec.Encode(db).ToByteArray())]);

    private Decision<CatalogState> Saved(CatalogInputs inputs, CollectionInfo collection) => Saved(inputs, [collection], []);

    /// <summary>Writes <paramref name="collections"/> at the version of <paramref name="inputs"/>, then sends <paramref name="sends"/>.</summary>
    private Decision<CatalogState> Saved(CatalogInputs inputs, IReadOnlyList<CollectionInfo> collections, ImmutableArray<Effect> sends) =>
        (this with { Collections = Collections.SetItems(collections.Select(c => KeyValuePair.Create(c.Id, c))) }).Changed(inputs.Timestamp,
            [.. collections.Select(c => new PutMeta(KeyOf(c), CatalogCodec.Encode(c).ToByteArray()))], sends);

    /// <summary>
    /// The state after a change at <paramref name="version"/>: its writes, the announcement (proxies drop older cached
    /// metadata, the siblings get the new view), the sends, and the reply carrying the new version
    /// (<see cref="CatalogChanged"/> unless <paramref name="reply"/> makes another).
    /// </summary>
    private Decision<CatalogState> Changed(
        ulong version, ImmutableArray<Effect> writes, ImmutableArray<Effect> sends = default, Func<ulong, object>? reply = null)
    {
        var next = this with { Version = Math.Max(Version, version) };
        return new Decision<CatalogState>(next,
        [
            .. writes, new AnnounceCatalog(next.Version), .. sends.IsDefault ? [] : sends,
            new Reply(reply?.Invoke(next.Version) ?? new CatalogChanged(next.Version)),
        ]);
    }
}
