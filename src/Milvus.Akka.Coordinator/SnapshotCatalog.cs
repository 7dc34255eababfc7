using System.Collections.Immutable;
using System.Globalization;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The collection snapshots the coordinator keeps (<c>collection-snapshots/{id}</c> in meta storage), named per database
/// and collection name, and their pins. Pure: every change is a <see cref="Decision{TState}"/>.
/// </summary>
public sealed record SnapshotCatalog(ImmutableSortedDictionary<long, CollectionSnapshot> Snapshots)
{
    public const string Prefix = "collection-snapshots/";

    /// <summary>The longest a pin may last (Milvus caps a pin's ttl at 30 days).</summary>
    public const long MaxPinSeconds = 30L * 24 * 3600;

    public static readonly SnapshotCatalog Empty = new(ImmutableSortedDictionary<long, CollectionSnapshot>.Empty);

    public static string Key(long snapshotId) => Prefix + snapshotId.ToString(CultureInfo.InvariantCulture);

    public static SnapshotCatalog Recover(IEnumerable<CollectionSnapshot> stored) => new(stored.ToImmutableSortedDictionary(s => s.SnapshotId, s => s));

    /// <summary>How long a reserved snapshot's copy may take before its files count as left behind by a proxy that died.</summary>
    public static readonly TimeSpan CopyAllowance = TimeSpan.FromDays(1);

    /// <summary>
    /// A drop record for the files of snapshot <paramref name="snapshotId"/>, dated <see cref="CopyAllowance"/> ahead:
    /// recording the snapshot deletes it, so only the files of a copy never recorded are collected.
    /// </summary>
    public Decision<SnapshotCatalog> Reserve(long collectionId, long snapshotId, DateTimeOffset now) => new(this,
        [new PutMeta(GarbageRecords.DroppedSnapshot(collectionId, snapshotId), GarbageRecords.DropTime(now + CopyAllowance)), new Reply(new SnapshotReserved(snapshotId))]);

    /// <summary>Records a snapshot; its reservation's drop record goes first (a crash between the two leaves files behind, never a snapshot without files).</summary>
    public Decision<SnapshotCatalog> Record(CollectionSnapshot snapshot)
    {
        if (Find(snapshot.Collection.Database, snapshot.Collection.Name, snapshot.Name) is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"snapshot {snapshot.Name} already exists for collection {snapshot.Collection.Name}");
        }

        return new Decision<SnapshotCatalog>(new SnapshotCatalog(Snapshots.Add(snapshot.SnapshotId, snapshot)),
            [new DeleteMeta(GarbageRecords.DroppedSnapshot(snapshot.Collection.Id, snapshot.SnapshotId)), Put(snapshot), new Reply(snapshot)]);
    }

    /// <exception cref="MilvusException">ParameterInvalid naming the snapshot when there is none.</exception>
    public CollectionSnapshot Get(string database, string collection, string name) =>
        Find(database, collection, name)
        ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"snapshot {name} not found for collection {collection} in database {database}");

    public SnapshotList List(string database, string collection) =>
        new([.. Snapshots.Values.Where(s => s.Collection.Database == database && s.Collection.Name == collection)]);

    /// <summary>
    /// Forgets a snapshot no live pin holds; the reply is the snapshot, whose files the caller deletes, and a drop
    /// record has the garbage collector delete them after its tolerance if the caller could not.
    /// </summary>
    public Decision<SnapshotCatalog> Drop(DropSnapshot request, DateTimeOffset now)
    {
        var snapshot = Get(request.Database, request.Collection, request.Name);
        if (snapshot.IsPinned(now))
        {
            var until = snapshot.Pins.Max(p => p.Expires);
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"snapshot {snapshot.Name} is pinned (pins {string.Join(", ", snapshot.Pins.Where(p => p.Expires > now).Select(p => p.PinId))}, " +
                $"the last until {until:O}): unpin it before dropping it");
        }

        // The record goes first: a crash between the two leaves files behind, never a snapshot whose files the GC deletes.
        return new Decision<SnapshotCatalog>(new SnapshotCatalog(Snapshots.Remove(snapshot.SnapshotId)),
        [
            new DeleteMeta(Key(snapshot.SnapshotId)),
            new PutMeta(GarbageRecords.DroppedSnapshot(snapshot.Collection.Id, snapshot.SnapshotId), GarbageRecords.DropTime(now)),
            new Reply(snapshot),
        ]);
    }

    /// <summary>Adds pin <paramref name="pinId"/>; expired pins of the snapshot are forgotten on the way.</summary>
    public Decision<SnapshotCatalog> Pin(PinSnapshot request, long pinId, DateTimeOffset now)
    {
        if (request.TtlSeconds is <= 0 or > MaxPinSeconds)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"ttl_seconds of a snapshot pin must be between 1 and {MaxPinSeconds} (30 days), got {request.TtlSeconds}");
        }

        var snapshot = Get(request.Database, request.Collection, request.Name);
        var pinned = snapshot with { Pins = [.. snapshot.Pins.Where(p => p.Expires > now), new SnapshotPin(pinId, now.AddSeconds(request.TtlSeconds))] };
        return new Decision<SnapshotCatalog>(new SnapshotCatalog(Snapshots.SetItem(pinned.SnapshotId, pinned)), [Put(pinned), new Reply(new SnapshotPinned(pinId))]);
    }

    /// <exception cref="MilvusException">ParameterInvalid when no snapshot holds pin <paramref name="pinId"/> (never given, or unpinned).</exception>
    public Decision<SnapshotCatalog> Unpin(long pinId)
    {
        var snapshot = Snapshots.Values.FirstOrDefault(s => s.Pins.Any(p => p.PinId == pinId))
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"snapshot pin {pinId} not found");
        var unpinned = snapshot with { Pins = [.. snapshot.Pins.Where(p => p.PinId != pinId)] };
        return new Decision<SnapshotCatalog>(new SnapshotCatalog(Snapshots.SetItem(unpinned.SnapshotId, unpinned)),
            [Put(unpinned), new Reply(new SnapshotPinned(pinId))]);
    }

    private CollectionSnapshot? Find(string database, string collection, string name) =>
        Snapshots.Values.FirstOrDefault(s => s.Collection.Database == database && s.Collection.Name == collection && s.Name == name);

    private static PutMeta Put(CollectionSnapshot snapshot) => new(Key(snapshot.SnapshotId), CatalogCodec.Encode(snapshot).ToByteArray());
}
