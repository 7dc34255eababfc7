using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;
using static Milvus.Akka.TestSupport.QueryFixtures;

namespace Milvus.Akka.Query.Tests;

/// <summary>The query node actor over a local object store, with probes for the coordinator and the shards that ask for loads.</summary>
public sealed class QueryNodeActorSpec : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _objectsDir = Directory.CreateTempSubdirectory("query-node-spec").FullName;
    private readonly LocalObjectStore _objects;

    public QueryNodeActorSpec()
        : base("akka.loglevel = WARNING")
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
            .Add(100, Pks(1, 2, 3))
            .Add(VectorFieldId, new VectorColumn<float>(DataType.FloatVector, Dim, [0, 0, 1, 1, 2, 2])));
        await SegmentStore.WriteAsync(_objects, Schema, CollectionId, PartitionId, id, new SegmentData(rows, [1, 2, 3]));
        return Segment(id);
    }

    private static LoadSegment Load(SegmentInfo info) => new(info, Schema, Pks(), []);

    [Fact]
    public async Task Loads_of_one_segment_asked_at_once_answer_every_shard_and_the_node_reports_it_served_until_unloaded()
    {
        var info = await StoreSegmentAsync(11);
        var coordinator = CreateTestProbe();
        var (shardA, shardB) = (CreateTestProbe(), CreateTestProbe());
        var node = Sys.ActorOf(QueryNodeActor.Props(_objects, coordinator.Ref, new QuerySettings(TimeSpan.FromMilliseconds(200), [])));

        node.Tell(Load(info), shardA.Ref);
        node.Tell(Load(info), shardB.Ref);

        Assert.Equal(11, shardA.ExpectMsg<SegmentLoaded>(Timeout).SegmentId);
        Assert.Equal(11, shardB.ExpectMsg<SegmentLoaded>(Timeout).SegmentId);
        coordinator.FishForMessage(m => m is SegmentServed { SegmentId: 11, Serving: true }, Timeout, "the node reporting segment 11 served");
        coordinator.FishForMessage(m => m is RegisterQueryNode { ServedSegments: [11] }, Timeout, "a registration listing segment 11");

        node.Tell(Load(info), shardA.Ref);
        Assert.Equal(11, shardA.ExpectMsg<SegmentLoaded>(Timeout).SegmentId);

        node.Tell(new UnloadSegments([11]));
        coordinator.FishForMessage(m => m is SegmentServed { SegmentId: 11, Serving: false }, Timeout, "the node reporting segment 11 unloaded");
        coordinator.FishForMessage(m => m is RegisterQueryNode { ServedSegments: [] }, Timeout, "a registration listing no segment");
    }

    [Fact]
    public void A_segment_whose_files_are_missing_fails_its_load_with_the_cause_and_is_not_served()
    {
        var coordinator = CreateTestProbe();
        var shard = CreateTestProbe();
        var node = Sys.ActorOf(QueryNodeActor.Props(_objects, coordinator.Ref, new QuerySettings(TimeSpan.FromMilliseconds(200), [])));

        node.Tell(Load(Segment(12)), shard.Ref);

        var failed = shard.ExpectMsg<SegmentLoadFailed>(Timeout);
        Assert.Equal(12, failed.SegmentId);
        Assert.Contains("segment_manifest/7/71/12", failed.Reason);
        coordinator.FishForMessage(m =>
        {
            Assert.IsNotType<SegmentServed>(m);
            return m is RegisterQueryNode { ServedSegments: [] };
        }, Timeout, "a registration listing no segment");
    }
}
