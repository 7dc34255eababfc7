using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Security;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus's authentication and privilege interceptors, installed when <c>milvus.security.authorization-enabled</c> is on.
/// Every rpc must carry the SDKs' <c>authorization</c> header (base64 of <c>user:password</c>, or of an API key) or is
/// refused with UNAUTHENTICATED; then the user's roles must grant the rpc's privilege on its object in the request's
/// database (<see cref="RpcPrivileges"/>), or it is refused with PERMISSION_DENIED, as Milvus refuses. Credentials are
/// never logged or echoed.
/// </summary>
public sealed class MilvusAuthInterceptor(MilvusProxy proxy) : Interceptor
{
    /// <summary>The header the SDKs send their credentials in (base64 of <c>user:password</c> or of an API key).</summary>
    internal const string AuthorizationHeader = "authorization";
    private const string UserKey = "milvus.user";

    /// <summary>The authenticated user of a call; empty when authorization is off.</summary>
    public static string CurrentUser(ServerCallContext context) =>
        context.UserState.TryGetValue(UserKey, out var user) ? (string)user : "";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync((IMessage)request, context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync((IMessage)request, context);
        await continuation(request, responseStream, context);
    }

    /// <summary>The one duplex rpc is replication between clusters: it needs every privilege.</summary>
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var (state, user) = await AuthenticateAsync(context);
        Require(state, user, new RpcPrivilege(RbacObjectType.Global, Privileges.All), Privileges.AnyName, MilvusGrpcService.Database("", context));
        await continuation(requestStream, responseStream, context);
    }

    private async Task AuthorizeAsync(IMessage request, ServerCallContext context)
    {
        var (state, user) = await AuthenticateAsync(context);
        var rpc = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        if (RpcPrivileges.For(rpc) is not { } privilege
            // A user may always list the grants of its own roles (Milvus's isSelectMyRoleGrants).
            || (request is SelectGrantRequest select && state.RolesOf(user).Contains(select.Entity?.Role?.Name ?? "")))
        {
            return;
        }

        var database = MilvusGrpcService.Database(RpcPrivileges.Field(request, "db_name") ?? "", context);
        foreach (var name in RpcPrivileges.ObjectNames(privilege, request))
        {
            Require(state, user, privilege, name, database);
        }
    }

    private static void Require(RbacState state, string user, RpcPrivilege privilege, string objectName, string database)
    {
        if (!state.IsAllowed(user, privilege.ObjectType, objectName, database, privilege.Privilege))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{privilege.Privilege}: permission deny to {user} in the `{database}` database"));
        }
    }

    private async Task<(RbacState State, string User)> AuthenticateAsync(ServerCallContext context)
    {
        var (state, user) = await AuthenticateAsync(proxy, context.RequestHeaders);
        context.UserState[UserKey] = user;
        return (state, user);
    }

    /// <summary>The user <paramref name="headers"/> authenticate; UNAUTHENTICATED without valid credentials.</summary>
    internal static async Task<(RbacState State, string User)> AuthenticateAsync(MilvusProxy proxy, Metadata headers)
    {
        var state = await proxy.RbacAsync();
        var user = proxy.UserOf(headers.GetValue(AuthorizationHeader), state)
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "auth check failure, please check username and password are correct"));
        return (state, user);
    }
}
