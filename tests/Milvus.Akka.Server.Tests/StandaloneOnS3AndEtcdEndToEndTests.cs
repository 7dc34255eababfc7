using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Server.Tests;

/// <summary>The standalone scenario with production storage: segments and indexes in S3 (s3rver), the catalog in etcd.</summary>
public sealed class StandaloneOnS3AndEtcdEndToEndTests : StandaloneEndToEndTests
{
    private readonly S3rverServer _s3 = new();
    private readonly EtcdServer _etcd = new();

    protected override Task<string?> BackendConfigAsync() =>
        Task.FromResult<string?>(RemoteBackends.S3Config(_s3) + "\n" + RemoteBackends.EtcdConfig(_etcd));

    protected override IObjectStore OpenObjectStore() => RemoteBackends.OpenBucket(_s3);

    public override async Task InitializeAsync()
    {
        await Task.WhenAll(_s3.StartAsync(), _etcd.StartAsync());
        // xunit skips DisposeAsync when InitializeAsync throws: a node that fails to start must not leak the servers.
        try
        {
            await base.InitializeAsync();
        }
        catch
        {
            await _s3.DisposeAsync();
            await _etcd.DisposeAsync();
            throw;
        }
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _s3.DisposeAsync();
        await _etcd.DisposeAsync();
    }
}
