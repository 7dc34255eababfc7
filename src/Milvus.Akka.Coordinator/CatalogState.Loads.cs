using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Index declarations and load state of collections and partitions. The catalog only records them; the segments child
/// follows each change through the catalog view (schedules index builds, assigns loaded segments to query nodes,
/// unloads released ones).
/// </summary>
public sealed partial record CatalogState
{
    public Decision<CatalogState> Decide(CreateIndex m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        var field = collection.Schema.FindField(m.FieldName)
            ?? throw new MilvusException(ErrorCode.FieldNotFound, $"cannot create index on non-exist field: {m.FieldName}");
        var (parameters, properties) = AlterableProperties.SplitIndexParams(m.Params);
        if (field.DataType == DataType.ArrayOfVector)
        {
            parameters = StructVectorIndexRules.Complete(field, parameters);
        }
        else if (field.DataType.IsVector())
        {
            var type = parameters.GetValueOrDefault(IndexInfo.IndexTypeKey, "AUTOINDEX");
            var metric = parameters.GetValueOrDefault(IndexInfo.MetricTypeKey, Index.IndexSpec.DefaultMetric(field));
            var buildParams = parameters.Remove(IndexInfo.IndexTypeKey).Remove(IndexInfo.MetricTypeKey);
            var spec = IndexSpec.FromMilvus(type, metric, buildParams, field.DataType);
            spec.Validate(field.Dim);
            FunctionValidator.CheckIndexMetric(field, spec.Metric);
            parameters = parameters.SetItem(IndexInfo.IndexTypeKey, type.ToUpperInvariant()).SetItem(IndexInfo.MetricTypeKey, metric.ToUpperInvariant());
        }
        else
        {
            parameters = parameters.SetItem(IndexInfo.IndexTypeKey,
                ScalarIndexRules.Resolve(collection.Schema, field, parameters.GetValueOrDefault(IndexInfo.IndexTypeKey), parameters));
        }

        var existing = collection.IndexOnField(field.FieldId);

        // As Milvus: an unnamed request names the field's existing index, so repeating it is idempotent, or else takes the field's name.
        var name = !string.IsNullOrEmpty(m.IndexName) ? m.IndexName : existing?.Name ?? field.Name;
        if (existing is not null)
        {
            if (existing.Name == name && existing.Params.SequenceEqual(parameters))
            {
                return Unchanged();
            }

            throw new MilvusException(ErrorCode.IndexDuplicate, $"at most one distinct index is allowed per field, field {field.Name} already has index {existing.Name}");
        }

        if (collection.Indexes.Any(i => i.Name == name))
        {
            throw new MilvusException(ErrorCode.IndexDuplicate, $"index name {name} is already used by another field");
        }

        var index = new IndexInfo(inputs.Id(0), name, field.FieldId, parameters, inputs.Timestamp) { Properties = properties };
        return Saved(inputs, collection with { Indexes = collection.Indexes.Add(index) });
    }

    public Decision<CatalogState> Decide(DropIndex m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        var index = collection.Indexes.FirstOrDefault(i =>
            (string.IsNullOrEmpty(m.IndexName) || i.Name == m.IndexName)
            && (string.IsNullOrEmpty(m.FieldName) || collection.Schema.FindField(i.FieldId)?.Name == m.FieldName));
        if (index is null)
        {
            return Unchanged();
        }

        if (collection.Loaded)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"index cannot be dropped, collection is loaded, please release it first");
        }

        // The segments child forgets the index files of the field once it sees the view without the index.
        return Saved(inputs, collection with { Indexes = collection.Indexes.Remove(index) });
    }

    public Decision<CatalogState> Decide(AlterIndex m, CatalogInputs inputs)
    {
        AlterableProperties.CheckIndexAlteration(m.Properties, m.DeleteKeys);
        if (string.IsNullOrEmpty(m.IndexName))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "index name is empty");
        }

        var collection = Find(m.Database, m.Collection);
        if (collection.Loaded)
        {
            throw AlterableProperties.CollectionLoaded(collection, "can't alter index on loaded collection, please release the collection first");
        }

        var index = collection.Indexes.FirstOrDefault(i => i.Name == m.IndexName)
            ?? throw new MilvusException(ErrorCode.IndexNotFound, $"index not found[indexName={m.IndexName}]");
        var altered = index with { Properties = index.Properties.SetItems(m.Properties).RemoveRange(m.DeleteKeys) };
        return Saved(inputs, collection with { Indexes = collection.Indexes.Replace(index, altered) });
    }

    public Decision<CatalogState> Decide(LoadCollection m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Name);
        RequireVectorIndexes(collection);
        var fields = LoadFieldRules.Resolve(collection.Schema, m.LoadFields, m.SkipDynamicField);
        LoadFieldRules.RequireUnchanged(collection, fields);
        var groups = ReplicaGroupsOf(collection, m.ReplicaNumber, m.ResourceGroups, inputs, partitions: false);
        if (collection.Loaded && collection.LoadedPartitions is null)
        {
            return Unchanged();
        }

        return Saved(inputs, WithReplicas(collection, groups, inputs) with { LoadedPartitions = null, LoadedFields = fields });
    }

    public Decision<CatalogState> Decide(LoadPartitions m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        RequireVectorIndexes(collection);
        var ids = PartitionIds(collection, m.Partitions);
        var fields = LoadFieldRules.Resolve(collection.Schema, m.LoadFields, m.SkipDynamicField);
        LoadFieldRules.RequireUnchanged(collection, fields);
        var groups = ReplicaGroupsOf(collection, m.ReplicaNumber, m.ResourceGroups, inputs, partitions: true);
        if (!collection.Loaded)
        {
            return Saved(inputs, WithReplicas(collection, groups, inputs) with { LoadedPartitions = ids, LoadedFields = fields });
        }

        return collection.LoadedPartitions is { } loaded && !ids.IsSubsetOf(loaded)
            ? Saved(inputs, collection with { LoadedPartitions = loaded.Union(ids) })
            : Unchanged();
    }

    public Decision<CatalogState> Decide(ReleasePartitions m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Collection);
        var ids = PartitionIds(collection, m.Partitions);
        if (!collection.Loaded)
        {
            return Unchanged();
        }

        var remaining = (collection.LoadedPartitions ?? [.. collection.Partitions.Select(p => p.Id)]).Except(ids);
        return remaining.IsEmpty
            ? Decide(new ReleaseCollection(m.Database, m.Collection), inputs)
            : Saved(inputs, collection with { LoadedPartitions = remaining });
    }

    /// <summary>The shards are told to release even when the catalog holds the collection released already (a retry).</summary>
    public Decision<CatalogState> Decide(ReleaseCollection m, CatalogInputs inputs)
    {
        var collection = Find(m.Database, m.Name);
        var releases = collection.AllShardNames.Select(shard => (Effect)new SendToShards(new ReleaseShard(shard))).ToImmutableArray();
        return collection.Loaded
            ? Saved(inputs, [collection with
            {
                Loaded = false, LoadedPartitions = null, LoadedFields = null, Replicas = [], ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty,
            }], releases)
            : Unchanged(releases);
    }

    /// <summary>A load of a collection not loaded yet takes one fresh id per replica.</summary>
    private int NewReplicaIds(string database, string name, int replicaNumber, ImmutableArray<string> resourceGroups) =>
        Databases.ContainsKey(DatabaseName(database)) && TryFind(DatabaseName(database), name) is { Loaded: false } collection
            ? LoadConfigOf(collection, replicaNumber, resourceGroups).ReplicaNumber
            : 0;

    /// <summary>The resource group of each replica of a load (<see cref="LoadReplicas"/>), or Milvus's refusal.</summary>
    private ImmutableArray<string> ReplicaGroupsOf(
        CollectionInfo collection, int replicaNumber, ImmutableArray<string> resourceGroups, CatalogInputs inputs, bool partitions)
    {
        var (replicas, named) = LoadConfigOf(collection, replicaNumber, resourceGroups);
        return LoadReplicas.Check(collection, replicas, named, ResourceGroups.Keys.ToList(), inputs.NodesInGroup, partitions);
    }

    /// <summary>The replica number and resource groups of a load, the collection's or database's configured ones if it names neither.</summary>
    private (int ReplicaNumber, ImmutableArray<string> ResourceGroups) LoadConfigOf(CollectionInfo collection, int replicaNumber, ImmutableArray<string> resourceGroups) =>
        LoadReplicas.Configured(replicaNumber, resourceGroups, collection.Properties,
            Databases.TryGetValue(collection.Database, out var db) ? db.Properties : ImmutableSortedDictionary<string, string>.Empty);

    /// <summary>
    /// The collection loaded in replicas placed in <paramref name="groups"/> (one per replica): a collection already
    /// loaded keeps its replicas, a new load takes new unique ids.
    /// </summary>
    private static CollectionInfo WithReplicas(CollectionInfo collection, ImmutableArray<string> groups, CatalogInputs inputs)
    {
        if (collection.Loaded)
        {
            return collection;
        }

        ImmutableArray<long> replicas = [.. Enumerable.Range(0, groups.Length).Select(inputs.Id)];
        var named = replicas.Zip(groups).Where(r => r.Second != DefaultGroupName);
        return collection with
        {
            Loaded = true,
            Replicas = replicas,
            ReplicaResourceGroups = named.ToImmutableDictionary(r => r.First, r => r.Second),
        };
    }

    private static void RequireVectorIndexes(CollectionInfo collection)
    {
        foreach (var vector in collection.Schema.VectorFields)
        {
            if (collection.IndexOnField(vector.FieldId) is null)
            {
                throw new MilvusException(ErrorCode.IndexNotFound, $"there is no vector index on field: [{vector.Name}], please create index firstly: collection={collection.Name}");
            }
        }
    }

    private static ImmutableSortedSet<long> PartitionIds(CollectionInfo collection, ImmutableArray<string> names) =>
        names.IsDefaultOrEmpty
            ? throw new MilvusException(ErrorCode.ParameterInvalid, "partition names are empty")
            : [.. names.Select(name => (collection.FindPartition(name)
                ?? throw new MilvusException(ErrorCode.PartitionNotFound, $"partition not found[partition={name}]")).Id)];
}
