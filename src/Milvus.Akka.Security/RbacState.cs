using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Security;

/// <summary>A user: its bcrypt password hash (never the password), the roles it was given and its description.</summary>
public sealed record RbacUser(string Name, string PasswordHash, ImmutableSortedSet<string> Roles, string Description = "");

/// <summary>
/// One grant: <paramref name="Privilege"/> (a privilege, a privilege group or <see cref="Privileges.All"/>) on an object of
/// <paramref name="ObjectType"/> named <paramref name="ObjectName"/> (<c>*</c>: every one) in <paramref name="Database"/>
/// (<c>*</c>: every database), given to <paramref name="Role"/>.
/// </summary>
public sealed record RbacGrant(string Role, RbacObjectType ObjectType, string ObjectName, string Database, string Privilege);

/// <summary>
/// Users, roles (with the descriptions given to some), grants and custom privilege groups, with Milvus's rules: the built-in roles <c>admin</c> (every privilege)
/// and <c>public</c> (every user has it), <c>root</c> may do everything, a user may always see and change itself. Immutable:
/// <see cref="Apply"/> returns the state after a change or throws a <see cref="MilvusException"/> naming what is wrong.
/// </summary>
public sealed record RbacState(
    ImmutableSortedDictionary<string, RbacUser> Users,
    ImmutableSortedSet<string> Roles,
    ImmutableDictionary<RbacGrant, string> Grants,
    ImmutableSortedDictionary<string, ImmutableSortedSet<string>> Groups,
    ImmutableSortedDictionary<string, string> RoleDescriptions)
{
    public const string Root = "root";
    public const string AdminRole = "admin";
    public const string PublicRole = "public";
    private const int MaxNameLength = 32;

    /// <summary>The first state: root with the given password hash, the built-in roles, and public's default grants (as Milvus).</summary>
    public static RbacState Initial(string rootPasswordHash) => new(
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [KeyValuePair.Create(Root, new RbacUser(Root, rootPasswordHash, ImmutableSortedSet.Create<string>(StringComparer.Ordinal)))]),
        ImmutableSortedSet.Create(StringComparer.Ordinal, AdminRole, PublicRole),
        ImmutableDictionary<RbacGrant, string>.Empty
            .Add(new RbacGrant(PublicRole, RbacObjectType.Global, Privileges.AnyName, Privileges.AnyName, "DescribeCollection"), Root)
            .Add(new RbacGrant(PublicRole, RbacObjectType.Global, Privileges.AnyName, Privileges.AnyName, "ShowCollections"), Root)
            .Add(new RbacGrant(PublicRole, RbacObjectType.Collection, Privileges.AnyName, Privileges.AnyName, "IndexDetail"), Root),
        ImmutableSortedDictionary.Create<string, ImmutableSortedSet<string>>(StringComparer.Ordinal),
        ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal));

    /// <summary>A role's description; empty when it was given none.</summary>
    public string RoleDescription(string role) => RoleDescriptions.GetValueOrDefault(role, "");

    /// <summary>Whether <paramref name="user"/> holds <paramref name="privilege"/> on the object (Milvus's proxy check).</summary>
    public bool IsAllowed(string user, RbacObjectType objectType, string objectName, string database, string privilege)
    {
        if (user == Root || (objectType == RbacObjectType.User && objectName == user))
        {
            return true;
        }

        var roles = RolesOf(user);
        return roles.Contains(AdminRole) || Grants.Keys.Any(g => roles.Contains(g.Role) && Matches(g, objectType, objectName, database, privilege));
    }

    /// <summary>The user's roles, <c>public</c> included; none for an unknown user.</summary>
    public ImmutableSortedSet<string> RolesOf(string user) =>
        Users.TryGetValue(user, out var u) ? u.Roles.Add(PublicRole) : ImmutableSortedSet<string>.Empty;

    /// <summary>The privileges of a group, built-in or custom; null when no group has that name.</summary>
    public ImmutableSortedSet<string>? GroupPrivileges(string group) =>
        Privileges.BuiltInGroups.TryGetValue(group, out var builtIn) ? builtIn : Groups.GetValueOrDefault(group);

    private bool Matches(RbacGrant grant, RbacObjectType objectType, string objectName, string database, string privilege)
    {
        if (grant.Database != Privileges.AnyName && grant.Database != database)
        {
            return false;
        }

        var sameObject = grant.ObjectType == objectType && (grant.ObjectName == Privileges.AnyName || grant.ObjectName == objectName);
        if (grant.Privilege == privilege)
        {
            return sameObject;
        }

        // All and groups granted on every object (*) span object types: a database-level group holds Global and
        // Collection privileges alike. Granted on one named object they cover only that object.
        var covers = grant.Privilege == Privileges.All || GroupPrivileges(grant.Privilege)?.Contains(privilege) == true;
        return covers && (sameObject || grant.ObjectName == Privileges.AnyName);
    }

    public RbacState Apply(IRbacChange change) => change switch
    {
        CreateUser c => CreateUserWith(c),
        UpdatePassword c => UpdatePasswordWith(c),
        DeleteUser c => DeleteUserWith(c),
        SetUserDescription c => this with { Users = Users.SetItem(c.Name, RequireUser(c.Name) with { Description = c.Description }) },
        CreateRole c => CreateRoleWith(c),
        SetRoleDescription c => SetRoleDescriptionWith(c),
        DropRole c => DropRoleWith(c),
        OperateUserRole c => OperateUserRoleWith(c),
        OperatePrivilege c => OperatePrivilegeWith(c),
        CreatePrivilegeGroup c => CreateGroupWith(c),
        DropPrivilegeGroup c => DropGroupWith(c),
        OperatePrivilegeGroup c => OperateGroupWith(c),
        RestoreRbac c => Restore(c.Backup),
        _ => throw new MilvusException(ErrorCode.OperationNotSupported, $"unknown RBAC change {change.GetType().Name}"),
    };

    private RbacState CreateUserWith(CreateUser c)
    {
        CheckUserName(c.Name);
        if (Users.ContainsKey(c.Name))
        {
            throw Invalid($"user already exists: {c.Name}");
        }

        return this with
        {
            Users = Users.Add(c.Name, new RbacUser(c.Name, c.PasswordHash, ImmutableSortedSet.Create<string>(StringComparer.Ordinal), c.Description)),
        };
    }

    private RbacState UpdatePasswordWith(UpdatePassword c)
    {
        var user = RequireUser(c.Name);
        // The proxy checked the old password against this hash; a concurrent change in between makes it retry.
        if (user.PasswordHash != c.ExpectedHash)
        {
            throw Invalid($"the password of user {c.Name} changed meanwhile; try again");
        }

        return this with { Users = Users.SetItem(c.Name, user with { PasswordHash = c.NewHash }) };
    }

    private RbacState DeleteUserWith(DeleteUser c)
    {
        if (c.Name == Root)
        {
            throw Invalid("root user cannot be deleted");
        }

        // As Milvus: deleting a user that does not exist succeeds, so clean-up scripts can drop users unconditionally.
        return Users.ContainsKey(c.Name) ? this with { Users = Users.Remove(c.Name) } : this;
    }

    private RbacState CreateRoleWith(CreateRole c)
    {
        CheckName(c.Name, "role");
        if (Roles.Contains(c.Name))
        {
            throw Invalid($"role [name:\"{c.Name}\"] already exists");
        }

        return (this with { Roles = Roles.Add(c.Name) }).WithRoleDescription(c.Name, c.Description);
    }

    private RbacState SetRoleDescriptionWith(SetRoleDescription c)
    {
        RequireRole(c.Name);
        return WithRoleDescription(c.Name, c.Description);
    }

    /// <summary>Only roles given a description are listed in <see cref="RoleDescriptions"/>.</summary>
    private RbacState WithRoleDescription(string role, string description) =>
        this with { RoleDescriptions = description.Length == 0 ? RoleDescriptions.Remove(role) : RoleDescriptions.SetItem(role, description) };

    private RbacState DropRoleWith(DropRole c)
    {
        if (c.Name is AdminRole or PublicRole)
        {
            throw Invalid($"the role[{c.Name}] is a default role, which can't be dropped");
        }

        RequireRole(c.Name);
        var grants = Grants.Keys.Where(g => g.Role == c.Name).ToList();
        if (grants.Count > 0 && !c.Force)
        {
            throw Invalid($"fail to drop the role that it has privileges. Use REVOKE API to revoke privileges or set force_drop: role {c.Name}");
        }

        return this with
        {
            Roles = Roles.Remove(c.Name),
            RoleDescriptions = RoleDescriptions.Remove(c.Name),
            Grants = Grants.RemoveRange(grants),
            Users = Users.SetItems(Users.Values.Where(u => u.Roles.Contains(c.Name))
                .Select(u => KeyValuePair.Create(u.Name, u with { Roles = u.Roles.Remove(c.Name) }))),
        };
    }

    private RbacState OperateUserRoleWith(OperateUserRole c)
    {
        var user = RequireUser(c.User);
        RequireRole(c.Role);
        if (c.Add && c.Role == PublicRole)
        {
            return this;
        }

        return this with { Users = Users.SetItem(c.User, user with { Roles = c.Add ? user.Roles.Add(c.Role) : user.Roles.Remove(c.Role) }) };
    }

    private RbacState OperatePrivilegeWith(OperatePrivilege c)
    {
        var grant = c.Grant with { Privilege = Privileges.Normalize(c.Grant.Privilege) };
        if (!c.Revoke)
        {
            RequireRole(grant.Role);
            CheckPrivilege(grant.Privilege, grant.ObjectType);
            return this with { Grants = Grants.ContainsKey(grant) ? Grants : Grants.Add(grant, c.Grantor) };
        }

        // Revoking what was not granted changes nothing, as in Milvus.
        return this with { Grants = Grants.Remove(grant) };
    }

    private RbacState CreateGroupWith(CreatePrivilegeGroup c)
    {
        CheckName(c.Name, "privilege group");
        if (GroupPrivileges(c.Name) is not null || Privileges.ObjectTypeOf.ContainsKey(c.Name))
        {
            throw Invalid($"privilege group name [{c.Name}] is used by a built-in privilege group or privilege, or already exists");
        }

        return this with { Groups = Groups.Add(c.Name, ImmutableSortedSet.Create<string>(StringComparer.Ordinal)) };
    }

    private RbacState DropGroupWith(DropPrivilegeGroup c)
    {
        if (Privileges.BuiltInGroups.ContainsKey(c.Name))
        {
            throw Invalid($"the privilege group [{c.Name}] is built in and cannot be dropped");
        }

        if (Grants.Keys.Any(g => g.Privilege == c.Name))
        {
            throw Invalid($"privilege group [{c.Name}] is granted to a role; revoke it first");
        }

        // Dropping a group that does not exist is not an error in Milvus.
        return this with { Groups = Groups.Remove(c.Name) };
    }

    private RbacState OperateGroupWith(OperatePrivilegeGroup c)
    {
        if (Privileges.BuiltInGroups.ContainsKey(c.Name))
        {
            throw Invalid($"the privilege group [{c.Name}] is built in and cannot be changed");
        }

        var group = Groups.GetValueOrDefault(c.Name) ?? throw Invalid($"privilege group [{c.Name}] does not exist");
        var privileges = c.Privileges.Select(Privileges.Normalize).ToList();
        var unknown = privileges.FirstOrDefault(p => p == Privileges.All || !Privileges.ObjectTypeOf.ContainsKey(p));
        if (unknown is not null)
        {
            throw Invalid($"privilege [{unknown}] cannot be put into a privilege group");
        }

        return this with { Groups = Groups.SetItem(c.Name, c.Add ? group.Union(privileges) : group.Except(privileges)) };
    }

    /// <summary>
    /// Adds a backup (<c>RestoreRBAC</c>): users and roles that exist already are kept as they are, a privilege group that
    /// exists already is an error (nothing is restored then), grants are added.
    /// </summary>
    private RbacState Restore(RbacState backup)
    {
        var clash = backup.Groups.Keys.FirstOrDefault(g => GroupPrivileges(g) is not null);
        if (clash is not null)
        {
            throw Invalid($"privilege group [{clash}] already exists");
        }

        var roles = Roles.Union(backup.Roles);
        var missing = backup.Grants.Keys.Select(g => g.Role).Concat(backup.Users.Values.SelectMany(u => u.Roles)).FirstOrDefault(r => !roles.Contains(r));
        if (missing is not null)
        {
            throw Invalid($"the backup grants role [{missing}] it does not contain");
        }

        return new RbacState(
            Users.SetItems(backup.Users.Where(u => !Users.ContainsKey(u.Key))),
            roles,
            Grants.SetItems(backup.Grants.Where(g => !Grants.ContainsKey(g.Key))),
            Groups.SetItems(backup.Groups),
            RoleDescriptions.SetItems(backup.RoleDescriptions.Where(d => !Roles.Contains(d.Key))));
    }

    private void CheckPrivilege(string privilege, RbacObjectType objectType)
    {
        if (privilege == Privileges.All || GroupPrivileges(privilege) is not null)
        {
            return;
        }

        if (!Privileges.ObjectTypeOf.TryGetValue(privilege, out var type) || type != objectType)
        {
            throw Invalid($"not found the privilege name[{privilege}] in object[{objectType}]");
        }
    }

    private RbacUser RequireUser(string name) => Users.GetValueOrDefault(name) ?? throw Invalid($"user not found: {name}");

    private void RequireRole(string name)
    {
        if (!Roles.Contains(name))
        {
            throw Invalid($"not found the role, maybe the role isn't existed or internal system error: role {name}");
        }
    }

    /// <summary>Milvus's user name rule: a letter first, then letters, digits and underscores, at most 32 characters.</summary>
    public static void CheckUserName(string name) => CheckName(name, "username");

    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid($"the {what} must not be empty");
        }

        if (name.Length > MaxNameLength)
        {
            throw Invalid($"invalid {what} {name}: the length of a {what} must be not greater than {MaxNameLength} characters");
        }

        if (!char.IsAsciiLetter(name[0]) && !(what != "username" && name[0] == '_'))
        {
            throw Invalid($"invalid {what} {name}: the first character of a {what} must be a letter");
        }

        if (!name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
        {
            throw Invalid($"invalid {what} {name}: a {what} can only contain letters, digits and underscores");
        }
    }

    private static MilvusException Invalid(string message) => new(ErrorCode.ParameterInvalid, message);
}
