using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using Akka.Actor;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Coordinator;

/// <summary>
/// The records of dropped data in meta storage and the decision which of them a pass may collect. A drop records its
/// time (<c>gc/collections/{collectionId}</c>, <c>gc/segments/{collectionId}/{partitionId}/{segmentId}</c>,
/// <c>gc/snapshots/{collectionId}/{snapshotId}</c>) in the same step that removes it from the catalog. Pure apart from
/// the key and value encoding.
/// </summary>
public static class GarbageRecords
{
    public const string Prefix = "gc/";
    private const string DroppedCollectionPrefix = Prefix + "collections/";
    /// <summary>The records of dropped segments (<see cref="DroppedSegment"/>), read back by <see cref="DroppedSegments"/>.</summary>
    public const string DroppedSegmentPrefix = Prefix + "segments/";
    private const string DroppedSnapshotPrefix = Prefix + "snapshots/";

    public static string DroppedCollection(long collectionId) =>
        DroppedCollectionPrefix + collectionId.ToString(CultureInfo.InvariantCulture);

    public static string DroppedSegment(SegmentInfo segment) =>
        string.Create(CultureInfo.InvariantCulture, $"{DroppedSegmentPrefix}{segment.CollectionId}/{segment.PartitionId}/{segment.SegmentId}");

    /// <summary>The segments, with their collections, whose drop records are <paramref name="recordKeys"/> (other records are skipped).</summary>
    public static IEnumerable<(long CollectionId, long SegmentId)> DroppedSegments(IEnumerable<string> recordKeys) => recordKeys
        .Where(key => key.StartsWith(DroppedSegmentPrefix, StringComparison.Ordinal))
        .Select(SegmentRecordIds)
        .Select(ids => (ids[0], ids[2]));

    /// <summary>A dropped snapshot's files: the proxy that dropped it deletes them at once, this record if it could not.</summary>
    public static string DroppedSnapshot(long collectionId, long snapshotId) =>
        string.Create(CultureInfo.InvariantCulture, $"{DroppedSnapshotPrefix}{collectionId}/{snapshotId}");

    /// <summary>The record's value: when the drop happened, in Unix milliseconds (little-endian int64).</summary>
    public static byte[] DropTime(DateTimeOffset at)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, at.ToUnixTimeMilliseconds());
        return bytes;
    }

    /// <summary>
    /// The records older than <paramref name="tolerance"/> whose objects may go, each with the object prefixes it stands
    /// for. A record is kept while its collection or segment is in <paramref name="live"/> (a drop that recorded itself
    /// but failed before removing it, or a replaced segment a query node still serves), and a record this version does
    /// not know is left alone.
    /// </summary>
    public static IReadOnlyList<(string RecordKey, IReadOnlyList<string> Prefixes)> Due(
        IEnumerable<MetaEntry> records, DateTimeOffset now, TimeSpan tolerance, LiveData live)
    {
        var due = (now - tolerance).ToUnixTimeMilliseconds();
        var work = new List<(string, IReadOnlyList<string>)>();
        foreach (var record in records)
        {
            if (BinaryPrimitives.ReadInt64LittleEndian(record.Value) <= due && PrefixesOf(record.Key, live) is { } prefixes)
            {
                work.Add((record.Key, prefixes));
            }
        }

        return work;
    }

    private static IReadOnlyList<string>? PrefixesOf(string recordKey, LiveData live)
    {
        if (recordKey.StartsWith(DroppedCollectionPrefix, StringComparison.Ordinal))
        {
            var collectionId = long.Parse(recordKey[DroppedCollectionPrefix.Length..], CultureInfo.InvariantCulture);
            return live.Collections.Contains(collectionId) ? null : ObjectPaths.CollectionPrefixes(collectionId);
        }

        if (recordKey.StartsWith(DroppedSegmentPrefix, StringComparison.Ordinal))
        {
            var ids = SegmentRecordIds(recordKey);
            return live.Segments.Contains(ids[2]) ? null : ObjectPaths.SegmentPrefixes(ids[0], ids[1], ids[2]);
        }

        if (recordKey.StartsWith(DroppedSnapshotPrefix, StringComparison.Ordinal))
        {
            var ids = recordKey[DroppedSnapshotPrefix.Length..].Split('/').Select(id => long.Parse(id, CultureInfo.InvariantCulture)).ToArray();
            return [ObjectPaths.SnapshotPrefix(ids[0], ids[1])];
        }

        return null;
    }

    /// <summary>The collection, partition and segment id of a dropped segment's record.</summary>
    private static long[] SegmentRecordIds(string recordKey) =>
        [.. recordKey[DroppedSegmentPrefix.Length..].Split('/').Select(id => long.Parse(id, CultureInfo.InvariantCulture))];
}

/// <summary>
/// What the catalog still holds or a query node still serves: the collections, and the segments in the catalog or
/// replaced by a compaction but still served.
/// </summary>
public sealed record LiveData(ImmutableHashSet<long> Collections, ImmutableHashSet<long> Segments) : INoSerializationVerificationNeeded;
