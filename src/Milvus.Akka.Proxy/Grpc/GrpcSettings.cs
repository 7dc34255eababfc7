using Akka.Configuration;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Typed view of <c>milvus.proxy.grpc</c>: where the MilvusService listens and its message size limits.</summary>
public sealed record GrpcSettings(string Host, int Port, int MaxReceiveMessageSize, int MaxSendMessageSize)
{
    /// <summary>Milvus's defaults: port 19530, 64 MiB per request, 256 MiB per response.</summary>
    public static GrpcSettings Default { get; } = new("127.0.0.1", 19530, 64 << 20, 256 << 20);

    public static GrpcSettings From(Config? proxy)
    {
        var c = proxy?.GetConfig("grpc");
        return c is null || c.IsEmpty
            ? Default
            : new GrpcSettings(
                c.GetString("host", Default.Host),
                c.GetInt("port", Default.Port),
                checked((int)(c.GetByteSize("max-receive-message-size") ?? Default.MaxReceiveMessageSize)),
                checked((int)(c.GetByteSize("max-send-message-size") ?? Default.MaxSendMessageSize)));
    }
}
