using Google.Protobuf.Reflection;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Feder;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Msg;
using Milvus.Akka.Grpc.Protocol.ResourceGroups;
using Milvus.Akka.Grpc.Protocol.Schema;

namespace Milvus.Akka.Grpc;

/// <summary>
/// The compiled Milvus wire protocol as descriptors, for tooling that works on the whole surface
/// (server reflection, compatibility checks against SDKs).
/// </summary>
public static class MilvusProtocol
{
    /// <summary>Every .proto file of the protocol, dependencies before dependents.</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } =
    [
        CommonReflection.Descriptor,
        SchemaReflection.Descriptor,
        MsgReflection.Descriptor,
        RgReflection.Descriptor,
        FederReflection.Descriptor,
        MilvusCollectionsReflection.Descriptor,
        MilvusDataReflection.Descriptor,
        MilvusClusterReflection.Descriptor,
        MilvusSecurityReflection.Descriptor,
        MilvusV3Reflection.Descriptor,
        MilvusServiceReflection.Descriptor,
    ];

    /// <summary><c>milvus.proto.milvus.MilvusService</c>, the service every Milvus SDK talks to.</summary>
    public static ServiceDescriptor Service => MilvusService.Descriptor;
}
