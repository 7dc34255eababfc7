using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Cluster.Tools.PublishSubscribe;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Coordinator;

/// <summary>Segment bookkeeping, index-build scheduling and the assignment of flushed segments to query nodes.</summary>
public sealed partial class CatalogActor
{
    private readonly Dictionary<long, SegmentInfo> _segments = [];
    private readonly Dictionary<long, IActorRef> _servedBy = [];
    private readonly Dictionary<long, IActorRef> _assignedTo = [];
    private readonly HashSet<IActorRef> _queryNodes = [];
    private readonly Dictionary<long, (long SegmentId, long IndexId, DateTimeOffset Deadline)> _buildsInProgress = [];

    private void ReadySegments()
    {
        ReadyCompaction();
        Reply<SegmentFlushed>(SegmentFlushedAsync);
        Reply<GetSegments>(m => Task.FromResult<object>(new SegmentList([.. _segments.Values.Where(s => s.CollectionId == m.CollectionId)])));
        Reply<GetShardDistribution>(m => Task.FromResult<object>(DistributionOf(m.ShardName)));
        Reply<RequestIndexTask>(_ => NextIndexTaskAsync());
        Reply<IndexBuilt>(IndexBuiltAsync);
        Receive<IndexBuildFailed>(m =>
        {
            _log.Warning("Index build {0} failed: {1}", m.BuildId, m.Reason);
            _buildsInProgress.Remove(m.BuildId);
        });
        Receive<RegisterQueryNode>(m =>
        {
            if (_queryNodes.Add(m.Node))
            {
                Context.Watch(m.Node);
                _log.Info("Query node {0} registered, serving {1} segments", m.Node.Path, m.ServedSegments.Length);
            }

            // A report sent before the node handled a release must not re-adopt that collection's segments.
            var released = new List<long>();
            foreach (var segmentId in m.ServedSegments.Where(_segments.ContainsKey))
            {
                if (!IsLoaded(_segments[segmentId]))
                {
                    released.Add(segmentId);
                    continue;
                }

                _servedBy[segmentId] = m.Node;
                _assignedTo[segmentId] = m.Node;
            }

            if (released.Count > 0)
            {
                m.Node.Tell(new UnloadSegments([.. released]));
            }

            NoteRetiredSegmentsServed(m.Node, m.ServedSegments);

            AssignPendingSegments();
        });
        Receive<SegmentServed>(m =>
        {
            // A node that dropped or failed to load a segment no longer holds it; the next registration round
            // assigns it again if its collection is loaded (which also paces retries of a failing load).
            if (!m.Serving && _assignedTo.GetValueOrDefault(m.SegmentId)?.Equals(m.QueryNode) == true)
            {
                _assignedTo.Remove(m.SegmentId);
            }

            if (m.Serving && _segments.TryGetValue(m.SegmentId, out var segment))
            {
                if (IsLoaded(segment))
                {
                    _servedBy[m.SegmentId] = m.QueryNode;
                }
                else
                {
                    // A load that finished after its collection was released.
                    m.QueryNode.Tell(new UnloadSegments([m.SegmentId]));
                }
            }
            else if (_servedBy.GetValueOrDefault(m.SegmentId)?.Equals(m.QueryNode) == true)
            {
                _servedBy.Remove(m.SegmentId);
            }
            else if (!m.Serving)
            {
                NoteRetiredSegmentUnloaded(m.SegmentId, m.QueryNode);
            }
        });
        Receive<Terminated>(m =>
        {
            _queryNodes.Remove(m.ActorRef);
            ForgetRetiredSegmentsOf(m.ActorRef);
            foreach (var segmentId in _assignedTo.Where(a => a.Value.Equals(m.ActorRef)).Select(a => a.Key).ToList())
            {
                _assignedTo.Remove(segmentId);
                _servedBy.Remove(segmentId);
            }

            _log.Warning("Query node {0} left; reassigning its segments", m.ActorRef.Path);
            AssignPendingSegments();
        });
    }

    private async Task<object> SegmentFlushedAsync(SegmentFlushed m)
    {
        var segment = m.Segment;
        if (!_collections.ContainsKey(segment.CollectionId))
        {
            throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {segment.CollectionId} of segment {segment.SegmentId} no longer exists");
        }

        if (!_segments.ContainsKey(segment.SegmentId))
        {
            await SaveAsync(segment);
            _log.Info("Segment {0} of collection {1} flushed with {2} rows", segment.SegmentId, segment.CollectionId, segment.RowCount);
        }

        AnnounceWork();
        AssignPendingSegments();
        await ScheduleAutomaticCompactionAsync(segment.CollectionId);
        return Done.Instance;
    }

    private async Task SaveAsync(SegmentInfo segment)
    {
        await _meta.PutAsync($"{SegmentPrefix}{segment.CollectionId}/{segment.SegmentId}", CatalogCodec.Encode(segment).ToByteArray());
        _segments[segment.SegmentId] = segment;
    }

    private async Task ForgetSegmentsAsync(long collectionId, long? partitionId = null)
    {
        var dropped = _segments.Values.Where(s => s.CollectionId == collectionId && (partitionId is null || s.PartitionId == partitionId)).ToList();
        foreach (var segment in dropped)
        {
            await _meta.DeleteAsync($"{SegmentPrefix}{segment.CollectionId}/{segment.SegmentId}");
            _segments.Remove(segment.SegmentId);
            _servedBy.Remove(segment.SegmentId);
            _assignedTo.Remove(segment.SegmentId);
        }

        var ids = dropped.Select(s => s.SegmentId).ToImmutableArray();
        foreach (var node in _queryNodes)
        {
            node.Tell(new UnloadSegments(ids));
        }
    }

    /// <summary>Segments whose vector indexes still need a build (big enough, index declared, not FLAT, no file yet).</summary>
    private IEnumerable<(SegmentInfo Segment, IndexInfo Index)> MissingIndexes(long? collectionId = null)
    {
        foreach (var segment in _segments.Values)
        {
            if ((collectionId is not null && segment.CollectionId != collectionId) || segment.RowCount < _settings.MinRowsToIndex
                || !_collections.TryGetValue(segment.CollectionId, out var collection))
            {
                continue;
            }

            foreach (var index in collection.Indexes)
            {
                if (NeedsBuild(collection, index) && !segment.IndexFiles.ContainsKey(index.FieldId))
                {
                    yield return (segment, index);
                }
            }
        }
    }

    private static bool NeedsBuild(CollectionInfo collection, IndexInfo index) =>
        collection.Schema.FindField(index.FieldId)?.DataType.IsVector() == true
        && IndexTypes.TryParse(index.IndexType, out var type) && type is not (IndexType.Flat or IndexType.BinFlat);

    private async Task<object> NextIndexTaskAsync()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var expired in _buildsInProgress.Where(b => b.Value.Deadline < now).Select(b => b.Key).ToList())
        {
            _buildsInProgress.Remove(expired);
        }

        foreach (var (segment, index) in MissingIndexes())
        {
            if (_buildsInProgress.Values.Any(b => b.SegmentId == segment.SegmentId && b.IndexId == index.IndexId))
            {
                continue;
            }

            // Build ids come from the id allocator: unique across coordinator incarnations, so index file keys never collide.
            var buildId = await NextIdsAsync();
            _buildsInProgress[buildId] = (segment.SegmentId, index.IndexId, now + _settings.IndexTaskLease);
            return new IndexBuildTask(buildId, segment, _collections[segment.CollectionId].Schema, index);
        }

        return NoTask.Instance;
    }

    private async Task<object> IndexBuiltAsync(IndexBuilt m)
    {
        _buildsInProgress.Remove(m.BuildId);
        if (_segments.TryGetValue(m.SegmentId, out var segment))
        {
            segment = segment with { IndexFiles = segment.IndexFiles.SetItem(m.FieldId, m.IndexKey) };
            await SaveAsync(segment);
            if (_servedBy.TryGetValue(segment.SegmentId, out var node))
            {
                node.Tell(new SegmentIndexReady(segment));
            }

            AssignPendingSegments();
        }

        return Done.Instance;
    }

    private void AnnounceWork()
    {
        if (MissingIndexes().Any())
        {
            DistributedPubSub.Get(Context.System).Mediator.Tell(new Publish(Topics.Work, WorkAvailable.Instance));
        }
    }

    /// <summary>
    /// Hands every flushed segment of a loaded collection that has its index files (or needs none) to the query node
    /// with the fewest segments. The segment's shard does the hand-over, so it keeps serving until the load is done.
    /// </summary>
    private void AssignPendingSegments()
    {
        var waitingForIndex = MissingIndexes().Select(m => m.Segment.SegmentId).ToHashSet();
        var ready = _segments.Values
            .Where(s => !waitingForIndex.Contains(s.SegmentId) && IsLoaded(s))
            .OrderBy(s => s.SegmentId)
            .Select(s => s.SegmentId);
        foreach (var (segmentId, node) in LeastLoadedPlacement.Place(ready, _queryNodes, _assignedTo, NodeOrder))
        {
            var segment = _segments[segmentId];
            _assignedTo[segmentId] = node;
            _shardRegion.Tell(new AssignSegment(segment.ShardName, segment, node));
        }
    }

    private static readonly IComparer<IActorRef> NodeOrder =
        Comparer<IActorRef>.Create((a, b) => string.CompareOrdinal(a.Path.ToString(), b.Path.ToString()));

    private bool IsLoaded(SegmentInfo segment) =>
        _collections.TryGetValue(segment.CollectionId, out var collection) && collection.IsPartitionLoaded(segment.PartitionId);

    private ShardDistribution DistributionOf(string shardName)
    {
        var (collectionId, _) = ShardNames.Parse(shardName);
        var loaded = _collections.TryGetValue(collectionId, out var collection) && collection.Loaded;
        return new ShardDistribution(
            [.. _segments.Values.Where(s => s.ShardName == shardName).Select(s => (s, _servedBy.GetValueOrDefault(s.SegmentId)))],
            loaded);
    }

    private async Task<object> CreateIndexAsync(CreateIndex m)
    {
        var collection = Find(m.Database, m.Collection);
        var field = collection.Schema.FindField(m.FieldName)
            ?? throw new MilvusException(ErrorCode.FieldNotFound, $"cannot create index on non-exist field: {m.FieldName}");
        var (parameters, properties) = AlterableProperties.SplitIndexParams(m.Params);
        if (field.DataType.IsVector())
        {
            var type = parameters.GetValueOrDefault(IndexInfo.IndexTypeKey, "AUTOINDEX");
            var metric = parameters.GetValueOrDefault(IndexInfo.MetricTypeKey, IndexSpec.DefaultMetric(field.DataType));
            var buildParams = parameters.Remove(IndexInfo.IndexTypeKey).Remove(IndexInfo.MetricTypeKey);
            var spec = IndexSpec.FromMilvus(type, metric, buildParams, field.DataType);
            spec.Validate(field.Dim);
            parameters = parameters.SetItem(IndexInfo.IndexTypeKey, type.ToUpperInvariant()).SetItem(IndexInfo.MetricTypeKey, metric.ToUpperInvariant());
        }
        else
        {
            parameters = parameters.SetItem(IndexInfo.IndexTypeKey,
                ScalarIndexRules.Resolve(field, parameters.GetValueOrDefault(IndexInfo.IndexTypeKey), parameters));
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
        AnnounceWork();
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

        await SaveAsync(collection with { Indexes = collection.Indexes.Remove(index) });
        foreach (var segment in _segments.Values.Where(s => s.CollectionId == collection.Id && s.IndexFiles.ContainsKey(index.FieldId)).ToList())
        {
            await SaveAsync(segment with { IndexFiles = segment.IndexFiles.Remove(index.FieldId) });
        }

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

    private IndexProgress IndexProgressOf(long collectionId)
    {
        var collection = _collections.GetValueOrDefault(collectionId)
            ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {collectionId} not found");
        var segments = _segments.Values.Where(s => s.CollectionId == collectionId).ToList();
        return new IndexProgress(collection.Indexes.ToImmutableDictionary(
            i => i.IndexId,
            i =>
            {
                var total = segments.Sum(s => s.RowCount);
                var indexed = segments.Where(s => !NeedsBuild(collection, i) || s.RowCount < _settings.MinRowsToIndex || s.IndexFiles.ContainsKey(i.FieldId)).Sum(s => s.RowCount);
                return (indexed, total);
            }));
    }

    private async Task<object> LoadCollectionAsync(LoadCollection m)
    {
        var collection = Find(m.Database, m.Name);
        RequireVectorIndexes(collection);
        if (!collection.Loaded || collection.LoadedPartitions is not null)
        {
            await SaveAsync(collection with { Loaded = true, LoadedPartitions = null });
        }

        AssignPendingSegments();
        return Done.Instance;
    }

    private async Task<object> LoadPartitionsAsync(LoadPartitions m)
    {
        var collection = Find(m.Database, m.Collection);
        RequireVectorIndexes(collection);
        var ids = PartitionIds(collection, m.Partitions);
        if (!collection.Loaded)
        {
            await SaveAsync(collection with { Loaded = true, LoadedPartitions = ids });
        }
        else if (collection.LoadedPartitions is { } loaded && !ids.IsSubsetOf(loaded))
        {
            await SaveAsync(collection with { LoadedPartitions = loaded.Union(ids) });
        }

        AssignPendingSegments();
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
        Unload(collection, segment => ids.Contains(segment.PartitionId));
        return Done.Instance;
    }

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
            await SaveAsync(collection with { Loaded = false, LoadedPartitions = null });
        }

        foreach (var shard in collection.AllShardNames)
        {
            _shardRegion.Tell(new ReleaseShard(shard));
        }

        Unload(collection, _ => true);
        return Done.Instance;
    }

    /// <summary>Stops serving the collection's flushed segments that match: forgets their placement and tells every query node.</summary>
    private void Unload(CollectionInfo collection, Func<SegmentInfo, bool> which)
    {
        var ids = _segments.Values.Where(s => s.CollectionId == collection.Id && which(s)).Select(s => s.SegmentId).ToImmutableArray();
        foreach (var id in ids)
        {
            _assignedTo.Remove(id);
            _servedBy.Remove(id);
        }

        foreach (var node in _queryNodes)
        {
            node.Tell(new UnloadSegments(ids));
        }
    }

    private LoadProgress LoadProgressOf(long collectionId)
    {
        var collection = _collections.GetValueOrDefault(collectionId)
            ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {collectionId} not found");
        if (!collection.Loaded)
        {
            return new LoadProgress(false, 0);
        }

        var segments = _segments.Values.Where(s => s.CollectionId == collectionId && collection.IsPartitionLoaded(s.PartitionId)).ToList();
        var percent = segments.Count == 0 ? 100 : 100 * segments.Count(s => _servedBy.ContainsKey(s.SegmentId)) / segments.Count;
        return new LoadProgress(true, percent);
    }
}
