using Grpc.Core;

namespace Milvus.Akka.Proxy.ClientGateway;

/// <summary>
/// The call context of a cluster client request run through the gRPC service: no headers (the database travels in the
/// request's db_name) and no deadline of its own (the proxy's ask timeout bounds the work; the client's ask, the wait).
/// </summary>
internal sealed class ClusterClientCallContext(string rpc) : ServerCallContext
{
    protected override string MethodCore => "/milvus.proto.milvus.MilvusService/" + rpc;

    protected override string HostCore => "cluster-client";

    protected override string PeerCore => "cluster-client";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => CancellationToken.None;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("cluster client calls do not propagate");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
