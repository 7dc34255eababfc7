using System.Collections.Immutable;
using Apache.Arrow;
using Milvus.Akka.Common;
using Column = Milvus.Akka.Common.Column;

namespace Milvus.Akka.Storage.Segments;

/// <summary>
/// Writes and loads sealed segments: one Arrow IPC file per field plus one of row timestamps
/// (<c>insert_log/…/{fieldId}</c>), the primary-key stats (<c>stats_log/…</c>), delete logs (<c>delta_log/…</c>) and
/// the manifest naming them all with sizes and checksums (<c>segment_manifest/….json</c>), written last.
/// Keys are deterministic, so re-flushing a segment after a crash overwrites the same objects idempotently.
/// </summary>
public static class SegmentStore
{
    /// <summary>Milvus's system field id of the row timestamps.</summary>
    public const long TimestampFieldId = 1;

    public static Task<SegmentManifest> WriteAsync(IObjectStore store, CollectionSchema schema, long collectionId, long partitionId,
        long segmentId, SegmentData data, CancellationToken cancellationToken = default) =>
        WriteAsync(store, schema, collectionId, partitionId, segmentId, data, SegmentPaths.OfCollection(collectionId, partitionId, segmentId),
            cancellationToken);

    /// <summary>Writes a segment's files where <paramref name="paths"/> says (a snapshot keeps copies under its own prefix).</summary>
    public static async Task<SegmentManifest> WriteAsync(IObjectStore store, CollectionSchema schema, long collectionId, long partitionId,
        long segmentId, SegmentData data, SegmentPaths paths, CancellationToken cancellationToken = default)
    {
        var rows = data.Rows;
        Validate(schema, data);

        // Encoding checks every column against its field, so a mismatch fails before anything is stored; fixed-width
        // and vector arrays are views of the columns, so holding them all costs little.
        var arrays = schema.Fields.Select(field => ArrowColumns.Encode(ColumnType.Of(field), rows[field.FieldId], field.Name)).ToList();
        var fields = new List<FieldBinlog>(schema.Fields.Length + 1);
        for (var i = 0; i < arrays.Count; i++)
        {
            var field = schema.Fields[i];
            var bytes = ArrowIpc.Write([(FieldColumnName(field.FieldId), field.Nullable, arrays[i])], rows.RowCount);
            var file = await SegmentFile.PutAsync(store, paths.InsertLog(field.FieldId), bytes, cancellationToken)
                .ConfigureAwait(false);
            fields.Add(new FieldBinlog(field.FieldId, file));
        }

        var timestamps = ArrowIpc.Write([(FieldColumnName(TimestampFieldId), false, ArrowColumns.EncodeTimestamps(data.Timestamps))], rows.RowCount);
        fields.Add(new FieldBinlog(TimestampFieldId, await SegmentFile
            .PutAsync(store, paths.InsertLog(TimestampFieldId), timestamps, cancellationToken)
            .ConfigureAwait(false)));

        var primaryKey = schema.PrimaryKey;
        var stats = await SegmentFile.PutAsync(store, paths.StatsLog(primaryKey.FieldId),
            PrimaryKeyStats.Build(rows[primaryKey.FieldId]).Serialize(), cancellationToken).ConfigureAwait(false);

        var manifest = new SegmentManifest(collectionId, partitionId, segmentId, rows.RowCount,
            rows.RowCount == 0 ? 0 : data.Timestamps.Min(), rows.RowCount == 0 ? 0 : data.Timestamps.Max(), fields, stats, []);
        await store.PutAsync(paths.Manifest, SegmentManifestCodec.Encode(manifest), cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>
    /// Loads a segment's rows (all fields, or only <paramref name="fieldIds"/>) and timestamps, verifying every file's
    /// size and checksum. A corrupt or truncated file fails with SegmentLoadFailed naming the file.
    /// </summary>
    public static async Task<SegmentData> ReadAsync(IObjectStore store, CollectionSchema schema, SegmentManifest manifest,
        IReadOnlyCollection<long>? fieldIds = null, CancellationToken cancellationToken = default)
    {
        var fields = fieldIds is null
            ? schema.Fields.ToList()
            : fieldIds.Select(id => schema.FindField(id)
                ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {id} is not in the schema of collection '{schema.Name}'")).ToList();

        var columns = await Task.WhenAll(fields.Select(field => ReadFieldAsync(store, manifest, field, cancellationToken))).ConfigureAwait(false);
        var timestamps = await ReadFileAsync(store, manifest, TimestampFieldId, batch => ArrowColumns.DecodeTimestamps(batch.Column(0)), cancellationToken)
            .ConfigureAwait(false);

        var builder = ImmutableDictionary.CreateBuilder<long, Column>();
        for (var i = 0; i < fields.Count; i++)
        {
            builder[fields[i].FieldId] = columns[i];
        }

        return new SegmentData(new RowBatch(builder.ToImmutable()), timestamps);
    }

    public static async Task<PrimaryKeyStats> ReadStatsAsync(IObjectStore store, SegmentManifest manifest, CancellationToken cancellationToken = default)
    {
        var bytes = await manifest.Stats.GetVerifiedAsync(store, cancellationToken).ConfigureAwait(false);
        try
        {
            return PrimaryKeyStats.Deserialize(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed, $"segment file '{manifest.Stats.Key}' cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Every delete recorded against the segment, in the order the delete logs were added.</summary>
    public static async Task<IReadOnlyList<DeleteLog>> ReadDeleteLogsAsync(IObjectStore store, SegmentManifest manifest,
        CancellationToken cancellationToken = default) =>
        await Task.WhenAll(manifest.DeltaLogs.Select(file => DeleteLog.ReadAsync(store, file, cancellationToken))).ConfigureAwait(false);

    /// <summary>
    /// Stores a delete log under <c>delta_log/…/{logId}</c> and then the manifest that names it. The caller serialises
    /// appends per segment (the shard that flushed a segment owns its manifest) and allocates unique log ids.
    /// </summary>
    public static async Task<SegmentManifest> AppendDeleteLogAsync(IObjectStore store, SegmentManifest manifest, long logId, DeleteLog deletes,
        CancellationToken cancellationToken = default)
    {
        var key = ObjectPaths.DeltaLog(manifest.CollectionId, manifest.PartitionId, manifest.SegmentId, logId);
        if (manifest.DeltaLogs.Any(f => f.Key == key))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"segment {manifest.SegmentId} already has delete log {logId}");
        }

        var file = await deletes.WriteAsync(store, key, cancellationToken).ConfigureAwait(false);
        var updated = manifest with { DeltaLogs = [.. manifest.DeltaLogs, file] };
        await WriteManifestAsync(store, updated, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    public static async Task<SegmentManifest> ReadManifestAsync(IObjectStore store, long collectionId, long partitionId, long segmentId,
        CancellationToken cancellationToken = default)
    {
        var key = ObjectPaths.SegmentManifest(collectionId, partitionId, segmentId);
        var manifest = await ReadManifestAsync(store, key, cancellationToken).ConfigureAwait(false);
        if (manifest.CollectionId != collectionId || manifest.PartitionId != partitionId || manifest.SegmentId != segmentId)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed,
                $"segment manifest '{key}' describes segment {manifest.CollectionId}/{manifest.PartitionId}/{manifest.SegmentId}");
        }

        return manifest;
    }

    /// <summary>The manifest stored under <paramref name="key"/>, wherever its segment's files are.</summary>
    public static async Task<SegmentManifest> ReadManifestAsync(IObjectStore store, string key, CancellationToken cancellationToken = default) =>
        SegmentManifestCodec.Decode(await store.GetAsync(key, cancellationToken).ConfigureAwait(false), key);

    private static Task WriteManifestAsync(IObjectStore store, SegmentManifest manifest, CancellationToken cancellationToken) =>
        store.PutAsync(ObjectPaths.SegmentManifest(manifest.CollectionId, manifest.PartitionId, manifest.SegmentId), SegmentManifestCodec.Encode(manifest),
            cancellationToken);

    /// <summary>A field added to the schema after the segment was written (AddCollectionField) reads as absent in every row.</summary>
    private static Task<Column> ReadFieldAsync(IObjectStore store, SegmentManifest manifest, FieldSchema field, CancellationToken cancellationToken) =>
        field.Nullable && manifest.FindField(field.FieldId) is null && manifest.Fields.All(f => f.FieldId < field.FieldId)
            ? Task.FromResult(FieldFill.Absent(field, manifest.RowCount))
            : ReadFileAsync(store, manifest, field.FieldId, batch => ArrowColumns.Decode(ColumnType.Of(field), batch.Column(0)), cancellationToken);

    private static async Task<T> ReadFileAsync<T>(IObjectStore store, SegmentManifest manifest, long fieldId, Func<RecordBatch, T> decode,
        CancellationToken cancellationToken)
    {
        var binlog = manifest.FindField(fieldId)
            ?? throw new MilvusException(ErrorCode.SegmentLoadFailed, $"segment {manifest.SegmentId} has no insert log for field {fieldId}");
        var bytes = await binlog.File.GetVerifiedAsync(store, cancellationToken).ConfigureAwait(false);
        return ArrowIpc.Read(bytes, binlog.File.Key, [FieldColumnName(fieldId)], manifest.RowCount, decode);
    }

    private static string FieldColumnName(long fieldId) => fieldId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void Validate(CollectionSchema schema, SegmentData data)
    {
        if (data.Timestamps.Length != data.Rows.RowCount)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"a segment needs one timestamp per row: {data.Rows.RowCount} rows, {data.Timestamps.Length} timestamps");
        }

        foreach (var field in schema.Fields)
        {
            if (!data.Rows.Columns.ContainsKey(field.FieldId))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"the segment's rows lack field '{field.Name}' ({field.FieldId})");
            }
        }

        foreach (var fieldId in data.Rows.Columns.Keys)
        {
            if (schema.FindField(fieldId) is null)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"the segment's rows hold field {fieldId}, which the schema of '{schema.Name}' lacks");
            }
        }

        if (data.Rows.Columns.Count > 0 && data.Rows[schema.PrimaryKey.FieldId].Validity is not null)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "primary keys may not be null");
        }
    }
}
