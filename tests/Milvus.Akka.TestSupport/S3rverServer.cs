using Milvus.Akka.Storage.S3;

namespace Milvus.Akka.TestSupport;

/// <summary>An s3rver (npm, installed by tests/setup/services.sh) on a free loopback port with its own data directory.</summary>
public sealed class S3rverServer : IAsyncDisposable
{
    private readonly TempDirectory _data = new("s3rver");
    private readonly ServerProcess _process;

    public S3rverServer()
    {
        var script = ServerProcess.Require(
            Path.Combine(ServerProcess.RepositoryRoot(), "tests", "setup", "node_modules", "s3rver", "bin", "s3rver.js"), "s3rver");
        var node = ServerProcess.Require("/usr/bin/node", "node");
        var port = ServerProcess.FreePort();
        _process = new ServerProcess("s3rver", node, [script, "-d", _data.Path, "-a", "127.0.0.1", "-p", port.ToString(), "--silent"], port);
    }

    public string Url => $"http://127.0.0.1:{_process.Port}";

    public Task StartAsync() => _process.StartAsync();

    public Task StopAsync() => _process.StopAsync();

    /// <summary>Options for a store isolated from every other store on this server by its own root path.</summary>
    public S3ObjectStoreOptions Options(string bucket = "milvus-test") => new()
    {
        ServiceUrl = Url,
        Bucket = bucket,
        RootPath = "run-" + Guid.NewGuid().ToString("N"),
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
        PartSize = 5 << 20,
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _data.Dispose();
    }
}
