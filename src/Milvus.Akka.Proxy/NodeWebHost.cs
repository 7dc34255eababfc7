using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Milvus.Akka.Proxy;

/// <summary>The ASP.NET Core host of a node's HTTP endpoints (the gRPC edge, the management endpoint).</summary>
public static class NodeWebHost
{
    /// <summary>
    /// A slim builder that logs warnings to the console and does not reload configuration files on change: the node is
    /// configured by HOCON, and the reload's watcher covers the working directory and everything under it, the default
    /// data directory included, so every journal and segment write cost the process a file-change event.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        return builder;
    }
}
