using System.Diagnostics;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Runs the official Milvus Node SDK workflow (tests/compat, <c>node --test</c>) against this process's server.</summary>
[Collection(GrpcServerCollection.Name)]
public sealed class NodeSdkWorkflowTests(GrpcServerFixture server)
{
    [Fact]
    public Task The_node_sdk_workflow_passes() => NodeSdkWorkflow.RunAsync(server.Address, server.Node.Objects);
}

/// <summary>The same workflow against a cluster: the proxy on one node, the other roles on two others.</summary>
public sealed class ClusterNodeSdkWorkflowTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public Task The_node_sdk_workflow_passes_against_a_multi_node_cluster() => NodeSdkWorkflow.RunAsync(cluster.Address, cluster.Objects);
}

public static class NodeSdkWorkflow
{
    /// <param name="objects">The server's object storage, a local directory the import tests put their files in.</param>
    public static Task RunAsync(string address, IObjectStore objects) => RunAsync(["--test", "test/"], new Dictionary<string, string>
    {
        ["MILVUS_ADDRESS"] = address,
        ["MILVUS_OBJECTS_DIR"] = ((LocalObjectStore)objects).RootDirectory,
    });

    /// <summary>Runs <c>node</c> with <paramref name="arguments"/> in tests/compat; fails with its output unless it exits with 0.</summary>
    public static async Task RunAsync(string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var compat = CompatDirectory();
        Assert.True(Directory.Exists(Path.Combine(compat, "node_modules", "@zilliz", "milvus2-sdk-node")),
            $"the Node SDK is not installed: run `npm ci` in {compat} (tests/run-all.sh does)");

        var start = new ProcessStartInfo("node", arguments)
        {
            WorkingDirectory = compat,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // What ran so far says which test hung.
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();
            Assert.Fail($"node --test did not finish in 10 minutes:\n{await output}\n{await errors}");
        }

        Assert.True(node.ExitCode == 0, $"node --test failed with exit code {node.ExitCode}:\n{await output}\n{await errors}");
    }

    private static string CompatDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var compat = Path.Combine(directory.FullName, "tests", "compat");
            if (File.Exists(Path.Combine(compat, "package.json")))
            {
                return compat;
            }
        }

        throw new InvalidOperationException($"tests/compat not found above {AppContext.BaseDirectory}");
    }
}
