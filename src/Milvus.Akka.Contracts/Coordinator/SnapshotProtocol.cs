using System.Collections.Immutable;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// One segment of a snapshot: the rows of a flushed segment of the collection that were visible at the snapshot's
/// timestamp (its deletes applied), copied under the snapshot's own prefix, so that neither compaction nor the
/// collection's drop touches them.
/// </summary>
/// <param name="ManifestKey">The copy's manifest (object storage), naming its files.</param>
public sealed record SnapshotSegment(long SegmentId, long PartitionId, string ManifestKey, long RowCount);

/// <summary>A pin on a snapshot (Milvus's PinSnapshotData): until it is unpinned or expires, the snapshot cannot be dropped.</summary>
public sealed record SnapshotPin(long PinId, DateTimeOffset Expires);

/// <summary>
/// A collection snapshot (Milvus 3.0's CreateSnapshot): the collection as the catalog described it — schema, partitions,
/// indexes, properties — and copies of its flushed rows visible at <paramref name="Timestamp"/>. Snapshots are named per
/// database and collection name, and outlive the collection (restoring after a drop is what they are for).
/// </summary>
/// <param name="Collection">The collection when the snapshot was taken (its name and database address the snapshot).</param>
/// <param name="Timestamp">The hybrid timestamp its rows were read at.</param>
public sealed record CollectionSnapshot(
    long SnapshotId,
    string Name,
    string Description,
    CollectionInfo Collection,
    ulong Timestamp,
    ImmutableArray<SnapshotSegment> Segments,
    ImmutableArray<SnapshotPin> Pins,
    DateTimeOffset Created) : ICoordinatorMessage
{
    public long RowCount => Segments.Sum(s => s.RowCount);

    /// <summary>Whether a pin holds it at <paramref name="now"/>.</summary>
    public bool IsPinned(DateTimeOffset now) => Pins.Any(p => p.Expires > now);
}

/// <summary>
/// Gives a snapshot of the collection about to be copied its id; replies <see cref="SnapshotReserved"/>. Until the
/// snapshot is recorded, a drop record stands for its files, so the files of a copy whose proxy died are deleted a day
/// (and the garbage collector's tolerance) later.
/// </summary>
public sealed record ReserveSnapshot(long CollectionId) : ICoordinatorMessage;

public sealed record SnapshotReserved(long SnapshotId) : ICoordinatorMessage;

/// <summary>Records a snapshot whose segments are written; replies it, or fails when the collection already has one by that name.</summary>
public sealed record RecordSnapshot(CollectionSnapshot Snapshot) : ICoordinatorMessage;

/// <summary>Replies the <see cref="CollectionSnapshot"/> named <paramref name="Name"/> of the collection, or fails naming it.</summary>
public sealed record GetSnapshot(string Database, string Collection, string Name) : ICoordinatorMessage;

/// <summary>Replies the <see cref="SnapshotList"/> of a collection name in a database, oldest first.</summary>
public sealed record ListSnapshots(string Database, string Collection) : ICoordinatorMessage;

public sealed record SnapshotList(ImmutableArray<CollectionSnapshot> Snapshots) : ICoordinatorMessage;

/// <summary>Forgets a snapshot that no pin holds; replies it (its files are the caller's to delete, and the garbage collector's after its tolerance), or fails.</summary>
public sealed record DropSnapshot(string Database, string Collection, string Name) : ICoordinatorMessage;

/// <summary>Pins a snapshot for <paramref name="TtlSeconds"/>; replies <see cref="SnapshotPinned"/> with the pin's id.</summary>
public sealed record PinSnapshot(string Database, string Collection, string Name, long TtlSeconds) : ICoordinatorMessage;

public sealed record SnapshotPinned(long PinId) : ICoordinatorMessage;

/// <summary>Removes a pin; replies <see cref="SnapshotPinned"/> with its id, or fails when no snapshot holds that pin.</summary>
public sealed record UnpinSnapshot(long PinId) : ICoordinatorMessage;
