using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;
using Milvus.Akka.TestSupport;
using static Milvus.Akka.TestSupport.QueryFixtures;

namespace Milvus.Akka.Data.Tests;

/// <summary>The data node actor over a local object store, with a probe playing the coordinator that hands out tasks.</summary>
public sealed class DataNodeActorSpec : TestKit
{
    private const string Config = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = WARNING
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Only WorkAvailable (and the node's own "did work, ask again") start a request in these tests.
    private static readonly DataSettings Settings = new(PollInterval: TimeSpan.FromHours(1), AskTimeout: Timeout);

    private static readonly IndexInfo Flat = TestCollections.VectorIndex(1001, "FLAT");

    private readonly string _objectsDir = Directory.CreateTempSubdirectory("data-node-spec").FullName;
    private readonly LocalObjectStore _objects;

    public DataNodeActorSpec()
        : base(Config)
    {
        _objects = new LocalObjectStore(_objectsDir);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(_objectsDir, recursive: true);
    }

    private async Task<SegmentInfo> StoreSegmentAsync(long id)
    {
        var rows = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(100, new ScalarColumn<long>(DataType.Int64, [1, 2, 3]))
            .Add(VectorFieldId, new VectorColumn<float>(DataType.FloatVector, 2, [0, 0, 1, 1, 2, 2])));
        await SegmentStore.WriteAsync(_objects, Schema, CollectionId, PartitionId, id, new SegmentData(rows, [1, 2, 3]));
        return Segment(id);
    }

    private IActorRef StartNode(TestProbe coordinator) =>
        Sys.ActorOf(DataNodeActor.Props(_objects, coordinator.Ref, CreateTestProbe().Ref, Settings));

    [Fact]
    public async Task It_builds_the_index_it_is_handed_reports_it_and_asks_again_index_builds_before_compactions()
    {
        var info = await StoreSegmentAsync(11);
        var coordinator = CreateTestProbe();
        var node = StartNode(coordinator);

        node.Tell(WorkAvailable.Instance);
        coordinator.ExpectMsg<RequestIndexTask>(Timeout);
        coordinator.Reply(new IndexBuildTask(501, info, Schema, Flat));

        var built = coordinator.ExpectMsg<IndexBuilt>(Timeout);
        Assert.Equal((501L, 11L, VectorFieldId), (built.BuildId, built.SegmentId, built.FieldId));
        Assert.NotNull(await _objects.StatAsync(built.IndexKey));

        coordinator.ExpectMsg<RequestIndexTask>(Timeout);
        coordinator.Reply(NoTask.Instance);
        coordinator.ExpectMsg<RequestCompactionTask>(Timeout);
        coordinator.Reply(NoTask.Instance);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void An_index_build_that_fails_is_reported_with_its_cause_and_the_node_keeps_pulling()
    {
        var coordinator = CreateTestProbe();
        var node = StartNode(coordinator);

        node.Tell(WorkAvailable.Instance);
        coordinator.ExpectMsg<RequestIndexTask>(Timeout);
        coordinator.Reply(new IndexBuildTask(502, Segment(12), Schema, Flat));

        var failed = coordinator.ExpectMsg<IndexBuildFailed>(Timeout);
        Assert.Equal(502, failed.BuildId);
        Assert.Contains("segment_manifest/7/71/12", failed.Reason);

        coordinator.ExpectMsg<RequestIndexTask>(Timeout);
        coordinator.Reply(NoTask.Instance);
        coordinator.ExpectMsg<RequestCompactionTask>(Timeout);
        coordinator.Reply(NoTask.Instance);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
