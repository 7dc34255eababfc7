using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Milvus.Akka.Security;

/// <summary>What a grant applies to, with Milvus's names and numbers (common.ObjectType).</summary>
public enum RbacObjectType
{
    Collection = 0,
    Global = 1,
    User = 2,
}

/// <summary>
/// Milvus's privilege names, the object type each belongs to, and its built-in privilege groups (2.5). Names are
/// stored without Milvus's <c>Privilege</c> enum prefix, as Milvus 2.4+ stores and lists them.
/// </summary>
public static class Privileges
{
    /// <summary>Every privilege on the objects it is granted on; the Node SDK sends it as <c>*</c>.</summary>
    public const string All = "All";

    public const string AnyName = "*";

    private static readonly string[] CollectionLevel =
    [
        "CreateIndex", "DropIndex", "IndexDetail", "Load", "GetLoadingProgress", "GetLoadState", "Release", "Insert", "Upsert",
        "Delete", "Search", "Flush", "GetFlushState", "Query", "GetStatistics", "Compaction", "Import", "LoadBalance",
        "CreatePartition", "DropPartition", "ShowPartitions", "HasPartition",
    ];

    private static readonly string[] GlobalLevel =
    [
        All, "CreateCollection", "DropCollection", "DescribeCollection", "ShowCollections", "RenameCollection", "FlushAll",
        "CreateOwnership", "DropOwnership", "SelectOwnership", "ManageOwnership", "CreateResourceGroup", "DropResourceGroup",
        "DescribeResourceGroup", "ListResourceGroups", "TransferNode", "TransferReplica", "UpdateResourceGroups",
        "CreateDatabase", "DropDatabase", "ListDatabases", "DescribeDatabase", "AlterDatabase", "CreateAlias", "DropAlias",
        "DescribeAlias", "ListAliases", "CreatePrivilegeGroup", "DropPrivilegeGroup", "ListPrivilegeGroups",
        "OperatePrivilegeGroup", "BackupRBAC", "RestoreRBAC", "CreateSnapshot", "DropSnapshot", "DescribeSnapshot",
        "ListSnapshots", "RestoreSnapshot", "PinSnapshotData", "UnpinSnapshotData",
    ];

    private static readonly string[] UserLevel = ["UpdateUser", "SelectUser"];

    /// <summary>Each privilege with the object type it is granted on.</summary>
    public static readonly FrozenDictionary<string, RbacObjectType> ObjectTypeOf =
        CollectionLevel.Select(p => (p, RbacObjectType.Collection))
            .Concat(GlobalLevel.Select(p => (p, RbacObjectType.Global)))
            .Concat(UserLevel.Select(p => (p, RbacObjectType.User)))
            .ToFrozenDictionary(e => e.p, e => e.Item2, StringComparer.Ordinal);

    private static readonly string[] CollectionReadOnly =
        ["Query", "Search", "IndexDetail", "GetFlushState", "GetLoadState", "GetLoadingProgress", "HasPartition", "ShowPartitions",
         "DescribeCollection", "DescribeAlias", "GetStatistics", "ListAliases"];

    private static readonly string[] CollectionReadWrite =
        [.. CollectionReadOnly, "Load", "Release", "Insert", "Delete", "Upsert", "Import", "Flush", "Compaction", "LoadBalance",
         "CreateIndex", "DropIndex", "CreatePartition", "DropPartition"];

    private static readonly string[] DatabaseReadOnly = ["ShowCollections", "DescribeDatabase", "DescribeSnapshot", "ListSnapshots"];

    private static readonly string[] DatabaseReadWrite =
        [.. DatabaseReadOnly, "AlterDatabase", "CreateSnapshot", "DropSnapshot", "PinSnapshotData", "UnpinSnapshotData"];

    private static readonly string[] ClusterReadOnly =
        ["ListDatabases", "SelectOwnership", "SelectUser", "DescribeResourceGroup", "ListResourceGroups", "ListPrivilegeGroups"];

    private static readonly string[] ClusterReadWrite =
        [.. ClusterReadOnly, "FlushAll", "TransferNode", "TransferReplica", "UpdateResourceGroups"];

    /// <summary>Milvus's built-in privilege groups; they cannot be created, dropped or changed.</summary>
    public static readonly FrozenDictionary<string, ImmutableSortedSet<string>> BuiltInGroups = new Dictionary<string, string[]>
    {
        ["CollectionReadOnly"] = CollectionReadOnly,
        ["CollectionReadWrite"] = CollectionReadWrite,
        ["CollectionAdmin"] = [.. CollectionReadWrite, "CreateAlias", "DropAlias"],
        ["DatabaseReadOnly"] = DatabaseReadOnly,
        ["DatabaseReadWrite"] = DatabaseReadWrite,
        ["DatabaseAdmin"] = [.. DatabaseReadWrite, "CreateCollection", "DropCollection", "RenameCollection", "RestoreSnapshot"],
        ["ClusterReadOnly"] = ClusterReadOnly,
        ["ClusterReadWrite"] = ClusterReadWrite,
        ["ClusterAdmin"] =
        [
            .. ClusterReadWrite, "BackupRBAC", "RestoreRBAC", "CreateDatabase", "DropDatabase", "CreateOwnership", "DropOwnership",
            "ManageOwnership", "CreateResourceGroup", "DropResourceGroup", "UpdateUser", "RenameCollection",
            "CreatePrivilegeGroup", "DropPrivilegeGroup", "OperatePrivilegeGroup",
        ],
    }.ToFrozenDictionary(e => e.Key, e => e.Value.ToImmutableSortedSet(StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>
    /// The stored form of a privilege name a client sent: <c>*</c> is <see cref="All"/>, and Milvus's enum spelling
    /// (<c>PrivilegeSearch</c>) is accepted for <c>Search</c>. Unknown names are returned unchanged (they may name a group).
    /// </summary>
    public static string Normalize(string name) =>
        name == AnyName ? All
        : name.StartsWith("Privilege", StringComparison.Ordinal) && ObjectTypeOf.ContainsKey(name["Privilege".Length..]) ? name["Privilege".Length..]
        : name;

    public static bool TryParseObjectType(string name, out RbacObjectType type) =>
        Enum.TryParse(name, ignoreCase: false, out type) && Enum.IsDefined(type);
}
