using System.Text;
using Grpc.Core;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Security;
using Milvus.Akka.TestSupport;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using static Milvus.Akka.TestSupport.MilvusRpc;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// Authentication and privileges through the gRPC edge of a node with <c>milvus.security.authorization-enabled = on</c>:
/// no or wrong credentials are refused with UNAUTHENTICATED, a user without a grant with PERMISSION_DENIED, the same user
/// is served once granted, and root may do everything.
/// </summary>
public sealed class AuthorizationTests : IAsyncLifetime
{
    private const string ApiKey = "test-api-key-7f3a";
    private StandaloneGrpcNode? _node;

    private MilvusService.MilvusServiceClient Client => _node!.Client;

    public async Task InitializeAsync() => _node = await StandaloneGrpcNode.StartAsync($$"""
        milvus.security.authorization-enabled = on
        milvus.security.api-keys { "{{Passwords.ApiKeyDigest(ApiKey)}}" = "root" }
        """);

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Requests_without_valid_credentials_are_unauthenticated()
    {
        await AssertRefusedAsync(StatusCode.Unauthenticated, () => Client.ListCredUsersAsync(new ListCredUsersRequest()).ResponseAsync);
        await AssertRefusedAsync(StatusCode.Unauthenticated,
            () => Client.ListCredUsersAsync(new ListCredUsersRequest(), Token("root:wrong")).ResponseAsync);
        await AssertRefusedAsync(StatusCode.Unauthenticated,
            () => Client.ListCredUsersAsync(new ListCredUsersRequest(), Token("not-a-configured-key")).ResponseAsync);

        var users = await Client.ListCredUsersAsync(new ListCredUsersRequest(), Token("root:Milvus"));
        Succeeded(users.Status);
        Assert.Equal(["root"], users.Usernames);
        Succeeded((await Client.ListCredUsersAsync(new ListCredUsersRequest(), Token(ApiKey))).Status);
    }

    [Fact]
    public async Task A_user_is_refused_without_a_grant_and_served_with_it_while_root_may_do_everything()
    {
        var root = Token("root:Milvus");
        var bob = Token("bob:bob-secret");
        const string collection = "guarded";
        await _node!.CreateLoadedCollectionAsync(collection, dim: 4, root);
        Succeeded(await Client.CreateCredentialAsync(new CreateCredentialRequest { Username = "bob", Password = Base64("bob-secret") }, root));
        Succeeded(await Client.CreateRoleAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = "readers" } }, root));
        Succeeded(await Client.OperateUserRoleAsync(new OperateUserRoleRequest { Username = "bob", RoleName = "readers" }, root));

        var query = new ProtoQueryRequest { CollectionName = collection, Expr = "id >= 0", OutputFields = { "id" } };
        // Every user holds the public role's DescribeCollection, but nothing on the data.
        Succeeded((await Client.DescribeCollectionAsync(new DescribeCollectionRequest { CollectionName = collection }, bob)).Status);
        var denied = await AssertRefusedAsync(StatusCode.PermissionDenied, () => Client.QueryAsync(query, bob).ResponseAsync);
        Assert.Contains("Query: permission deny to bob", denied.Status.Detail);
        await AssertRefusedAsync(StatusCode.PermissionDenied,
            () => Client.CreateRoleAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = "mine" } }, bob).ResponseAsync);

        Succeeded(await Client.OperatePrivilegeAsync(new OperatePrivilegeRequest
        {
            Entity = new GrantEntity
            {
                Role = new RoleEntity { Name = "readers" },
                Object = new ObjectEntity { Name = "Collection" },
                ObjectName = collection,
                Grantor = new GrantorEntity { Privilege = new PrivilegeEntity { Name = "Query" } },
            },
            Type = OperatePrivilegeType.Grant,
        }, root));
        var served = await Client.QueryAsync(query, bob);
        Succeeded(served.Status);
        // Query is granted, Insert and other collections are not.
        await AssertRefusedAsync(StatusCode.PermissionDenied, () => Client.InsertAsync(new InsertRequest { CollectionName = collection }, bob).ResponseAsync);
        await AssertRefusedAsync(StatusCode.PermissionDenied,
            () => Client.QueryAsync(new ProtoQueryRequest { CollectionName = "other", Expr = "id >= 0" }, bob).ResponseAsync);
        // The grant lists as granted by root; bob may list the grants of his own role.
        var grants = await Client.SelectGrantAsync(new SelectGrantRequest { Entity = new GrantEntity { Role = new RoleEntity { Name = "readers" } } }, bob);
        var grant = Assert.Single(grants.Entities);
        Assert.Equal(("Query", "root", "default"), (grant.Grantor.Privilege.Name, grant.Grantor.User.Name, grant.DbName));

        // A user may change its own password; the old one stops working at once.
        Succeeded(await Client.UpdateCredentialAsync(new UpdateCredentialRequest
        {
            Username = "bob", OldPassword = Base64("bob-secret"), NewPassword = Base64("bob-secret-2"),
        }, bob));
        await AssertRefusedAsync(StatusCode.Unauthenticated, () => Client.QueryAsync(query, bob).ResponseAsync);
        Succeeded((await Client.QueryAsync(query, Token("bob:bob-secret-2"))).Status);

        // Revoked, refused again; root is never refused.
        Succeeded(await Client.OperatePrivilegeV2Async(new OperatePrivilegeV2Request
        {
            Role = new RoleEntity { Name = "readers" },
            Grantor = new GrantorEntity { Privilege = new PrivilegeEntity { Name = "Query" } },
            Type = OperatePrivilegeType.Revoke,
            DbName = "default",
            CollectionName = collection,
        }, root));
        await AssertRefusedAsync(StatusCode.PermissionDenied, () => Client.QueryAsync(query, Token("bob:bob-secret-2")).ResponseAsync);
        Succeeded((await Client.QueryAsync(query, root)).Status);
        Succeeded(await Client.CreateDatabaseAsync(new CreateDatabaseRequest { DbName = "root_db" }, root));
        Succeeded(await Client.DropDatabaseAsync(new DropDatabaseRequest { DbName = "root_db" }, root));
    }

    [Fact]
    public async Task Snapshot_rpcs_need_their_own_privileges_in_the_database()
    {
        var root = Token("root:Milvus");
        var dave = Token("dave:dave-secret");
        const string collection = "snapped";
        await _node!.CreateLoadedCollectionAsync(collection, dim: 4, root);
        Succeeded(await Client.CreateCredentialAsync(new CreateCredentialRequest { Username = "dave", Password = Base64("dave-secret") }, root));
        Succeeded(await Client.CreateRoleAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = "backup" } }, root));
        Succeeded(await Client.OperateUserRoleAsync(new OperateUserRoleRequest { Username = "dave", RoleName = "backup" }, root));
        async Task GrantAsync(string privilege) => Succeeded(await Client.OperatePrivilegeV2Async(new OperatePrivilegeV2Request
        {
            Role = new RoleEntity { Name = "backup" },
            Grantor = new GrantorEntity { Privilege = new PrivilegeEntity { Name = privilege } },
            Type = OperatePrivilegeType.Grant,
            DbName = "default",
            CollectionName = "*",
        }, root));

        var list = new ListSnapshotsRequest { CollectionName = collection };
        var create = new CreateSnapshotRequest { Name = "nightly", CollectionName = collection };
        var restore = new RestoreSnapshotRequest { Name = "nightly", CollectionName = collection, TargetCollectionName = "snapped_copy" };
        var denied = await AssertRefusedAsync(StatusCode.PermissionDenied, () => Client.ListSnapshotsAsync(list, dave).ResponseAsync);
        Assert.Contains("ListSnapshots: permission deny to dave", denied.Status.Detail);

        await GrantAsync("DatabaseReadOnly");
        Succeeded((await Client.ListSnapshotsAsync(list, dave)).Status);
        await AssertRefusedAsync(StatusCode.PermissionDenied, () => Client.CreateSnapshotAsync(create, dave).ResponseAsync);

        await GrantAsync("DatabaseReadWrite");
        Succeeded(await Client.CreateSnapshotAsync(create, dave));
        Assert.Equal(["nightly"], (await Client.ListSnapshotsAsync(list, dave)).Snapshots);
        await AssertRefusedAsync(StatusCode.PermissionDenied, () => Client.RestoreSnapshotAsync(restore, dave).ResponseAsync);
        await AssertRefusedAsync(StatusCode.PermissionDenied,
            () => Client.ListRestoreSnapshotJobsAsync(new ListRestoreSnapshotJobsRequest(), dave).ResponseAsync);

        await GrantAsync("RestoreSnapshot");
        var restored = await Client.RestoreSnapshotAsync(restore, dave);
        Succeeded(restored.Status);
        Succeeded((await Client.GetRestoreSnapshotStateAsync(new GetRestoreSnapshotStateRequest { JobId = restored.JobId }, dave)).Status);
    }

    [Fact]
    public async Task Users_and_roles_keep_the_descriptions_they_are_given()
    {
        var root = Token("root:Milvus");
        var carol = Token("carol:carol-secret");
        async Task<string> UserDescriptionAsync() =>
            Assert.Single((await Client.SelectUserAsync(new SelectUserRequest { User = new UserEntity { Name = "carol" } }, root)).Results).Description;
        async Task<RoleEntity> RoleAsync(string name) =>
            Assert.Single((await Client.SelectRoleAsync(new SelectRoleRequest { Role = new RoleEntity { Name = name } }, root)).Results).Role;

        Succeeded(await Client.CreateCredentialAsync(
            new CreateCredentialRequest { Username = "carol", Password = Base64("carol-secret"), Description = "data analyst" }, root));
        Assert.Equal("data analyst", await UserDescriptionAsync());

        // The Node SDK 3.x sends a description alone, without passwords: the password stays as it was.
        Succeeded(await Client.UpdateCredentialAsync(new UpdateCredentialRequest { Username = "carol", Description = "team lead" }, carol));
        Assert.Equal("team lead", await UserDescriptionAsync());
        Succeeded((await Client.GetVersionAsync(new GetVersionRequest(), Token("carol:carol-secret"))).Status);
        // Both at once: the old password is checked first, and a wrong one changes neither.
        IllegalArgument(await Client.UpdateCredentialAsync(new UpdateCredentialRequest
        {
            Username = "carol", OldPassword = Base64("wrong-secret"), NewPassword = Base64("carol-secret-2"), Description = "lost",
        }, carol), "old password");
        Assert.Equal("team lead", await UserDescriptionAsync());
        Succeeded(await Client.UpdateCredentialAsync(new UpdateCredentialRequest
        {
            Username = "carol", OldPassword = Base64("carol-secret"), NewPassword = Base64("carol-secret-2"), Description = "",
        }, carol));
        Assert.Equal("", await UserDescriptionAsync());
        await AssertRefusedAsync(StatusCode.Unauthenticated, () => Client.GetVersionAsync(new GetVersionRequest(), carol).ResponseAsync);

        Succeeded(await Client.CreateRoleAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = "auditors", Description = "read-only audit" } }, root));
        Assert.Equal("read-only audit", (await RoleAsync("auditors")).Description);
        Succeeded(await Client.AlterRoleAsync(new AlterRoleRequest { RoleName = "auditors", Description = "audit and export" }, root));
        Assert.Equal("audit and export", (await RoleAsync("auditors")).Description);
        Assert.Equal("", (await RoleAsync("public")).Description);
        IllegalArgument(await Client.AlterRoleAsync(new AlterRoleRequest { RoleName = "no_such_role", Description = "x" }, root), "no_such_role");
        await AssertRefusedAsync(StatusCode.PermissionDenied,
            () => Client.AlterRoleAsync(new AlterRoleRequest { RoleName = "auditors", Description = "mine" }, Token("carol:carol-secret-2")).ResponseAsync);

        // A user's roles, a backup and a role made again after a drop carry the description as it is then.
        Succeeded(await Client.OperateUserRoleAsync(new OperateUserRoleRequest { Username = "carol", RoleName = "auditors" }, root));
        var withRoles = await Client.SelectUserAsync(new SelectUserRequest { User = new UserEntity { Name = "carol" }, IncludeRoleInfo = true }, root);
        Assert.Equal("audit and export", Assert.Single(Assert.Single(withRoles.Results).Roles).Description);
        var backup = await Client.BackupRBACAsync(new BackupRBACMetaRequest(), root);
        Assert.Equal("audit and export", Assert.Single(backup.RBACMeta.Roles, r => r.Name == "auditors").Description);
        Succeeded(await Client.DropRoleAsync(new DropRoleRequest { RoleName = "auditors" }, root));
        Succeeded(await Client.CreateRoleAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = "auditors" } }, root));
        Assert.Equal("", (await RoleAsync("auditors")).Description);
    }

    [Fact]
    public async Task REST_requests_authenticate_with_a_bearer_token_and_pass_the_same_privilege_checks()
    {
        var address = _node!.Address;
        using var anonymous = RestApiTests.Http(address);
        using var refused = await anonymous.PostAsync("/v2/vectordb/collections/list", new StringContent("{}"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(1800, (int)System.Text.Json.Nodes.JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["code"]!);
        // Refused before anything is looked up: whether a collection exists is not told to a stranger.
        var insert = await RestApiTests.PostAsync(anonymous, "entities/insert", new()
        {
            ["collectionName"] = "no_such_collection", ["data"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["id"] = 1 }),
        });
        Assert.Equal(1800, (int)insert["code"]!);

        using var root = RestApiTests.Http(address, token: "root:Milvus");
        RestApiTests.Ok(await RestApiTests.PostAsync(root, "users/create", new() { ["userName"] = "dave", ["password"] = "dave-secret" }));
        using var dave = RestApiTests.Http(address, token: "dave:dave-secret");
        var create = new System.Text.Json.Nodes.JsonObject { ["collectionName"] = "daves", ["dimension"] = 2 };
        var denied = await RestApiTests.PostAsync(dave, "collections/create", create);
        Assert.Equal(1401, (int)denied["code"]!);
        Assert.Contains("CreateCollection", (string)denied["message"]!);

        RestApiTests.Ok(await RestApiTests.PostAsync(root, "roles/create", new() { ["roleName"] = "creators" }));
        RestApiTests.Ok(await RestApiTests.PostAsync(root, "roles/grant_privilege", new()
        {
            ["roleName"] = "creators", ["objectType"] = "Global", ["objectName"] = "*", ["privilege"] = "CreateCollection",
        }));
        // The quick set-up also builds an index and loads the collection: each step needs its own privilege, as in Milvus.
        foreach (var privilege in new[] { "CreateIndex", "Load" })
        {
            RestApiTests.Ok(await RestApiTests.PostAsync(root, "roles/grant_privilege", new()
            {
                ["roleName"] = "creators", ["objectType"] = "Collection", ["objectName"] = "*", ["privilege"] = privilege,
            }));
        }

        RestApiTests.Ok(await RestApiTests.PostAsync(root, "users/grant_role", new() { ["userName"] = "dave", ["roleName"] = "creators" }));
        Assert.Equal(["creators"], RestApiTests.Ok(await RestApiTests.PostAsync(root, "users/describe", new() { ["userName"] = "dave" }))!
            .AsArray().Select(r => (string)r!));
        Assert.Contains("CreateCollection", RestApiTests.Ok(await RestApiTests.PostAsync(root, "roles/describe", new() { ["roleName"] = "creators" }))!
            .AsArray().Select(g => (string)g!["privilege"]!));
        RestApiTests.Ok(await RestApiTests.PostAsync(dave, "collections/create", create));

        // Wrong passwords are refused like missing ones; an API key is a bearer token too.
        using var wrong = RestApiTests.Http(address, token: "dave:not-it");
        Assert.Equal(1800, (int)(await RestApiTests.PostAsync(wrong, "collections/list", new()))["code"]!);
        using var key = RestApiTests.Http(address, token: ApiKey);
        Assert.Contains("daves", RestApiTests.Ok(await RestApiTests.PostAsync(key, "collections/list", new()))!.AsArray().Select(n => (string)n!));
    }

    private static Metadata Token(string token) => new() { { "authorization", Base64(token) } };

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static async Task<RpcException> AssertRefusedAsync<T>(StatusCode code, Func<Task<T>> call)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, refused.StatusCode);
        return refused;
    }
}
