using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Status = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Bench;

/// <summary>
/// Insert and Search with requests the bench encoded before timing: the request marshaller passes the bytes through,
/// so a timed call spends client CPU only on HTTP/2 framing and on decoding the reply.
/// </summary>
internal static class RawCalls
{
    private static readonly Marshaller<byte[]> PassThrough = Marshallers.Create(bytes => bytes, bytes => bytes);

    private static readonly Method<byte[], MutationResult> Insert = Unary("Insert", MutationResult.Parser);

    private static readonly Method<byte[], SearchResults> Search = Unary("Search", SearchResults.Parser);

    private static readonly Method<byte[], GetVersionResponse> GetVersion = Unary("GetVersion", GetVersionResponse.Parser);

    /// <summary>An empty GetVersionRequest: the server answers from a constant, so the call costs only the round trip.</summary>
    public static readonly byte[] EmptyRequest = [];

    public static async Task GetVersionAsync(CallInvoker invoker, byte[] request) =>
        Ensure((await invoker.AsyncUnaryCall(GetVersion, null, default, request)).Status, "get version");

    public static async Task<MutationResult> InsertAsync(CallInvoker invoker, byte[] request)
    {
        var result = await invoker.AsyncUnaryCall(Insert, null, default, request);
        Ensure(result.Status, "insert");
        return result;
    }

    public static async Task<SearchResults> SearchAsync(CallInvoker invoker, byte[] request)
    {
        var result = await invoker.AsyncUnaryCall(Search, null, default, request);
        Ensure(result.Status, "search");
        return result;
    }

    /// <summary>Throws on an error status (Milvus answers errors in the reply, not as a gRPC status).</summary>
    public static void Ensure(Status status, string what)
    {
        if (status.Code != 0 || status.ErrorCode != ErrorCode.Success)
        {
            throw new InvalidOperationException($"{what} failed: {status.Code} {status.ErrorCode}: {status.Reason}");
        }
    }

    private static Method<byte[], TResponse> Unary<TResponse>(string name, MessageParser<TResponse> parser)
        where TResponse : IMessage<TResponse> =>
        new(MethodType.Unary, MilvusService.Descriptor.FullName, name, PassThrough,
            Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom));
}
