using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Security;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>The privilege an rpc needs and the object it is checked on (Milvus's privilege_ext_obj of each request).</summary>
public sealed record RpcPrivilege(RbacObjectType ObjectType, string Privilege);

/// <summary>
/// Which privilege each MilvusService rpc needs, with Milvus's names. Rpcs every authenticated user may call (session,
/// health, progress of work already started) need none; an rpc in neither list needs <see cref="Privileges.All"/>, so
/// an rpc added later is closed to ordinary users until it is classified here.
/// </summary>
public static class RpcPrivileges
{
    private static readonly FrozenSet<string> Open = FrozenSet.ToFrozenSet(
    [
        "Connect", "GetVersion", "CheckHealth", "GetComponentStates", "AllocTimestamp", "GetCompactionState",
        "GetCompactionStateWithPlans", "GetIndexBuildProgress", "GetFlushAllState", "GetImportState", "ListImportTasks", "Dummy",
        "GetMetrics", "RunAnalyzer", "ComputePhraseMatchSlop",
    ]);

    private static readonly FrozenDictionary<string, RpcPrivilege> Required = Table().ToFrozenDictionary();

    private static Dictionary<string, RpcPrivilege> Table()
    {
        var table = new Dictionary<string, RpcPrivilege>();
        void Add(RbacObjectType type, string privilege, params string[] rpcs)
        {
            foreach (var rpc in rpcs)
            {
                table.Add(rpc, new RpcPrivilege(type, privilege));
            }
        }

        void Collection(string privilege, params string[] rpcs) => Add(RbacObjectType.Collection, privilege, rpcs);
        void Global(string privilege, params string[] rpcs) => Add(RbacObjectType.Global, privilege, rpcs);

        Global("CreateCollection", "CreateCollection");
        Global("DropCollection", "DropCollection", "TruncateCollection");
        Global("DescribeCollection", "HasCollection", "DescribeCollection", "BatchDescribeCollection", "AlterCollection",
            "AlterCollectionField", "AddCollectionField", "AlterCollectionSchema", "AddCollectionFunction", "AlterCollectionFunction", "DropCollectionFunction");
        Global("ShowCollections", "ShowCollections");
        Global("RenameCollection", "RenameCollection");
        Global("CreateAlias", "CreateAlias", "AlterAlias");
        Global("DropAlias", "DropAlias");
        Global("DescribeAlias", "DescribeAlias");
        Global("ListAliases", "ListAliases");
        Global("FlushAll", "FlushAll");
        Global("CreateDatabase", "CreateDatabase");
        Global("DropDatabase", "DropDatabase");
        Global("ListDatabases", "ListDatabases");
        Global("AlterDatabase", "AlterDatabase");
        Global("DescribeDatabase", "DescribeDatabase");
        Global("CreateOwnership", "CreateCredential", "CreateRole", "AlterRole");
        Global("DropOwnership", "DeleteCredential", "DropRole");
        Global("SelectOwnership", "ListCredUsers", "SelectRole", "SelectGrant");
        Global("ManageOwnership", "OperateUserRole", "OperatePrivilege", "OperatePrivilegeV2");
        Global("CreatePrivilegeGroup", "CreatePrivilegeGroup");
        Global("DropPrivilegeGroup", "DropPrivilegeGroup");
        Global("ListPrivilegeGroups", "ListPrivilegeGroups");
        Global("OperatePrivilegeGroup", "OperatePrivilegeGroup");
        Global("CreateSnapshot", "CreateSnapshot");
        Global("DropSnapshot", "DropSnapshot");
        Global("DescribeSnapshot", "DescribeSnapshot");
        Global("ListSnapshots", "ListSnapshots");
        // Following a restore needs the privilege that starts one.
        Global("RestoreSnapshot", "RestoreSnapshot", "GetRestoreSnapshotState", "ListRestoreSnapshotJobs");
        Global("PinSnapshotData", "PinSnapshotData");
        Global("UnpinSnapshotData", "UnpinSnapshotData");
        Global("BackupRBAC", "BackupRBAC");
        Global("RestoreRBAC", "RestoreRBAC");
        Global("CreateResourceGroup", "CreateResourceGroup");
        Global("DropResourceGroup", "DropResourceGroup");
        Global("UpdateResourceGroups", "UpdateResourceGroups");
        Global("DescribeResourceGroup", "DescribeResourceGroup");
        Global("ListResourceGroups", "ListResourceGroups");
        Global("TransferNode", "TransferNode");
        Global("TransferReplica", "TransferReplica", "GetReplicas");
        Global("LoadBalance", "LoadBalance");
        Add(RbacObjectType.User, "UpdateUser", "UpdateCredential");
        Add(RbacObjectType.User, "SelectUser", "SelectUser");
        Collection("Load", "LoadCollection", "LoadPartitions");
        Collection("Release", "ReleaseCollection", "ReleasePartitions");
        Collection("GetStatistics", "GetCollectionStatistics", "GetPartitionStatistics", "GetPersistentSegmentInfo", "GetQuerySegmentInfo");
        Collection("CreatePartition", "CreatePartition");
        Collection("DropPartition", "DropPartition");
        Collection("HasPartition", "HasPartition");
        Collection("ShowPartitions", "ShowPartitions");
        Collection("GetLoadingProgress", "GetLoadingProgress");
        Collection("GetLoadState", "GetLoadState");
        Collection("CreateIndex", "CreateIndex", "AlterIndex");
        Collection("DropIndex", "DropIndex");
        Collection("IndexDetail", "DescribeIndex", "GetIndexStatistics", "GetIndexState");
        Collection("Insert", "Insert");
        Collection("Delete", "Delete");
        Collection("Upsert", "Upsert");
        Collection("Search", "Search", "HybridSearch");
        Collection("Query", "Query");
        Collection("Flush", "Flush");
        Collection("GetFlushState", "GetFlushState");
        Collection("Compaction", "ManualCompaction");
        Collection("Import", "Import");
        return table;
    }

    /// <summary>The privilege <paramref name="rpc"/> needs; null when every authenticated user may call it.</summary>
    public static RpcPrivilege? For(string rpc) =>
        Open.Contains(rpc) ? null : Required.GetValueOrDefault(rpc) ?? new RpcPrivilege(RbacObjectType.Global, Privileges.All);

    /// <summary>The objects a request names: its collection(s), the user it is about, or <c>*</c> for a global privilege.</summary>
    public static IReadOnlyList<string> ObjectNames(RpcPrivilege privilege, IMessage request) => privilege.ObjectType switch
    {
        RbacObjectType.Collection => request.Descriptor.FindFieldByName("collection_names")?.Accessor.GetValue(request) is RepeatedField<string> { Count: > 0 } names
            ? names
            : [Field(request, "collection_name") ?? Privileges.AnyName],
        RbacObjectType.User => [(request is SelectUserRequest select ? select.User?.Name : Field(request, "username")) ?? Privileges.AnyName],
        _ => [Privileges.AnyName],
    };

    /// <summary>A string field of the request by its proto name; null when the request has none or it is empty.</summary>
    public static string? Field(IMessage request, string name) =>
        request.Descriptor.FindFieldByName(name)?.Accessor.GetValue(request) is string { Length: > 0 } value ? value : null;
}
