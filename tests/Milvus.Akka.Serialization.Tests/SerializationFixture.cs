using Akka.Actor;
using Milvus.Akka.Server;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>An ActorSystem configured from the shipped HOCON (so the bindings under test are the real ones), not joined to any cluster.</summary>
public sealed class SerializationFixture : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "milvus-akka-serialization-tests", Guid.NewGuid().ToString("N"));

    public SerializationFixture()
    {
        System = ActorSystem.Create("milvus", MilvusConfig.Load(new NodeOptions { DataDir = _dataDir, ExtraConfig = "akka.loglevel = WARNING" }));
        QueryNode = System.ActorOf(Props.Empty, "query-node");
    }

    public ActorSystem System { get; }

    /// <summary>A live actor standing for a query node, so actor references resolve back to the same actor.</summary>
    public IActorRef QueryNode { get; }

    public void Dispose()
    {
        System.Terminate().Wait(TimeSpan.FromSeconds(10));
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
