using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Status = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Client;

/// <summary>
/// A .NET application's connection to a Milvus.Akka cluster through Akka's ClusterClient: requests go to the gateway of
/// one of the proxies listed by the receptionists at <paramref name="contactPoints"/> (proxy node addresses such as
/// akka.tcp://milvus@10.0.0.5:2551) and are answered exactly as the Milvus gRPC API answers them, with the same
/// validation and status codes. A failed request throws <see cref="MilvusClientException"/> with the status. The
/// application's ActorSystem needs remoting and <see cref="DefaultConfig"/>.
/// </summary>
public sealed class MilvusClusterClient(ActorSystem system, IEnumerable<string> contactPoints, TimeSpan? timeout = null) : IAsyncDisposable
{
    /// <summary>
    /// The envelopes' serializer and ClusterClient's own settings and protobuf format (its serializers must be known when
    /// the ActorSystem starts); add it as a fallback to the application's config. Proxy nodes use it too.
    /// </summary>
    public static readonly Config DefaultConfig = ConfigurationFactory.ParseString("""
        akka.actor.serializers.milvus-client = "Milvus.Akka.Client.MilvusClientMessageSerializer, Milvus.Akka.Client"
        akka.actor.serialization-bindings {
          "Milvus.Akka.Client.MilvusClientRequest, Milvus.Akka.Client" = milvus-client
          "Milvus.Akka.Client.MilvusClientReply, Milvus.Akka.Client" = milvus-client
        }
        akka.cluster.client.use-legacy-serialization = off
        """).WithFallback(ClusterClientReceptionist.DefaultConfig())
        // The client forwards requests to the receptionist as distributed pub-sub Sends: their serializer too.
        .WithFallback(DistributedPubSub.DefaultConfig());

    // Legacy serialization would send ClusterClient.Send as CLR-typed JSON, which cannot carry the protobuf payload.
    private readonly IActorRef _client = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system)
        .WithUseLegacySerialization(false)
        .WithInitialContacts([.. contactPoints.Select(c => ActorPath.Parse(c.TrimEnd('/') + "/system/receptionist"))])));

    /// <summary>How long a request may take, default 60 s (above the proxy's own 30 s ask timeout, so its answer arrives first).</summary>
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(60);

    public async Task CreateCollectionAsync(CreateCollectionRequest request, CancellationToken cancellationToken = default) =>
        await AskAsync<Status>(request, cancellationToken);

    public async Task DropCollectionAsync(DropCollectionRequest request, CancellationToken cancellationToken = default) =>
        await AskAsync<Status>(request, cancellationToken);

    public async Task<bool> HasCollectionAsync(HasCollectionRequest request, CancellationToken cancellationToken = default) =>
        (await AskAsync<BoolResponse>(request, cancellationToken)).Value;

    public Task<DescribeCollectionResponse> DescribeCollectionAsync(DescribeCollectionRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<DescribeCollectionResponse>(request, cancellationToken);

    public async Task CreateIndexAsync(CreateIndexRequest request, CancellationToken cancellationToken = default) =>
        await AskAsync<Status>(request, cancellationToken);

    public async Task LoadCollectionAsync(LoadCollectionRequest request, CancellationToken cancellationToken = default) =>
        await AskAsync<Status>(request, cancellationToken);

    public async Task ReleaseCollectionAsync(ReleaseCollectionRequest request, CancellationToken cancellationToken = default) =>
        await AskAsync<Status>(request, cancellationToken);

    /// <summary>Seals the collections' growing segments; answers once they are in object storage or the proxy's flush-wait is over (see <see cref="GetFlushStateAsync"/>).</summary>
    public Task<FlushResponse> FlushAsync(FlushRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<FlushResponse>(request, cancellationToken);

    /// <summary>Whether the segments a flush answered are in object storage.</summary>
    public async Task<bool> GetFlushStateAsync(GetFlushStateRequest request, CancellationToken cancellationToken = default) =>
        (await AskAsync<GetFlushStateResponse>(request, cancellationToken)).Flushed;

    public Task<MutationResult> InsertAsync(InsertRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<MutationResult>(request, cancellationToken);

    public Task<MutationResult> UpsertAsync(UpsertRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<MutationResult>(request, cancellationToken);

    public Task<MutationResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<MutationResult>(request, cancellationToken);

    public Task<SearchResults> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<SearchResults>(request, cancellationToken);

    public Task<QueryResults> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default) =>
        AskAsync<QueryResults>(request, cancellationToken);

    private async Task<TResponse> AskAsync<TResponse>(IMessage request, CancellationToken cancellationToken)
        where TResponse : class, IMessage
    {
        var reply = await _client.Ask<MilvusClientReply>(new ClusterClient.Send(ClientOperations.GatewayPath, new MilvusClientRequest(request), localAffinity: true),
            _timeout, cancellationToken);
        var status = ClientOperations.StatusOf(reply.Response);
        if (status.Code != 0 || status.ErrorCode != ErrorCode.Success)
        {
            throw new MilvusClientException(status);
        }

        return reply.Response as TResponse
               ?? throw new InvalidOperationException($"the gateway answered {reply.Response.Descriptor.FullName} to {request.Descriptor.FullName}");
    }

    public async ValueTask DisposeAsync() => await _client.GracefulStop(TimeSpan.FromSeconds(5));
}

/// <summary>A request the cluster answered with a failure status: Milvus's code (as <c>Status.code</c>) and reason.</summary>
public sealed class MilvusClientException(Status status) : Exception(status.Reason)
{
    public int Code => status.Code;

    public Status Status => status;
}
