using Grpc.Core;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// The call context of a request that reaches the gRPC service from inside the node (a cluster client's request, a
/// RESTful call): the caller's headers (the REST credentials; none from a cluster client, whose database travels in the
/// request's db_name) and no deadline of its own (the proxy's ask timeout bounds the work).
/// </summary>
internal sealed class InProcessCallContext(string rpc, string peer, Metadata? headers = null, CancellationToken cancellationToken = default)
    : ServerCallContext
{
    protected override string MethodCore => "/milvus.proto.milvus.MilvusService/" + rpc;

    protected override string HostCore => peer;

    protected override string PeerCore => peer;

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = headers ?? [];

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("in-process calls do not propagate");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
