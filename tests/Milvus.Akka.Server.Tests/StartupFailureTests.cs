using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>A node that cannot start says why in one line and exits with 1, instead of aborting on an unhandled exception.</summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-startup-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_grpc_port_another_process_holds_is_named_with_the_setting_to_change()
    {
        using var holder = Hold(out var port);

        var (exitCode, output, errors) = await RunServerAsync($"milvus.proxy.grpc.port = {port}");

        Assert.Equal(1, exitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Milvus.Akka could not start: ", line);
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("address already in use", line);
        Assert.Contains("milvus.proxy.grpc.port", line);
        Assert.DoesNotContain("Unhandled exception", output + errors);
        Assert.DoesNotContain("Hosting failed to start", output + errors);
    }

    [Fact]
    public async Task A_remoting_port_another_process_holds_is_named_too()
    {
        using var holder = Hold(out var port);

        var (exitCode, output, errors) = await RunServerAsync("milvus.proxy.grpc.port = 0", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("address already in use", line);
        Assert.Contains("--port", line);
        Assert.DoesNotContain("One or more errors occurred", line);
        Assert.DoesNotContain("Unhandled exception", output + errors);
    }

    [Fact]
    public void Any_other_failure_is_reported_in_full()
    {
        var failure = new InvalidOperationException("meta storage is unreachable", new TimeoutException("no answer"));

        Assert.Equal(failure.ToString(), StartupFailure.Describe(failure));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static TcpListener Hold(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, ServerProcess.FreePort());
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunServerAsync(string config, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(await MilvusServerProcess.StartInfoAsync(_dataDir, config, arguments))
                ?? throw new InvalidOperationException("could not start the server process");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("the server neither started nor exited within 2 minutes");
            }

            return (process.ExitCode, await output, await errors);
        }
        finally
        {
            File.Delete(MilvusServerProcess.ConfigFile(_dataDir));
        }
    }
}
