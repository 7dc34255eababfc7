using System.Collections.Immutable;
using FsCheck.Xunit;
using Google.Protobuf;
using Milvus.Akka.Common;
using static Milvus.Akka.TestSupport.CatalogFixtures;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The catalog's DDL decisions, as a pure state class: each test reads the new state and the effects.</summary>
public sealed class CatalogStateTests
{
    private static readonly ImmutableSortedDictionary<string, string> NoProperties = ImmutableSortedDictionary<string, string>.Empty;
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch.AddDays(20_000);

    /// <summary>Hands out what the actor would gather: a growing timestamp and exactly the ids the state says it needs.</summary>
    private sealed class Catalog
    {
        private ulong _timestamp = 1_000;
        private long _nextId = 1;

        public Catalog(CoordinatorSettings? settings = null) =>
            State = CatalogState.Recover(settings ?? CoordinatorSettings.Default, [], [], _timestamp++).State;

        public CatalogState State { get; private set; }

        /// <summary>Live query nodes of the default resource group.</summary>
        public int QueryNodes { get; init; } = 1;

        /// <summary>Live query nodes of the other resource groups.</summary>
        public Dictionary<string, int> GroupNodes { get; } = [];

        public Decision<CatalogState> Run(object command)
        {
            var ids = State.IdsNeeded(command);
            var inputs = new CatalogInputs(_timestamp++, _nextId, ids, Now,
                group => group == ResourceGroups.Default ? QueryNodes : GroupNodes.GetValueOrDefault(group));
            _nextId += ids;
            var decision = Decide(State, command, inputs);
            State = decision.State;
            return decision;
        }

        /// <summary>Runs <paramref name="command"/>; a refusal leaves the state as it was and answers null.</summary>
        public Decision<CatalogState>? TryRun(object command)
        {
            try
            {
                return Run(command);
            }
            catch (MilvusException)
            {
                return null;
            }
        }
    }

    private static Decision<CatalogState> Decide(CatalogState state, object command, CatalogInputs inputs) => command switch
    {
        CreateDatabase m => state.Decide(m, inputs),
        DropDatabase m => state.Decide(m, inputs),
        AlterDatabase m => state.Decide(m, inputs),
        AlterCollection m => state.Decide(m, inputs),
        AddCollectionField m => state.Decide(m, inputs),
        CreateCollection m => state.Decide(m, inputs),
        DropCollection m => state.Decide(m, inputs),
        TruncateCollection m => state.Decide(m, inputs),
        RenameCollection m => state.Decide(m, inputs),
        CreatePartition m => state.Decide(m, inputs),
        DropPartition m => state.Decide(m, inputs),
        CreateAlias m => state.Decide(m, inputs),
        AlterAlias m => state.Decide(m, inputs),
        DropAlias m => state.Decide(m, inputs),
        CreateIndex m => state.Decide(m, inputs),
        DropIndex m => state.Decide(m, inputs),
        LoadCollection m => state.Decide(m, inputs),
        ReleaseCollection m => state.Decide(m, inputs),
        LoadPartitions m => state.Decide(m, inputs),
        ReleasePartitions m => state.Decide(m, inputs),
        CreateResourceGroup m => state.Decide(m, inputs),
        DropResourceGroup m => state.Decide(m, inputs),
        UpdateResourceGroups m => state.Decide(m, inputs),
        TransferNode m => state.Decide(m, inputs),
        TransferReplica m => state.Decide(m, inputs),
        _ => throw new ArgumentException($"no decision for {command.GetType().Name}"),
    };

    private static CreateCollection Create(string name, string database = DatabaseInfo.DefaultName, int shards = 2) =>
        new(database, Schema with { Name = name }, shards, ConsistencyLevel.Bounded, 0, NoProperties);

    private static CreateIndex VectorIndex(string collection) =>
        new(DatabaseInfo.DefaultName, collection, "v", "", NoProperties.Add(IndexInfo.IndexTypeKey, "FLAT").Add(IndexInfo.MetricTypeKey, "L2"));

    private static object ReplyOf(Decision<CatalogState> decision) => Assert.Single(decision.Effects.OfType<Reply>()).Message;

    private static CollectionInfo Named(CatalogState state, string name) => state.Find(DatabaseInfo.DefaultName, name);

    /// <summary>What a new incarnation reads back after the writes of <paramref name="decisions"/>, replayed on a key-value map.</summary>
    private static CatalogState Reloaded(CatalogState recovered, IEnumerable<Decision<CatalogState>> decisions, ulong timestamp)
    {
        var meta = new Dictionary<string, byte[]>();
        foreach (var db in recovered.Databases.Values)
        {
            meta[CatalogState.KeyOf(db)] = CatalogCodec.Encode(db).ToByteArray();
        }

        foreach (var effect in decisions.SelectMany(d => d.Effects))
        {
            switch (effect)
            {
                case PutMeta put:
                    meta[put.Key] = put.Value;
                    break;
                case DeleteMeta delete:
                    meta.Remove(delete.Key);
                    break;
            }
        }

        return CatalogState.Recover(CoordinatorSettings.Default,
            meta.Where(kv => kv.Key.StartsWith(CatalogState.DatabasePrefix, StringComparison.Ordinal)).Select(kv => CatalogCodec.DecodeDatabase(ByteString.CopyFrom(kv.Value))),
            meta.Where(kv => kv.Key.StartsWith(CatalogState.CollectionPrefix, StringComparison.Ordinal)).Select(kv => CatalogCodec.DecodeCollection(ByteString.CopyFrom(kv.Value))),
            timestamp,
            meta.Where(kv => kv.Key.StartsWith(CatalogState.ResourceGroupPrefix, StringComparison.Ordinal)).Select(kv => CatalogCodec.DecodeResourceGroup(ByteString.CopyFrom(kv.Value)))).State;
    }

    [Fact]
    public void A_first_start_creates_the_default_database_and_a_restart_keeps_it()
    {
        var first = CatalogState.Recover(CoordinatorSettings.Default, [], [], 7);
        var put = Assert.Single(first.Effects.OfType<PutMeta>());
        Assert.Equal(DatabaseInfo.DefaultName, CatalogCodec.DecodeDatabase(ByteString.CopyFrom(put.Value)).Name);
        Assert.Contains(new AnnounceCatalog(7), first.Effects);

        var again = CatalogState.Recover(CoordinatorSettings.Default, first.State.Databases.Values, [], 9);
        Assert.Empty(again.Effects);
        Assert.Equal(9ul, again.State.Version);
    }

    [Fact]
    public void A_created_collection_is_written_announced_and_described_at_the_new_version()
    {
        var catalog = new Catalog();
        var created = catalog.Run(Create("c"));

        var collection = Named(catalog.State, "c");
        var put = Assert.Single(created.Effects.OfType<PutMeta>());
        Assert.Equal(CatalogState.KeyOf(collection), put.Key);
        Assert.Equal(CatalogCodec.Encode(collection), ByteString.CopyFrom(put.Value));
        Assert.Contains(new AnnounceCatalog(catalog.State.Version), created.Effects);
        Assert.Equal(new CollectionDescribed(collection, catalog.State.Version), ReplyOf(created));
        Assert.Equal(CollectionInfo.DefaultPartitionName, Assert.Single(collection.Partitions).Name);
        Assert.NotEqual(collection.Id, collection.Partitions[0].Id);

        var repeated = catalog.Run(Create("c"));
        Assert.Equal(new Reply(new CollectionDescribed(collection, catalog.State.Version)), Assert.Single(repeated.Effects));
        var different = Assert.Throws<MilvusException>(() => catalog.Run(Create("c") with { Schema = Milvus.Akka.TestSupport.TestCollections.Schema(dim: 8, name: "c") }));
        Assert.Equal(ErrorCode.ParameterInvalid, different.Code);
    }

    [Fact]
    public void A_partition_key_collection_starts_with_its_partitions_each_with_a_fresh_id()
    {
        var catalog = new Catalog();
        var fields = Schema.Fields.Add(new FieldSchema { FieldId = 102, Name = "k", DataType = DataType.Int64, IsPartitionKey = true });
        catalog.Run(new CreateCollection(DatabaseInfo.DefaultName, Schema with { Name = "keyed", Fields = fields }, 1, ConsistencyLevel.Bounded, 5, NoProperties));

        var keyed = Named(catalog.State, "keyed");
        Assert.Equal(["_default_0", "_default_1", "_default_2", "_default_3", "_default_4"], keyed.Partitions.Select(p => p.Name));
        Assert.Equal(6, keyed.Partitions.Select(p => p.Id).Append(keyed.Id).Distinct().Count());
        var refused = Assert.Throws<MilvusException>(() => catalog.Run(new CreatePartition(DatabaseInfo.DefaultName, "keyed", "p")));
        Assert.Equal(ErrorCode.OperationNotSupported, refused.Code);
    }

    [Fact]
    public void Too_many_partitions_are_refused_before_any_id_is_needed_for_them()
    {
        var catalog = new Catalog(CoordinatorSettings.Default with { MaxPartitions = 4 });
        var fields = Schema.Fields.Add(new FieldSchema { FieldId = 102, Name = "k", DataType = DataType.Int64, IsPartitionKey = true });
        var create = new CreateCollection(DatabaseInfo.DefaultName, Schema with { Name = "keyed", Fields = fields }, 1, ConsistencyLevel.Bounded, int.MaxValue, NoProperties);

        Assert.Equal(5, catalog.State.IdsNeeded(create));
        Assert.Contains("exceeds max configuration", Assert.Throws<MilvusException>(() => catalog.Run(create)).Message);
    }

    [Fact]
    public void A_dropped_collection_records_its_garbage_deletes_its_entry_and_drops_every_shard()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c", shards: 2));
        var collection = Named(catalog.State, "c");

        var dropped = catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c"));

        Assert.Empty(catalog.State.Collections);
        Assert.Equal(GarbageRecords.DroppedCollection(collection.Id), Assert.Single(dropped.Effects.OfType<PutMeta>()).Key);
        Assert.Equal(CatalogState.KeyOf(collection), Assert.Single(dropped.Effects.OfType<DeleteMeta>()).Key);
        Assert.Equal(collection.AllShardNames, dropped.Effects.OfType<SendToShards>().Select(s => Assert.IsType<DropShard>(s.Message).ShardName));
        Assert.True(dropped.Effects.IndexOf(dropped.Effects.OfType<AnnounceCatalog>().Single()) < dropped.Effects.IndexOf(dropped.Effects.OfType<SendToShards>().First()),
            "the siblings see the view without the collection before its shards are dropped");

        var again = catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c"));
        Assert.Equal(new Reply(new CatalogChanged(catalog.State.Version)), Assert.Single(again.Effects));
    }

    [Fact]
    public void A_drop_of_one_id_leaves_a_collection_that_took_the_name_since()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c"));
        var first = Named(catalog.State, "c");
        catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c"));
        catalog.Run(Create("c"));
        var second = Named(catalog.State, "c");

        var stale = catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c", OnlyId: first.Id));
        Assert.Equal(new Reply(new CatalogChanged(catalog.State.Version)), Assert.Single(stale.Effects));
        Assert.Same(second, Named(catalog.State, "c"));

        catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c", OnlyId: second.Id));
        Assert.Empty(catalog.State.Collections);
    }

    [Fact]
    public void A_collection_with_an_alias_is_dropped_neither_through_it_nor_before_it_is_removed()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c"));
        catalog.Run(new CreateAlias(DatabaseInfo.DefaultName, "a", "c"));

        Assert.Contains("via alias", Assert.Throws<MilvusException>(() => catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "a"))).Message);
        Assert.Contains("associated aliases [a]", Assert.Throws<MilvusException>(() => catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c"))).Message);

        catalog.Run(new DropAlias(DatabaseInfo.DefaultName, "a"));
        catalog.Run(new DropCollection(DatabaseInfo.DefaultName, "c"));
        Assert.Empty(catalog.State.Collections);
    }

    [Fact]
    public void Moving_an_alias_writes_both_collections_in_one_change()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c1"));
        catalog.Run(Create("c2"));
        catalog.Run(new CreateAlias(DatabaseInfo.DefaultName, "a", "c1"));

        var moved = catalog.Run(new AlterAlias(DatabaseInfo.DefaultName, "a", "c2"));

        Assert.Equal(2, moved.Effects.OfType<PutMeta>().Count());
        Assert.Single(moved.Effects.OfType<AnnounceCatalog>());
        Assert.Empty(Named(catalog.State, "c1").Aliases);
        Assert.Equal("c2", Named(catalog.State, "a").Name);
        Assert.Contains("alias to another collection", Assert.Throws<MilvusException>(() => catalog.Run(new CreateAlias(DatabaseInfo.DefaultName, "a", "c1"))).Message);
        Assert.Equal(new Reply(new CatalogChanged(catalog.State.Version)), Assert.Single(catalog.Run(new CreateAlias(DatabaseInfo.DefaultName, "a", "c2")).Effects));
    }

    [Fact]
    public void Truncation_stores_its_timestamp_and_keeps_partitions_indexes_aliases_and_load_state()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c"));
        catalog.Run(new CreatePartition(DatabaseInfo.DefaultName, "c", "p"));
        catalog.Run(VectorIndex("c"));
        catalog.Run(new CreateAlias(DatabaseInfo.DefaultName, "a", "c"));
        catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c"));
        var before = Named(catalog.State, "c");

        var truncated = catalog.Run(new TruncateCollection(DatabaseInfo.DefaultName, "a"));

        var after = Named(catalog.State, "c");
        Assert.Equal(catalog.State.Version, after.TruncatedBefore);
        Assert.True(after.TruncatedBefore > before.CreatedTimestamp);
        Assert.Equal(before with { TruncatedBefore = after.TruncatedBefore }, after);
        Assert.Empty(truncated.Effects.OfType<SendToShards>());
    }

    [Fact]
    public void An_unnamed_index_takes_its_fields_name_and_repeating_it_changes_nothing()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c"));

        catalog.Run(VectorIndex("c"));
        var again = catalog.Run(VectorIndex("c"));

        Assert.Equal("v", Assert.Single(Named(catalog.State, "c").Indexes).Name);
        Assert.Empty(again.Effects.OfType<PutMeta>());
    }

    [Fact]
    public void A_load_needs_a_vector_index_takes_one_id_per_replica_and_a_release_tells_every_shard()
    {
        var catalog = new Catalog { QueryNodes = 2 };
        catalog.Run(Create("c", shards: 2));
        Assert.Equal(ErrorCode.IndexNotFound, Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c"))).Code);
        catalog.Run(VectorIndex("c"));

        Assert.Equal(ErrorCode.ResourceGroupNodeNotEnough,
            Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c", ReplicaNumber: 3))).Code);
        catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c", ReplicaNumber: 2));
        var loaded = Named(catalog.State, "c");
        Assert.Equal(2, loaded.ReplicaIds.Distinct().Count());
        Assert.Equal(0, catalog.State.IdsNeeded(new LoadCollection(DatabaseInfo.DefaultName, "c", ReplicaNumber: 2)));
        Assert.Contains("release it first", Assert.Throws<MilvusException>(() => catalog.Run(new DropIndex(DatabaseInfo.DefaultName, "c", "v", ""))).Message);

        var released = catalog.Run(new ReleaseCollection(DatabaseInfo.DefaultName, "c"));
        Assert.False(Named(catalog.State, "c").Loaded);
        Assert.Equal(2, released.Effects.OfType<SendToShards>().Count(s => s.Message is ReleaseShard));
        var again = catalog.Run(new ReleaseCollection(DatabaseInfo.DefaultName, "c"));
        Assert.Empty(again.Effects.OfType<PutMeta>());
        Assert.Equal(2, again.Effects.OfType<SendToShards>().Count());
    }

    [Fact]
    public void Releasing_the_last_loaded_partition_releases_the_collection()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c"));
        catalog.Run(new CreatePartition(DatabaseInfo.DefaultName, "c", "p"));
        catalog.Run(VectorIndex("c"));
        catalog.Run(new LoadPartitions(DatabaseInfo.DefaultName, "c", ["p"]));
        var p = Named(catalog.State, "c").FindPartition("p")!;
        Assert.Equal([p.Id], Named(catalog.State, "c").LoadedPartitions!);
        Assert.Contains("release it first", Assert.Throws<MilvusException>(() => catalog.Run(new DropPartition(DatabaseInfo.DefaultName, "c", "p"))).Message);

        catalog.Run(new ReleasePartitions(DatabaseInfo.DefaultName, "c", ["p"]));

        var released = Named(catalog.State, "c");
        Assert.False(released.Loaded);
        Assert.Null(released.LoadedPartitions);
        var dropped = catalog.Run(new DropPartition(DatabaseInfo.DefaultName, "c", "p"));
        Assert.Equal([p.Id, p.Id], dropped.Effects.OfType<SendToShards>().Select(s => Assert.IsType<DropPartitionData>(s.Message).PartitionId));
    }

    [Fact]
    public void A_database_is_dropped_only_when_empty_and_the_default_one_never()
    {
        var catalog = new Catalog();
        catalog.Run(new CreateDatabase("d", NoProperties));
        catalog.Run(Create("c", database: "d"));

        Assert.Contains("not empty", Assert.Throws<MilvusException>(() => catalog.Run(new DropDatabase("d"))).Message);
        Assert.Contains("default database", Assert.Throws<MilvusException>(() => catalog.Run(new DropDatabase(DatabaseInfo.DefaultName))).Message);
        catalog.Run(new DropCollection("d", "c"));
        var dropped = catalog.Run(new DropDatabase("d"));
        Assert.Equal(CatalogState.DatabasePrefix + "d", Assert.Single(dropped.Effects.OfType<DeleteMeta>()).Key);
        Assert.Equal(ErrorCode.DatabaseNotFound, Assert.Throws<MilvusException>(() => catalog.State.ListCollections("d")).Code);
    }

    private static readonly string[] Names = ["a", "b", "c", "d"];
    private static readonly string[] DatabaseNames = [DatabaseInfo.DefaultName, "other"];

    /// <summary>One DDL command drawn from a few names, so that commands collide often.</summary>
    private static object CommandOf(byte code)
    {
        var name = Names[code % Names.Length];
        var other = Names[(code / Names.Length) % Names.Length];
        var db = DatabaseNames[(code / 16) % DatabaseNames.Length];
        return ((code / 32) % 8) switch
        {
            0 => Create(name, db),
            1 => new DropCollection(db, name),
            2 => new CreateAlias(db, other, name),
            3 => new AlterAlias(db, other, name),
            4 => new DropAlias(db, other),
            5 => new RenameCollection(db, name, DatabaseNames[code % 2], other),
            6 => new CreatePartition(db, name, $"p{other}"),
            _ => code % 2 == 0 ? new CreateDatabase("other", NoProperties) : new DropDatabase("other"),
        };
    }

    /// <summary>
    /// Any sequence of DDL, refused or not: every name and alias is unique within its database, every alias belongs to a
    /// live collection (a collection with aliases cannot be dropped), no collection lives in a dropped database, the
    /// version only grows, and the state equals what a new incarnation reads back from the decisions' writes.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Names_stay_unique_aliases_stay_attached_and_the_writes_reload_the_same_catalog(byte[] codes)
    {
        var catalog = new Catalog();
        var recovered = catalog.State;
        var decisions = new List<Decision<CatalogState>>();
        var versions = new List<ulong> { catalog.State.Version };
        foreach (var code in codes)
        {
            if (catalog.TryRun(CommandOf(code)) is { } decision)
            {
                decisions.Add(decision);
            }

            versions.Add(catalog.State.Version);
        }

        var state = catalog.State;
        var unique = state.Collections.Values.GroupBy(c => c.Database)
            .All(db => db.SelectMany(c => c.Aliases.Prepend(c.Name)).GroupBy(n => n).All(n => n.Count() == 1));
        var databasesLive = state.Collections.Values.All(c => state.Databases.ContainsKey(c.Database));
        var reloaded = Reloaded(recovered, decisions, state.Version);
        var sameCollections = reloaded.Collections.Count == state.Collections.Count
            && state.Collections.All(c => reloaded.Collections.TryGetValue(c.Key, out var r) && CatalogCodec.Encode(r).Equals(CatalogCodec.Encode(c.Value)));
        var sameDatabases = reloaded.Databases.Keys.Order().SequenceEqual(state.Databases.Keys.Order());
        return unique && databasesLive && sameCollections && sameDatabases && versions.Zip(versions.Skip(1)).All(v => v.Item1 <= v.Item2);
    }

    /// <summary>
    /// Dropping any collection (its aliases first: the drop is refused while it has any) deletes its one entry, which holds
    /// its partitions and indexes, records it for garbage collection, drops each of its shards, and frees its name and
    /// aliases for new collections.
    /// </summary>
    [Property(MaxTest = 100)]
    public bool A_dropped_collection_leaves_nothing_of_its_own_behind(byte[] codes)
    {
        var catalog = new Catalog();
        foreach (var code in codes)
        {
            catalog.TryRun(CommandOf(code));
        }

        foreach (var collection in catalog.State.Collections.Values.ToList())
        {
            foreach (var alias in collection.Aliases)
            {
                catalog.Run(new DropAlias(collection.Database, alias));
            }

            var dropped = catalog.Run(new DropCollection(collection.Database, collection.Name));
            var deletesItsEntry = dropped.Effects.OfType<DeleteMeta>().Select(d => d.Key).SequenceEqual([CatalogState.KeyOf(collection)]);
            var recordsGarbage = dropped.Effects.OfType<PutMeta>().Select(p => p.Key).SequenceEqual([GarbageRecords.DroppedCollection(collection.Id)]);
            var dropsShards = dropped.Effects.OfType<SendToShards>().Select(s => ((DropShard)s.Message).ShardName).SequenceEqual(collection.AllShardNames);
            var namesFree = collection.Aliases.Prepend(collection.Name)
                .All(name => catalog.TryRun(Create(name, collection.Database)) is not null && catalog.TryRun(new DropCollection(collection.Database, name)) is not null);
            if (!(deletesItsEntry && recordsGarbage && dropsShards && namesFree))
            {
                return false;
            }
        }

        return catalog.State.Collections.IsEmpty && catalog.State.View.Collections.IsEmpty;
    }

    [Fact]
    public void Resource_groups_are_created_once_validated_as_Milvus_does_and_survive_a_restart()
    {
        var catalog = new Catalog();
        var config = new ResourceGroupConfig(1, 2) { TransferFrom = [ResourceGroups.Default], NodeLabels = [new NodeLabel("zone", "a")] };
        var created = catalog.Run(new CreateResourceGroup("rg_a", config));
        Assert.Single(created.Effects.OfType<PutMeta>());
        Assert.Empty(catalog.Run(new CreateResourceGroup("rg_a", config with { NodeLabels = [new NodeLabel("zone", "a")] })).Effects.OfType<PutMeta>());
        Assert.Equal(ErrorCode.ResourceGroupAlreadyExist, Assert.Throws<MilvusException>(() => catalog.Run(new CreateResourceGroup("rg_a", new ResourceGroupConfig(0, 0)))).Code);
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => catalog.Run(new CreateResourceGroup("1rg", new ResourceGroupConfig(0, 0)))).Code);
        var illegal = Assert.Throws<MilvusException>(() => catalog.Run(new CreateResourceGroup("rg_b", new ResourceGroupConfig(3, 2))));
        Assert.Equal(ErrorCode.ResourceGroupIllegalConfig, illegal.Code);
        Assert.Equal("resource group illegal config[rg=rg_b]: limits node num should not less than requests node num", illegal.Message);
        Assert.Contains("`TransferTo` nowhere not exist",
            Assert.Throws<MilvusException>(() => catalog.Run(new CreateResourceGroup("rg_b", new ResourceGroupConfig(0, 0) { TransferTo = ["nowhere"] }))).Message);
        catalog.Run(new CreateResourceGroup("rg_b", new ResourceGroupConfig(0, 0)));

        Assert.Equal([ResourceGroups.Default, "rg_a", "rg_b"], catalog.State.ListResourceGroups().Names.ToArray());
        Assert.Equal([ResourceGroups.Default, "rg_a", "rg_b"], catalog.State.View.ResourceGroups.Select(g => g.Name));

        var reloaded = Reloaded(catalog.State, [created], 99);
        Assert.True(reloaded.ResourceGroups["rg_a"].Config.SameAs(config));
        Assert.True(reloaded.ResourceGroups[ResourceGroups.Default].Config.SameAs(ResourceGroups.DefaultConfig));
    }

    [Fact]
    public void A_resource_group_is_dropped_only_when_empty_unreferenced_and_not_the_default()
    {
        var catalog = new Catalog();
        catalog.Run(new CreateResourceGroup("rg_a", new ResourceGroupConfig(1, 1)));
        catalog.Run(new CreateResourceGroup("rg_b", new ResourceGroupConfig(0, 0) { TransferFrom = ["rg_a"] }));

        Assert.Equal("default resource group is not deletable",
            Assert.Throws<MilvusException>(() => catalog.Run(new DropResourceGroup(ResourceGroups.Default))).Message);
        Assert.Contains("limits node num is not 0", Assert.Throws<MilvusException>(() => catalog.Run(new DropResourceGroup("rg_a"))).Message);
        catalog.Run(new UpdateResourceGroups(ImmutableSortedDictionary<string, ResourceGroupConfig>.Empty.Add("rg_a", new ResourceGroupConfig(0, 0))));
        Assert.Contains("used by rg_b", Assert.Throws<MilvusException>(() => catalog.Run(new DropResourceGroup("rg_a"))).Message);

        var dropped = catalog.Run(new DropResourceGroup("rg_b"));
        Assert.Equal(CatalogState.KeyOf(new ResourceGroupInfo("rg_b", new ResourceGroupConfig(0, 0), 0)), Assert.Single(dropped.Effects.OfType<DeleteMeta>()).Key);
        catalog.Run(new DropResourceGroup("rg_a"));
        Assert.Empty(catalog.Run(new DropResourceGroup("rg_a")).Effects.OfType<DeleteMeta>());
        Assert.Equal([ResourceGroups.Default], catalog.State.ListResourceGroups().Names.ToArray());
        Assert.Equal(ErrorCode.ResourceGroupNotFound,
            Assert.Throws<MilvusException>(() => catalog.Run(new UpdateResourceGroups(ImmutableSortedDictionary<string, ResourceGroupConfig>.Empty.Add("rg_a", new ResourceGroupConfig(0, 0))))).Code);
    }

    [Fact]
    public void TransferNode_moves_requests_between_groups_as_Milvus_does()
    {
        var catalog = new Catalog { QueryNodes = 3 };
        catalog.Run(new CreateResourceGroup("rg_a", new ResourceGroupConfig(0, 0)));

        catalog.Run(new TransferNode(ResourceGroups.Default, "rg_a", 2));
        Assert.True(catalog.State.ResourceGroups["rg_a"].Config.SameAs(new ResourceGroupConfig(2, 2)));
        Assert.True(catalog.State.ResourceGroups[ResourceGroups.Default].Config.SameAs(ResourceGroups.DefaultConfig));

        catalog.GroupNodes["rg_a"] = 2;
        catalog.Run(new TransferNode("rg_a", ResourceGroups.Default, 1));
        Assert.True(catalog.State.ResourceGroups["rg_a"].Config.SameAs(new ResourceGroupConfig(1, 1)));
        Assert.True(catalog.State.ResourceGroups[ResourceGroups.Default].Config.SameAs(new ResourceGroupConfig(1, ResourceGroups.DefaultCapacity)));

        var notEnough = Assert.Throws<MilvusException>(() => catalog.Run(new TransferNode("rg_a", ResourceGroups.Default, 3)));
        Assert.Equal(ErrorCode.ResourceGroupNodeNotEnough, notEnough.Code);
        Assert.Equal("resource group node not enough[rg=rg_a][currentNodeNum=2][expectedNodeNum=3]", notEnough.Message);
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => catalog.Run(new TransferNode("rg_a", "rg_a", 1))).Code);
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => catalog.Run(new TransferNode("rg_a", ResourceGroups.Default, 0))).Code);
        Assert.Equal(ErrorCode.ResourceGroupNotFound, Assert.Throws<MilvusException>(() => catalog.Run(new TransferNode("rg_x", ResourceGroups.Default, 1))).Code);
    }

    [Fact]
    public void A_load_places_its_replicas_in_the_named_groups_and_TransferReplica_moves_them()
    {
        var catalog = new Catalog { QueryNodes = 2 };
        catalog.Run(Create("c"));
        catalog.Run(VectorIndex("c"));
        catalog.Run(new CreateResourceGroup("rg_a", new ResourceGroupConfig(1, 1)));

        var missing = Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c") { ResourceGroups = ["rg_a"] }));
        Assert.Equal("failed to spawn replica for collection: resource group node not enough[rg=rg_a][currentNodeNum=0][expectedNodeNum=1]", missing.Message);
        Assert.Equal(ErrorCode.ResourceGroupNotFound,
            Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c") { ResourceGroups = ["rg_x"] })).Code);
        Assert.Contains("resource group num can only be 0, 1 or same as replica number",
            Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c", 3) { ResourceGroups = ["rg_a", ResourceGroups.Default] })).Message);

        catalog.GroupNodes["rg_a"] = 1;
        catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c", 2) { ResourceGroups = [ResourceGroups.Default, "rg_a"] });
        var loaded = Named(catalog.State, "c");
        Assert.Equal([ResourceGroups.Default, "rg_a"], loaded.ReplicaIds.Select(loaded.ResourceGroupOf));
        Assert.Contains("can't change the resource groups",
            Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c", 2) { ResourceGroups = ["rg_a"] })).Message);
        Assert.Empty(catalog.Run(new LoadCollection(DatabaseInfo.DefaultName, "c", 2)).Effects.OfType<PutMeta>());
        Assert.Contains("some replicas still loaded in resource group[rg_a], release it first",
            Assert.Throws<MilvusException>(() => catalog.Run(new DropResourceGroup("rg_a"))).Message);

        catalog.Run(new TransferReplica("rg_a", ResourceGroups.Default, DatabaseInfo.DefaultName, "c", 1));
        var moved = Named(catalog.State, "c");
        Assert.All(moved.ReplicaIds, r => Assert.Equal(ResourceGroups.Default, moved.ResourceGroupOf(r)));
        Assert.Empty(moved.ReplicaResourceGroups);
        Assert.Contains("only found [0] replicas of collection [c] in source resource group [rg_a], but 1 require",
            Assert.Throws<MilvusException>(() => catalog.Run(new TransferReplica("rg_a", ResourceGroups.Default, DatabaseInfo.DefaultName, "c", 1))).Message);
        catalog.Run(new TransferReplica(ResourceGroups.Default, "rg_a", DatabaseInfo.DefaultName, "c", 2));
        Assert.All(Named(catalog.State, "c").ReplicaIds, r => Assert.Equal("rg_a", Named(catalog.State, "c").ResourceGroupOf(r)));

        catalog.Run(new ReleaseCollection(DatabaseInfo.DefaultName, "c"));
        Assert.Empty(Named(catalog.State, "c").ReplicaResourceGroups);
        Assert.Contains("Collection not loaded",
            Assert.Throws<MilvusException>(() => catalog.Run(new TransferReplica("rg_a", ResourceGroups.Default, DatabaseInfo.DefaultName, "c", 1))).Message);
    }

    [Fact]
    public void A_load_naming_neither_replicas_nor_groups_takes_the_collections_then_the_databases_configuration()
    {
        var catalog = new Catalog { QueryNodes = 3 };
        catalog.GroupNodes["rg_a"] = 2;
        catalog.Run(new CreateResourceGroup("rg_a", new ResourceGroupConfig(2, 2)));
        catalog.Run(new CreateDatabase("db", NoProperties.Add(LoadReplicas.DatabaseReplicaNumber, "2").Add(LoadReplicas.DatabaseResourceGroups, "rg_a")));
        foreach (var name in new[] { "from_db", "from_collection", "explicit" })
        {
            catalog.Run(Create(name, "db"));
            catalog.Run(VectorIndex(name) with { Database = "db" });
        }

        catalog.Run(new AlterCollection("db", "from_collection", NoProperties.Add(LoadReplicas.CollectionReplicaNumber, "3")
            .Add(LoadReplicas.CollectionResourceGroups, " __default_resource_group "), []));

        catalog.Run(new LoadCollection("db", "from_db", 0));
        catalog.Run(new LoadCollection("db", "from_collection", 0));
        catalog.Run(new LoadCollection("db", "explicit", 1));
        string[] GroupsOf(string name) => [.. catalog.State.Find("db", name) is var c ? c.ReplicaIds.Select(c.ResourceGroupOf) : []];
        Assert.Equal(["rg_a", "rg_a"], GroupsOf("from_db"));
        Assert.Equal([ResourceGroups.Default, ResourceGroups.Default, ResourceGroups.Default], GroupsOf("from_collection"));
        Assert.Equal([ResourceGroups.Default], GroupsOf("explicit"));
        // Loading again without a replica number keeps the configured one.
        Assert.Empty(catalog.Run(new LoadCollection("db", "from_db", 0)).Effects.OfType<PutMeta>());

        catalog.Run(new AlterDatabase("db", NoProperties.Add(LoadReplicas.DatabaseReplicaNumber, "two"), []));
        catalog.Run(Create("bad", "db"));
        catalog.Run(VectorIndex("bad") with { Database = "db" });
        var invalid = Assert.Throws<MilvusException>(() => catalog.Run(new LoadCollection("db", "bad", 0)));
        Assert.Equal("invalid database.replica.number value: two is not a positive replica number", invalid.Message);
    }

    [Fact]
    public void A_schema_change_moves_the_update_timestamp_and_a_property_change_does_not()
    {
        var catalog = new Catalog();
        catalog.Run(Create("c"));
        var created = Named(catalog.State, "c");
        Assert.Equal(created.CreatedTimestamp, created.UpdateTimestamp);

        catalog.Run(new AlterCollection(DatabaseInfo.DefaultName, "c", NoProperties.Add("collection.ttl.seconds", "60"), []));
        Assert.Equal(created.CreatedTimestamp, Named(catalog.State, "c").UpdateTimestamp);

        catalog.Run(new AddCollectionField(DatabaseInfo.DefaultName, "c", [new FieldSchema { FieldId = 0, Name = "late", DataType = DataType.Int64, Nullable = true }]));
        var widened = Named(catalog.State, "c");
        Assert.True(widened.UpdateTimestamp > created.CreatedTimestamp);
        Assert.Equal(widened.UpdateTimestamp, widened.SchemaUpdatedTimestamp);
    }
}
