using System.Diagnostics;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;

namespace Milvus.Akka.Server.Tests;

/// <summary>The server executable as a child process on a data directory, with its gRPC port on 127.0.0.1.</summary>
public sealed class MilvusServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly GrpcChannel _channel;

    private MilvusServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        Client = new MilvusService.MilvusServiceClient(_channel);
    }

    public int Port { get; }

    public MilvusService.MilvusServiceClient Client { get; }

    /// <summary>Starts the server built next to this test (same configuration) and waits until it answers Connect.</summary>
    public static async Task<MilvusServerProcess> StartAsync(string dataDir, int port)
    {
        Directory.CreateDirectory(dataDir);
        var info = await StartInfoAsync(dataDir, $"milvus.proxy.grpc.port = {port}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server process");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new MilvusServerProcess(process, port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                await server.Client.ConnectAsync(new ConnectRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return server;
            }
            catch (global::Grpc.Core.RpcException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// How to run the server on <paramref name="dataDir"/> with its output redirected: <paramref name="config"/> (plus no
    /// management port and Akka warnings only) is written to <c>dataDir.hocon</c> and given with --config, then
    /// <paramref name="arguments"/>.
    /// </summary>
    internal static async Task<ProcessStartInfo> StartInfoAsync(string dataDir, string config, params string[] arguments)
    {
        var configFile = ConfigFile(dataDir);
        await File.WriteAllTextAsync(configFile, $"{config}\nmilvus.management.port = 0\nakka.loglevel = WARNING\n");
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { ServerAssembly(), "--data-dir", dataDir, "--config", configFile },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>The --config file <see cref="StartInfoAsync"/> writes for <paramref name="dataDir"/>.</summary>
    internal static string ConfigFile(string dataDir) => dataDir + ".hocon";

    /// <summary>SIGKILL: no shutdown hook runs, nothing is flushed by the process itself.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        _channel.Dispose();
        await Task.CompletedTask;
    }

    /// <summary>The server's own build output (it carries its hocon/ folder), in this test's configuration.</summary>
    internal static string ServerAssembly()
    {
        var testDir = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var root = testDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Milvus.Akka.sln")))
        {
            root = root.Parent;
        }

        var configuration = testDir.Parent!.Name;
        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Milvus.Akka.sln not found above the test directory"),
            "src", "Milvus.Akka.Server", "bin", configuration, testDir.Name, "Milvus.Akka.Server.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"build the server first: {path} is missing");
    }
}
