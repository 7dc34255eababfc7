using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Cluster;
using static Milvus.Akka.TestSupport.CatalogFixtures;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The segments child alone, over in-memory meta storage, with probes for the catalog, the shard region and a query node.</summary>
public sealed class SegmentsActorSpec() : TestKit(CoordinatorActorSpec.Config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly InMemoryMetaStore _meta = new();

    /// <summary>Starts the child under the test actor (which so receives the views it hands over) and answers its catalog request.</summary>
    private IActorRef Start(TestProbe shards, CatalogView catalog)
    {
        var catalogProbe = CreateTestProbe();
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var segments = ChildActorOf(SegmentsActor.Props(_meta, CoordinatorSettings.Default, shards.Ref, timestamps, catalogProbe.Ref));
        catalogProbe.ExpectMsg<GetCatalogView>(Timeout);
        catalogProbe.Reply(catalog);
        return segments;
    }

    [Fact]
    public async Task It_recovers_segments_from_meta_storage_without_those_of_dropped_collections_and_hands_over_each_change()
    {
        var kept = Segment(11, 1);
        var orphan = Segment(21, 2);
        await _meta.PutAsync(SegmentState.KeyOf(kept), CatalogCodec.Encode(kept).ToByteArray());
        await _meta.PutAsync(SegmentState.KeyOf(orphan), CatalogCodec.Encode(orphan).ToByteArray());

        var segments = Start(CreateTestProbe(), View(5, Collection(1)));
        Assert.Equal([kept.SegmentId], (await segments.AskFor<SegmentList>(new GetSegments(1), Timeout)).Segments.Select(s => s.SegmentId));
        Assert.Null(await _meta.GetAsync(SegmentState.KeyOf(orphan)));

        var flushed = Segment(12, 1);
        await segments.AskFor<FlushRecorded>(new SegmentFlushed(flushed), Timeout);
        var view = ExpectMsg<SegmentView>(Timeout);
        Assert.Equal(1, view.FlushedInto);
        Assert.Equal([11L, 12L], view.Segments.Keys.Order());
        Assert.NotNull(await _meta.GetAsync(SegmentState.KeyOf(flushed)));
    }

    [Fact]
    public async Task A_registered_query_node_gets_the_loaded_segments_through_their_shard_and_a_release_unloads_them()
    {
        var shards = CreateTestProbe();
        var segments = Start(shards, View(5, Collection(1)));
        await segments.AskFor<FlushRecorded>(new SegmentFlushed(Segment(11, 1)), Timeout);
        var queryNode = CreateTestProbe();

        segments.Tell(new RegisterQueryNode(queryNode.Ref, []));
        var assigned = (AssignSegment)shards.FishForMessage(m => m is AssignSegment, Timeout);
        Assert.Equal((11L, queryNode.Ref), (assigned.Segment.SegmentId, assigned.QueryNode));
        segments.Tell(new SegmentServed(11, queryNode.Ref, true));
        Assert.Equal(new LoadProgress(true, 100), await segments.AskFor<LoadProgress>(new GetLoadProgress(1), Timeout));

        segments.Tell(View(6, Collection(1, loaded: false)));
        Assert.Equal([11L], queryNode.ExpectMsg<UnloadSegments>(Timeout).SegmentIds.ToArray());
        Assert.Equal(new LoadProgress(false, 0), await segments.AskFor<LoadProgress>(new GetLoadProgress(1), Timeout));
    }
}
