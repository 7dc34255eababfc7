using System.Collections.Immutable;

namespace Milvus.Akka.Security;

/// <summary>Messages to and from the security actor (a child of the coordinator singleton); they cross nodes.</summary>
public interface ISecurityMessage;

/// <summary>A change of users, roles, grants or privilege groups; its reply is the catalog version after it.</summary>
public interface IRbacChange : ISecurityMessage;

/// <summary>Asks for the whole RBAC state: proxies check every request against a copy they keep per catalog version.</summary>
public sealed record GetRbac : ISecurityMessage
{
    public static readonly GetRbac Instance = new();
}

public sealed record RbacSnapshot(RbacState State) : ISecurityMessage;

/// <summary>Creates a user with a bcrypt hash the proxy computed (passwords never travel past the proxy).</summary>
public sealed record CreateUser(string Name, string PasswordHash, string Description = "") : IRbacChange;

/// <summary>Sets a new hash if the stored one is still <paramref name="ExpectedHash"/>, the one the old password was checked against.</summary>
public sealed record UpdatePassword(string Name, string ExpectedHash, string NewHash) : IRbacChange;

public sealed record DeleteUser(string Name) : IRbacChange;

/// <summary>Sets a user's description (Milvus 3.0's UpdateCredential with a description).</summary>
public sealed record SetUserDescription(string Name, string Description) : IRbacChange;

public sealed record CreateRole(string Name, string Description = "") : IRbacChange;

/// <summary>Sets a role's description (AlterRole).</summary>
public sealed record SetRoleDescription(string Name, string Description) : IRbacChange;

/// <summary>Drops a role; with <paramref name="Force"/> its grants go with it, otherwise a role with grants is refused.</summary>
public sealed record DropRole(string Name, bool Force) : IRbacChange;

public sealed record OperateUserRole(string User, string Role, bool Add) : IRbacChange;

/// <summary>Grants or revokes; <paramref name="Grantor"/> is the user who asked, listed by SelectGrant.</summary>
public sealed record OperatePrivilege(RbacGrant Grant, bool Revoke, string Grantor) : IRbacChange;

public sealed record CreatePrivilegeGroup(string Name) : IRbacChange;

public sealed record DropPrivilegeGroup(string Name) : IRbacChange;

public sealed record OperatePrivilegeGroup(string Name, ImmutableArray<string> Privileges, bool Add) : IRbacChange;

/// <summary>Adds a BackupRBAC result to the current state.</summary>
public sealed record RestoreRbac(RbacState Backup) : IRbacChange;
