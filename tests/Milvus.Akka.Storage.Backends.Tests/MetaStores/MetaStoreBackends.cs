using Milvus.Akka.Storage.Backends.Tests.Servers;
using Milvus.Akka.Storage.Etcd;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Storage.Backends.Tests.MetaStores;

/// <summary>The embedded default: one SQLite file.</summary>
public sealed class SqliteMetaStoreContract : MetaStoreContract
{
    private readonly TempDirectory _directory = new("sqlite-meta");

    protected override Task<IMetaStore> CreateStoreAsync() => Task.FromResult<IMetaStore>(SqliteMetaStore.Open(Path.Combine(_directory.Path, "meta.db")));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>etcd on loopback, with a tiny range page so that prefix ranges span several requests.</summary>
public sealed class EtcdMetaStoreContract(EtcdFixture etcd) : MetaStoreContract, IClassFixture<EtcdFixture>
{
    protected override Task<IMetaStore> CreateStoreAsync() => Task.FromResult<IMetaStore>(new EtcdMetaStore(etcd.Server.Options()));
}
