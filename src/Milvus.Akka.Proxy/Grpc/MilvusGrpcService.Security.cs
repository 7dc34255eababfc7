using System.Collections.Immutable;
using System.Text;
using Grpc.Core;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Security;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Users, roles, grants and privilege groups (Milvus's RBAC rpcs). Changes go to the coordinator; listings answer from the
/// proxy's copy of the state, which a change made here replaces at once. Passwords arrive base64-encoded, as every SDK
/// sends them, are hashed here and never leave the proxy in clear.
/// </summary>
public sealed partial class MilvusGrpcService
{
    // Users.

    public override async Task<MilvusStatus> CreateCredential(CreateCredentialRequest request, ServerCallContext context)
    {
        RbacState.CheckUserName(request.Username);
        var password = DecodePassword(request.Password);
        await proxy.ChangeRbacAsync(new CreateUser(request.Username, Passwords.Hash(password), request.Description), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    /// <summary>Changes the password, the description (Milvus 3.0), or both; a description alone needs no password.</summary>
    public override async Task<MilvusStatus> UpdateCredential(UpdateCredentialRequest request, ServerCallContext context)
    {
        var changesPassword = !request.HasDescription || request.NewPassword.Length > 0 || request.OldPassword.Length > 0;
        if (changesPassword)
        {
            var newPassword = DecodePassword(request.NewPassword);
            var state = await proxy.RbacAsync();
            var user = state.Users.GetValueOrDefault(request.Username)
                ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"user not found: {request.Username}");
            if (!proxy.Passwords.Verify(user.Name, DecodePassword(request.OldPassword, checkLength: false), user.PasswordHash))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"old password not correct for {request.Username}");
            }

            await proxy.ChangeRbacAsync(new UpdatePassword(user.Name, user.PasswordHash, Passwords.Hash(newPassword)), context.CancellationToken);
        }

        if (request.HasDescription)
        {
            await proxy.ChangeRbacAsync(new SetUserDescription(request.Username, request.Description), context.CancellationToken);
        }

        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DeleteCredential(DeleteCredentialRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new DeleteUser(request.Username), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<ListCredUsersResponse> ListCredUsers(ListCredUsersRequest request, ServerCallContext context) =>
        new() { Status = MilvusStatuses.Success, Usernames = { (await proxy.RbacAsync()).Users.Keys } };

    public override async Task<SelectUserResponse> SelectUser(SelectUserRequest request, ServerCallContext context)
    {
        var state = await proxy.RbacAsync();
        var name = request.User?.Name ?? "";
        var response = new SelectUserResponse { Status = MilvusStatuses.Success };
        foreach (var user in state.Users.Values.Where(u => name.Length == 0 || u.Name == name))
        {
            var result = new UserResult { User = new UserEntity { Name = user.Name }, Description = user.Description };
            if (request.IncludeRoleInfo)
            {
                result.Roles.Add(user.Roles.Select(r => RoleEntity(state, r)));
            }

            response.Results.Add(result);
        }

        return response;
    }

    // Roles.

    public override async Task<MilvusStatus> CreateRole(CreateRoleRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new CreateRole(request.Entity?.Name ?? "", request.Entity?.Description ?? ""), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> AlterRole(AlterRoleRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new SetRoleDescription(request.RoleName, request.Description), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    private static RoleEntity RoleEntity(RbacState state, string role) => new() { Name = role, Description = state.RoleDescription(role) };

    public override async Task<MilvusStatus> DropRole(DropRoleRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new DropRole(request.RoleName, request.ForceDrop), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> OperateUserRole(OperateUserRoleRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new OperateUserRole(request.Username, request.RoleName, request.Type == OperateUserRoleType.AddUserToRole),
            context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<SelectRoleResponse> SelectRole(SelectRoleRequest request, ServerCallContext context)
    {
        var state = await proxy.RbacAsync();
        var name = request.Role?.Name ?? "";
        var response = new SelectRoleResponse { Status = MilvusStatuses.Success };
        foreach (var role in state.Roles.Where(r => name.Length == 0 || r == name))
        {
            var result = new RoleResult { Role = RoleEntity(state, role) };
            if (request.IncludeUserInfo)
            {
                result.Users.Add(state.Users.Values.Where(u => u.Roles.Contains(role)).Select(u => new UserEntity { Name = u.Name }));
            }

            response.Results.Add(result);
        }

        return response;
    }

    // Grants.

    public override async Task<MilvusStatus> OperatePrivilege(OperatePrivilegeRequest request, ServerCallContext context)
    {
        var entity = request.Entity ?? throw new MilvusException(ErrorCode.ParameterMissing, "the grant entity is missing");
        if (!Privileges.TryParseObjectType(entity.Object?.Name ?? "", out var objectType))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid object type '{entity.Object?.Name}': use Collection, Global or User");
        }

        if (entity.ObjectName.Length == 0)
        {
            throw new MilvusException(ErrorCode.ParameterMissing, "the object name in the grant entity is empty");
        }

        var grant = new RbacGrant(entity.Role?.Name ?? "", objectType, entity.ObjectName, Database(entity.DbName, context),
            entity.Grantor?.Privilege?.Name ?? "");
        await ChangeGrantAsync(grant, request.Type, context);
        return MilvusStatuses.Success;
    }

    /// <summary>
    /// Milvus 2.5's grant by level: a cluster-level privilege applies to every database, a database-level one to every
    /// collection of the database, a collection-level one to the named collection (<c>*</c>: all of them).
    /// </summary>
    public override async Task<MilvusStatus> OperatePrivilegeV2(OperatePrivilegeV2Request request, ServerCallContext context)
    {
        var privilege = Privileges.Normalize(request.Grantor?.Privilege?.Name ?? "");
        var database = request.DbName.Length == 0 ? Coordinator.DatabaseInfo.DefaultName : request.DbName;
        var collection = request.CollectionName.Length == 0 ? Privileges.AnyName : request.CollectionName;
        var grant = PrivilegeLevel(privilege) switch
        {
            Level.Cluster => new RbacGrant(request.Role?.Name ?? "", RbacObjectType.Global, Privileges.AnyName, Privileges.AnyName, privilege),
            Level.Database => new RbacGrant(request.Role?.Name ?? "", RbacObjectType.Global, Privileges.AnyName, database, privilege),
            _ => new RbacGrant(request.Role?.Name ?? "", RbacObjectType.Collection, collection, database, privilege),
        };
        await ChangeGrantAsync(grant, request.Type, context);
        return MilvusStatuses.Success;
    }

    public override async Task<SelectGrantResponse> SelectGrant(SelectGrantRequest request, ServerCallContext context)
    {
        var entity = request.Entity ?? throw new MilvusException(ErrorCode.ParameterMissing, "the grant entity is missing");
        var role = entity.Role?.Name ?? "";
        if (role.Length == 0)
        {
            throw new MilvusException(ErrorCode.ParameterMissing, "the role in the grant entity is empty");
        }

        // "*" lists every database (the Node SDK's listGrants); empty is the current one.
        var database = entity.DbName == Privileges.AnyName ? null : Database(entity.DbName, context);
        var objectType = entity.Object?.Name is { Length: > 0 } typeName
            ? Privileges.TryParseObjectType(typeName, out var parsed) ? parsed
                : throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid object type '{typeName}': use Collection, Global or User")
            : (RbacObjectType?)null;
        var state = await proxy.RbacAsync();
        var grants = state.Grants
            .Where(g => g.Key.Role == role && (database is null || g.Key.Database == database) && (objectType is null || g.Key.ObjectType == objectType)
                && (entity.ObjectName.Length == 0 || g.Key.ObjectName == entity.ObjectName))
            .OrderBy(g => g.Key.Database, StringComparer.Ordinal).ThenBy(g => g.Key.ObjectType).ThenBy(g => g.Key.ObjectName, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Privilege, StringComparer.Ordinal);
        return new SelectGrantResponse { Status = MilvusStatuses.Success, Entities = { grants.Select(g => ToEntity(g.Key, g.Value)) } };
    }

    // Privilege groups.

    public override async Task<MilvusStatus> CreatePrivilegeGroup(CreatePrivilegeGroupRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new CreatePrivilegeGroup(request.GroupName), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> DropPrivilegeGroup(DropPrivilegeGroupRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new DropPrivilegeGroup(request.GroupName), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<MilvusStatus> OperatePrivilegeGroup(OperatePrivilegeGroupRequest request, ServerCallContext context)
    {
        await proxy.ChangeRbacAsync(new OperatePrivilegeGroup(request.GroupName, [.. request.Privileges.Select(p => p.Name)],
            request.Type == OperatePrivilegeGroupType.AddPrivilegesToGroup), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    public override async Task<ListPrivilegeGroupsResponse> ListPrivilegeGroups(ListPrivilegeGroupsRequest request, ServerCallContext context)
    {
        var state = await proxy.RbacAsync();
        var response = new ListPrivilegeGroupsResponse { Status = MilvusStatuses.Success };
        response.PrivilegeGroups.Add(Privileges.BuiltInGroups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => ToGroup(g.Key, g.Value)));
        response.PrivilegeGroups.Add(state.Groups.Select(g => ToGroup(g.Key, g.Value)));
        return response;
    }

    // Backup and restore.

    /// <summary>Users with their password hashes, custom roles, every grant and custom privilege groups.</summary>
    public override async Task<BackupRBACMetaResponse> BackupRBAC(BackupRBACMetaRequest request, ServerCallContext context)
    {
        var state = await proxy.RbacAsync();
        var meta = new RBACMeta();
        meta.Users.Add(state.Users.Values.Select(u => new UserInfo
        {
            User = u.Name,
            Password = u.PasswordHash,
            Roles = { u.Roles.Select(r => new RoleEntity { Name = r }) },
        }));
        meta.Roles.Add(state.Roles.Where(r => r is not (RbacState.AdminRole or RbacState.PublicRole)).Select(r => RoleEntity(state, r)));
        meta.Grants.Add(state.Grants.Select(g => ToEntity(g.Key, g.Value)));
        meta.PrivilegeGroups.Add(state.Groups.Select(g => ToGroup(g.Key, g.Value)));
        return new BackupRBACMetaResponse { Status = MilvusStatuses.Success, RBACMeta = meta };
    }

    public override async Task<MilvusStatus> RestoreRBAC(RestoreRBACMetaRequest request, ServerCallContext context)
    {
        var meta = request.RBACMeta ?? new RBACMeta();
        var grants = ImmutableDictionary.CreateBuilder<RbacGrant, string>();
        foreach (var entity in meta.Grants)
        {
            if (!Privileges.TryParseObjectType(entity.Object?.Name ?? "", out var objectType))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"invalid object type '{entity.Object?.Name}' in the backup");
            }

            grants[new RbacGrant(entity.Role?.Name ?? "", objectType, entity.ObjectName, entity.DbName,
                Privileges.Normalize(entity.Grantor?.Privilege?.Name ?? ""))] = entity.Grantor?.User?.Name ?? "";
        }

        var backup = new RbacState(
            meta.Users.ToImmutableSortedDictionary(u => u.User,
                u => new RbacUser(u.User, u.Password, u.Roles.Select(r => r.Name).ToImmutableSortedSet(StringComparer.Ordinal)), StringComparer.Ordinal),
            meta.Roles.Select(r => r.Name).ToImmutableSortedSet(StringComparer.Ordinal),
            grants.ToImmutable(),
            meta.PrivilegeGroups.ToImmutableSortedDictionary(g => g.GroupName,
                g => g.Privileges.Select(p => Privileges.Normalize(p.Name)).ToImmutableSortedSet(StringComparer.Ordinal), StringComparer.Ordinal),
            meta.Roles.Where(r => r.Description.Length > 0).ToImmutableSortedDictionary(r => r.Name, r => r.Description, StringComparer.Ordinal));
        await proxy.ChangeRbacAsync(new RestoreRbac(backup), context.CancellationToken);
        return MilvusStatuses.Success;
    }

    private Task ChangeGrantAsync(RbacGrant grant, OperatePrivilegeType type, ServerCallContext context) =>
        proxy.ChangeRbacAsync(new OperatePrivilege(grant, type == OperatePrivilegeType.Revoke, MilvusAuthInterceptor.CurrentUser(context)),
            context.CancellationToken);

    private enum Level
    {
        Cluster,
        Database,
        Collection,
    }

    private static Level PrivilegeLevel(string privilege) =>
        privilege.StartsWith("Cluster", StringComparison.Ordinal) && Privileges.BuiltInGroups.ContainsKey(privilege)
            || Privileges.BuiltInGroups["ClusterAdmin"].Contains(privilege) ? Level.Cluster
        : privilege.StartsWith("Database", StringComparison.Ordinal) && Privileges.BuiltInGroups.ContainsKey(privilege)
            || Privileges.BuiltInGroups["DatabaseAdmin"].Contains(privilege) ? Level.Database
        : Level.Collection;

    private static GrantEntity ToEntity(RbacGrant grant, string grantor) => new()
    {
        Role = new RoleEntity { Name = grant.Role },
        Object = new ObjectEntity { Name = grant.ObjectType.ToString() },
        ObjectName = grant.ObjectName,
        DbName = grant.Database,
        Grantor = new GrantorEntity { User = new UserEntity { Name = grantor }, Privilege = new PrivilegeEntity { Name = grant.Privilege } },
    };

    private static PrivilegeGroupInfo ToGroup(string name, IEnumerable<string> privileges) =>
        new() { GroupName = name, Privileges = { privileges.Select(p => new PrivilegeEntity { Name = p }) } };

    /// <summary>A password as SDKs send it (base64), checked against Milvus's length limits.</summary>
    private static string DecodePassword(string base64, bool checkLength = true)
    {
        string password;
        try
        {
            password = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "decode password fail: the password must be sent base64-encoded");
        }

        if (checkLength && password.Length is < Passwords.MinLength or > Passwords.MaxLength)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"invalid password length: the length of password must be between {Passwords.MinLength} and {Passwords.MaxLength} characters");
        }

        return password;
    }
}
