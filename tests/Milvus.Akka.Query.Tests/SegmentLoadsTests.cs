using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using static Milvus.Akka.TestSupport.QueryFixtures;

namespace Milvus.Akka.Query.Tests;

/// <summary>The query node's load bookkeeping without an actor: segments are strings, requesters are names.</summary>
public sealed class SegmentLoadsTests
{
    private readonly SegmentLoads<string, string> _loads = new();

    [Fact]
    public void Requests_while_a_load_runs_join_it_and_are_all_answered_when_it_succeeds()
    {
        Assert.Equal(SegmentLoads<string, string>.Request.StartLoad, _loads.RequestLoad(Segment(1), "shard-a"));
        Assert.Equal(SegmentLoads<string, string>.Request.JoinedLoad, _loads.RequestLoad(Segment(1), "shard-b"));
        Assert.True(_loads.IsLoading(1));
        Assert.Empty(_loads.ServedIds);

        var finished = _loads.LoadSucceeded(1, Schema, "segment 1");

        Assert.Equal(["shard-a", "shard-b"], finished!.Requesters);
        Assert.False(_loads.IsLoading(1));
        Assert.Equal([1L], _loads.ServedIds);
        Assert.True(_loads.TryGetServed(1, out var served));
        Assert.Equal("segment 1", served.Segment);
        Assert.Equal(SegmentLoads<string, string>.Request.AlreadyServed, _loads.RequestLoad(Segment(1), "shard-c"));
    }

    [Fact]
    public void A_failed_load_answers_every_requester_serves_nothing_and_a_later_request_starts_again()
    {
        _loads.RequestLoad(Segment(1), "shard-a");
        _loads.RequestLoad(Segment(1), "shard-b");

        Assert.Equal(["shard-a", "shard-b"], _loads.LoadFailed(1)!.Requesters);

        Assert.Empty(_loads.ServedIds);
        Assert.False(_loads.TryGetServed(1, out _));
        Assert.Equal(SegmentLoads<string, string>.Request.StartLoad, _loads.RequestLoad(Segment(1), "shard-a"));
    }

    [Fact]
    public void The_end_of_a_load_nobody_started_is_ignored()
    {
        Assert.Null(_loads.LoadSucceeded(9, Schema, "segment 9"));
        Assert.Null(_loads.LoadFailed(9));
        Assert.Empty(_loads.ServedIds);
    }

    [Fact]
    public void Deletes_go_to_the_served_segments_of_their_shard_and_wait_in_order_for_its_loads()
    {
        _loads.RequestLoad(Segment(1, shard: 0), "r");
        _loads.LoadSucceeded(1, Schema, "served shard 0");
        _loads.RequestLoad(Segment(2, shard: 1), "r");
        _loads.LoadSucceeded(2, Schema, "served shard 1");
        _loads.RequestLoad(Segment(3, shard: 0), "r");
        _loads.RequestLoad(Segment(4, shard: 1), "r");
        var shard0 = Segment(1, shard: 0).ShardName;
        var (first, second) = (Pks(1, 2), Pks(3));

        Assert.Equal(["served shard 0"], _loads.Deletes(shard0, first, 10));
        Assert.Equal(["served shard 0"], _loads.Deletes(shard0, second, 11));

        var loaded = _loads.LoadSucceeded(3, Schema, "loaded shard 0");
        Assert.Equal([(first, 10UL), (second, 11UL)], loaded!.Deletes);
        Assert.Empty(_loads.LoadSucceeded(4, Schema, "loaded shard 1")!.Deletes);
    }

    [Fact]
    public void Unload_stops_serving_and_names_only_what_was_served()
    {
        _loads.RequestLoad(Segment(1), "r");
        _loads.LoadSucceeded(1, Schema, "segment 1");
        _loads.RequestLoad(Segment(2), "r");

        Assert.Equal([1L], _loads.Unload([1, 2, 3]));

        Assert.Empty(_loads.ServedIds);
        Assert.Empty(_loads.Deletes(Segment(1).ShardName, Pks(1), 5));
        Assert.True(_loads.IsLoading(2));
    }

    [Fact]
    public void New_metadata_replaces_that_of_a_served_segment_and_returns_the_previous()
    {
        _loads.RequestLoad(Segment(1), "r");
        _loads.LoadSucceeded(1, Schema, "segment 1");
        var indexed = Segment(1) with { IndexFiles = Segment(1).IndexFiles.Add(VectorFieldId, "index_files/7/1/101") };

        Assert.Empty(_loads.Update(indexed)!.Info.IndexFiles);
        Assert.True(_loads.TryGetServed(1, out var served));
        Assert.Equal(indexed, served.Info);
        Assert.Null(_loads.Update(Segment(2)));
    }
    [Fact]
    public void A_widened_schema_reaches_the_served_segments_of_its_collection_and_the_loads_that_finish_later()
    {
        var added = new FieldSchema { FieldId = Schema.Fields.Max(f => f.FieldId) + 1, Name = "added", DataType = DataType.Int64, Nullable = true };
        var widened = Schema with { Fields = Schema.Fields.Add(added), Version = 1 };
        _loads.RequestLoad(Segment(1), "r");
        _loads.LoadSucceeded(1, Schema, "served");
        _loads.RequestLoad(SegmentOfCollection(2, collectionId: CollectionId + 1), "r");
        _loads.LoadSucceeded(2, Schema, "other collection");
        _loads.RequestLoad(Segment(3), "r");

        Assert.Equal(["served"], _loads.Widen(CollectionId, widened));
        Assert.Empty(_loads.Widen(CollectionId, widened));

        _loads.LoadSucceeded(3, Schema, "loaded after");
        Assert.True(_loads.TryGetServed(1, out var served));
        Assert.Equal(widened, served.Schema);
        Assert.True(_loads.TryGetServed(3, out var later));
        Assert.Equal(widened, later.Schema);
        Assert.True(_loads.TryGetServed(2, out var other));
        Assert.Equal(Schema, other.Schema);
    }

    private static SegmentInfo SegmentOfCollection(long id, long collectionId) => Segment(id) with { CollectionId = collectionId };
}
