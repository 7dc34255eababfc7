using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Milvus.Akka.Proxy.Tests;

public sealed class NodeWebHostTests
{
    /// <summary>
    /// ASP.NET Core starts an Activity and a log scope for every request while its hosting diagnostics logger is enabled
    /// at any level; the node's host keeps that logger off, the host's own start failure (the node reports it in one line)
    /// to Critical, and everything else at Warning.
    /// </summary>
    [Fact]
    public async Task Hosting_diagnostics_are_off_and_other_categories_log_warnings()
    {
        await using var app = NodeWebHost.CreateBuilder().Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        var host = loggers.CreateLogger("Microsoft.Extensions.Hosting.Internal.Host");
        Assert.False(host.IsEnabled(LogLevel.Error));
        Assert.True(host.IsEnabled(LogLevel.Critical));
        var kestrel = loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        Assert.True(kestrel.IsEnabled(LogLevel.Warning));
        Assert.False(kestrel.IsEnabled(LogLevel.Information));
    }
}
