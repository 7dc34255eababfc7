using Milvus.Akka.Proxy;

namespace Milvus.Akka.Server.Tests;

/// <summary>
/// A test class with one standalone node of its own on a fresh data directory (started with the test config plus
/// <paramref name="config"/>), stopped and deleted after each test.
/// </summary>
public abstract class StandaloneNodeTest(string? config = null) : IAsyncLifetime
{
    protected string DataDir { get; } = StandaloneNode.NewDataDir();

    protected MilvusNode Node { get; private set; } = null!;

    protected MilvusProxy Proxy => Node.Proxy!;

    public virtual async Task InitializeAsync() => Node = await StandaloneNode.StartAsync(DataDir, config);

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
    }

    /// <summary>Stops the node and starts a new one on the same data directory, with <paramref name="newConfig"/> if given.</summary>
    protected async Task RestartNodeAsync(string? newConfig = null)
    {
        await Node.DisposeAsync();
        Node = await StandaloneNode.StartAsync(DataDir, newConfig ?? config);
    }
}
