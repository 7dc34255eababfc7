using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Storage.Backends.Tests.Servers;

/// <summary>One etcd shared by the tests of a class; restart tests start their own.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    public EtcdServer Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}

/// <summary>One s3rver shared by the tests of a class; fault tests start their own.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public S3rverServer Server { get; } = new();

    public Task InitializeAsync() => Server.StartAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();
}
