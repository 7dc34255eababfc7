using Google.Protobuf;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;

namespace Milvus.Akka.Client;

/// <summary>A Milvus protocol request sent by <see cref="MilvusClusterClient"/> to the gateway on a proxy node.</summary>
public sealed record MilvusClientRequest(IMessage Request);

/// <summary>The gateway's answer: the rpc's response message, its status set as the gRPC API sets it.</summary>
public sealed record MilvusClientReply(IMessage Response);

/// <summary>The rpcs the cluster client offers: each request message and the response message of its rpc.</summary>
public static class ClientOperations
{
    /// <summary>Where the gateway runs on every proxy node (registered with the ClusterClientReceptionist).</summary>
    public const string GatewayName = "milvus-client-gateway";

    public const string GatewayPath = "/user/" + GatewayName;

    /// <summary>Request and response parsers by message full name: the only messages the serializer accepts.</summary>
    public static readonly IReadOnlyDictionary<string, MessageParser> Parsers = new MessageParser[]
    {
        CreateCollectionRequest.Parser, DropCollectionRequest.Parser, HasCollectionRequest.Parser, DescribeCollectionRequest.Parser,
        CreateIndexRequest.Parser, LoadCollectionRequest.Parser, ReleaseCollectionRequest.Parser, FlushRequest.Parser, GetFlushStateRequest.Parser,
        InsertRequest.Parser, UpsertRequest.Parser, DeleteRequest.Parser, SearchRequest.Parser, QueryRequest.Parser,
        Status.Parser, BoolResponse.Parser, DescribeCollectionResponse.Parser, FlushResponse.Parser, GetFlushStateResponse.Parser, MutationResult.Parser,
        SearchResults.Parser, QueryResults.Parser,
    }.ToDictionary(p => p.ParseFrom(ByteString.Empty).Descriptor.FullName);

    /// <summary>The status a response carries: itself, or its status field.</summary>
    public static Status StatusOf(IMessage response) => response as Status
        ?? response.Descriptor.Fields.InDeclarationOrder()
            .Where(f => f.FieldType == Google.Protobuf.Reflection.FieldType.Message && f.MessageType == Status.Descriptor)
            .Select(f => f.Accessor.GetValue(response) as Status).FirstOrDefault()
        ?? new Status();
}
