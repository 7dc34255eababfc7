using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Cluster;
using Milvus.Akka.Storage;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The coordinator singleton's actors on one ActorSystem, over in-memory meta storage and a local object directory.</summary>
public sealed class CoordinatorActorSpec : TestKit
{
    internal const string Config = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.loglevel = WARNING
        """;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _objectsDir = Directory.CreateTempSubdirectory("coordinator-spec").FullName;
    private readonly LocalObjectStore _objects;
    private readonly InMemoryMetaStore _meta = new();

    public CoordinatorActorSpec()
        : base(Config)
    {
        _objects = new LocalObjectStore(_objectsDir);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Directory.Delete(_objectsDir, recursive: true);
        }
    }

    private IActorRef StartCoordinator(CoordinatorSettings? settings = null) =>
        Sys.ActorOf(CoordinatorActor.Props(_meta, _objects, settings ?? CoordinatorSettings.Default, CreateTestProbe().Ref));

    [Fact]
    public async Task Timestamps_are_served_while_a_catalog_write_waits_on_meta_storage()
    {
        var coordinator = StartCoordinator();
        Assert.Contains((await coordinator.AskFor<DatabaseList>(ListDatabases.Instance, Timeout)).Databases, d => d.Name == DatabaseInfo.DefaultName);

        _meta.Hold("catalog/");
        var ddl = CreateTestProbe();
        coordinator.Tell(new CreateDatabase("slow", ImmutableSortedDictionary<string, string>.Empty), ddl);
        await _meta.WriteWaitingAsync("catalog/").WaitAsync(Timeout);
        var during = await coordinator.AskFor<TimestampsAllocated>(new AllocateTimestamps(3), Timeout);
        Assert.False(ddl.HasMessages, "the catalog write was held, so the DDL cannot have been answered");

        _meta.Release("catalog/");
        var changed = ddl.ExpectMsg<CatalogChanged>(Timeout);
        Assert.True(changed.Version < during.First, "the DDL took its version before the timestamps allocated while its write waited");
        var after = await coordinator.AskFor<TimestampsAllocated>(new AllocateTimestamps(1), Timeout);
        Assert.True(after.First >= during.First + 3, "timestamps only grow");
        Assert.True(after.CatalogVersion >= changed.Version, "a timestamp reply carries the catalog version of every change answered before it");
    }

    [Fact]
    public async Task A_new_incarnation_keeps_the_catalog_and_issues_timestamps_above_the_old_ones()
    {
        var first = StartCoordinator();
        await first.AskFor<CatalogChanged>(new CreateDatabase("kept", ImmutableSortedDictionary<string, string>.Empty), Timeout);
        var before = await first.AskFor<TimestampsAllocated>(new AllocateTimestamps(10), Timeout);
        var ids = await first.AskFor<IdsAllocated>(new AllocateIds(5), Timeout);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Timeout);

        var second = StartCoordinator();
        var after = await second.AskFor<TimestampsAllocated>(new AllocateTimestamps(1), Timeout);
        Assert.True(after.First >= before.First + 10, $"{after.First} went back below {before.First + 10}");
        Assert.True(after.CatalogVersion > before.First, "a new incarnation's catalog version is above what the old one issued");
        Assert.True((await second.AskFor<IdsAllocated>(new AllocateIds(1), Timeout)).First >= ids.First + 5, "ids are never reused");
        Assert.Contains((await second.AskFor<DatabaseList>(ListDatabases.Instance, Timeout)).Databases, d => d.Name == "kept");
    }

    [Fact]
    public async Task Bad_DDL_is_answered_with_a_failure_naming_the_problem()
    {
        var coordinator = StartCoordinator();
        var failure = await coordinator.Ask<MilvusFailure>(new DropDatabase(DatabaseInfo.DefaultName), Timeout);
        Assert.Equal(Common.ErrorCode.ParameterInvalid, failure.Code);
        Assert.Contains("default database", failure.Reason);
    }

    [Fact]
    public async Task The_garbage_collector_deletes_the_objects_of_a_collection_dropped_long_enough_ago()
    {
        var dropped = ObjectPaths.CollectionPrefixes(41)[0] + "1/2/field";
        var recent = ObjectPaths.CollectionPrefixes(42)[0] + "1/2/field";
        await _objects.PutAsync(dropped, new byte[] { 1 });
        await _objects.PutAsync(recent, new byte[] { 2 });
        await _meta.PutAsync(GarbageRecords.DroppedCollection(41), GarbageRecords.DropTime(DateTimeOffset.UtcNow - TimeSpan.FromHours(1)));
        await _meta.PutAsync(GarbageRecords.DroppedCollection(42), GarbageRecords.DropTime(DateTimeOffset.UtcNow));

        StartCoordinator(CoordinatorSettings.Default with { Gc = new GarbageCollectionSettings(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(30)) });

        await AwaitAssertAsync(async () => Assert.Null(await _meta.GetAsync(GarbageRecords.DroppedCollection(41))), Timeout);
        Assert.Null(await _objects.StatAsync(dropped));
        Assert.NotNull(await _objects.StatAsync(recent));
        Assert.NotNull(await _meta.GetAsync(GarbageRecords.DroppedCollection(42)));
    }

    private async Task<CollectionInfo> CreateCollectionAsync(IActorRef coordinator, string name) =>
        (await coordinator.AskFor<CollectionDescribed>(new CreateCollection(DatabaseInfo.DefaultName, CatalogFixtures.Schema with { Name = name }, 1,
            Common.ConsistencyLevel.Bounded, 0, ImmutableSortedDictionary<string, string>.Empty), Timeout)).Collection;

    [Fact]
    public async Task A_slow_segment_write_holds_up_neither_DDL_nor_compaction()
    {
        var coordinator = StartCoordinator();
        var collection = await CreateCollectionAsync(coordinator, "slow_segments");
        // The compaction child starts from the segments child's view; on a loaded machine its request for that view can
        // still be on its way when the held write below begins, so the test waits for it to be ready first.
        await coordinator.AskFor<CompactionState>(new GetCompactionState(collection.Id), Timeout);

        _meta.Hold(SegmentState.SegmentPrefix);
        var shard = CreateTestProbe();
        coordinator.Tell(new SegmentFlushed(CatalogFixtures.Segment(7, collection.Id) with { PartitionId = collection.Partitions[0].Id }), shard);
        await _meta.WriteWaitingAsync(SegmentState.SegmentPrefix).WaitAsync(Timeout);

        await coordinator.AskFor<CatalogChanged>(new CreateDatabase("meanwhile", ImmutableSortedDictionary<string, string>.Empty), Timeout);
        Assert.Equal(new CompactionState(0, 0, 0), await coordinator.AskFor<CompactionState>(new GetCompactionState(collection.Id), Timeout));
        Assert.IsType<NoTask>(await coordinator.Ask<object>(RequestCompactionTask.Instance, Timeout));
        Assert.False(shard.HasMessages, "the segment write was held, so the flush cannot have been answered");

        _meta.Release(SegmentState.SegmentPrefix);
        shard.ExpectMsg<FlushRecorded>(Timeout);
        Assert.Single((await coordinator.AskFor<SegmentList>(new GetSegments(collection.Id), Timeout)).Segments);
    }

    [Fact]
    public async Task Reads_of_the_segments_are_answered_from_the_committed_state_while_a_segment_write_is_held_and_writes_wait_in_order()
    {
        var (coordinator, collection, partition, shard) = await HeldFlushAsync("held_reads");
        // A second write comes in behind the held one: it must wait for it, not be decided from the uncommitted state.
        coordinator.Tell(new SegmentFlushed(CatalogFixtures.Segment(8, collection.Id) with { PartitionId = partition }), shard);

        Assert.Empty((await coordinator.AskFor<SegmentList>(new GetSegments(collection.Id), Timeout)).Segments);
        Assert.Empty((await coordinator.AskFor<ShardDistribution>(new GetShardDistribution(collection.AllShardNames.First()), Timeout)).Segments);
        await coordinator.AskFor<LoadProgress>(new GetLoadProgress(collection.Id), Timeout);
        Assert.False(shard.HasMessages, "the segment write was held, so no flush can have been answered");

        _meta.Release(SegmentState.SegmentPrefix);
        shard.ExpectMsg<FlushRecorded>(Timeout);
        shard.ExpectMsg<FlushRecorded>(Timeout);
        Assert.Equal([7L, 8L], (await coordinator.AskFor<SegmentList>(new GetSegments(collection.Id), Timeout)).Segments.Select(s => s.SegmentId).Order());
    }

    [Fact]
    public async Task A_failed_segment_write_is_answered_as_a_failure_and_leaves_the_state_as_committed()
    {
        var (coordinator, collection, partition, shard) = await HeldFlushAsync("failed_write");

        _meta.Release(SegmentState.SegmentPrefix, new IOException("meta storage unavailable"));
        Assert.Contains("meta storage unavailable", shard.ExpectMsg<MilvusFailure>(Timeout).Reason, StringComparison.Ordinal);
        Assert.Empty((await coordinator.AskFor<SegmentList>(new GetSegments(collection.Id), Timeout)).Segments);
        // The next write goes through.
        await coordinator.AskFor<FlushRecorded>(new SegmentFlushed(CatalogFixtures.Segment(7, collection.Id) with { PartitionId = partition }), Timeout);
        Assert.Single((await coordinator.AskFor<SegmentList>(new GetSegments(collection.Id), Timeout)).Segments);
    }

    [Fact]
    public async Task A_read_after_a_DDL_reply_waits_for_the_segments_to_follow_the_catalog()
    {
        var coordinator = StartCoordinator();
        var collection = await CreateCollectionAsync(coordinator, "dropped_while_held");
        await coordinator.AskFor<FlushRecorded>(new SegmentFlushed(CatalogFixtures.Segment(7, collection.Id) with { PartitionId = collection.Partitions[0].Id }), Timeout);
        _meta.Hold(SegmentState.SegmentPrefix);
        // The catalog answers the drop before the segments child has written that the collection's segments are gone.
        await coordinator.AskFor<CatalogChanged>(new DropCollection(DatabaseInfo.DefaultName, "dropped_while_held"), Timeout);
        await _meta.WriteWaitingAsync(SegmentState.SegmentPrefix).WaitAsync(Timeout);

        var read = coordinator.AskFor<SegmentList>(new GetSegments(collection.Id), Timeout);
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        _meta.Release(SegmentState.SegmentPrefix);
        Assert.Empty((await read).Segments);
    }

    /// <summary>A new collection whose first flushed segment (7) is reported by a probe while segment writes are held.</summary>
    private async Task<(IActorRef Coordinator, CollectionInfo Collection, long Partition, global::Akka.TestKit.TestProbe Shard)> HeldFlushAsync(string name)
    {
        var coordinator = StartCoordinator();
        var collection = await CreateCollectionAsync(coordinator, name);
        var partition = collection.Partitions[0].Id;
        _meta.Hold(SegmentState.SegmentPrefix);
        var shard = CreateTestProbe();
        coordinator.Tell(new SegmentFlushed(CatalogFixtures.Segment(7, collection.Id) with { PartitionId = partition }), shard);
        await _meta.WriteWaitingAsync(SegmentState.SegmentPrefix).WaitAsync(Timeout);
        return (coordinator, collection, partition, shard);
    }

    [Fact]
    public async Task A_new_incarnation_keeps_the_segments_and_forgets_those_of_a_collection_dropped_before_it()
    {
        var first = StartCoordinator();
        var kept = await CreateCollectionAsync(first, "kept");
        var dropped = await CreateCollectionAsync(first, "dropped");
        await first.AskFor<FlushRecorded>(new SegmentFlushed(CatalogFixtures.Segment(7, kept.Id) with { PartitionId = kept.Partitions[0].Id }), Timeout);
        await first.AskFor<FlushRecorded>(new SegmentFlushed(CatalogFixtures.Segment(8, dropped.Id) with { PartitionId = dropped.Partitions[0].Id }), Timeout);
        await first.AskFor<CatalogChanged>(new DropCollection(DatabaseInfo.DefaultName, "dropped"), Timeout);
        Assert.NotNull(await _meta.GetAsync(GarbageRecords.DroppedCollection(dropped.Id)));
        await AwaitAssertAsync(async () => Assert.Empty((await _meta.RangeAsync(SegmentState.SegmentPrefix + dropped.Id + "/")).ToList()), Timeout);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Timeout);

        var second = StartCoordinator();
        Assert.Equal([7L], (await second.AskFor<SegmentList>(new GetSegments(kept.Id), Timeout)).Segments.Select(s => s.SegmentId));
        Assert.Empty((await second.AskFor<SegmentList>(new GetSegments(dropped.Id), Timeout)).Segments);
    }
}
