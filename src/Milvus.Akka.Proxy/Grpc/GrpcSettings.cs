using Akka.Configuration;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Typed view of <c>milvus.proxy.grpc</c>: where the MilvusService listens, its message size limits and TLS.</summary>
public sealed record GrpcSettings(string Host, int Port, int MaxReceiveMessageSize, int MaxSendMessageSize)
{
    /// <summary>Milvus's defaults: port 19530, 64 MiB per request, 256 MiB per response, no TLS.</summary>
    public static GrpcSettings Default { get; } = new("127.0.0.1", 19530, 64 << 20, 256 << 20);

    /// <summary>TLS of the endpoint (<c>milvus.proxy.grpc.tls</c>, Milvus's common.security.tlsMode and tls.*).</summary>
    public GrpcTlsSettings Tls { get; init; } = GrpcTlsSettings.Off;

    public static GrpcSettings From(Config? proxy)
    {
        var c = proxy?.GetConfig("grpc");
        return c is null || c.IsEmpty
            ? Default
            : new GrpcSettings(
                c.GetString("host", Default.Host),
                c.GetInt("port", Default.Port),
                checked((int)(c.GetByteSize("max-receive-message-size") ?? Default.MaxReceiveMessageSize)),
                checked((int)(c.GetByteSize("max-send-message-size") ?? Default.MaxSendMessageSize)))
            {
                Tls = GrpcTlsSettings.From(c.GetConfig("tls")),
            };
    }
}

/// <summary>Milvus's tlsMode: 0 plain HTTP/2, 1 one-way TLS (the server's certificate), 2 mutual TLS (clients' certificates checked against the CA).</summary>
public sealed record GrpcTlsSettings(int Mode, string ServerPemPath, string ServerKeyPath, string CaPemPath)
{
    public static GrpcTlsSettings Off { get; } = new(0, "", "", "");

    public static GrpcTlsSettings From(Config? c)
    {
        if (c is null || c.IsEmpty)
        {
            return Off;
        }

        var settings = new GrpcTlsSettings(c.GetInt("mode", 0), c.GetString("server-pem-path", ""), c.GetString("server-key-path", ""),
            c.GetString("ca-pem-path", ""));
        return settings switch
        {
            { Mode: < 0 or > 2 } => throw new ConfigurationException($"milvus.proxy.grpc.tls.mode must be 0, 1 or 2, was {settings.Mode}"),
            { Mode: > 0, ServerPemPath: "" } or { Mode: > 0, ServerKeyPath: "" } => throw new ConfigurationException(
                "milvus.proxy.grpc.tls.mode 1 and 2 need server-pem-path and server-key-path"),
            { Mode: 2, CaPemPath: "" } => throw new ConfigurationException("milvus.proxy.grpc.tls.mode 2 needs ca-pem-path"),
            _ => settings,
        };
    }
}
