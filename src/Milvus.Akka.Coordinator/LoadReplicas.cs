using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Milvus's rules for the replicas of a load, pure: a loaded collection keeps its replica number and resource groups
/// until it is released (querycoord's "can't change the replica number for loaded collection"); a load names no
/// resource group (every replica in the default one), one (all in it) or one per replica; and each replica needs a
/// query node of its own in its group ("resource group node not enough"). One replica in the default group needs no
/// query node: the shards serve their segments meanwhile.
/// </summary>
public static class LoadReplicas
{
    public const string CollectionReplicaNumber = "collection.replica.number";
    public const string CollectionResourceGroups = "collection.resource_groups";
    public const string DatabaseReplicaNumber = "database.replica.number";
    public const string DatabaseResourceGroups = "database.resource_groups";

    /// <summary>
    /// Milvus's load configuration: a load that names neither a replica number nor resource groups takes the
    /// collection's properties (<c>collection.replica.number</c>, <c>collection.resource_groups</c>, comma-separated),
    /// else its database's (<c>database.replica.number</c>, <c>database.resource_groups</c>), else one replica in the
    /// default group; a load naming only resource groups has one replica.
    /// </summary>
    public static (int ReplicaNumber, ImmutableArray<string> ResourceGroups) Configured(
        int replicaNumber, ImmutableArray<string> resourceGroups, IReadOnlyDictionary<string, string> collection, IReadOnlyDictionary<string, string> database)
    {
        if (replicaNumber > 0 || !resourceGroups.IsDefaultOrEmpty)
        {
            return (Math.Max(1, replicaNumber), resourceGroups.IsDefault ? [] : resourceGroups);
        }

        var (key, value) = collection.TryGetValue(CollectionReplicaNumber, out var fromCollection) ? (CollectionReplicaNumber, fromCollection)
            : database.TryGetValue(DatabaseReplicaNumber, out var fromDatabase) ? (DatabaseReplicaNumber, fromDatabase)
            : ("", "1");
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var replicas) || replicas < 1)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid {key} value: {value} is not a positive replica number");
        }

        var groups = collection.GetValueOrDefault(CollectionResourceGroups) ?? database.GetValueOrDefault(DatabaseResourceGroups) ?? "";
        return (replicas, [.. groups.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
    }

    /// <summary>
    /// The resource group of each of <paramref name="replicaNumber"/> replicas of a new load, in replica order; throws
    /// the error Milvus answers when <paramref name="collection"/> cannot be loaded so. <paramref name="nodesInGroup"/>
    /// counts a group's live query nodes.
    /// </summary>
    public static ImmutableArray<string> Check(
        CollectionInfo collection, int replicaNumber, ImmutableArray<string> resourceGroups, IReadOnlyCollection<string> existingGroups,
        Func<string, int> nodesInGroup, bool partitions)
    {
        var what = partitions ? "partitions" : "collection";
        if (collection.Loaded && collection.ReplicaIds.Length != replicaNumber)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"can't change the replica number for loaded {what}: invalid parameter[expected={collection.ReplicaIds.Length}][actual={replicaNumber}]");
        }

        var groups = resourceGroups.IsDefaultOrEmpty ? [ResourceGroups.Default] : resourceGroups;
        if (groups.Length != 1 && groups.Length != replicaNumber)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"replica=[{replicaNumber}] resource group=[{string.Join(",", groups)}], resource group num can only be 0, 1 or same as replica number");
        }

        var perReplica = groups.Length == 1 ? [.. Enumerable.Repeat(groups[0], replicaNumber)] : groups;
        if (collection.Loaded)
        {
            if (!resourceGroups.IsDefaultOrEmpty && !perReplica.Order().SequenceEqual(collection.ReplicaIds.Select(collection.ResourceGroupOf).Order()))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"can't change the resource groups for loaded {what}: release it first, or move its replicas with TransferReplica");
            }

            return [.. collection.ReplicaIds.Select(collection.ResourceGroupOf)];
        }

        foreach (var group in perReplica.Distinct())
        {
            if (!existingGroups.Contains(group))
            {
                throw new MilvusException(ErrorCode.ResourceGroupNotFound, $"resource group not found[rg={group}]");
            }

            var wanted = perReplica.Count(g => g == group);
            var needsNodes = group != ResourceGroups.Default || replicaNumber > 1;
            if (needsNodes && nodesInGroup(group) is var nodes && nodes < wanted)
            {
                throw new MilvusException(ErrorCode.ResourceGroupNodeNotEnough,
                    $"failed to spawn replica for collection: resource group node not enough[rg={group}][currentNodeNum={nodes}][expectedNodeNum={wanted}]");
            }
        }

        return perReplica;
    }
}
