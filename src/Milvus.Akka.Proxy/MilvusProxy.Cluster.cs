using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;

namespace Milvus.Akka.Proxy;

/// <summary>The flush of several collections at once and the views of the cluster behind Milvus's administrative rpcs.</summary>
public sealed partial class MilvusProxy
{
    public async Task<CollectionInfo> DescribeCollectionAsync(long collectionId, CancellationToken cancellationToken = default) =>
        (await Coordinator<CollectionDescribed>(new DescribeCollectionById(collectionId), cancellationToken)).Collection;

    /// <summary>Which query node serves each flushed segment of the collection and which streaming node leads each shard.</summary>
    public Task<CollectionDistribution> GetDistributionAsync(long collectionId, CancellationToken cancellationToken = default) =>
        Coordinator<CollectionDistribution>(new GetCollectionDistribution(collectionId), cancellationToken);

    public Task<ClusterTopology> GetClusterTopologyAsync(CancellationToken cancellationToken = default) =>
        Coordinator<ClusterTopology>(GetClusterTopology.Instance, cancellationToken);

    // Resource groups.

    public Task CreateResourceGroupAsync(string name, ResourceGroupConfig config, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new CreateResourceGroup(name, config), cancellationToken);

    public Task DropResourceGroupAsync(string name, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new DropResourceGroup(name), cancellationToken);

    public Task UpdateResourceGroupsAsync(ImmutableSortedDictionary<string, ResourceGroupConfig> groups, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new UpdateResourceGroups(groups), cancellationToken);

    public Task TransferNodeAsync(string source, string target, int nodes, CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new TransferNode(source, target, nodes), cancellationToken);

    public Task TransferReplicaAsync(string source, string target, string? database, string collection, int replicas,
        CancellationToken cancellationToken = default) =>
        _coordinator.CatalogCommandAsync(new TransferReplica(source, target, Db(database), collection, replicas), cancellationToken);

    public async Task<ImmutableArray<string>> ListResourceGroupsAsync(CancellationToken cancellationToken = default) =>
        (await Coordinator<ResourceGroupList>(ListResourceGroups.Instance, cancellationToken)).Names;

    /// <summary>A resource group with its query nodes and the replicas placed in it.</summary>
    public Task<ResourceGroupDescribed> DescribeResourceGroupAsync(string name, CancellationToken cancellationToken = default) =>
        Coordinator<ResourceGroupDescribed>(new DescribeResourceGroup(name), cancellationToken);

    /// <summary>The coordinator's queued and running index builds and compactions and its recently finished tasks.</summary>
    public Task<TaskHistory> GetTaskHistoryAsync(CancellationToken cancellationToken = default) =>
        Coordinator<TaskHistory>(GetTaskHistory.Instance, cancellationToken);

    /// <summary>
    /// Flushes every collection of the given databases (all of a database when its collection list is empty), and
    /// every collection of every database when <paramref name="targets"/> is empty. Returns once all are in object storage.
    /// </summary>
    public async Task<ImmutableArray<FlushedCollection>> FlushAllAsync(IReadOnlyCollection<(string Database, ImmutableArray<string> Collections)> targets,
        CancellationToken cancellationToken = default)
    {
        var resolved = targets.Count > 0
            ? targets.Select(t => (Database: Db(t.Database), t.Collections))
            : (await ListDatabasesAsync(cancellationToken)).Select(d => (Database: d.Name, Collections: ImmutableArray<string>.Empty));
        var flushed = ImmutableArray.CreateBuilder<FlushedCollection>();
        foreach (var (database, collections) in resolved.ToList())
        {
            var names = collections.IsDefaultOrEmpty
                ? (await ListCollectionsAsync(database, cancellationToken)).Select(c => c.Name)
                : collections;
            foreach (var name in names)
            {
                var (segments, timestamp) = await FlushAsync(database, name, cancellationToken);
                flushed.Add(new FlushedCollection(database, name, segments, timestamp));
            }
        }

        return flushed.ToImmutable();
    }
}
