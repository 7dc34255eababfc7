using System.Diagnostics;

namespace Milvus.Akka.TestSupport;

/// <summary>
/// librdkafka's mock Kafka cluster hosted in its own process (tests/Milvus.Akka.KafkaMockBroker), so the broker outlives
/// every Milvus.Akka node a test kills, as a real broker would. Same limits as <see cref="KafkaMockCluster"/>.
/// </summary>
public sealed class KafkaBrokerProcess : IAsyncDisposable
{
    public const string ReadyPrefix = "bootstrap.servers=";

    private readonly Process _process;

    private KafkaBrokerProcess(Process process, string bootstrapServers)
    {
        _process = process;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>Starts the broker built next to the calling test (same configuration) and waits until it serves.</summary>
    public static async Task<KafkaBrokerProcess> StartAsync()
    {
        var testDir = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var assembly = Path.Combine(ServerProcess.RepositoryRoot(), "tests", "Milvus.Akka.KafkaMockBroker", "bin", testDir.Parent!.Name, testDir.Name,
            "Milvus.Akka.KafkaMockBroker.dll");
        ServerProcess.Require(assembly, "the mock Kafka broker (build tests/Milvus.Akka.KafkaMockBroker)");
        // Standard input stays open while this object lives: the broker exits when it closes, even if the test is killed.
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { assembly }, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the mock Kafka broker");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
                {
                    // Keep draining, or a chatty librdkafka fills the pipe.
                    _ = process.StandardOutput.ReadToEndAsync();
                    return new KafkaBrokerProcess(process, line[ReadyPrefix.Length..]);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        process.Kill();
        throw new InvalidOperationException("the mock Kafka broker did not print its address within 60 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
