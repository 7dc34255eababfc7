using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Security;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>The RBAC rules as a pure state: grants by object, database and wildcard, groups, built-in roles, and the codec.</summary>
public sealed class RbacStateTests
{
    private static readonly RbacState Start = RbacState.Initial("root-hash")
        .Apply(new CreateUser("alice", "alice-hash"))
        .Apply(new CreateRole("reader"))
        .Apply(new OperateUserRole("alice", "reader", Add: true));

    private static RbacState Grant(RbacState state, RbacObjectType type, string name, string database, string privilege) =>
        state.Apply(new OperatePrivilege(new RbacGrant("reader", type, name, database, privilege), Revoke: false, "root"));

    [Fact]
    public void A_user_holds_a_collection_privilege_only_where_it_was_granted()
    {
        Assert.False(Start.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Search"));
        var state = Grant(Start, RbacObjectType.Collection, "books", "default", "Search");
        Assert.True(state.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Search"));
        Assert.False(state.IsAllowed("alice", RbacObjectType.Collection, "films", "default", "Search"));
        Assert.False(state.IsAllowed("alice", RbacObjectType.Collection, "books", "other_db", "Search"));
        Assert.False(state.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Insert"));

        var revoked = state.Apply(new OperatePrivilege(new RbacGrant("reader", RbacObjectType.Collection, "books", "default", "Search"), Revoke: true, "root"));
        Assert.False(revoked.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Search"));
    }

    [Fact]
    public void Wildcards_cover_every_collection_and_every_database()
    {
        var state = Grant(Start, RbacObjectType.Collection, "*", "*", "Query");
        Assert.True(state.IsAllowed("alice", RbacObjectType.Collection, "anything", "any_db", "Query"));
        Assert.False(state.IsAllowed("alice", RbacObjectType.Collection, "anything", "any_db", "Delete"));
    }

    [Fact]
    public void Root_and_admin_may_do_everything_and_public_holds_only_its_defaults()
    {
        Assert.True(Start.IsAllowed(RbacState.Root, RbacObjectType.Global, "*", "default", "DropDatabase"));
        var admin = Start.Apply(new OperateUserRole("alice", RbacState.AdminRole, Add: true));
        Assert.True(admin.IsAllowed("alice", RbacObjectType.Global, "*", "default", "DropDatabase"));
        Assert.True(Start.IsAllowed("alice", RbacObjectType.Global, "*", "default", "DescribeCollection"));
        Assert.False(Start.IsAllowed("alice", RbacObjectType.Global, "*", "default", "CreateCollection"));
        Assert.False(Start.IsAllowed("nobody", RbacObjectType.Global, "*", "default", "DescribeCollection"));
    }

    [Fact]
    public void A_user_may_always_act_on_itself()
    {
        Assert.True(Start.IsAllowed("alice", RbacObjectType.User, "alice", "default", "UpdateUser"));
        Assert.False(Start.IsAllowed("alice", RbacObjectType.User, "root", "default", "UpdateUser"));
    }

    [Fact]
    public void Built_in_and_custom_privilege_groups_expand_to_their_privileges()
    {
        var builtIn = Grant(Start, RbacObjectType.Collection, "books", "default", "CollectionReadOnly");
        Assert.True(builtIn.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Search"));
        Assert.False(builtIn.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Insert"));
        Assert.False(builtIn.IsAllowed("alice", RbacObjectType.Collection, "films", "default", "Search"));

        var custom = Start.Apply(new CreatePrivilegeGroup("writers")).Apply(new OperatePrivilegeGroup("writers", ["Insert", "PrivilegeDelete"], Add: true));
        custom = Grant(custom, RbacObjectType.Collection, "books", "default", "writers");
        Assert.True(custom.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Delete"));
        Assert.False(custom.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Search"));

        var removed = custom.Apply(new OperatePrivilegeGroup("writers", ["Delete"], Add: false));
        Assert.False(removed.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Delete"));
        Assert.Throws<MilvusException>(() => custom.Apply(new DropPrivilegeGroup("writers")));
    }

    [Fact]
    public void Database_level_groups_hold_global_privileges_in_their_database()
    {
        var state = Grant(Start, RbacObjectType.Global, "*", "sales", "DatabaseAdmin");
        Assert.True(state.IsAllowed("alice", RbacObjectType.Global, "*", "sales", "CreateCollection"));
        Assert.False(state.IsAllowed("alice", RbacObjectType.Global, "*", "default", "CreateCollection"));
    }

    [Theory]
    [InlineData("DatabaseReadOnly", "DescribeSnapshot,ListSnapshots", "CreateSnapshot,DropSnapshot,PinSnapshotData,RestoreSnapshot")]
    [InlineData("DatabaseReadWrite", "ListSnapshots,CreateSnapshot,DropSnapshot,PinSnapshotData,UnpinSnapshotData", "RestoreSnapshot")]
    [InlineData("DatabaseAdmin", "ListSnapshots,CreateSnapshot,RestoreSnapshot", "")]
    [InlineData("ClusterAdmin", "", "ListSnapshots,CreateSnapshot,RestoreSnapshot")]
    public void Snapshot_privileges_belong_to_Milvus_database_groups(string group, string held, string notHeld)
    {
        var state = Grant(Start, RbacObjectType.Global, "*", "sales", group);
        foreach (var privilege in held.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(state.IsAllowed("alice", RbacObjectType.Global, "*", "sales", privilege), $"{group} holds {privilege}");
        }

        foreach (var privilege in notHeld.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.False(state.IsAllowed("alice", RbacObjectType.Global, "*", "sales", privilege), $"{group} does not hold {privilege}");
        }
    }

    [Fact]
    public void Invalid_changes_are_refused_with_a_reason()
    {
        Assert.Throws<MilvusException>(() => Start.Apply(new CreateUser("alice", "x")));
        Assert.Throws<MilvusException>(() => Start.Apply(new CreateUser("1bad", "x")));
        Assert.Throws<MilvusException>(() => Start.Apply(new DeleteUser(RbacState.Root)));
        Assert.Same(Start, Start.Apply(new DeleteUser("nobody")));
        Assert.Throws<MilvusException>(() => Start.Apply(new DropRole(RbacState.AdminRole, Force: true)));
        Assert.Throws<MilvusException>(() => Grant(Start, RbacObjectType.Collection, "books", "default", "NoSuchPrivilege"));
        Assert.Throws<MilvusException>(() => Grant(Start, RbacObjectType.Global, "*", "default", "Search"));
        Assert.Throws<MilvusException>(() => Start.Apply(new UpdatePassword("alice", "stale-hash", "new-hash")));
        var granted = Grant(Start, RbacObjectType.Collection, "books", "default", "Search");
        Assert.Throws<MilvusException>(() => granted.Apply(new DropRole("reader", Force: false)));

        var dropped = granted.Apply(new DropRole("reader", Force: true));
        Assert.DoesNotContain("reader", dropped.Roles);
        Assert.Empty(dropped.Users["alice"].Roles);
        Assert.DoesNotContain(dropped.Grants.Keys, g => g.Role == "reader");
    }

    [Fact]
    public void Restore_adds_what_is_missing_and_refuses_an_existing_group()
    {
        var backup = Grant(Start.Apply(new CreatePrivilegeGroup("writers")), RbacObjectType.Collection, "books", "default", "Search");
        var empty = RbacState.Initial("other-root-hash");
        var restored = empty.Apply(new RestoreRbac(backup));
        Assert.Equal("other-root-hash", restored.Users[RbacState.Root].PasswordHash);
        Assert.True(restored.IsAllowed("alice", RbacObjectType.Collection, "books", "default", "Search"));
        Assert.Contains("writers", restored.Groups.Keys);
        Assert.Throws<MilvusException>(() => restored.Apply(new RestoreRbac(backup)));
    }

    [Fact]
    public void The_codec_round_trips_the_state()
    {
        var state = Grant(Start.Apply(new CreatePrivilegeGroup("writers")).Apply(new OperatePrivilegeGroup("writers", ["Insert"], Add: true)),
            RbacObjectType.Collection, "books", "default", "writers");
        var decoded = RbacCodec.Decode(ByteString.CopyFrom(RbacCodec.Encode(state).ToByteArray()));
        Assert.Equal(state.Users.Values, decoded.Users.Values, (a, b) => a.Name == b.Name && a.PasswordHash == b.PasswordHash && a.Roles.SetEquals(b.Roles));
        Assert.True(state.Roles.SetEquals(decoded.Roles));
        Assert.Equal(state.Grants.OrderBy(g => g.Key.ToString()), decoded.Grants.OrderBy(g => g.Key.ToString()));
        Assert.Equal(state.Groups["writers"], decoded.Groups["writers"]);
    }

    [Fact]
    public void Descriptions_follow_their_user_and_role_and_round_trip_through_the_codec()
    {
        var described = Start.Apply(new CreateUser("dave", "dave-hash", "operator"))
            .Apply(new SetUserDescription("alice", "analyst"))
            .Apply(new CreateRole("auditors", "read-only audit"))
            .Apply(new SetRoleDescription("reader", "reads books"));
        Assert.Equal(("operator", "analyst"), (described.Users["dave"].Description, described.Users["alice"].Description));
        Assert.Equal(("read-only audit", "reads books", ""), (described.RoleDescription("auditors"), described.RoleDescription("reader"), described.RoleDescription("public")));
        Assert.Throws<MilvusException>(() => described.Apply(new SetRoleDescription("no_such_role", "x")));
        Assert.Throws<MilvusException>(() => described.Apply(new SetUserDescription("no_such_user", "x")));

        var decoded = RbacCodec.Decode(RbacCodec.Encode(described));
        Assert.Equal(described.Users.Values.Select(u => (u.Name, u.Description)), decoded.Users.Values.Select(u => (u.Name, u.Description)));
        Assert.Equal(described.RoleDescriptions, decoded.RoleDescriptions);

        // Cleared, dropped, or never given: no description is stored, so a record written before descriptions reads the same.
        var cleared = described.Apply(new SetRoleDescription("reader", "")).Apply(new DropRole("auditors", Force: false));
        Assert.Empty(cleared.RoleDescriptions);
        Assert.Equal(RbacCodec.Encode(Start), RbacCodec.Encode(RbacCodec.Decode(RbacCodec.Encode(Start))));
        Assert.All(RbacCodec.Decode(RbacCodec.Encode(Start)).Users.Values, u => Assert.Equal("", u.Description));
    }

    [Fact]
    public void Passwords_are_salted_and_verified()
    {
        var first = Passwords.Hash("secret1");
        Assert.NotEqual(first, Passwords.Hash("secret1"));
        Assert.DoesNotContain("secret1", first);
        var passwords = new Passwords();
        Assert.True(passwords.Verify("alice", "secret1", first));
        Assert.True(passwords.Verify("alice", "secret1", first));
        Assert.False(passwords.Verify("alice", "secret2", first));
        Assert.False(passwords.Verify("alice", "secret1", "not-a-bcrypt-hash"));
    }
}
