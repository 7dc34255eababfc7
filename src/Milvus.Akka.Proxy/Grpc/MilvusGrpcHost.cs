using System.Net;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Client;
using Milvus.Akka.Proxy.ClientGateway;
using Milvus.Akka.Proxy.Quotas;
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
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, settings.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (settings.Tls.Mode > 0)
                {
                    listen.UseHttps(https => UseTls(https, settings.Tls));
                }
            });
            // gRPC enforces its own message limits below; Kestrel's generic body limit would cut large inserts first.
            kestrel.Limits.MaxRequestBodySize = null;
            // Insert requests are megabytes: with Kestrel's default windows (1 MiB per connection, 768 KiB per stream) a
            // client sending several at once stalls for a WINDOW_UPDATE round trip every few hundred kilobytes. gRPC reads
            // each message whole, so larger windows buffer nothing it would not hold anyway.
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 << 20;
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = settings.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = settings.MaxSendMessageSize;
            grpc.Interceptors.Add<MilvusMetricsInterceptor>();
            grpc.Interceptors.Add<MilvusStatusInterceptor>();
            if (proxy.Settings.Security.AuthorizationEnabled)
            {
                // Inside the status interceptor: its UNAUTHENTICATED and PERMISSION_DENIED pass through as gRPC errors, as Milvus's.
                grpc.Interceptors.Add<MilvusAuthInterceptor>();
            }

            if (proxy.Settings.Quota is { DmlEnabled: true } or { DqlEnabled: true } or { MaxInsertSize: >= 0 })
            {
                grpc.Interceptors.Add<MilvusQuotaInterceptor>();
            }
        });
        builder.Services.AddSingleton(proxy);
        builder.Services.AddSingleton(serverInfo);
        builder.Services.AddSingleton<MilvusGrpcService>();
        builder.Services.AddSingleton(new RequestRateLimiter(proxy.Settings.Quota.RatePerSecond));
        // One instance serves the gRPC calls and the cluster client's (CallAsync).
        builder.Services.AddSingleton<MilvusStatusInterceptor>();
        var app = builder.Build();
        app.MapGrpcService<MilvusGrpcService>();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new MilvusGrpcHost(app, new Uri(bound).Port);
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
                .UnaryServerHandler(message, new ClusterClientCallContext(method.Method.Name), method);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What Connect reports about the deployment: STANDALONE when one process runs every role, else CLUSTER.</summary>
public sealed record ServerInfoOptions(string DeployMode);
