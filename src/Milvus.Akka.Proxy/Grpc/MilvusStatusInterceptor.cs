using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;
using MilvusStatus = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus reports failures inside the response (its <c>status</c> field, or the response itself when it is a
/// common.Status), never as gRPC errors: the SDKs read that status, and the Node SDK turns gRPC UNIMPLEMENTED into an
/// empty success. So every failure becomes a status here: <see cref="MilvusException"/>s keep their code, rpcs the
/// service does not override answer "not supported", anything else is an internal error.
/// </summary>
public sealed class MilvusStatusInterceptor(ILogger<MilvusStatusInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (StatusOf(e, context) is { } status)
        {
            return WithStatus<TResponse>(status) ?? throw AsRpcException(status);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (StatusOf(e, context) is { } status)
        {
            await responseStream.WriteAsync(WithStatus<TResponse>(status) ?? throw AsRpcException(status));
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (StatusOf(e, context) is { } status)
        {
            await responseStream.WriteAsync(WithStatus<TResponse>(status) ?? throw AsRpcException(status));
        }
    }

    private MilvusStatus? StatusOf(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case MilvusException e:
                return MilvusStatuses.Failure(e.Code, e.Message);
            case RpcException { StatusCode: StatusCode.Unimplemented }:
                return MilvusStatuses.Failure(ErrorCode.ServiceUnimplemented, $"{RpcName(context)} is not supported by Milvus.Akka");
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
            case RpcException:
                return null;
            default:
                logger.LogError(exception, "{Rpc} failed unexpectedly", RpcName(context));
                return MilvusStatuses.Failure(ErrorCode.ServiceInternal, $"{RpcName(context)} failed: {exception.Message}");
        }
    }

    private static string RpcName(ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];

    /// <summary>A response of the rpc's type that carries only the status; null for the one replication stream without a status field.</summary>
    private static TResponse? WithStatus<TResponse>(MilvusStatus status)
    {
        if (status is TResponse same)
        {
            return same;
        }

        var response = (IMessage)Activator.CreateInstance(typeof(TResponse))!;
        var field = MilvusStatuses.StatusField(response.Descriptor);
        if (field is null)
        {
            return default;
        }

        field.Accessor.SetValue(response, status);
        return (TResponse)response;
    }

    /// <summary>A gRPC error other than UNIMPLEMENTED (which the Node SDK would swallow), for responses that cannot carry a status.</summary>
    private static RpcException AsRpcException(MilvusStatus status) =>
        new(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, status.Reason));
}
