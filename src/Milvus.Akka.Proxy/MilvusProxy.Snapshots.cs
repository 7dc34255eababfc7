using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;
using Milvus.Akka.Storage;
using Milvus.Akka.Storage.Segments;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Proxy;

/// <summary>
/// Collection snapshots (Milvus 3.0's CreateSnapshot, RestoreSnapshot and the rpcs around them). A snapshot holds the
/// collection's description — schema, partitions, indexes, properties — and its rows as a read at the snapshot's
/// timestamp sees them: every row acknowledged before CreateSnapshot, deletes applied. Milvus leaves out rows not yet
/// flushed (its guide says to flush first); this proxy flushes first itself. Unlike Milvus, which references the
/// segment files and keeps them from garbage collection, the rows are copied under the snapshot's own prefix, so
/// compaction and the collection's drop never reach them; a restore creates the target collection and writes the rows
/// back through the WAL, as a bulk import does, in a job run by this proxy.
/// </summary>
public sealed partial class MilvusProxy
{
    /// <summary>A pin with ttl_seconds 0 lasts this long.</summary>
    private const long DefaultPinSeconds = 3600;

    /// <summary>Flushes the collection, copies its rows and records the snapshot; returns it once all is done.</summary>
    public async Task<CollectionSnapshot> CreateSnapshotAsync(string? database, string collection, string name, string description,
        long compactionProtectionSeconds, CancellationToken cancellationToken = default)
    {
        CheckSnapshotName(name);
        if (compactionProtectionSeconds < 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"compaction_protection_seconds must not be negative, got {compactionProtectionSeconds}");
        }

        var info = await DescribeCollectionAsync(database, collection, cancellationToken);
        if ((await Coordinator<SnapshotList>(new ListSnapshots(info.Database, info.Name), cancellationToken)).Snapshots.Any(s => s.Name == name))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"snapshot {name} already exists for collection {info.Name}");
        }

        // Every row acknowledged before the timestamp is flushed by the flush after it; rows are then read as of the timestamp.
        var timestamp = await AllocateTimestampAsync(cancellationToken);
        await FlushAsync(info.Database, info.Name, cancellationToken);
        var snapshotId = (await Coordinator<SnapshotReserved>(new ReserveSnapshot(info.Id), cancellationToken)).SnapshotId;
        var segments = (await Coordinator<SegmentList>(new GetSegments(info.Id), cancellationToken)).Segments;
        var copies = ImmutableArray.CreateBuilder<SnapshotSegment>();
        try
        {
            // Deletes the shards still buffer reach flushed rows too; a delete made after the timestamp is ignored.
            var shardDeletes = new Dictionary<string, ShardDeletes>();
            foreach (var shard in segments.Select(s => s.ShardName).Distinct())
            {
                shardDeletes[shard] = await Shard<ShardDeletes>(new GetShardDeletes(shard), cancellationToken);
            }

            var expiredBefore = info.VisibleFrom(timestamp, CollectionTtl.ExpiredBefore(info.Properties, timestamp, DateTimeOffset.UtcNow));
            foreach (var segment in segments.OrderBy(s => s.SegmentId))
            {
                if (await CopySegmentAsync(info, snapshotId, segment, shardDeletes[segment.ShardName], expiredBefore, timestamp, cancellationToken) is { } copy)
                {
                    copies.Add(copy);
                }
            }
        }
        catch
        {
            await DeleteSnapshotFilesAsync(info.Id, snapshotId);
            throw;
        }

        // Load state and aliases describe the source collection in place, not what a restore creates.
        var described = info with
        {
            Loaded = false, LoadedPartitions = null, LoadedFields = null, Replicas = [],
            ReplicaResourceGroups = ImmutableDictionary<long, string>.Empty, Aliases = [],
        };
        try
        {
            return await Coordinator<CollectionSnapshot>(new RecordSnapshot(new CollectionSnapshot(snapshotId, name, description, described, timestamp,
                copies.ToImmutable(), [], DateTimeOffset.UtcNow)), cancellationToken);
        }
        catch (MilvusException e) when (!e.Code.IsRetriable())
        {
            // Refused (a snapshot of that name was taken meanwhile): nothing names these files. After a timeout the
            // record may exist, so its files stay.
            await DeleteSnapshotFilesAsync(info.Id, snapshotId);
            throw;
        }
    }

    public Task<CollectionSnapshot> DescribeSnapshotAsync(string? database, string collection, string name, CancellationToken cancellationToken = default) =>
        Coordinator<CollectionSnapshot>(new GetSnapshot(Db(database), RequireCollectionName(collection), RequireSnapshotName(name)), cancellationToken);

    /// <summary>The snapshots taken of collections of this name in the database, oldest first; those of a dropped collection too.</summary>
    public async Task<ImmutableArray<CollectionSnapshot>> ListSnapshotsAsync(string? database, string collection, CancellationToken cancellationToken = default)
    {
        var snapshots = (await Coordinator<SnapshotList>(new ListSnapshots(Db(database), RequireCollectionName(collection)), cancellationToken)).Snapshots;
        if (snapshots.IsEmpty)
        {
            // Neither a collection nor a snapshot by that name: answered as Milvus answers an unknown collection.
            await ResolveCollectionAsync(database, collection, cancellationToken: cancellationToken);
        }

        return snapshots;
    }

    /// <summary>Forgets the snapshot (refused while pinned), then deletes its files.</summary>
    public async Task DropSnapshotAsync(string? database, string collection, string name, CancellationToken cancellationToken = default)
    {
        var dropped = await Coordinator<CollectionSnapshot>(new DropSnapshot(Db(database), RequireCollectionName(collection), RequireSnapshotName(name)),
            cancellationToken);
        await DeleteSnapshotFilesAsync(dropped.Collection.Id, dropped.SnapshotId);
    }

    /// <summary>Keeps the snapshot from being dropped for <paramref name="ttlSeconds"/> (0: an hour); returns the pin's id.</summary>
    public async Task<long> PinSnapshotAsync(string? database, string collection, string name, long ttlSeconds, CancellationToken cancellationToken = default) =>
        (await Coordinator<SnapshotPinned>(new PinSnapshot(Db(database), RequireCollectionName(collection), RequireSnapshotName(name),
            ttlSeconds == 0 ? DefaultPinSeconds : ttlSeconds), cancellationToken)).PinId;

    public Task UnpinSnapshotAsync(long pinId, CancellationToken cancellationToken = default) =>
        Coordinator<SnapshotPinned>(new UnpinSnapshot(pinId), cancellationToken);

    /// <summary>
    /// Creates <paramref name="targetCollection"/> as the snapshot describes its collection (schema, shards, consistency,
    /// properties, partitions, indexes) and starts the job writing its rows back; returns the job, pending. A failure
    /// before the job starts drops the collection it created.
    /// </summary>
    public async Task<ImportJob> RestoreSnapshotAsync(string? database, string collection, string name, string? targetDatabase, string targetCollection,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(targetCollection))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "restoring a snapshot needs target_collection_name");
        }

        var snapshot = await DescribeSnapshotAsync(database, collection, name, cancellationToken);
        var targetDb = string.IsNullOrEmpty(targetDatabase) ? snapshot.Collection.Database : targetDatabase;
        if (await HasCollectionAsync(targetDb, targetCollection, cancellationToken))
        {
            // Creating it again with the same schema would succeed, and the rows would land in a collection that holds others.
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"collection {targetCollection} already exists in database {targetDb}: a snapshot is restored into a new collection");
        }

        var source = snapshot.Collection;
        var target = await CreateCollectionAsync(targetDb, source.Schema with { Name = targetCollection }, source.ShardsNum, source.Consistency,
            source.Schema.PartitionKey is null ? 0 : source.Partitions.Length, source.Properties, cancellationToken);
        try
        {
            if (source.Schema.PartitionKey is null)
            {
                foreach (var partition in source.Partitions.Where(p => p.Name != CollectionInfo.DefaultPartitionName))
                {
                    await CreatePartitionAsync(targetDb, targetCollection, partition.Name, cancellationToken);
                }
            }

            foreach (var index in source.Indexes)
            {
                var field = source.Schema.FindField(index.FieldId)!.Name;
                await CreateIndexAsync(targetDb, targetCollection, field, index.Name, index.Params, cancellationToken);
                if (!index.Properties.IsEmpty)
                {
                    await AlterIndexAsync(targetDb, targetCollection, index.Name, index.Properties, [], cancellationToken);
                }
            }

            var job = await Coordinator<ImportJob>(new CreateImportJob(targetDb, target.Id, target.Name, "", [.. snapshot.Segments.Select(s => s.ManifestKey)],
                importNode) { Snapshot = snapshot.Name }, cancellationToken);
            _ = Task.Run(() => RunRestoreAsync(job, snapshot), CancellationToken.None);
            return job;
        }
        catch
        {
            await DropRestoredCollectionAsync(target);
            throw;
        }
    }

    /// <exception cref="MilvusException">ImportFailed when there is no restore job by that id.</exception>
    public async Task<ImportJob> GetRestoreJobAsync(long jobId, CancellationToken cancellationToken = default)
    {
        var job = await Coordinator<ImportJob>(new GetImportJob(jobId), cancellationToken);
        return job.Snapshot.Length > 0 ? job : throw new MilvusException(ErrorCode.ImportFailed, $"restore snapshot job {jobId} not found: it is a bulk import");
    }

    /// <summary>The restore jobs into a collection, or into every collection of the database when <paramref name="collection"/> is empty, oldest first.</summary>
    public async Task<ImmutableArray<ImportJob>> ListRestoreJobsAsync(string? database, string? collection, CancellationToken cancellationToken = default)
    {
        var collectionId = string.IsNullOrEmpty(collection) ? 0 : (await ResolveCollectionAsync(database, collection, cancellationToken: cancellationToken)).Id;
        return (await Coordinator<ImportJobList>(new ListImportJobs(Db(database), collectionId, 0, Restores: true), cancellationToken)).Jobs;
    }

    /// <summary>The segment's rows visible at <paramref name="timestamp"/>, written under the snapshot's prefix; null when none is.</summary>
    private async Task<SnapshotSegment?> CopySegmentAsync(CollectionInfo info, long snapshotId, SegmentInfo segment, ShardDeletes shardDeletes,
        ulong expiredBefore, ulong timestamp, CancellationToken cancellationToken)
    {
        var input = await MergeInput.ReadAsync(objects, info.Schema, segment.CollectionId, segment.PartitionId, segment.SegmentId,
            (shardDeletes.Pks, shardDeletes.Timestamps), cancellationToken);
        if (CompactionMerge.Merge(info.Schema, [input], expiredBefore, timestamp) is not { } visible)
        {
            return null;
        }

        var paths = SegmentPaths.OfSnapshot(info.Id, snapshotId, segment.SegmentId);
        await SegmentStore.WriteAsync(objects, info.Schema, info.Id, segment.PartitionId, segment.SegmentId, visible, paths, cancellationToken);
        return new SnapshotSegment(segment.SegmentId, segment.PartitionId, paths.Manifest, visible.Rows.RowCount);
    }

    /// <summary>
    /// Writes the snapshot's rows into the job's collection, segment by segment. A restore that fails drops the
    /// collection it created (as Milvus rolls one back), so that it can be run again under the same name.
    /// </summary>
    private Task RunRestoreAsync(ImportJob job, CollectionSnapshot snapshot) => RunJobAsync(job, async (target, progress) =>
    {
        try
        {
            await WriteSnapshotRowsAsync(job, snapshot, target, progress);
        }
        catch
        {
            await DropRestoredCollectionAsync(target);
            throw;
        }
    });

    /// <summary>
    /// Drops the collection a failed restore created (only while its name still names it); if that fails too, it is left
    /// for the user, and the restore's own error is the one reported.
    /// </summary>
    private async Task DropRestoredCollectionAsync(CollectionInfo restored)
    {
        try
        {
            await _coordinator.CatalogCommandAsync(new DropCollection(restored.Database, restored.Name, restored.Id), CancellationToken.None);
        }
        catch (MilvusException)
        {
            // Left for the user to drop; the restore's error says why it failed.
        }
    }

    private async Task WriteSnapshotRowsAsync(ImportJob job, CollectionSnapshot snapshot, CollectionInfo target, JobProgress progress)
    {
        progress.Total = snapshot.RowCount;
        await progress.ReportAsync();
        var source = snapshot.Collection;
        foreach (var segment in snapshot.Segments)
        {
            var manifest = await SegmentStore.ReadManifestAsync(objects, segment.ManifestKey);
            var rows = RowsFor(target.Schema, source.Schema, (await SegmentStore.ReadAsync(objects, source.Schema, manifest)).Rows);
            var partition = target.Schema.PartitionKey is null ? source.Partitions.First(p => p.Id == segment.PartitionId).Name : null;
            var first = 0;
            foreach (var chunk in Enumerable.Range(0, rows.RowCount).Chunk(settings.Import.BatchRows))
            {
                var timestamp = await WriteTimestampAsync(target, CancellationToken.None);
                await WriteRowsAsync(target, rows.Gather(chunk), partition, timestamp, $"restore-{job.JobId}-{segment.SegmentId}-{first}", CancellationToken.None);
                first += chunk.Length;
                await progress.WroteAsync(chunk.Length);
            }
        }
    }

    /// <summary>The snapshot's columns under the target collection's field ids, matched by name (the target was created from the same schema).</summary>
    private static RowBatch RowsFor(CollectionSchema target, CollectionSchema source, RowBatch rows) =>
        new(source.Fields.ToImmutableDictionary(f => target.FindField(f.Name)?.FieldId
            ?? throw new MilvusException(ErrorCode.ImportFailed, $"field {f.Name} of the snapshot is not in collection {target.Name}"), f => rows[f.FieldId]));

    /// <summary>Best effort: files left behind by a failure take space but hold nothing any snapshot names.</summary>
    private async Task DeleteSnapshotFilesAsync(long collectionId, long snapshotId)
    {
        try
        {
            foreach (var file in await objects.ListAsync(ObjectPaths.SnapshotPrefix(collectionId, snapshotId)))
            {
                await objects.DeleteAsync(file.Key);
            }
        }
        catch (Exception)
        {
            // Left for an operator; the snapshot they belong to is gone or was never recorded.
        }
    }

    private static void CheckSnapshotName(string name)
    {
        RequireSnapshotName(name);
        if (name.Length > 255 || name.Any(char.IsControl) || name.Contains('/'))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"invalid snapshot name {name}: at most 255 characters, no control characters and no '/'");
        }
    }

    private static string RequireSnapshotName(string name) =>
        string.IsNullOrEmpty(name) ? throw new MilvusException(ErrorCode.ParameterInvalid, "snapshot name should not be empty") : name;

    private static string RequireCollectionName(string collection) =>
        string.IsNullOrEmpty(collection) ? throw new MilvusException(ErrorCode.ParameterInvalid, "collection name should not be empty") : collection;
}
