using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Common;
using TestCollections = Milvus.Akka.TestSupport.TestCollections;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>The snapshots' bookkeeping, pure: names unique per collection, each change written, pins holding off a drop until they end.</summary>
public sealed class SnapshotCatalogTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static CollectionSnapshot Snapshot(long id, string name, string collection = "books", string database = "default") =>
        new(id, name, $"{name} of {collection}", new CollectionInfo(70 + id, database, collection, TestCollections.Schema(dim: 4, name: collection), 1,
            ConsistencyLevel.Bounded, [new PartitionInfo(9, CollectionInfo.DefaultPartitionName, 1)], [], [], ImmutableSortedDictionary<string, string>.Empty,
            1, false), 449_000_000_000 + (ulong)id, [new SnapshotSegment(5, 9, $"snapshots/{70 + id}/{id}/5.manifest.json", 10)], [], Now);

    private static CollectionSnapshot Stored(Decision<SnapshotCatalog> decision, long id) =>
        CatalogCodec.DecodeSnapshot(ByteString.CopyFrom(decision.Effects.OfType<PutMeta>().Single(p => p.Key == SnapshotCatalog.Key(id)).Value));

    [Fact]
    public void A_recorded_snapshot_is_written_answered_and_listed_under_its_collection_name()
    {
        var recorded = SnapshotCatalog.Empty.Record(Snapshot(1, "nightly"));
        var catalog = recorded.State.Record(Snapshot(2, "nightly", collection: "movies")).State.Record(Snapshot(3, "weekly")).State;

        var reply = Assert.IsType<CollectionSnapshot>(recorded.Effects.OfType<Reply>().Single().Message);
        Assert.Equal(("nightly", "books", 10L), (reply.Name, reply.Collection.Name, reply.RowCount));
        Assert.Equal(reply.Segments.AsEnumerable(), Stored(recorded, 1).Segments.AsEnumerable());
        Assert.Equal(["nightly", "weekly"], catalog.List("default", "books").Snapshots.Select(s => s.Name));
        Assert.Equal(2, catalog.Get("default", "movies", "nightly").SnapshotId);
        Assert.Empty(catalog.List("other", "books").Snapshots);
        Assert.Equal([1L, 2, 3], SnapshotCatalog.Recover([Stored(recorded, 1), catalog.Get("default", "movies", "nightly"), catalog.Get("default", "books", "weekly")])
            .Snapshots.Keys);
    }

    [Fact]
    public void A_name_taken_for_the_collection_is_refused_and_an_unknown_one_named()
    {
        var catalog = SnapshotCatalog.Empty.Record(Snapshot(1, "nightly")).State;

        var taken = Assert.Throws<MilvusException>(() => catalog.Record(Snapshot(2, "nightly")));
        Assert.Equal((ErrorCode.ParameterInvalid, "snapshot nightly already exists for collection books"), (taken.Code, taken.Message));
        var missing = Assert.Throws<MilvusException>(() => catalog.Get("default", "books", "weekly"));
        Assert.Contains("snapshot weekly not found for collection books", missing.Message);
        Assert.Throws<MilvusException>(() => catalog.Drop(new DropSnapshot("default", "movies", "nightly"), Now));
    }

    [Fact]
    public void A_pin_holds_off_a_drop_until_unpinned_or_expired()
    {
        var catalog = SnapshotCatalog.Empty.Record(Snapshot(1, "nightly")).State;
        var pinned = catalog.Pin(new PinSnapshot("default", "books", "nightly", 60), 501, Now);
        Assert.Equal(501L, Assert.IsType<SnapshotPinned>(pinned.Effects.OfType<Reply>().Single().Message).PinId);
        Assert.Equal([new SnapshotPin(501, Now.AddSeconds(60))], Stored(pinned, 1).Pins.AsEnumerable());

        var refused = Assert.Throws<MilvusException>(() => pinned.State.Drop(new DropSnapshot("default", "books", "nightly"), Now.AddSeconds(59)));
        Assert.Contains("is pinned (pins 501", refused.Message);
        var afterExpiry = pinned.State.Drop(new DropSnapshot("default", "books", "nightly"), Now.AddSeconds(61));
        Assert.Equal([new DeleteMeta(SnapshotCatalog.Key(1))], afterExpiry.Effects.OfType<DeleteMeta>());
        // The record goes before the garbage collector is told: a crash between the two cannot lose a recorded snapshot's files.
        Assert.Equal(1, afterExpiry.Effects.IndexOf(afterExpiry.Effects.OfType<PutMeta>().Single(p => p.Key == GarbageRecords.DroppedSnapshot(71, 1))));
        Assert.Empty(afterExpiry.State.Snapshots);

        var unpinned = pinned.State.Unpin(501);
        Assert.Empty(Stored(unpinned, 1).Pins);
        Assert.Single(unpinned.State.Drop(new DropSnapshot("default", "books", "nightly"), Now).Effects.OfType<DeleteMeta>());
        Assert.Contains("snapshot pin 501 not found", Assert.Throws<MilvusException>(() => unpinned.State.Unpin(501)).Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(SnapshotCatalog.MaxPinSeconds + 1)]
    public void A_pin_outside_one_second_to_thirty_days_is_refused(long ttl)
    {
        var catalog = SnapshotCatalog.Empty.Record(Snapshot(1, "nightly")).State;

        var error = Assert.Throws<MilvusException>(() => catalog.Pin(new PinSnapshot("default", "books", "nightly", ttl), 501, Now));

        Assert.Contains("ttl_seconds of a snapshot pin must be between 1 and", error.Message);
    }

    [Fact]
    public void A_new_pin_forgets_the_expired_ones()
    {
        var catalog = SnapshotCatalog.Empty.Record(Snapshot(1, "nightly")).State.Pin(new PinSnapshot("default", "books", "nightly", 10), 501, Now).State;

        var again = catalog.Pin(new PinSnapshot("default", "books", "nightly", 10), 502, Now.AddSeconds(20));

        Assert.Equal([502L], Stored(again, 1).Pins.Select(p => p.PinId));
    }

    [Fact]
    public void A_reservation_stands_for_the_files_until_the_snapshot_is_recorded()
    {
        var reserved = SnapshotCatalog.Empty.Reserve(71, 1, Now);
        var dropRecord = reserved.Effects.OfType<PutMeta>().Single();
        Assert.Equal(GarbageRecords.DroppedSnapshot(71, 1), dropRecord.Key);
        Assert.Equal(1L, Assert.IsType<SnapshotReserved>(reserved.Effects.OfType<Reply>().Single().Message).SnapshotId);
        var record = new Milvus.Akka.Storage.MetaEntry(dropRecord.Key, dropRecord.Value, 1);
        var live = new LiveData([], []);
        Assert.Empty(GarbageRecords.Due([record], Now + TimeSpan.FromHours(23), TimeSpan.FromHours(3), live));
        Assert.Single(GarbageRecords.Due([record], Now + SnapshotCatalog.CopyAllowance + TimeSpan.FromHours(3), TimeSpan.FromHours(3), live));

        var recorded = reserved.State.Record(Snapshot(1, "nightly"));

        // The drop record goes before the snapshot is written: a crash between the two leaves files behind, never a snapshot without them.
        Assert.Equal(new DeleteMeta(GarbageRecords.DroppedSnapshot(71, 1)), recorded.Effects[0]);
        Assert.Equal(SnapshotCatalog.Key(1), Assert.IsType<PutMeta>(recorded.Effects[1]).Key);
    }
}
