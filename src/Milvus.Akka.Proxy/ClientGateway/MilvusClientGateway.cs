using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Client;
using Milvus.Akka.Proxy.Grpc;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;

namespace Milvus.Akka.Proxy.ClientGateway;

/// <summary>
/// The proxy's entry point for Akka ClusterClients (registered with the ClusterClientReceptionist): each request runs
/// through the gRPC service (<see cref="MilvusGrpcHost.CallAsync"/>) off the actor, and its response goes back to the
/// sender. Every failure is answered with a status, as gRPC answers it.
/// </summary>
public sealed class MilvusClientGateway : ReceiveActor
{
    public MilvusClientGateway(Func<IMessage, Task<IMessage>> call) =>
        Receive<MilvusClientRequest>(request => Answer(call, request.Request).PipeTo(Sender));

    public static Props Props(MilvusGrpcHost host) => global::Akka.Actor.Props.Create(() => new MilvusClientGateway(host.CallAsync));

    private static async Task<MilvusClientReply> Answer(Func<IMessage, Task<IMessage>> call, IMessage request)
    {
        try
        {
            return new MilvusClientReply(await call(request));
        }
        catch (MilvusException e)
        {
            return new MilvusClientReply(MilvusStatuses.Failure(e.Code, e.Message));
        }
        catch (Exception e)
        {
            return new MilvusClientReply(MilvusStatuses.Failure(ErrorCode.ServiceInternal, $"{request.Descriptor.Name} failed: {e.Message}"));
        }
    }
}
