namespace Milvus.Akka.Server.Tests;

/// <summary>A standalone node (all roles, one process) on a fresh data directory, with short intervals for tests.</summary>
public static class StandaloneNode
{
    /// <summary>Short seal and registration intervals keep tests quick; serialize-messages proves every message has a serializer.</summary>
    public const string TestConfig = """
        milvus.query.register-interval = 500ms
        milvus.data.poll-interval = 500ms
        milvus.coordinator.shard-keep-alive-interval = 1s
        milvus.proxy.grpc.port = 0
        milvus.management.port = 0
        akka.loglevel = WARNING
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        akka.actor.serializers.local-only = "Milvus.Akka.Server.Tests.LocalOnlySerializer, Milvus.Akka.Server.Tests"
        akka.actor.serialization-bindings {
          "Akka.Persistence.Journal.AsyncWriteJournal+Desequenced, Akka.Persistence" = local-only
          "Akka.Persistence.Sql.Journal.Types.WriteFinished, Akka.Persistence.Sql" = local-only
          "Akka.DistributedData.Internal.ReadRepair, Akka.DistributedData" = local-only
          "Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster" = local-only
        }
        """;

    public static string NewDataDir() => Path.Combine(Path.GetTempPath(), "milvus-akka-tests", Guid.NewGuid().ToString("N"));

    public static Task<MilvusNode> StartAsync(string dataDir, string? extraConfig = null) =>
        MilvusNode.StartAsync(new NodeOptions { DataDir = dataDir, ExtraConfig = TestConfig + "\n" + extraConfig });
}
