using System.Net;
using Akka.Event;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Milvus.Akka.Proxy;
using Prometheus;

namespace Milvus.Akka.Server;

/// <summary>
/// A node's HTTP endpoint for operators, on <c>milvus.management.port</c> (9091, as Milvus): <c>/healthz</c> answers 200
/// when the node can serve and 503 with the reason otherwise (Kubernetes probes), <c>/metrics</c> the Prometheus text
/// format of the process's metrics (proxy rpcs, .NET runtime) and the node's own (<see cref="NodeMetrics"/>). Nodes with
/// the proxy role serve the web console here too (<see cref="Milvus.Akka.Proxy.WebConsole.ConsoleEndpoints"/>): browsers
/// speak HTTP/1.1, which the gRPC port (HTTP/2 only) does not.
/// </summary>
public sealed class ManagementServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ManagementServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The bound port (the configured one, or the one picked when it was 0).</summary>
    public int Port { get; }

    /// <summary>Starts the endpoint; null (with a warning) when the port is taken, since a node must not fail for its metrics.</summary>
    /// <param name="console">Maps the web console's routes (nodes with the proxy role); null serves none.</param>
    public static async Task<ManagementServer?> StartAsync(ManagementSettings settings, NodeHealth health, CollectorRegistry nodeMetrics,
        ILoggingAdapter log, CancellationToken cancellationToken, Action<IEndpointRouteBuilder>? console = null)
    {
        if (!IPAddress.TryParse(settings.Host, out var address))
        {
            throw new ArgumentException($"milvus.management.host '{settings.Host}' is not an IP address");
        }

        var builder = NodeWebHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, settings.Port));
        var app = builder.Build();
        app.MapGet("/healthz", async (HttpContext http) =>
        {
            var (healthy, reason) = await health.CheckAsync(http.RequestAborted);
            return Results.Text(reason + "\n", statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            // The Prometheus text exposition format that CollectAndExportAsTextAsync writes.
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
            await nodeMetrics.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
        });
        console?.Invoke(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            log.Warning("/healthz and /metrics are not served: {0}:{1} cannot be bound ({2}); set milvus.management.port", settings.Host, settings.Port,
                e.Message);
            await app.DisposeAsync();
            return null;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new ManagementServer(app, new Uri(bound).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
