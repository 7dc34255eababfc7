using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Serves <see cref="MilvusGrpcService"/> with Kestrel over plain HTTP/2 (h2c), as Milvus does on port 19530.
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

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, settings.Port, listen => listen.Protocols = HttpProtocols.Http2);
            // gRPC enforces its own message limits below; Kestrel's generic body limit would cut large inserts first.
            kestrel.Limits.MaxRequestBodySize = null;
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
        });
        builder.Services.AddSingleton(proxy);
        builder.Services.AddSingleton(serverInfo);
        builder.Services.AddSingleton<MilvusGrpcService>();
        var app = builder.Build();
        app.MapGrpcService<MilvusGrpcService>();
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new MilvusGrpcHost(app, new Uri(bound).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What Connect reports about the deployment: STANDALONE when one process runs every role, else CLUSTER.</summary>
public sealed record ServerInfoOptions(string DeployMode);
