using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Milvus.Akka.TestSupport;

/// <summary>A server child process on 127.0.0.1 that tests can stop (kill) and start again with the same arguments.</summary>
/// <remarks><paramref name="onOutput"/> sees every line the process writes to stdout and stderr (from any thread).</remarks>
public sealed class ServerProcess(string name, string fileName, IReadOnlyList<string> arguments, int port, Action<string>? onOutput = null)
    : IAsyncDisposable
{
    private Process? _process;

    public int Port => port;

    /// <summary>Starts the process and waits until it accepts connections on its port, for at most <paramref name="timeout"/> (default 30 s).</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        // Drain the pipes, or a chatty server blocks once they fill.
        process.OutputDataReceived += (_, e) => Output(e.Data);
        process.ErrorDataReceived += (_, e) => Output(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await AcceptsConnectionsAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await StopAsync();
                throw new InvalidOperationException($"{name} did not start listening on 127.0.0.1:{port} ({fileName} {string.Join(' ', arguments)})");
            }

            await Task.Delay(50);
        }
    }

    private void Output(string? line)
    {
        if (line is not null)
        {
            onOutput?.Invoke(line);
        }
    }

    /// <summary>Kills the server abruptly, as a crash would.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>A port that was free a moment ago on the loopback interface.</summary>
    /// <summary>
    /// A loopback port free now and never handed out before in this process: the OS may offer a port again once its
    /// probe listener closes, and two servers given one port (etcd's client and metrics ports, say) fail to start.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOutPorts.TryAdd(port, 0))
            {
                return port;
            }
        }
    }

    private static readonly ConcurrentDictionary<int, byte> HandedOutPorts = new();

    /// <summary>The executable, or a failure telling how to install it: tests never skip silently.</summary>
    public static string Require(string path, string what) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"{what} is not installed ({path} is missing): run tests/setup/services.sh");

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "tests", "setup", "services.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("could not find the repository root (tests/setup/services.sh) above " + AppContext.BaseDirectory);
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
