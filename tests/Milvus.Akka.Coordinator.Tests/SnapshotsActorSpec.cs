using System.Collections.Immutable;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Milvus.Akka.Cluster;
using Milvus.Akka.Common;
using TestCollections = Milvus.Akka.TestSupport.TestCollections;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The snapshot child over in-memory meta storage: snapshots and pins survive a new incarnation (a coordinator fail-over).</summary>
public sealed class SnapshotsActorSpec() : TestKit(CoordinatorActorSpec.Config)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly InMemoryMetaStore _meta = new();

    private static CollectionSnapshot Snapshot(string name) => new(31, name, "", new CollectionInfo(7, "default", "books",
            TestCollections.Schema(dim: 4, name: "books"), 1, ConsistencyLevel.Bounded, [new PartitionInfo(8, CollectionInfo.DefaultPartitionName, 1)], [], [],
            ImmutableSortedDictionary<string, string>.Empty, 1, false),
        449_000_000_000, [new SnapshotSegment(5, 8, "snapshots/7/31/5.manifest.json", 12)], [], DateTimeOffset.UtcNow);

    [Fact]
    public async Task Snapshots_and_their_pins_survive_a_new_incarnation()
    {
        var timestamps = Sys.ActorOf(TimestampActor.Props(_meta, CoordinatorSettings.Default));
        var snapshots = Sys.ActorOf(SnapshotsActor.Props(_meta, timestamps));
        await snapshots.AskFor<CollectionSnapshot>(new RecordSnapshot(Snapshot("nightly")), Timeout);
        var pin = await snapshots.AskFor<SnapshotPinned>(new PinSnapshot("default", "books", "nightly", 600), Timeout);

        Watch(snapshots);
        Sys.Stop(snapshots);
        ExpectTerminated(snapshots, Timeout);
        var again = Sys.ActorOf(SnapshotsActor.Props(_meta, timestamps));

        var listed = (await again.AskFor<SnapshotList>(new ListSnapshots("default", "books"), Timeout)).Snapshots;
        Assert.Equal(["nightly"], listed.Select(s => s.Name));
        Assert.Equal([pin.PinId], listed[0].Pins.Select(p => p.PinId));
        Assert.Equal("snapshots/7/31/5.manifest.json", listed[0].Segments.Single().ManifestKey);
        var pinned = await Assert.ThrowsAsync<MilvusException>(() => again.AskFor<CollectionSnapshot>(new DropSnapshot("default", "books", "nightly"), Timeout));
        Assert.Contains("is pinned", pinned.Message);
        await again.AskFor<SnapshotPinned>(new UnpinSnapshot(pin.PinId), Timeout);
        Assert.Equal(31, (await again.AskFor<CollectionSnapshot>(new DropSnapshot("default", "books", "nightly"), Timeout)).SnapshotId);
        Assert.Empty(await _meta.RangeAsync(SnapshotCatalog.Prefix));
    }
}
