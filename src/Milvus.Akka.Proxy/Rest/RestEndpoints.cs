using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Milvus.Akka.Common;
using Milvus.Akka.Proxy.Grpc;

namespace Milvus.Akka.Proxy.Rest;

/// <summary>
/// Milvus's RESTful API, version 2: <c>POST /v2/vectordb/{collections|entities|partitions|indexes|aliases|databases|
/// users|roles|jobs/import}/{action}</c> with a JSON body, answered <c>{"code": 0, "data": ...}</c> or
/// <c>{"code": N, "message": "..."}</c> with HTTP 200, as Milvus answers. Each action is translated to the gRPC
/// request(s) Milvus's own handler makes and run through the same service methods and interceptors (authentication,
/// privileges, statuses) as a gRPC call, so both APIs validate, authorize and fail alike.
/// </summary>
internal static partial class RestEndpoints
{
    /// <summary>Milvus's REST-only codes (merr): credentials missing or wrong, a body that is not JSON, a required key missing.</summary>
    internal const int NeedAuthentication = 1800, IncorrectParameterFormat = 1801, MissingRequiredParameters = 1802;

    private const int PrivilegeNotPermitted = 1401;

    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Quotes and non-ASCII text as they are (the default encoder escapes them for HTML pages, which this is not).</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly FrozenDictionary<string, Func<RestCall, Task<JsonNode?>>> Actions = new Dictionary<string, Func<RestCall, Task<JsonNode?>>>
    {
        // Collections.
        ["collections/create"] = CreateCollectionAsync,
        ["collections/describe"] = DescribeCollectionAsync,
        ["collections/list"] = ListCollectionsAsync,
        ["collections/has"] = HasCollectionAsync,
        ["collections/drop"] = DropCollectionAsync,
        ["collections/rename"] = RenameCollectionAsync,
        ["collections/get_stats"] = CollectionStatisticsAsync,
        ["collections/get_load_state"] = LoadStateAsync,
        ["collections/load"] = LoadCollectionAsync,
        ["collections/release"] = ReleaseCollectionAsync,
        ["collections/refresh_load"] = RefreshLoadAsync,
        ["collections/flush"] = FlushAsync,
        ["collections/compact"] = CompactAsync,
        ["collections/get_compaction_state"] = CompactionStateAsync,
        ["collections/alter_properties"] = AlterCollectionPropertiesAsync,
        ["collections/drop_properties"] = DropCollectionPropertiesAsync,
        ["collections/fields/add"] = AddFieldAsync,
        ["collections/fields/alter_properties"] = AlterFieldPropertiesAsync,
        // Partitions.
        ["partitions/create"] = CreatePartitionAsync,
        ["partitions/drop"] = DropPartitionAsync,
        ["partitions/has"] = HasPartitionAsync,
        ["partitions/list"] = ListPartitionsAsync,
        ["partitions/load"] = LoadPartitionsAsync,
        ["partitions/release"] = ReleasePartitionsAsync,
        ["partitions/get_stats"] = PartitionStatisticsAsync,
        // Indexes.
        ["indexes/create"] = CreateIndexAsync,
        ["indexes/describe"] = DescribeIndexAsync,
        ["indexes/list"] = ListIndexesAsync,
        ["indexes/drop"] = DropIndexAsync,
        ["indexes/alter_properties"] = AlterIndexPropertiesAsync,
        ["indexes/drop_properties"] = DropIndexPropertiesAsync,
        // Aliases.
        ["aliases/create"] = CreateAliasAsync,
        ["aliases/describe"] = DescribeAliasAsync,
        ["aliases/list"] = ListAliasesAsync,
        ["aliases/drop"] = DropAliasAsync,
        ["aliases/alter"] = AlterAliasAsync,
        // Databases.
        ["databases/create"] = CreateDatabaseAsync,
        ["databases/list"] = ListDatabasesAsync,
        ["databases/describe"] = DescribeDatabaseAsync,
        ["databases/drop"] = DropDatabaseAsync,
        ["databases/alter"] = AlterDatabaseAsync,
        ["databases/drop_properties"] = DropDatabasePropertiesAsync,
        // Entities.
        ["entities/insert"] = InsertAsync,
        ["entities/upsert"] = UpsertAsync,
        ["entities/delete"] = DeleteAsync,
        ["entities/query"] = QueryAsync,
        ["entities/get"] = GetAsync,
        ["entities/search"] = SearchAsync,
        ["entities/hybrid_search"] = HybridSearchAsync,
        // Users and roles.
        ["users/create"] = CreateUserAsync,
        ["users/list"] = ListUsersAsync,
        ["users/describe"] = DescribeUserAsync,
        ["users/drop"] = DropUserAsync,
        ["users/update_password"] = UpdatePasswordAsync,
        ["users/grant_role"] = GrantRoleAsync,
        ["users/revoke_role"] = RevokeRoleAsync,
        ["roles/create"] = CreateRoleAsync,
        ["roles/list"] = ListRolesAsync,
        ["roles/describe"] = DescribeRoleAsync,
        ["roles/drop"] = DropRoleAsync,
        ["roles/grant_privilege"] = GrantPrivilegeAsync,
        ["roles/revoke_privilege"] = RevokePrivilegeAsync,
        ["roles/grant_privilege_v2"] = GrantPrivilegeV2Async,
        ["roles/revoke_privilege_v2"] = RevokePrivilegeV2Async,
        ["privilege_groups/create"] = CreatePrivilegeGroupAsync,
        ["privilege_groups/drop"] = DropPrivilegeGroupAsync,
        ["privilege_groups/list"] = ListPrivilegeGroupsAsync,
        ["privilege_groups/add_privileges_to_group"] = AddPrivilegesToGroupAsync,
        ["privilege_groups/remove_privileges_from_group"] = RemovePrivilegesFromGroupAsync,
        // Resource groups.
        ["resource_groups/create"] = CreateResourceGroupAsync,
        ["resource_groups/drop"] = DropResourceGroupAsync,
        ["resource_groups/list"] = ListResourceGroupsAsync,
        ["resource_groups/describe"] = DescribeResourceGroupAsync,
        ["resource_groups/alter"] = AlterResourceGroupsAsync,
        ["resource_groups/transfer_replica"] = TransferReplicaAsync,
        // Snapshots.
        ["snapshots/create"] = CreateSnapshotAsync,
        ["snapshots/drop"] = DropSnapshotAsync,
        ["snapshots/list"] = ListSnapshotsAsync,
        ["snapshots/describe"] = DescribeSnapshotAsync,
        // Bulk import.
        ["jobs/import/create"] = CreateImportAsync,
        ["jobs/import/list"] = ListImportsAsync,
        ["jobs/import/describe"] = DescribeImportAsync,
        ["jobs/import/get_progress"] = DescribeImportAsync,
    }.ToFrozenDictionary();

    /// <summary>
    /// Milvus's REST actions of these categories not translated here (a snapshot's restore and its jobs, segment
    /// descriptions; their gRPC rpcs are served): answered "not supported", not 404.
    /// </summary>
    private static readonly string[] UnservedCategories = ["snapshots/", "segments/", "jobs/restore_snapshot/"];

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/v2/vectordb/{**action}", HandleAsync);

    private static async Task HandleAsync(HttpContext http)
    {
        var action = (string?)http.GetRouteValue("action") ?? "";
        if (!Actions.TryGetValue(action, out var handler))
        {
            if (UnservedCategories.Any(action.StartsWith))
            {
                await WriteAsync(http, Failure((int)ErrorCode.OperationNotSupported,
                    $"the RESTful action '{action}' is not supported by Milvus.Akka; its gRPC rpc is served to the SDKs"));
                return;
            }

            http.Response.StatusCode = StatusCodes.Status404NotFound;
            await WriteAsync(http, Failure(StatusCodes.Status404NotFound, $"the RESTful API has no action '{action}'"));
            return;
        }

        var services = http.RequestServices;
        var proxy = services.GetRequiredService<MilvusProxy>();
        JsonObject failure;
        try
        {
            using var body = await ReadBodyAsync(http, proxy.Settings.Rest.MaxBodyBytes);
            var call = new RestCall(body.RootElement, http, proxy, services.GetRequiredService<MilvusGrpcService>(),
                services.GetRequiredService<RestInterceptors>().Create(services));
            await call.AuthenticateAsync();
            var data = await handler(call);
            await WriteSuccessAsync(http, call, data);
            return;
        }
        catch (RestFailure e)
        {
            failure = Failure(e.Code, e.Message);
        }
        catch (MilvusException e)
        {
            failure = Failure((int)e.Code, e.Message);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            failure = Failure(NeedAuthentication, $"user hasn't authenticated: {e.Status.Detail}");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            failure = Failure(PrivilegeNotPermitted, e.Status.Detail);
        }
        catch (BadHttpRequestException e)
        {
            http.Response.StatusCode = e.StatusCode;
            failure = Failure(IncorrectParameterFormat, e.Message);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException)
        {
            // A value of the wrong kind where the body is read as numbers, booleans or strings ("shardsNum": "many").
            failure = Failure(IncorrectParameterFormat, $"the request has a value of the wrong kind: {e.Message}");
        }

        await WriteAsync(http, failure);
    }

    /// <summary><c>{"code": 0, "data": ..., (topks...)}</c>, rows written as they are read rather than built first.</summary>
    private static async Task WriteSuccessAsync(HttpContext http, RestCall call, JsonNode? data)
    {
        http.Response.ContentType = JsonContentType;
        var body = http.Response.BodyWriter;
        await using var writer = new Utf8JsonWriter(body, WriterOptions);
        writer.WriteStartObject();
        writer.WriteNumber("code", 0);
        writer.WritePropertyName("data");
        if (call.Rows is { } rows)
        {
            await rows.WriteToAsync(writer, async () => await body.FlushAsync(http.RequestAborted));
        }
        else
        {
            (data ?? new JsonObject()).WriteTo(writer);
        }

        foreach (var (key, value) in call.Extra)
        {
            writer.WritePropertyName(key);
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted);
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpContext http, long maxBytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        if (buffer.Length == 0)
        {
            return JsonDocument.Parse("{}");
        }

        try
        {
            var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length),
                new JsonDocumentOptions { MaxDepth = JsonLimits.DocumentOptions.MaxDepth });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            throw new RestFailure(IncorrectParameterFormat, "the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new RestFailure(IncorrectParameterFormat, $"the request body is not valid JSON: {e.Message}");
        }
    }

    private static JsonObject Failure(int code, string message) => new() { ["code"] = code, ["message"] = message };

    private static async Task WriteAsync(HttpContext http, JsonObject reply)
    {
        http.Response.ContentType = JsonContentType;
        await using var writer = new Utf8JsonWriter(http.Response.BodyWriter, WriterOptions);
        reply.WriteTo(writer);
        await writer.FlushAsync(http.RequestAborted);
    }
}

/// <summary>The gRPC service's interceptors, outermost first, which every RESTful call passes as a gRPC call does.</summary>
internal sealed class RestInterceptors(IReadOnlyList<Type> types)
{
    /// <summary>The registered instance of each (the status interceptor is shared with the cluster client), else a new one.</summary>
    public IReadOnlyList<Interceptor> Create(IServiceProvider services) =>
        [.. types.Select(type => (Interceptor)ActivatorUtilities.GetServiceOrCreateInstance(services, type))];
}

/// <summary>A refusal the REST layer itself makes, with Milvus's code for it.</summary>
internal sealed class RestFailure(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>
/// One REST request: its JSON body, and the gRPC service methods it runs, each through the authentication and status
/// interceptors with the request's credentials (<c>Authorization: Bearer user:password</c> or an API key, as Milvus's
/// REST API takes them) in the header the interceptor reads.
/// </summary>
internal sealed class RestCall(JsonElement body, HttpContext http, MilvusProxy proxy, MilvusGrpcService service,
    IReadOnlyList<Interceptor> interceptors)
{
    private readonly Metadata _headers = Headers(http);

    public JsonElement Body { get; } = body;

    public MilvusProxy Proxy { get; } = proxy;

    public MilvusGrpcService Service { get; } = service;

    public CancellationToken CancellationToken => http.RequestAborted;

    /// <summary>The rows an action answers as its data, written straight to the response (instead of its JSON value).</summary>
    public RestRows? Rows { get; set; }

    /// <summary>Keys of the reply beside code and data (a search's topks).</summary>
    public Dictionary<string, JsonNode?> Extra { get; } = [];

    /// <summary>Whether the client reads int64 values as JSON numbers (Milvus's Accept-Type-Allow-Int64; default yes, as Milvus's).</summary>
    public bool Int64AsNumbers { get; } = !bool.TryParse(http.Request.Headers["Accept-Type-Allow-Int64"].ToString(), out var allow) || allow;

    /// <summary>An int64 as a JSON number, or as a string for a client that said it cannot read them (JavaScript loses digits past 2^53).</summary>
    public JsonNode Int64(long value) =>
        Int64AsNumbers ? JsonValue.Create(value) : JsonValue.Create(value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string Database => Body.TryGetProperty("dbName", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } db
        ? db
        : "default";

    /// <summary>
    /// With authorization on, refuses a request without valid credentials before anything is looked up (an action may
    /// read the collection's schema before its first rpc, which then checks the credentials again with the privileges).
    /// </summary>
    public async Task AuthenticateAsync()
    {
        if (Proxy.Settings.Security.AuthorizationEnabled)
        {
            await MilvusAuthInterceptor.AuthenticateAsync(Proxy, _headers);
        }
    }

    /// <summary>Runs <paramref name="method"/> as its rpc would run; a failed status is thrown with its code and reason.</summary>
    public async Task<TResponse> RunAsync<TRequest, TResponse>(TRequest request, UnaryServerMethod<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class, IMessage
    {
        var context = new InProcessCallContext(method.Method.Name, "rest:" + http.Connection.RemoteIpAddress, _headers, http.RequestAborted);
        var call = method;
        for (var i = interceptors.Count - 1; i >= 0; i--)
        {
            var (interceptor, inner) = (interceptors[i], call);
            call = (r, c) => interceptor.UnaryServerHandler(r, c, inner);
        }

        var response = await call(request, context);
        var result = MilvusStatuses.StatusOf(response);
        if (result is { Code: not 0 } or { ErrorCode: not Milvus.Akka.Grpc.Protocol.Common.ErrorCode.Success })
        {
            throw new RestFailure(result.Code != 0 ? result.Code : (int)ErrorCode.UndefinedError, result.Reason);
        }

        return response;
    }

    /// <summary>Runs an action whose reply carries no data.</summary>
    public async Task<JsonNode?> NoDataAsync<TRequest, TResponse>(TRequest request, UnaryServerMethod<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class, IMessage
    {
        await RunAsync(request, method);
        return null;
    }

    // Body accessors, named for Milvus's request keys.

    public string? OptionalString(string key) =>
        Body.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(key, "a string")
            : null;

    public string String(string key) =>
        OptionalString(key) is { Length: > 0 } value ? value : throw Missing(key);

    public bool Bool(string key, bool fallback) =>
        !Body.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null ? fallback
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw WrongType(key, "a boolean");

    public long? OptionalInteger(string key) =>
        !Body.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number
        : throw WrongType(key, "an integer");

    /// <summary>A required int64 id, as a number or a string (as int64 values reach clients that cannot read them as numbers).</summary>
    public long Id(string key) =>
        Optional(key) is { } value && (value.ValueKind == JsonValueKind.Number ? value.TryGetInt64(out var id)
            : value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out id))
            ? id
            : throw Missing(key);

    public JsonElement? Optional(string key) =>
        Body.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public JsonElement Required(string key) => Optional(key) ?? throw Missing(key);

    public IEnumerable<string> Strings(string key) => Optional(key) is not { } value ? []
        : value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? value.EnumerateArray().Select(e => e.GetString()!)
            : throw WrongType(key, "an array of strings");

    public static RestFailure Missing(string key) =>
        new(RestEndpoints.MissingRequiredParameters, $"missing required parameters, error: '{key}' is required");

    public static RestFailure WrongType(string key, string what) =>
        new(RestEndpoints.IncorrectParameterFormat, $"the value of '{key}' must be {what}");

    /// <summary>The interceptor reads the SDKs' header: base64 of the credentials.</summary>
    private static Metadata Headers(HttpContext http)
    {
        var headers = new Metadata();
        var authorization = http.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? Convert.ToBase64String(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim()))
            : authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) ? authorization["Basic ".Length..].Trim()
            : "";
        if (token.Length > 0)
        {
            headers.Add(MilvusAuthInterceptor.AuthorizationHeader, token);
        }

        return headers;
    }
}
