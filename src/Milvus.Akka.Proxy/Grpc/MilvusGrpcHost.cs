using System.Net;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Client;
using Milvus.Akka.Proxy.ClientGateway;
using Milvus.Akka.Proxy.Quotas;
using Milvus.Akka.Proxy.Rest;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Milvus.Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Serves <see cref="MilvusGrpcService"/> with Kestrel over HTTP/2 on port 19530 as Milvus does: plain (h2c), or over
/// one-way or mutual TLS (<see cref="GrpcTlsSettings"/>).
/// </summary>
public sealed class MilvusGrpcHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MilvusGrpcHost(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The bound port (the configured one, or the one picked when it was 0).</summary>
    public int Port { get; }

    public static async Task<MilvusGrpcHost> StartAsync(MilvusProxy proxy, ServerInfoOptions serverInfo, CancellationToken cancellationToken = default)
    {
        var settings = proxy.Settings.Grpc;
        if (!IPAddress.TryParse(settings.Host, out var address))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"milvus.proxy.grpc.host '{settings.Host}' is not an IP address");
        }

        var builder = NodeWebHost.CreateBuilder();
        var sniffer = new CleartextProtocolSniffer();
        var relayRest = proxy.Settings.Rest.Enabled && settings.Tls.Mode == 0;
        ListenOptions? publicEndpoint = null, http1Endpoint = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, settings.Port, listen =>
            {
                publicEndpoint = listen;
                if (settings.Tls.Mode > 0)
                {
                    // TLS negotiates the protocol per connection (ALPN): gRPC clients ask for h2, REST clients for HTTP/1.1.
                    listen.Protocols = proxy.Settings.Rest.Enabled ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2;
                    listen.UseHttps(https => UseTls(https, settings.Tls));
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http2;
                    if (relayRest)
                    {
                        listen.Use(sniffer.Middleware);
                    }
                }
            });
            if (relayRest)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen =>
                {
                    http1Endpoint = listen;
                    listen.Protocols = HttpProtocols.Http1;
                });
            }

            // gRPC enforces its own message limits below; Kestrel's generic body limit would cut large inserts first.
            kestrel.Limits.MaxRequestBodySize = null;
            // Insert requests are megabytes: with Kestrel's default windows (1 MiB per connection, 768 KiB per stream) a
            // client sending several at once stalls for a WINDOW_UPDATE round trip every few hundred kilobytes. gRPC reads
            // each message whole, so larger windows buffer nothing it would not hold anyway.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 << 20;
        });
        var interceptors = InterceptorTypes(proxy.Settings);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = settings.MaxSendMessageSize;
            foreach (var interceptor in interceptors)
            {
                grpc.Interceptors.Add(interceptor);
            }
        });
        builder.Services.AddSingleton(new RestInterceptors(interceptors));
        builder.Services.AddSingleton(proxy);
        builder.Services.AddSingleton(serverInfo);
        builder.Services.AddSingleton<MilvusGrpcService>();
        builder.Services.AddSingleton(new RequestRateLimiter(proxy.Settings.Quota.RatePerSecond));
        // One instance serves the gRPC calls and the cluster client's (CallAsync).
        builder.Services.AddSingleton<MilvusStatusInterceptor>();
        var app = builder.Build();
        app.MapGrpcService<MilvusGrpcService>();
        if (proxy.Settings.Rest.Enabled)
        {
            RestEndpoints.Map(app);
        }
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // Kestrel puts the bound port (the one picked for port 0) into the endpoint's options.
        sniffer.Http1Target = http1Endpoint?.IPEndPoint;
        return new MilvusGrpcHost(app, publicEndpoint!.IPEndPoint!.Port);
    }

    /// <summary>
    /// The interceptors every call passes, outermost first: metrics, then statuses, then (when authorization is on)
    /// authentication and privileges inside the status interceptor, so its UNAUTHENTICATED and PERMISSION_DENIED pass
    /// through as gRPC errors, as Milvus's; then quotas when any is set. The RESTful API runs the same chain.
    /// </summary>
    private static List<Type> InterceptorTypes(ProxySettings settings)
    {
        List<Type> types = [typeof(MilvusMetricsInterceptor), typeof(MilvusStatusInterceptor)];
        if (settings.Security.AuthorizationEnabled)
        {
            types.Add(typeof(MilvusAuthInterceptor));
        }

        if (settings.Quota is { DmlEnabled: true } or { DqlEnabled: true } or { MaxInsertSize: >= 0 })
        {
            types.Add(typeof(MilvusQuotaInterceptor));
        }

        return types;
    }

    /// <summary>
    /// Milvus's tlsMode 1 (the server's certificate) and 2 (also a client certificate issued by the CA, or the handshake
    /// fails). Certificates are read at start; replacing them needs a restart.
    /// </summary>
    private static void UseTls(HttpsConnectionAdapterOptions https, GrpcTlsSettings tls)
    {
        https.ServerCertificate = X509Certificate2.CreateFromPemFile(tls.ServerPemPath, tls.ServerKeyPath);
        if (tls.Mode == 2)
        {
            var authority = CertificateAuthority.FromPemFile(tls.CaPemPath);
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, chain, _) => authority.Issued(certificate, chain);
        }
    }

    /// <summary>
    /// Answers a cluster client request (one of <see cref="ClientOperations.Parsers"/>) through the same service method and
    /// status interceptor as its gRPC rpc, so both entry points validate and fail alike.
    /// </summary>
    public Task<IMessage> CallAsync(IMessage request)
    {
        var service = _app.Services.GetRequiredService<MilvusGrpcService>();
        return request switch
        {
            CreateCollectionRequest r => Call(r, service.CreateCollection),
            DropCollectionRequest r => Call(r, service.DropCollection),
            HasCollectionRequest r => Call(r, service.HasCollection),
            DescribeCollectionRequest r => Call(r, service.DescribeCollection),
            CreateIndexRequest r => Call(r, service.CreateIndex),
            LoadCollectionRequest r => Call(r, service.LoadCollection),
            ReleaseCollectionRequest r => Call(r, service.ReleaseCollection),
            FlushRequest r => Call(r, service.Flush),
            GetFlushStateRequest r => Call(r, service.GetFlushState),
            InsertRequest r => Call(r, service.Insert),
            UpsertRequest r => Call(r, service.Upsert),
            DeleteRequest r => Call(r, service.Delete),
            ProtoSearchRequest r => Call(r, service.Search),
            ProtoQueryRequest r => Call(r, service.Query),
            _ => throw new MilvusException(ErrorCode.OperationNotSupported, $"{request.Descriptor.Name} is not offered to cluster clients"),
        };

        async Task<IMessage> Call<TRequest, TResponse>(TRequest message, UnaryServerMethod<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class, IMessage =>
            await _app.Services.GetRequiredService<MilvusStatusInterceptor>()
                .UnaryServerHandler(message, new InProcessCallContext(method.Method.Name, "cluster-client"), method);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What Connect reports about the deployment: STANDALONE when one process runs every role, else CLUSTER.</summary>
public sealed record ServerInfoOptions(string DeployMode);
