using System.Collections.Immutable;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator.Tests;

public sealed class GarbageRecordsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private static readonly TimeSpan Tolerance = TimeSpan.FromHours(3);

    private static SegmentInfo Segment(long id) => new(id, 7, 8, "7_0", 10, "", ImmutableDictionary<long, string>.Empty, 1);

    private static MetaEntry Record(string key, TimeSpan age) => new(key, GarbageRecords.DropTime(Now - age), 1);

    [Fact]
    public void Only_records_past_the_tolerance_of_data_nothing_holds_any_more_are_due()
    {
        var records = new[]
        {
            Record(GarbageRecords.DroppedCollection(1), TimeSpan.FromHours(4)),
            Record(GarbageRecords.DroppedCollection(2), TimeSpan.FromHours(1)),
            Record(GarbageRecords.DroppedCollection(3), TimeSpan.FromHours(4)),
            Record(GarbageRecords.DroppedSegment(Segment(10)), TimeSpan.FromHours(4)),
            Record(GarbageRecords.DroppedSegment(Segment(11)), TimeSpan.FromHours(4)),
            Record(GarbageRecords.DroppedSnapshot(7, 90), TimeSpan.FromHours(4)),
            Record(GarbageRecords.DroppedSnapshot(7, 91), TimeSpan.FromHours(1)),
            Record(GarbageRecords.Prefix + "from-a-newer-version/1", TimeSpan.FromHours(4)),
        };
        // Collection 3 is still in the catalog (its drop failed after recording); segment 11 is still served.
        var live = new LiveData([3], [11]);

        var due = GarbageRecords.Due(records, Now, Tolerance, live);

        Assert.Equal([GarbageRecords.DroppedCollection(1), GarbageRecords.DroppedSegment(Segment(10)), GarbageRecords.DroppedSnapshot(7, 90)],
            due.Select(d => d.RecordKey));
        Assert.Equal(ObjectPaths.CollectionPrefixes(1), due[0].Prefixes);
        Assert.Equal(ObjectPaths.SegmentPrefixes(7, 8, 10), due[1].Prefixes);
        Assert.Equal([ObjectPaths.SnapshotPrefix(7, 90)], due[2].Prefixes);
    }

    [Fact]
    public void The_dropped_segments_are_read_back_with_their_collections_from_their_records_alone()
    {
        var records = new[]
        {
            Record(GarbageRecords.DroppedCollection(1), TimeSpan.Zero),
            Record(GarbageRecords.DroppedSegment(Segment(10)), TimeSpan.Zero),
            Record(GarbageRecords.DroppedSegment(Segment(11) with { CollectionId = 9 }), TimeSpan.FromHours(4)),
            Record(GarbageRecords.DroppedSnapshot(7, 90), TimeSpan.Zero),
        };

        Assert.Equal([(7L, 10L), (9L, 11L)], GarbageRecords.DroppedSegments(records.Select(r => r.Key)));
    }
}
