using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// Milvus's rules for the replica number of a load, pure: a loaded collection keeps its replica number until it is
/// released (querycoord's "can't change the replica number for loaded collection"), and each replica needs a query
/// node of its own ("failed to spawn replica for collection: resource group node not enough"; every query node is in
/// the default resource group here). One replica needs no query node: the shards serve their segments meanwhile.
/// </summary>
public static class LoadReplicas
{
    /// <summary>
    /// Throws the error Milvus answers when <paramref name="collection"/> cannot be loaded in <paramref name="replicaNumber"/>
    /// replicas; <paramref name="queryNodes"/> counts the live query nodes (asked only when more than one replica is new).
    /// </summary>
    public static void Check(CollectionInfo collection, int replicaNumber, Func<int> queryNodes, bool partitions)
    {
        if (collection.Loaded && collection.ReplicaIds.Length != replicaNumber)
        {
            var what = partitions ? "partitions" : "collection";
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"can't change the replica number for loaded {what}: invalid parameter[expected={collection.ReplicaIds.Length}][actual={replicaNumber}]");
        }

        if (!collection.Loaded && replicaNumber > 1 && queryNodes() is var nodes && nodes < replicaNumber)
        {
            throw new MilvusException(ErrorCode.ResourceGroupNodeNotEnough,
                $"failed to spawn replica for collection: resource group node not enough[rg={ResourceGroups.Default}][currentNodeNum={nodes}][expectedNodeNum={replicaNumber}]");
        }
    }
}
