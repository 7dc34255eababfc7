using Milvus.Akka.Storage.Backends.Tests.Servers;
using Milvus.Akka.Storage.Cache;
using Milvus.Akka.Storage.S3;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Storage.Backends.Tests.ObjectStores;

/// <summary>The embedded default: a local directory.</summary>
public sealed class LocalObjectStoreContract : ObjectStoreContract
{
    private readonly TempDirectory _directory = new("local-objects");

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new LocalObjectStore(_directory.Path));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>S3 against a real S3 server (s3rver) on loopback.</summary>
public sealed class S3ObjectStoreContract(S3rverFixture s3) : ObjectStoreContract, IClassFixture<S3rverFixture>
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new S3ObjectStore(s3.Server.Options()));
}

/// <summary>The query nodes' cache in front of S3 keeps the contract too.</summary>
public sealed class CachedS3ObjectStoreContract(S3rverFixture s3) : ObjectStoreContract, IClassFixture<S3rverFixture>
{
    private readonly TempDirectory _cache = new("object-cache");

    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(
        new CachingObjectStore(new S3ObjectStore(s3.Server.Options()), new ObjectCacheOptions { Directory = _cache.Path, CapacityBytes = 64L << 20 }));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _cache.Dispose();
    }
}
