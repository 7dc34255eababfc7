using Milvus.Akka.Storage.Etcd;

namespace Milvus.Akka.TestSupport;

/// <summary>A single-member etcd (Debian etcd-server, installed by tests/setup/services.sh) on free loopback ports.</summary>
public sealed class EtcdServer : IAsyncDisposable
{
    private readonly TempDirectory _data = new("etcd");
    private readonly ServerProcess _process;

    public EtcdServer()
    {
        var etcd = ServerProcess.Require("/usr/bin/etcd", "etcd");
        var client = ServerProcess.FreePort();
        var peer = ServerProcess.FreePort();
        var metrics = ServerProcess.FreePort();
        _process = new ServerProcess("etcd", etcd,
        [
            "--name", "default",
            "--data-dir", _data.Path,
            "--listen-client-urls", $"http://127.0.0.1:{client}",
            "--advertise-client-urls", $"http://127.0.0.1:{client}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"default=http://127.0.0.1:{peer}",
            "--listen-metrics-urls", $"http://127.0.0.1:{metrics}",
            "--log-level", "error",
        ], client);
    }

    public string Url => $"http://127.0.0.1:{_process.Port}";

    public Task StartAsync() => _process.StartAsync();

    public Task StopAsync() => _process.StopAsync();

    /// <summary>Options for a store isolated from every other store on this server by its own root path.</summary>
    public EtcdMetaStoreOptions Options() => new()
    {
        Endpoints = Url,
        RootPath = "test-" + Guid.NewGuid().ToString("N"),
        RangePageSize = 7,
        InitialBackoff = TimeSpan.FromMilliseconds(50),
        MaxBackoff = TimeSpan.FromMilliseconds(500),
        MaxRetries = 30,
    };

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _data.Dispose();
    }
}
