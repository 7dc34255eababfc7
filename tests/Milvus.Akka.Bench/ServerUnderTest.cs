using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Bench;

/// <summary>
/// The server the bench talks to: the standalone server started as a child process on a free port and a temp data
/// directory, or a running server at --address. Its CPU time is read from /proc when its process id is known.
/// </summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly TempDirectory? _dataDirectory;
    private readonly TextWriter? _processLog;
    private readonly int? _pid;

    private ServerUnderTest(string address, int channels, Process? process, TextWriter? processLog, TempDirectory? dataDirectory, int? pid)
    {
        Address = address;
        _process = process;
        _processLog = processLog;
        _dataDirectory = dataDirectory;
        _pid = pid;
        // Large inserts go out and whole result sets come back: no client-side message size limits.
        Channels = [.. Enumerable.Range(0, channels).Select(_ => GrpcChannel.ForAddress(address,
            new GrpcChannelOptions { MaxReceiveMessageSize = null, MaxSendMessageSize = null }))];
        Client = new MilvusService.MilvusServiceClient(Channels[0]);
    }

    public string Address { get; }

    public IReadOnlyList<GrpcChannel> Channels { get; }

    public MilvusService.MilvusServiceClient Client { get; }

    public bool ReportsCpu => _pid is not null;

    /// <summary>Server CPU seconds so far, or NaN when the server's process is unknown.</summary>
    public double CpuSeconds() => _pid is { } pid ? ProcessCpu.Seconds(pid) : double.NaN;

    public static async Task<ServerUnderTest> StartAsync(BenchOptions options, TextWriter log)
    {
        ServerUnderTest server;
        if (options.Address is { } address)
        {
            server = new ServerUnderTest(address, options.Channels, null, null, null, options.ServerPid);
        }
        else
        {
            var port = ServerProcess.FreePort();
            var dataDirectory = new TempDirectory("bench-server");
            var config = Path.Combine(dataDirectory.Path, "bench.hocon");
            // Each shard holds the whole data set in one segment, so the server searches one HNSW graph per shard like
            // the in-process index (at the default 64 MiB a 200,000 × 128 set is two graphs, which at the same ef
            // finds more true neighbours for about twice the work, and the ratios would compare unlike things).
            await File.WriteAllTextAsync(config, $"milvus.proxy.grpc.port = {port}\nmilvus.management.port = 0\nakka.loglevel = WARNING\n"
                + "milvus.streaming.seal { max-rows = 100000000, max-bytes = 64 GiB }\n");
            var info = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Milvus.Akka.Server.dll"), "--data-dir", Path.Combine(dataDirectory.Path, "data"), "--config", config },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the server process");
            var serverLog = TextWriter.Synchronized(new StreamWriter(Path.Combine(options.WorkDirectory, "server.log")) { AutoFlush = true });
            // Drained into a log file, or a chatty server blocks once the pipes fill.
            process.OutputDataReceived += (_, e) => serverLog.WriteLine(e.Data);
            process.ErrorDataReceived += (_, e) => serverLog.WriteLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            server = new ServerUnderTest($"http://127.0.0.1:{port}", options.Channels, process, serverLog, dataDirectory, process.Id);
            log.WriteLine($"started the standalone server (pid {process.Id}) on 127.0.0.1:{port}, data in {dataDirectory.Path}, log in {Path.Combine(options.WorkDirectory, "server.log")}");
        }

        try
        {
            await server.WaitUntilConnectedAsync(TimeSpan.FromSeconds(120));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in Channels)
        {
            channel.Dispose();
        }

        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }

        _processLog?.Dispose();
        _dataDirectory?.Dispose();
    }

    private async Task WaitUntilConnectedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await Client.ConnectAsync(new ConnectRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                return;
            }
            catch (RpcException) when (DateTime.UtcNow < deadline && _process is not { HasExited: true })
            {
                await Task.Delay(250);
            }
            catch (RpcException e)
            {
                throw new InvalidOperationException(
                    $"the server at {Address} did not answer Connect within {timeout.TotalSeconds:F0} s" + (_process is { HasExited: true } ? " (its process exited)" : ""), e);
            }
        }
    }
}
