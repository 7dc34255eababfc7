using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>Users, roles and bulk import jobs.</summary>
internal static partial class RestEndpoints
{
    // Users. Passwords travel base64-encoded in the gRPC requests, as every SDK sends them.

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static Task<JsonNode?> CreateUserAsync(RestCall call) =>
        call.NoDataAsync(new CreateCredentialRequest { Username = call.String("userName"), Password = Base64(call.String("password")) },
            call.Service.CreateCredential);

    private static async Task<JsonNode?> ListUsersAsync(RestCall call) =>
        Strings((await call.RunAsync(new ListCredUsersRequest(), call.Service.ListCredUsers)).Usernames);

    private static async Task<JsonNode?> DescribeUserAsync(RestCall call)
    {
        var users = await call.RunAsync(new SelectUserRequest { User = new UserEntity { Name = call.String("userName") }, IncludeRoleInfo = true },
            call.Service.SelectUser);
        return Strings(users.Results.SelectMany(u => u.Roles).Select(r => r.Name));
    }

    private static Task<JsonNode?> DropUserAsync(RestCall call) =>
        call.NoDataAsync(new DeleteCredentialRequest { Username = call.String("userName") }, call.Service.DeleteCredential);

    private static Task<JsonNode?> UpdatePasswordAsync(RestCall call) => call.NoDataAsync(new UpdateCredentialRequest
    {
        Username = call.String("userName"),
        OldPassword = Base64(call.String("password")),
        NewPassword = Base64(call.String("newPassword")),
    }, call.Service.UpdateCredential);

    private static Task<JsonNode?> GrantRoleAsync(RestCall call) => OperateUserRoleAsync(call, OperateUserRoleType.AddUserToRole);

    private static Task<JsonNode?> RevokeRoleAsync(RestCall call) => OperateUserRoleAsync(call, OperateUserRoleType.RemoveUserFromRole);

    private static async Task<JsonNode?> OperateUserRoleAsync(RestCall call, OperateUserRoleType type)
    {
        await call.RunAsync(new OperateUserRoleRequest { Username = call.String("userName"), RoleName = call.String("roleName"), Type = type },
            call.Service.OperateUserRole);
        return null;
    }

    // Roles.

    private static Task<JsonNode?> CreateRoleAsync(RestCall call) =>
        call.NoDataAsync(new CreateRoleRequest { Entity = new RoleEntity { Name = call.String("roleName") } }, call.Service.CreateRole);

    private static Task<JsonNode?> DropRoleAsync(RestCall call) =>
        call.NoDataAsync(new DropRoleRequest { RoleName = call.String("roleName"), ForceDrop = call.Bool("forceDrop", false) }, call.Service.DropRole);

    private static async Task<JsonNode?> ListRolesAsync(RestCall call) =>
        Strings((await call.RunAsync(new SelectRoleRequest(), call.Service.SelectRole)).Results.Select(r => r.Role.Name));

    /// <summary>The role's grants, one object per privilege on an object.</summary>
    private static async Task<JsonNode?> DescribeRoleAsync(RestCall call)
    {
        var request = new SelectGrantRequest { Entity = new GrantEntity { Role = new RoleEntity { Name = call.String("roleName") } } };
        if (call.OptionalString("dbName") is { Length: > 0 } database)
        {
            request.Entity.DbName = database;
        }

        var grants = await call.RunAsync(request, call.Service.SelectGrant);
        return new JsonArray([.. grants.Entities.Select(g => (JsonNode)new JsonObject
        {
            ["objectType"] = g.Object?.Name ?? "",
            ["objectName"] = g.ObjectName,
            ["privilege"] = g.Grantor?.Privilege?.Name ?? "",
            ["dbName"] = g.DbName,
            ["grantor"] = g.Grantor?.User?.Name ?? "",
        })]);
    }

    private static Task<JsonNode?> GrantPrivilegeAsync(RestCall call) => OperatePrivilegeAsync(call, OperatePrivilegeType.Grant);

    private static Task<JsonNode?> RevokePrivilegeAsync(RestCall call) => OperatePrivilegeAsync(call, OperatePrivilegeType.Revoke);

    private static async Task<JsonNode?> OperatePrivilegeAsync(RestCall call, OperatePrivilegeType type)
    {
        await call.RunAsync(new OperatePrivilegeRequest
        {
            Type = type,
            Entity = new GrantEntity
            {
                Role = new RoleEntity { Name = call.String("roleName") },
                Object = new ObjectEntity { Name = call.String("objectType") },
                ObjectName = call.String("objectName"),
                DbName = call.Database,
                Grantor = new GrantorEntity { Privilege = new PrivilegeEntity { Name = call.String("privilege") } },
            },
        }, call.Service.OperatePrivilege);
        return null;
    }

    /// <summary>Milvus 2.5's form: a privilege or privilege group on a database and collection (<c>*</c> for all).</summary>
    private static Task<JsonNode?> GrantPrivilegeV2Async(RestCall call) => OperatePrivilegeV2Async(call, OperatePrivilegeType.Grant);

    private static Task<JsonNode?> RevokePrivilegeV2Async(RestCall call) => OperatePrivilegeV2Async(call, OperatePrivilegeType.Revoke);

    private static async Task<JsonNode?> OperatePrivilegeV2Async(RestCall call, OperatePrivilegeType type)
    {
        await call.RunAsync(new OperatePrivilegeV2Request
        {
            Type = type,
            Role = new RoleEntity { Name = call.String("roleName") },
            Grantor = new GrantorEntity { Privilege = new PrivilegeEntity { Name = call.String("privilege") } },
            DbName = call.OptionalString("dbName") ?? "",
            CollectionName = call.String("collectionName"),
        }, call.Service.OperatePrivilegeV2);
        return null;
    }

    // Privilege groups.

    private static Task<JsonNode?> CreatePrivilegeGroupAsync(RestCall call) =>
        call.NoDataAsync(new CreatePrivilegeGroupRequest { GroupName = call.String("privilegeGroupName") }, call.Service.CreatePrivilegeGroup);

    private static Task<JsonNode?> DropPrivilegeGroupAsync(RestCall call) =>
        call.NoDataAsync(new DropPrivilegeGroupRequest { GroupName = call.String("privilegeGroupName") }, call.Service.DropPrivilegeGroup);

    private static async Task<JsonNode?> ListPrivilegeGroupsAsync(RestCall call)
    {
        var groups = await call.RunAsync(new ListPrivilegeGroupsRequest(), call.Service.ListPrivilegeGroups);
        return new JsonObject
        {
            ["privilegeGroups"] = new JsonArray([.. groups.PrivilegeGroups.Select(g => (JsonNode)new JsonObject
            {
                ["privilegeGroupName"] = g.GroupName,
                ["privileges"] = string.Join(',', g.Privileges.Select(p => p.Name)),
            })]),
        };
    }

    private static Task<JsonNode?> AddPrivilegesToGroupAsync(RestCall call) => OperatePrivilegeGroupAsync(call, OperatePrivilegeGroupType.AddPrivilegesToGroup);

    private static Task<JsonNode?> RemovePrivilegesFromGroupAsync(RestCall call) =>
        OperatePrivilegeGroupAsync(call, OperatePrivilegeGroupType.RemovePrivilegesFromGroup);

    private static async Task<JsonNode?> OperatePrivilegeGroupAsync(RestCall call, OperatePrivilegeGroupType type)
    {
        var request = new OperatePrivilegeGroupRequest { GroupName = call.String("privilegeGroupName"), Type = type };
        request.Privileges.Add(RequiredNames(call, "privileges").Select(p => new PrivilegeEntity { Name = p }));
        return await call.NoDataAsync(request, call.Service.OperatePrivilegeGroup);
    }

    // Bulk import: files are keys in the cluster's object storage, one inner list per file group.

    private static async Task<JsonNode?> CreateImportAsync(RestCall call)
    {
        var request = new ImportRequest
        {
            DbName = call.Database,
            CollectionName = call.String("collectionName"),
            PartitionName = call.OptionalString("partitionName") ?? "",
        };
        var files = call.Required("files");
        if (files.ValueKind != JsonValueKind.Array || files.EnumerateArray().Any(group => group.ValueKind != JsonValueKind.Array
            || group.EnumerateArray().Any(file => file.ValueKind != JsonValueKind.String)))
        {
            throw RestCall.WrongType("files", "an array of arrays of file paths");
        }

        request.Files.Add(files.EnumerateArray().SelectMany(group => group.EnumerateArray()).Select(file => file.GetString()!));
        if (call.Optional("options") is { } options)
        {
            request.Options.Add(PropertiesOf(options));
        }

        var job = await call.RunAsync(request, call.Service.Import);
        return new JsonObject { ["jobId"] = job.Tasks.FirstOrDefault().ToString(CultureInfo.InvariantCulture) };
    }

    private static async Task<JsonNode?> ListImportsAsync(RestCall call)
    {
        var jobs = await call.RunAsync(new ListImportTasksRequest { DbName = call.Database, CollectionName = call.OptionalString("collectionName") ?? "" },
            call.Service.ListImportTasks);
        return new JsonObject { ["records"] = new JsonArray([.. jobs.Tasks.Select(job => (JsonNode)ImportJob(job))]) };
    }

    private static async Task<JsonNode?> DescribeImportAsync(RestCall call)
    {
        var jobId = call.Id("jobId");
        return ImportJob(await call.RunAsync(new GetImportStateRequest { Task = jobId }, call.Service.GetImportState));
    }

    /// <summary>A job as Milvus's REST API reports it: state Pending, Importing, Completed or Failed, with progress in percent.</summary>
    private static JsonObject ImportJob(GetImportStateResponse job)
    {
        string Info(string key) => job.Infos.FirstOrDefault(i => i.Key == key)?.Value ?? "";
        return new JsonObject
        {
            ["jobId"] = job.Id.ToString(CultureInfo.InvariantCulture),
            ["collectionName"] = Info("collection"),
            ["state"] = job.State switch
            {
                ImportState.ImportPending => "Pending",
                ImportState.ImportCompleted => "Completed",
                ImportState.ImportFailed or ImportState.ImportFailedAndCleaned => "Failed",
                _ => "Importing",
            },
            ["progress"] = long.TryParse(Info("progress_percent"), CultureInfo.InvariantCulture, out var progress) ? progress : 0,
            ["importedRows"] = job.RowCount,
            ["reason"] = Info("failed_reason"),
        };
    }
}
