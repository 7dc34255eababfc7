using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Coordinator;

/// <summary>A build handed to the data node at <paramref name="Holder"/>, until it reports, its deadline passes or the node leaves.</summary>
public sealed record IndexBuildLease(long SegmentId, long IndexId, DateTimeOffset Deadline, Address Holder);

/// <summary>A segment whose vector or scalar index still needs a build, with what the build needs.</summary>
public sealed record IndexBuildCandidate(SegmentInfo Segment, CollectionSchema Schema, IndexInfo Index);

/// <summary>
/// The segment bookkeeping of the coordinator, pure: flushed segments, the query nodes of each replica of a loaded
/// collection, which query node each replica's copy of a segment is assigned to and served by, index builds in
/// progress, and the segments a compaction retired that a query node still serves. Each command or event returns the
/// new state and the effects to perform (<see cref="SegmentsActor"/> performs them); the flushed segments
/// (<c>catalog/segments/…</c>) and each query node's resource group (<see cref="NodeGroupsKey"/>) are persisted, the
/// rest is rebuilt from query nodes' registrations.
/// </summary>
public sealed record SegmentState(
    int MinRowsToIndex,
    TimeSpan IndexTaskLease,
    CatalogView Catalog,
    ImmutableDictionary<long, SegmentInfo> Segments,
    ImmutableHashSet<IActorRef> QueryNodes,
    ImmutableDictionary<long, ImmutableHashSet<IActorRef>> ReplicaNodes,
    ImmutableDictionary<SegmentCopy, IActorRef> ServedBy,
    ImmutableDictionary<SegmentCopy, IActorRef> AssignedTo,
    ImmutableHashSet<SegmentOnNode<IActorRef>> RetiredServedBy,
    ImmutableDictionary<long, IndexBuildLease> Builds)
{
    public const string SegmentPrefix = "catalog/segments/";

    /// <summary>The meta-storage key of the resource group of each query node (<see cref="WithNodeGroupsWritten"/>).</summary>
    public const string NodeGroupsKey = "catalog/resource-group-nodes";

    /// <summary>The resource group each registered query node belongs to (<see cref="ResourceGroupAssignment"/>).</summary>
    public ImmutableDictionary<IActorRef, string> NodeGroups { get; init; } = ImmutableDictionary<IActorRef, string>.Empty;

    /// <summary>
    /// The recorded groups of the nodes that have not registered since this incarnation recovered, by full actor path.
    /// Until each registers again (or <see cref="StopAwaitingNodes"/>) it holds its place in its group, so the nodes
    /// that register first are not moved into it: after a fail-over every node keeps the group it had.
    /// </summary>
    public ImmutableDictionary<string, NodeGroupRecord> AwaitedNodes { get; init; } = ImmutableDictionary<string, NodeGroupRecord>.Empty;

    /// <summary>What meta storage holds under <see cref="NodeGroupsKey"/>.</summary>
    public ImmutableDictionary<string, NodeGroupRecord> WrittenNodes { get; init; } = ImmutableDictionary<string, NodeGroupRecord>.Empty;

    /// <summary>This coordinator's node, which completes the paths of query nodes on it (a local node here is remote to the next incarnation).</summary>
    public Address? SelfAddress { get; init; }

    /// <summary>
    /// Segments the catalog dropped (compaction inputs, segments of dropped partitions, truncated ones). A flush reported
    /// again for one of them (a shard replaying a seal whose flush an earlier incarnation had reported) must not bring it
    /// back beside the segment that replaced it. A new incarnation reads them back from their garbage records, which stay
    /// until the drop tolerance has passed. Keyed by segment id, with the collection.
    /// </summary>
    public ImmutableDictionary<long, long> Retired { get; init; } = ImmutableDictionary<long, long>.Empty;

    /// <summary>The labels each query node registered with, which resource groups' node filters match.</summary>
    public ImmutableDictionary<IActorRef, ImmutableArray<NodeLabel>> NodeLabels { get; init; } = ImmutableDictionary<IActorRef, ImmutableArray<NodeLabel>>.Empty;

    private static readonly IComparer<IActorRef> NodeOrder =
        Comparer<IActorRef>.Create((a, b) => string.CompareOrdinal(a.Path.ToString(), b.Path.ToString()));

    public static string KeyOf(SegmentInfo segment) =>
        string.Create(CultureInfo.InvariantCulture, $"{SegmentPrefix}{segment.CollectionId}/{segment.SegmentId}");

    /// <summary>
    /// The state of a new incarnation: the segments read back from meta storage, reconciled with the catalog's first
    /// view (segments of collections or partitions dropped while a previous incarnation went down are removed).
    /// </summary>
    /// <param name="nodeGroups">The query nodes' groups read back (<see cref="NodeGroupsKey"/>); awaited until they register.</param>
    /// <param name="retired">The dropped segments whose garbage records are still there (<see cref="Retired"/>).</param>
    public static Decision<SegmentState> Recover(CoordinatorSettings settings, IEnumerable<SegmentInfo> segments, CatalogView catalog, DateTimeOffset now,
        ImmutableDictionary<string, NodeGroupRecord>? nodeGroups = null, Address? selfAddress = null,
        IEnumerable<(long CollectionId, long SegmentId)>? retired = null) =>
        new SegmentState(settings.MinRowsToIndex, settings.IndexTaskLease, CatalogView.Empty,
                segments.ToImmutableDictionary(s => s.SegmentId), [], ImmutableDictionary<long, ImmutableHashSet<IActorRef>>.Empty,
                ImmutableDictionary<SegmentCopy, IActorRef>.Empty, ImmutableDictionary<SegmentCopy, IActorRef>.Empty, [],
                ImmutableDictionary<long, IndexBuildLease>.Empty)
        {
            AwaitedNodes = nodeGroups ?? ImmutableDictionary<string, NodeGroupRecord>.Empty,
            WrittenNodes = nodeGroups ?? ImmutableDictionary<string, NodeGroupRecord>.Empty,
            SelfAddress = selfAddress,
            Retired = (retired ?? []).ToImmutableDictionary(r => r.SegmentId, r => r.CollectionId),
        }.WithCatalog(catalog, now);

    /// <summary>
    /// <paramref name="decision"/> with the query nodes' groups written to meta storage when they changed: those of the
    /// registered nodes and of the nodes still awaited (a node that left the cluster is forgotten).
    /// </summary>
    public static Decision<SegmentState> WithNodeGroupsWritten(Decision<SegmentState> decision)
    {
        var state = decision.State;
        var nodes = state.AwaitedNodes.SetItems(state.QueryNodes.Where(state.NodeGroups.ContainsKey).Select(n =>
            KeyValuePair.Create(state.NodeKey(n), new NodeGroupRecord(state.NodeGroups[n], state.NodeLabels.GetValueOrDefault(n, [])))));
        if (nodes.Count == state.WrittenNodes.Count && nodes.All(n => state.WrittenNodes.TryGetValue(n.Key, out var written) && written.SameAs(n.Value)))
        {
            return decision;
        }

        return new Decision<SegmentState>(state with { WrittenNodes = nodes },
            decision.Effects.Add(new PutMeta(NodeGroupsKey, CatalogCodec.EncodeNodeGroups(nodes).ToByteArray())));
    }

    /// <summary>The nodes awaited since recovery that have not registered are gone: their places in their groups are freed.</summary>
    public Decision<SegmentState> StopAwaitingNodes() => AwaitedNodes.IsEmpty
        ? this
        : (this with { AwaitedNodes = ImmutableDictionary<string, NodeGroupRecord>.Empty }).WithReplicaMembers().AssignPending(ImmutableArray.CreateBuilder<Effect>());

    private string NodeKey(IActorRef node) => SelfAddress is { } self ? node.Path.ToStringWithAddress(self) : node.Path.ToString();

    /// <summary>
    /// Takes a newer catalog view and follows it: segments of dropped collections and partitions, and segments wholly
    /// below a truncation, leave (a dropped partition's or truncated segments are recorded for garbage collection; a dropped collection has its own record), index files
    /// of dropped indexes are forgotten, segments no longer loaded are unloaded, newly loaded ones are assigned.
    /// </summary>
    public Decision<SegmentState> WithCatalog(CatalogView view, DateTimeOffset now)
    {
        if (view.Version < Catalog.Version)
        {
            return this;
        }

        var effects = ImmutableArray.CreateBuilder<Effect>();
        var segments = Segments.ToBuilder();
        var unload = new List<long>();
        var truncated = new List<SegmentInfo>();
        var indexedFields = view.Collections.ToDictionary(c => c.Key, c => c.Value.Indexes.Select(i => i.FieldId).ToHashSet());
        var assigned = AssignedTo.Keys.Select(c => c.SegmentId).ToHashSet();
        foreach (var segment in Segments.Values)
        {
            if (!view.Collections.TryGetValue(segment.CollectionId, out var collection)
                || collection.Partitions.All(p => p.Id != segment.PartitionId)
                || segment.FlushedTimestamp < collection.TruncatedBefore)
            {
                if (collection is not null)
                {
                    effects.Add(new PutMeta(GarbageRecords.DroppedSegment(segment), GarbageRecords.DropTime(now)));
                    if (segment.FlushedTimestamp < collection.TruncatedBefore)
                    {
                        truncated.Add(segment);
                    }
                }

                effects.Add(new DeleteMeta(KeyOf(segment)));
                segments.Remove(segment.SegmentId);
                unload.Add(segment.SegmentId);
                continue;
            }

            var indexed = indexedFields[collection.Id];
            if (segment.IndexFiles.Keys.Any(field => !indexed.Contains(field)))
            {
                var stripped = segment with { IndexFiles = segment.IndexFiles.RemoveRange(segment.IndexFiles.Keys.Where(f => !indexed.Contains(f))) };
                effects.Add(new PutMeta(KeyOf(stripped), CatalogCodec.Encode(stripped).ToByteArray()));
                segments[segment.SegmentId] = stripped;
            }

            if (!view.IsLoaded(segment) && (Catalog.IsLoaded(segment) || assigned.Contains(segment.SegmentId)))
            {
                unload.Add(segment.SegmentId);
            }
        }

        var unloaded = unload.ToHashSet();
        var next = (this with
        {
            Catalog = view,
            Segments = segments.ToImmutable(),
            Retired = Retired.SetItems(Segments.Values.Where(s => !segments.ContainsKey(s.SegmentId)).Select(s => KeyValuePair.Create(s.SegmentId, s.CollectionId))),
            // Copies of replicas that no longer exist (a release and a new load) are forgotten too.
            ServedBy = ServedBy.RemoveRange(ServedBy.Keys.Where(c => unloaded.Contains(c.SegmentId) || !IsLiveReplica(view, c))),
            AssignedTo = AssignedTo.RemoveRange(AssignedTo.Keys.Where(c => unloaded.Contains(c.SegmentId) || !IsLiveReplica(view, c))),
        }).WithReplicaMembers();
        effects.AddRange(next.UnloadEverywhere(unload));
        // A truncated segment leaves its shard as the input of a compaction that kept no row does.
        effects.AddRange(truncated.GroupBy(s => s.ShardName)
            .Select(g => new SendToShards(new SegmentsReplaced(g.Key, null, [.. g.Select(s => s.SegmentId)]))));
        if (view.Collections.Values.Any(c => !Catalog.Collections.TryGetValue(c.Id, out var old) || !old.Indexes.SequenceEqual(c.Indexes)))
        {
            effects.AddRange(next.WorkAnnouncement());
        }

        return next.AssignPending(effects);
    }

    /// <summary>
    /// A shard flushed a segment: it joins the catalog (once), and may need an index build and a query node. A segment
    /// the catalog dropped already stays out (<see cref="Retired"/>).
    /// </summary>
    public Decision<SegmentState> Flushed(SegmentInfo segment)
    {
        if (Retired.ContainsKey(segment.SegmentId))
        {
            return this;
        }

        if (!Catalog.Collections.ContainsKey(segment.CollectionId))
        {
            throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {segment.CollectionId} of segment {segment.SegmentId} no longer exists");
        }

        var effects = ImmutableArray.CreateBuilder<Effect>();
        var next = this;
        if (!Segments.ContainsKey(segment.SegmentId))
        {
            effects.Add(new PutMeta(KeyOf(segment), CatalogCodec.Encode(segment).ToByteArray()));
            next = this with { Segments = Segments.Add(segment.SegmentId, segment) };
        }

        effects.AddRange(next.WorkAnnouncement());
        return next.AssignPending(effects);
    }

    /// <summary>
    /// A query node registers (again, periodically) with what it serves: it is adopted for the segments still loaded,
    /// told to unload those released meanwhile, and the retired segments among them are noted.
    /// </summary>
    public Decision<SegmentState> QueryNodeRegistered(IActorRef node, ImmutableArray<long> served, ImmutableArray<NodeLabel> labels = default)
    {
        var joined = (this with
        {
            QueryNodes = QueryNodes.Add(node),
            NodeLabels = NodeLabels.SetItem(node, labels.IsDefault ? [] : labels),
        }).WithReplicaMembers();
        var effects = ImmutableArray.CreateBuilder<Effect>();
        var servedBy = ServedBy.ToBuilder();
        var assignedTo = AssignedTo.ToBuilder();
        // A report sent before the node handled a release must not re-adopt that collection's segments.
        var released = new List<long>();
        var recorded = new Dictionary<long, long>();
        foreach (var (copy, _) in ServedBy.Where(s => s.Value.Equals(node)))
        {
            recorded.TryAdd(copy.SegmentId, copy.ReplicaId);
        }

        foreach (var segmentId in served.Where(Segments.ContainsKey))
        {
            var segment = Segments[segmentId];
            // A node that left a replica (its resource group changed) serves that replica's copy until its new node does.
            var replica = recorded.TryGetValue(segmentId, out var servedFor) ? servedFor : joined.ReplicaOf(node, segment.CollectionId);
            if (!Catalog.IsLoaded(segment) || replica is not { } replicaId)
            {
                released.Add(segmentId);
                continue;
            }

            var copy = new SegmentCopy(segmentId, replicaId);
            if (servedBy.TryGetValue(copy, out var other) && !other.Equals(node))
            {
                // Moved to another node already: the shard unloads this one once it reads from the new one.
                continue;
            }

            servedBy[copy] = node;
            if (joined.ReplicaNodes.GetValueOrDefault(replicaId, []).Contains(node))
            {
                assignedTo[copy] = node;
            }
        }

        if (released.Count > 0)
        {
            effects.Add(new Send(node, new UnloadSegments([.. released])));
        }

        var retired = RetiredServedBy.Except(RetiredServedBy.Where(r => r.Node.Equals(node)))
            .Union(served.Where(id => !Segments.ContainsKey(id)).Select(id => new SegmentOnNode<IActorRef>(id, node)));
        var next = joined with
        {
            ServedBy = servedBy.ToImmutable(),
            AssignedTo = assignedTo.ToImmutable(),
            RetiredServedBy = retired,
        };
        return next.AssignPending(effects);
    }

    /// <summary>A query node reports that it serves a segment, or no longer does (dropped, or failed to load it).</summary>
    public Decision<SegmentState> Served(SegmentServed m)
    {
        if (m.Serving && Segments.TryGetValue(m.SegmentId, out var segment))
        {
            // A node serves a segment for the replica it belongs to; a load that finished after its release is unloaded.
            return Catalog.IsLoaded(segment) && ReplicaOf(m.QueryNode, segment.CollectionId) is { } replica
                ? this with { ServedBy = ServedBy.SetItem(new SegmentCopy(m.SegmentId, replica), m.QueryNode) }
                : new Decision<SegmentState>(this, [new Send(m.QueryNode, new UnloadSegments([m.SegmentId]))]);
        }

        if (m.Serving)
        {
            return this;
        }

        // A node that dropped or failed to load a segment no longer holds it; the next registration round assigns it
        // again if its collection is loaded (which also paces retries of a failing load).
        // A node that moved to another resource group may join replicas there once it no longer serves its old ones.
        bool OnNode(KeyValuePair<SegmentCopy, IActorRef> entry) => entry.Key.SegmentId == m.SegmentId && entry.Value.Equals(m.QueryNode);
        return (this with
        {
            AssignedTo = AssignedTo.RemoveRange(AssignedTo.Where(OnNode).Select(e => e.Key)),
            ServedBy = ServedBy.RemoveRange(ServedBy.Where(OnNode).Select(e => e.Key)),
            RetiredServedBy = RetiredServedBy.Remove(new SegmentOnNode<IActorRef>(m.SegmentId, m.QueryNode)),
        }).WithReplicaMembers();
    }

    /// <summary>A query node left the cluster: its segments go to the remaining nodes of its replicas.</summary>
    public Decision<SegmentState> QueryNodeLeft(IActorRef node)
    {
        var next = (this with
        {
            QueryNodes = QueryNodes.Remove(node),
            RetiredServedBy = RetiredServedBy.Except(RetiredServedBy.Where(r => r.Node.Equals(node))),
            AssignedTo = AssignedTo.RemoveRange(AssignedTo.Where(a => a.Value.Equals(node)).Select(a => a.Key)),
            ServedBy = ServedBy.RemoveRange(ServedBy.Where(a => a.Value.Equals(node)).Select(a => a.Key)),
        }).WithReplicaMembers();
        return next.AssignPending(ImmutableArray.CreateBuilder<Effect>());
    }

    /// <summary>The next index build a data node may take: a missing index that no unexpired lease holds.</summary>
    public IndexBuildCandidate? NextIndexBuild(DateTimeOffset now)
    {
        foreach (var (segment, index) in MissingIndexes())
        {
            if (!Builds.Values.Any(b => b.Deadline >= now && b.SegmentId == segment.SegmentId && b.IndexId == index.IndexId))
            {
                return new IndexBuildCandidate(segment, Catalog.Collections[segment.CollectionId].Schema, index);
            }
        }

        return null;
    }

    /// <summary>A build of <paramref name="candidate"/> was handed to <paramref name="holder"/> under <paramref name="buildId"/>; expired leases are dropped.</summary>
    public SegmentState BuildStarted(long buildId, IndexBuildCandidate candidate, Address holder, DateTimeOffset now) => this with
    {
        Builds = Builds.RemoveRange(Builds.Where(b => b.Value.Deadline < now).Select(b => b.Key))
            .SetItem(buildId, new IndexBuildLease(candidate.Segment.SegmentId, candidate.Index.IndexId, now + IndexTaskLease, holder)),
    };

    /// <summary>
    /// The node at <paramref name="node"/> left the cluster: the builds it held are handed out again at once instead of
    /// after their lease (a report it may still send is harmless: the index file it names is complete).
    /// </summary>
    public SegmentState NodeLeft(Address node) => this with { Builds = Builds.RemoveRange(Builds.Where(b => b.Value.Holder.Equals(node)).Select(b => b.Key)) };

    public SegmentState BuildFailed(long buildId) => this with { Builds = Builds.Remove(buildId) };

    /// <summary>A data node built an index file: the segment records it, its query node loads it, and it may now be assigned.</summary>
    public Decision<SegmentState> IndexBuilt(IndexBuilt m)
    {
        var next = this with { Builds = Builds.Remove(m.BuildId) };
        if (!Segments.TryGetValue(m.SegmentId, out var segment))
        {
            return next;
        }

        segment = segment with { IndexFiles = segment.IndexFiles.SetItem(m.FieldId, m.IndexKey) };
        next = next with { Segments = Segments.SetItem(segment.SegmentId, segment) };
        var effects = ImmutableArray.CreateBuilder<Effect>();
        effects.Add(new PutMeta(KeyOf(segment), CatalogCodec.Encode(segment).ToByteArray()));
        foreach (var node in NodesServing(segment.SegmentId).OrderBy(n => n, NodeOrder))
        {
            effects.Add(new Send(node, new SegmentIndexReady(segment)));
        }

        return next.AssignPending(effects);
    }

    /// <summary>
    /// Commits a merge: the result joins the catalog and the inputs leave it, each recorded for garbage collection (a
    /// served one stays live until its query node unloads it); the shard switches reads once the result is served.
    /// </summary>
    public Decision<SegmentState> CommitCompaction(CompactionCompleted m, DateTimeOffset now)
    {
        if (m.InputIds.IsDefaultOrEmpty || !m.InputIds.All(Segments.ContainsKey))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the inputs of compaction {m.TaskId} changed; its result is discarded");
        }

        var effects = ImmutableArray.CreateBuilder<Effect>();
        var segments = Segments;
        if (m.Result is { } result)
        {
            effects.Add(new PutMeta(KeyOf(result), CatalogCodec.Encode(result).ToByteArray()));
            segments = segments.SetItem(result.SegmentId, result);
        }

        var retired = RetiredServedBy;
        foreach (var id in m.InputIds)
        {
            var input = Segments[id];
            effects.Add(new PutMeta(GarbageRecords.DroppedSegment(input), GarbageRecords.DropTime(now)));
            effects.Add(new DeleteMeta(KeyOf(input)));
            retired = retired.Union(NodesServing(id).Select(node => new SegmentOnNode<IActorRef>(id, node)));
        }

        var inputs = m.InputIds.ToHashSet();
        var next = this with
        {
            Segments = segments.RemoveRange(m.InputIds),
            Retired = Retired.SetItems(m.InputIds.Select(id => KeyValuePair.Create(id, Segments[id].CollectionId))),
            ServedBy = ServedBy.RemoveRange(ServedBy.Keys.Where(c => inputs.Contains(c.SegmentId))),
            AssignedTo = AssignedTo.RemoveRange(AssignedTo.Keys.Where(c => inputs.Contains(c.SegmentId))),
            RetiredServedBy = retired,
        };
        effects.Add(new SendToShards(new SegmentsReplaced(Segments[m.InputIds[0]].ShardName, m.Result, m.InputIds)));
        effects.AddRange(next.WorkAnnouncement());
        return next.AssignPending(effects);
    }

    public ImmutableArray<SegmentInfo> SegmentsOf(long collectionId) => [.. Segments.Values.Where(s => s.CollectionId == collectionId)];

    /// <summary>The shard's flushed segments with every replica's copy that is served (a segment served nowhere once, without a node).</summary>
    public ShardDistribution DistributionOf(string shardName)
    {
        var (collectionId, _) = ShardNames.Parse(shardName);
        var collection = Catalog.Collections.GetValueOrDefault(collectionId);
        var entries = ImmutableArray.CreateBuilder<(SegmentInfo, IActorRef?, long)>();
        foreach (var segment in Segments.Values.Where(s => s.ShardName == shardName).OrderBy(s => s.SegmentId))
        {
            var copies = CopiesOf(segment).ToList();
            entries.AddRange(copies.Count == 0 ? [(segment, null, 0)] : copies.Select(c => (segment, (IActorRef?)c.Node, c.ReplicaId)));
        }

        return new ShardDistribution(entries.ToImmutable(), collection?.Loaded == true,
            [.. Retired.Where(r => r.Value == collectionId).Select(r => r.Key).Order()]);
    }

    /// <summary>
    /// The share of the loaded segments' copies that are served, over the replicas that have query nodes (a replica
    /// left without nodes does not hold the collection back from Loaded while the others serve it).
    /// </summary>
    public LoadProgress LoadProgressOf(long collectionId)
    {
        var collection = RequireCollection(collectionId);
        if (!collection.Loaded)
        {
            return new LoadProgress(false, 0);
        }

        var segments = Segments.Values.Where(s => s.CollectionId == collectionId && collection.IsPartitionLoaded(s.PartitionId)).ToList();
        var replicas = collection.ReplicaIds.Where(r => !ReplicaNodes.GetValueOrDefault(r, []).IsEmpty).ToList();
        if (replicas.Count == 0)
        {
            replicas = [.. collection.ReplicaIds];
        }

        var copies = segments.Count * replicas.Count;
        var served = segments.Sum(s => replicas.Count(r => ServedBy.ContainsKey(new SegmentCopy(s.SegmentId, r))));
        return new LoadProgress(true, copies == 0 ? 100 : (int)(100L * served / copies));
    }

    /// <summary>The served copies of a segment: the replica and the query node serving it there.</summary>
    public IEnumerable<(long ReplicaId, IActorRef Node)> CopiesOf(SegmentInfo segment)
    {
        var replicas = Catalog.Collections.GetValueOrDefault(segment.CollectionId)?.ReplicaIds ?? [];
        foreach (var replica in replicas)
        {
            if (ServedBy.TryGetValue(new SegmentCopy(segment.SegmentId, replica), out var node))
            {
                yield return (replica, node);
            }
        }
    }

    /// <summary>The replica of a collection that <paramref name="node"/> belongs to; null when it belongs to none.</summary>
    public long? ReplicaOf(IActorRef node, long collectionId) =>
        Catalog.Collections.TryGetValue(collectionId, out var collection)
            ? collection.ReplicaIds.Where(r => ReplicaNodes.GetValueOrDefault(r, []).Contains(node)).Select(r => (long?)r).FirstOrDefault()
            : null;

    public IndexProgress IndexProgressOf(long collectionId)
    {
        var collection = RequireCollection(collectionId);
        var segments = Segments.Values.Where(s => s.CollectionId == collectionId).ToList();
        var total = segments.Sum(s => s.RowCount);
        return new IndexProgress(collection.Indexes.ToImmutableDictionary(
            i => i.IndexId,
            i => (segments.Where(s => !NeedsBuild(collection, i) || s.RowCount < MinRowsToIndex || s.IndexFiles.ContainsKey(i.FieldId)).Sum(s => s.RowCount), total)));
    }

    /// <summary>Garbage collection deleted the files and records of these dropped segments: they need not be remembered as retired.</summary>
    public SegmentState Collected(IEnumerable<long> segmentIds) => this with { Retired = Retired.RemoveRange(segmentIds) };

    /// <summary>What garbage collection must spare: live collections, flushed segments, retired segments still served.</summary>
    public LiveData LiveData() => new([.. Catalog.Collections.Keys], [.. Segments.Keys.Union(RetiredServedBy.Select(r => r.SegmentId))]);

    public CollectionInfo RequireCollection(long collectionId) =>
        Catalog.Collections.GetValueOrDefault(collectionId)
        ?? throw new MilvusException(ErrorCode.CollectionNotFound, $"collection {collectionId} not found");

    /// <summary>Segments whose indexes still need a build (big enough, index declared, not FLAT or BIN_FLAT, no file yet).</summary>
    private IEnumerable<(SegmentInfo Segment, IndexInfo Index)> MissingIndexes()
    {
        foreach (var segment in Segments.Values.OrderBy(s => s.SegmentId))
        {
            if (segment.RowCount < MinRowsToIndex || !Catalog.Collections.TryGetValue(segment.CollectionId, out var collection))
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

    private static bool NeedsBuild(CollectionInfo collection, IndexInfo index) => IndexBuildRules.NeedsBuild(collection.Schema, index);

    private IEnumerable<Effect> WorkAnnouncement() => MissingIndexes().Any() ? [AnnounceWork.Instance] : [];

    private IEnumerable<Effect> UnloadEverywhere(IReadOnlyCollection<long> ids) =>
        ids.Count == 0 ? [] : QueryNodes.OrderBy(n => n, NodeOrder).Select(node => new Send(node, new UnloadSegments([.. ids])));

    private IEnumerable<IActorRef> NodesServing(long segmentId) =>
        ServedBy.Where(s => s.Key.SegmentId == segmentId).Select(s => s.Value).Distinct();

    private static bool IsLiveReplica(CatalogView view, SegmentCopy copy) =>
        view.Collections.Values.Any(c => c.ReplicaIds.Contains(copy.ReplicaId));

    /// <summary>
    /// Puts every query node in a resource group (<see cref="ResourceGroupAssignment"/>), then in a replica of each
    /// loaded collection placed in its group (<see cref="ReplicaPlacement"/>), the group's nodes spread evenly over
    /// them. A node that leaves a replica (it moved to another group, or evens out the replicas) joins another replica
    /// of the collection only once it no longer serves the old one; a copy assigned to a node that left its replica is
    /// placed again, and its shard reads it from the old node until the new one serves it.
    /// </summary>
    private SegmentState WithReplicaMembers()
    {
        var nodes = QueryNodes.Order(NodeOrder).ToList();
        var groups = AssignGroups(nodes, out var awaited);
        var servedReplicas = ServedBy.GroupBy(s => s.Value).ToDictionary(g => g.Key, g => g.Select(s => s.Key.ReplicaId).Distinct().ToList());
        var members = ImmutableDictionary.CreateBuilder<long, ImmutableHashSet<IActorRef>>();
        foreach (var collection in Catalog.Collections.Values.Where(c => c.Loaded).OrderBy(c => c.Id))
        {
            foreach (var replicas in collection.ReplicaIds.GroupBy(collection.ResourceGroupOf))
            {
                var (inGroup, current) = Candidates(collection, replicas.Key, nodes.Where(n => groups[n] == replicas.Key), servedReplicas);
                var placed = ReplicaPlacement.Assign([.. replicas], inGroup, current, NodeOrder);
                members.AddRange(ReplicaPlacement.Balance([.. replicas], placed, NodeOrder));
            }
        }

        var replicaNodes = members.ToImmutable();
        var replaced = AssignedTo.Where(a => !replicaNodes.GetValueOrDefault(a.Key.ReplicaId, []).Contains(a.Value)).Select(a => a.Key);
        return this with { NodeGroups = groups, AwaitedNodes = awaited, ReplicaNodes = replicaNodes, AssignedTo = AssignedTo.RemoveRange(replaced) };
    }

    /// <summary>
    /// The group of every registered node (<see cref="ResourceGroupAssignment"/>), the nodes still awaited since recovery
    /// taking part as the members they were (a registered node they stand for is no longer awaited).
    /// </summary>
    private ImmutableDictionary<IActorRef, string> AssignGroups(List<IActorRef> nodes, out ImmutableDictionary<string, NodeGroupRecord> awaited)
    {
        if (AwaitedNodes.IsEmpty)
        {
            awaited = AwaitedNodes;
            return ResourceGroupAssignment.Assign(Catalog.ResourceGroups, nodes, NodeGroups, n => NodeLabels.GetValueOrDefault(n, []));
        }

        var keys = nodes.ToDictionary(n => n, NodeKey);
        var stillAwaited = AwaitedNodes.RemoveRange(keys.Values);
        var byKey = keys.ToDictionary(k => k.Value, k => k.Key);
        var members = keys.Values.Concat(stillAwaited.Keys).Order(StringComparer.Ordinal).ToList();
        var known = members.Select(key => (key, group: byKey.TryGetValue(key, out var node) && NodeGroups.TryGetValue(node, out var current) ? current
                : AwaitedNodes.TryGetValue(key, out var recorded) ? recorded.Group : null))
            .Where(k => k.group is not null).ToDictionary(k => k.key, k => k.group!);
        var assigned = ResourceGroupAssignment.Assign(Catalog.ResourceGroups, members, known,
            key => byKey.TryGetValue(key, out var node) ? NodeLabels.GetValueOrDefault(node, []) : stillAwaited[key].Labels);
        awaited = stillAwaited.ToImmutableDictionary(a => a.Key, a => a.Value with { Group = assigned[a.Key] });
        return nodes.ToImmutableDictionary(n => n, n => assigned[keys[n]]);
    }

    /// <summary>
    /// The nodes of <paramref name="group"/> that may serve the collection's replicas placed there, and the membership
    /// to keep: a node still serving copies of a replica placed in another group waits until they moved; a node serving
    /// copies of one of this group's replicas without being in any of them (it was released to even them out, or came
    /// back) counts as that replica's member, so it is released again or stays, and never holds two replicas' copies.
    /// </summary>
    private (List<IActorRef> Nodes, ImmutableDictionary<long, ImmutableHashSet<IActorRef>> Current) Candidates(
        CollectionInfo collection, string group, IEnumerable<IActorRef> nodesInGroup, Dictionary<IActorRef, List<long>> servedReplicas)
    {
        var inGroup = new List<IActorRef>();
        var current = ReplicaNodes;
        foreach (var node in nodesInGroup)
        {
            var served = servedReplicas.GetValueOrDefault(node, []).Where(collection.ReplicaIds.Contains).ToList();
            if (served.Any(r => collection.ResourceGroupOf(r) != group))
            {
                continue;
            }

            inGroup.Add(node);
            if (served.Count > 0 && !collection.ReplicaIds.Any(r => current.GetValueOrDefault(r, []).Contains(node)))
            {
                current = current.SetItem(served[0], current.GetValueOrDefault(served[0], []).Add(node));
            }
        }

        return (inGroup, current);
    }

    /// <summary>Nodes serving a replica's copies without belonging to it (they left its resource group): Milvus's outgoing nodes.</summary>
    private IEnumerable<IActorRef> LeavingNodes(long replicaId) =>
        ServedBy.Where(s => s.Key.ReplicaId == replicaId && !ReplicaNodes.GetValueOrDefault(replicaId, []).Contains(s.Value)).Select(s => s.Value).Distinct();

    /// <summary>
    /// A resource group as DescribeResourceGroup shows it, counting per collection name its loaded replicas, the
    /// nodes that left it still serving one of them (outgoing), and its nodes still serving another group's (incoming).
    /// </summary>
    public ResourceGroupDescribed DescribeResourceGroup(string name, Func<IActorRef, ResourceGroupNode> nodeInfo)
    {
        var group = Catalog.ResourceGroups.FirstOrDefault(g => g.Name == name)
            ?? throw new MilvusException(ErrorCode.ResourceGroupNotFound, $"resource group not found[rg={name}]");
        var loaded = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var outgoing = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var incoming = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var collection in Catalog.Collections.Values.Where(c => c.Loaded))
        {
            foreach (var replica in collection.ReplicaIds)
            {
                var leaving = LeavingNodes(replica).ToList();
                if (collection.ResourceGroupOf(replica) == name)
                {
                    Count(loaded, collection.Name, 1);
                    Count(outgoing, collection.Name, leaving.Count(n => NodeGroups.GetValueOrDefault(n) != name));
                }
                else
                {
                    Count(incoming, collection.Name, leaving.Count(n => NodeGroups.GetValueOrDefault(n) == name));
                }
            }
        }

        var nodes = QueryNodes.Where(n => NodeGroups.GetValueOrDefault(n) == name).Order(NodeOrder).Select(nodeInfo);
        var capacity = name == ResourceGroups.Default ? ResourceGroups.DefaultCapacity : group.Config.Requests;
        return new ResourceGroupDescribed(name, capacity, group.Config, [.. nodes],
            loaded.ToImmutableSortedDictionary(StringComparer.Ordinal), outgoing.ToImmutableSortedDictionary(StringComparer.Ordinal),
            incoming.ToImmutableSortedDictionary(StringComparer.Ordinal));

        static void Count(SortedDictionary<string, int> counts, string collection, int by)
        {
            if (by > 0)
            {
                counts[collection] = counts.GetValueOrDefault(collection) + by;
            }
        }
    }

    /// <summary>Registered query nodes per resource group.</summary>
    public ImmutableDictionary<string, int> NodesPerGroup() =>
        NodeGroups.GroupBy(n => n.Value).ToImmutableDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Hands every flushed segment of a loaded collection that has its index files (or needs none) to one query node
    /// of each replica, the one with the fewest segments. The segment's shard does the hand-over, so it keeps serving
    /// until the load is done. A replica without nodes waits for one to join.
    /// </summary>
    private Decision<SegmentState> AssignPending(ImmutableArray<Effect>.Builder effects)
    {
        var waitingForIndex = MissingIndexes().Select(m => m.Segment.SegmentId).ToHashSet();
        var ready = Segments.Values
            .Where(s => !waitingForIndex.Contains(s.SegmentId) && Catalog.IsLoaded(s))
            .OrderBy(s => s.SegmentId)
            .GroupBy(s => s.CollectionId);
        var assignedTo = AssignedTo;
        foreach (var segments in ready)
        {
            var collection = Catalog.Collections[segments.Key];
            ImmutableArray<long> loadedFields = collection.LoadedFields is { } fields ? [.. fields] : [];
            foreach (var replica in collection.ReplicaIds)
            {
                var nodes = ReplicaNodes.GetValueOrDefault(replica, []);
                var copies = segments.Select(s => new SegmentCopy(s.SegmentId, replica));
                foreach (var (copy, node) in LeastLoadedPlacement.Place(copies, nodes, assignedTo, NodeOrder))
                {
                    var segment = Segments[copy.SegmentId];
                    assignedTo = assignedTo.SetItem(copy, node);
                    effects.Add(new SendToShards(new AssignSegment(segment.ShardName, segment, node, replica) { LoadedFields = loadedFields }));
                }
            }
        }

        return new Decision<SegmentState>(this with { AssignedTo = assignedTo }, effects.ToImmutable());
    }
}
