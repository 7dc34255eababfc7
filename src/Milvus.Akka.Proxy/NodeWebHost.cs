using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Milvus.Akka.Proxy;

/// <summary>The ASP.NET Core host of a node's HTTP endpoints (the gRPC edge, the management endpoint).</summary>
public static class NodeWebHost
{
    /// <summary>
    /// A slim builder that logs warnings to the console and does not reload configuration files on change: the node is
    /// configured by HOCON, and the reload's watcher covers the working directory and everything under it, the default
    /// data directory included, so every journal and segment write cost the process a file-change event. Hosting's
    /// diagnostics logger is off: it logs requests only at Information, but while it is enabled at all ASP.NET Core
    /// starts an Activity and a log scope for every request (and the metrics then look it up for exemplars). The host's
    /// own "Hosting failed to start" is off too: the node says why it could not start, in one line.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        return builder;
    }
}
