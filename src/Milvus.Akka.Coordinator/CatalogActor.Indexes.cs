using System.Collections.Immutable;
using Akka.Actor;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Index declarations and load state of collections and partitions. The catalog only records them; the segments child
/// follows each change through the catalog view (schedules index builds, assigns loaded segments to query nodes,
/// unloads released ones).
/// </summary>
public sealed partial class CatalogActor
{
    private async Task<object> CreateIndexAsync(CreateIndex m)
    {
        var collection = Find(m.Database, m.Collection);
        var field = collection.Schema.FindField(m.FieldName)
            ?? throw new MilvusException(ErrorCode.FieldNotFound, $"cannot create index on non-exist field: {m.FieldName}");
        var (parameters, properties) = AlterableProperties.SplitIndexParams(m.Params);
        if (field.DataType.IsVector())
        {
            var type = parameters.GetValueOrDefault(IndexInfo.IndexTypeKey, "AUTOINDEX");
            var metric = parameters.GetValueOrDefault(IndexInfo.MetricTypeKey, FunctionValidator.DefaultMetric(field));
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

        // As Milvus: an unnamed request names the field's existing index, so repeating it is idempotent.
        var name = !string.IsNullOrEmpty(m.IndexName) ? m.IndexName : existing?.Name ?? $"_default_idx_{field.FieldId}";
        if (existing is not null)
        {
            if (existing.Name == name && existing.Params.SequenceEqual(parameters))
            {
                return Done.Instance;
            }

            throw new MilvusException(ErrorCode.IndexDuplicate, $"at most one distinct index is allowed per field, field {field.Name} already has index {existing.Name}");
        }

        if (collection.Indexes.Any(i => i.Name == name))
        {
            throw new MilvusException(ErrorCode.IndexDuplicate, $"index name {name} is already used by another field");
        }

        var index = new IndexInfo(await NextIdsAsync(), name, field.FieldId, parameters, await NextTimestampAsync()) { Properties = properties };
        await SaveAsync(collection with { Indexes = collection.Indexes.Add(index) });
        return Done.Instance;
    }

    private async Task<object> DropIndexAsync(DropIndex m)
    {
        var collection = Find(m.Database, m.Collection);
        var index = collection.Indexes.FirstOrDefault(i =>
            (string.IsNullOrEmpty(m.IndexName) || i.Name == m.IndexName)
            && (string.IsNullOrEmpty(m.FieldName) || collection.Schema.FindField(i.FieldId)?.Name == m.FieldName));
        if (index is null)
        {
            return Done.Instance;
        }

        if (collection.Loaded)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"index cannot be dropped, collection is loaded, please release it first");
        }

        // The segments child forgets the index files of the field once it sees the view without the index.
        await SaveAsync(collection with { Indexes = collection.Indexes.Remove(index) });

        return Done.Instance;
    }

    private async Task<object> AlterIndexAsync(AlterIndex m)
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
        await SaveAsync(collection with { Indexes = collection.Indexes.Replace(index, altered) });
        return Done.Instance;
    }

    private async Task<object> LoadCollectionAsync(LoadCollection m)
    {
        var collection = Find(m.Database, m.Name);
        RequireVectorIndexes(collection);
        var fields = LoadFieldRules.Resolve(collection.Schema, m.LoadFields, m.SkipDynamicField);
        LoadFieldRules.RequireUnchanged(collection, fields);
        LoadReplicas.Check(collection, m.ReplicaNumber, QueryNodeCount, partitions: false);
        if (!collection.Loaded || collection.LoadedPartitions is not null)
        {
            await SaveAsync(collection with
            {
                Loaded = true, LoadedPartitions = null, LoadedFields = fields, Replicas = await ReplicasOfAsync(collection, m.ReplicaNumber),
            });
        }

        return Done.Instance;
    }

    private async Task<object> LoadPartitionsAsync(LoadPartitions m)
    {
        var collection = Find(m.Database, m.Collection);
        RequireVectorIndexes(collection);
        var ids = PartitionIds(collection, m.Partitions);
        var fields = LoadFieldRules.Resolve(collection.Schema, m.LoadFields, m.SkipDynamicField);
        LoadFieldRules.RequireUnchanged(collection, fields);
        LoadReplicas.Check(collection, m.ReplicaNumber, QueryNodeCount, partitions: true);
        if (!collection.Loaded)
        {
            await SaveAsync(collection with
            {
                Loaded = true, LoadedPartitions = ids, LoadedFields = fields, Replicas = await ReplicasOfAsync(collection, m.ReplicaNumber),
            });
        }
        else if (collection.LoadedPartitions is { } loaded && !ids.IsSubsetOf(loaded))
        {
            await SaveAsync(collection with { LoadedPartitions = loaded.Union(ids) });
        }

        return Done.Instance;
    }

    private async Task<object> ReleasePartitionsAsync(ReleasePartitions m)
    {
        var collection = Find(m.Database, m.Collection);
        var ids = PartitionIds(collection, m.Partitions);
        if (!collection.Loaded)
        {
            return Done.Instance;
        }

        var remaining = (collection.LoadedPartitions ?? [.. collection.Partitions.Select(p => p.Id)]).Except(ids);
        if (remaining.IsEmpty)
        {
            return await ReleaseCollectionAsync(new ReleaseCollection(m.Database, m.Collection));
        }

        await SaveAsync(collection with { LoadedPartitions = remaining });
        return Done.Instance;
    }

    /// <summary>The replica ids of a load: those of a collection already loaded, new unique ids otherwise.</summary>
    private async Task<ImmutableArray<long>> ReplicasOfAsync(CollectionInfo collection, int replicaNumber)
    {
        if (collection.Loaded)
        {
            return collection.Replicas;
        }

        var first = await NextIdsAsync(replicaNumber);
        return [.. Enumerable.Range(0, replicaNumber).Select(i => first + i)];
    }

    /// <summary>Query nodes that are up: each replica of a load needs one of its own.</summary>
    private int QueryNodeCount() =>
        global::Akka.Cluster.Cluster.Get(Context.System).State.Members.Count(m => m.Status == global::Akka.Cluster.MemberStatus.Up && m.HasRole(CoordinatorActor.QueryRole));

    private void RequireVectorIndexes(CollectionInfo collection)
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

    private async Task<object> ReleaseCollectionAsync(ReleaseCollection m)
    {
        var collection = Find(m.Database, m.Name);
        if (collection.Loaded)
        {
            await SaveAsync(collection with { Loaded = false, LoadedPartitions = null, LoadedFields = null, Replicas = [] });
        }

        foreach (var shard in collection.AllShardNames)
        {
            _shardRegion.Tell(new ReleaseShard(shard));
        }

        return Done.Instance;
    }
}
