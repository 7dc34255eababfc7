using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Storage;

namespace Milvus.Akka.Segments;

public enum SegmentState
{
    /// <summary>Accepting rows; lives in a streaming shard.</summary>
    Growing,

    /// <summary>Closed to new rows, being written to object storage.</summary>
    Sealed,

    /// <summary>Its files are in object storage; it can be loaded by query nodes.</summary>
    Flushed,
}

/// <summary>
/// The rows of one segment in memory with their MVCC timestamps and delete marks. A growing segment appends
/// batches; a loaded segment is built from its files (and index files). One writer (the owning actor) appends,
/// deletes and attaches indexes; any number of readers search <see cref="View"/>s of it on other threads at once.
/// </summary>
/// <remarks>
/// Visibility at a read timestamp T: a row is visible iff its timestamp ≤ T and no delete of its primary key with
/// row.ts &lt; delete.ts ≤ T exists. Each row keeps the smallest such delete timestamp, so the test is two compares.
/// Readers need no lock: appends publish a new immutable <see cref="Published"/> state (chunks, row count and the
/// timestamp arrays, which are only written past the published row count or replaced when they grow), and a delete
/// writes one aligned 64-bit mark per row, which a reader sees whole or not at all.
/// </remarks>
public sealed class Segment
{
    private CollectionSchema _schema;
    private readonly FieldSchema _pk;
    private readonly Dictionary<long, int> _lastRowOfLongPk = [];
    private readonly Dictionary<string, int> _lastRowOfStringPk = new(StringComparer.Ordinal);

    // Taken by appends and by the first search of a (field, metric) that builds its scan index, so a new index
    // holds exactly the rows published before it and receives every later append.
    private readonly Lock _scanIndexLock = new();
    private ImmutableDictionary<(long FieldId, MetricType Metric), GrowingVectorIndex> _scanIndexes =
        ImmutableDictionary<(long FieldId, MetricType Metric), GrowingVectorIndex>.Empty;
    private ImmutableDictionary<long, AttachedIndex> _builtIndexes = ImmutableDictionary<long, AttachedIndex>.Empty;
    private ScalarIndexSet _scalarIndexes = ScalarIndexSet.Empty;
    private ulong[] _timestamps = new ulong[256];
    private ulong[] _deletedAt = new ulong[256];
    private int[] _previousRowOfSamePk = new int[256];
    private bool _hasDeletes;
    private Published _published;
    private MergedPrefix? _merged;

    /// <summary>What a view captures: the appended chunks and the per-row arrays, valid for rows below RowCount.</summary>
    internal sealed record Published(ImmutableArray<RowBatch> Chunks, int RowCount, ulong MinTimestamp, ulong MaxTimestamp, ulong[] Timestamps, ulong[] DeletedAt);

    /// <summary>The first Rows rows as one batch, merged once by whichever reader needed it first.</summary>
    private sealed record MergedPrefix(int Rows, RowBatch Batch);

    public Segment(long id, long partitionId, CollectionSchema schema)
    {
        Id = id;
        PartitionId = partitionId;
        _schema = schema;
        _pk = schema.PrimaryKey;
        PrimaryKeys.CheckType(_pk.DataType);
        CreatedAt = LastWriteAt = DateTimeOffset.UtcNow;
        _published = new Published([], 0, ulong.MaxValue, 0, _timestamps, _deletedAt);
    }

    public long Id { get; }

    public long PartitionId { get; }

    public CollectionSchema Schema => _schema;

    public SegmentState State { get; set; } = SegmentState.Growing;

    public int RowCount => _published.RowCount;

    /// <summary>Approximate bytes of row data, for size-based seal policies.</summary>
    public long EstimatedBytes { get; private set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset LastWriteAt { get; private set; }

    public ulong MaxTimestamp => _published.MaxTimestamp;

    /// <summary>Builds a segment from rows read back from object storage; its indexes are attached as they are read.</summary>
    public static Segment Load(long id, long partitionId, CollectionSchema schema, RowBatch rows, ReadOnlySpan<ulong> timestamps)
    {
        var segment = new Segment(id, partitionId, schema) { State = SegmentState.Flushed };
        segment.Append(rows, timestamps);
        return segment;
    }

    /// <summary>Appends a batch written at one timestamp (every row of an insert request shares it).</summary>
    public void Append(RowBatch rows, ulong timestamp)
    {
        var timestamps = new ulong[rows.RowCount];
        Array.Fill(timestamps, timestamp);
        Append(rows, timestamps);
    }

    /// <summary>
    /// Replaces the vector index of a field (an index built by a data node after the segment was loaded). It covers
    /// every row, or for a nullable field only the rows with a vector.
    /// </summary>
    public void AttachIndex(long fieldId, IFieldIndex index)
    {
        var attached = _schema.FindField(fieldId)?.DataType == DataType.ArrayOfVector
            ? AttachedIndex.OfElements(index, (VectorArrayColumn)View().Rows[fieldId], $"{Id}")
            : AttachedIndex.Of(index, RowCount, () => View().Rows[fieldId], $"{Id}");
        Volatile.Write(ref _builtIndexes, _builtIndexes.SetItem(fieldId, attached));
    }

    /// <summary>Attaches (or replaces) the scalar index of a field; filters of later views use it instead of a scan.</summary>
    public void AttachScalarIndex(long fieldId, IScalarIndex index)
    {
        if (index.RowCount != RowCount)
        {
            throw new InvalidOperationException($"the scalar index of field {fieldId} covers {index.RowCount} rows, segment {Id} has {RowCount}");
        }

        Volatile.Write(ref _scalarIndexes, Volatile.Read(ref _scalarIndexes).With(fieldId, index));
    }

    /// <summary>
    /// Takes the collection's schema after AddCollectionField: rows already here read each added field's default value or
    /// null, rows appended later carry it. An older or equal schema version changes nothing.
    /// </summary>
    public void Widen(CollectionSchema latest)
    {
        var schema = _schema.WidenedTo(latest);
        if (ReferenceEquals(schema, _schema))
        {
            return;
        }

        lock (_scanIndexLock)
        {
            var current = _published;
            _schema = schema;
            Volatile.Write(ref _published, current with { Chunks = [.. current.Chunks.Select(chunk => FieldFill.Widen(chunk, schema))] });
        }
    }

    public bool HasIndex(long fieldId) => Volatile.Read(ref _builtIndexes).ContainsKey(fieldId) || Volatile.Read(ref _scalarIndexes).Find(fieldId) is not null;

    /// <summary>Appends rows that carry their own timestamps (restoring a snapshot).</summary>
    public void Append(RowBatch rows, ReadOnlySpan<ulong> timestamps)
    {
        if (State != SegmentState.Growing && RowCount > 0)
        {
            throw new InvalidOperationException($"segment {Id} is {State} and takes no more rows");
        }

        rows = FieldFill.Widen(rows, _schema);
        var current = _published;
        var start = current.RowCount;
        var end = start + rows.RowCount;
        EnsureCapacity(end);
        timestamps.CopyTo(_timestamps.AsSpan(start));
        _deletedAt.AsSpan(start, rows.RowCount).Fill(ulong.MaxValue);
        IndexPrimaryKeys(rows[_pk.FieldId], start);
        var (minTimestamp, maxTimestamp) = (current.MinTimestamp, current.MaxTimestamp);
        foreach (var ts in timestamps)
        {
            minTimestamp = Math.Min(minTimestamp, ts);
            maxTimestamp = Math.Max(maxTimestamp, ts);
        }

        lock (_scanIndexLock)
        {
            foreach (var ((fieldId, _), index) in _scanIndexes)
            {
                AddToScanIndex(index, rows[fieldId]);
            }

            Volatile.Write(ref _published, new Published(ChunksWith(current.Chunks, rows), end, minTimestamp, maxTimestamp, _timestamps, _deletedAt));
        }

        EstimatedBytes += EstimateBytes(rows);
        LastWriteAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The chunks plus a new one; chunks a reader has already merged are replaced by the merged batch.</summary>
    private ImmutableArray<RowBatch> ChunksWith(ImmutableArray<RowBatch> chunks, RowBatch appended)
    {
        var merged = MergedLike(chunks);
        var covered = merged is null ? -1 : ChunksCovering(chunks, merged.Rows);
        return covered > 1
            ? [merged!.Batch, .. chunks.AsSpan()[covered..], appended]
            : chunks.Add(appended);
    }

    /// <summary>How many leading chunks hold exactly the first <paramref name="rows"/> rows, or -1 when no chunk ends there.</summary>
    private static int ChunksCovering(ImmutableArray<RowBatch> chunks, int rows)
    {
        var end = 0;
        for (var i = 0; i < chunks.Length && end < rows; i++)
        {
            end += chunks[i].RowCount;
            if (end == rows)
            {
                return i + 1;
            }
        }

        return rows == 0 ? 0 : -1;
    }

    private void IndexPrimaryKeys(Column pks, int start)
    {
        for (var i = 0; i < pks.Count; i++)
        {
            var row = start + i;
            int previous;
            if (pks is ScalarColumn<long> longs)
            {
                previous = _lastRowOfLongPk.TryGetValue(longs.Values[i], out var p) ? p : -1;
                _lastRowOfLongPk[longs.Values[i]] = row;
            }
            else
            {
                var key = ((StringColumn)pks).Values[i];
                previous = _lastRowOfStringPk.TryGetValue(key, out var p) ? p : -1;
                _lastRowOfStringPk[key] = row;
            }

            _previousRowOfSamePk[row] = previous;
        }
    }

    /// <summary>
    /// Marks every version of the given keys written before <paramref name="timestamp"/> as deleted at it.
    /// Returns how many rows it masked (rows already deleted earlier are not counted).
    /// </summary>
    public int Delete(Column pks, ulong timestamp)
    {
        var masked = 0;
        for (var i = 0; i < pks.Count; i++)
        {
            masked += DeleteKey(pks, i, timestamp);
        }

        return masked;
    }

    /// <summary>Applies a delete log: key i was deleted at <paramref name="timestamps"/>[i].</summary>
    public int Delete(Column pks, ReadOnlySpan<ulong> timestamps)
    {
        var masked = 0;
        for (var i = 0; i < pks.Count; i++)
        {
            masked += DeleteKey(pks, i, timestamps[i]);
        }

        return masked;
    }

    private int DeleteKey(Column pks, int index, ulong timestamp)
    {
        var masked = 0;
        var row = pks is ScalarColumn<long> longs
            ? _lastRowOfLongPk.GetValueOrDefault(longs.Values[index], -1)
            : _lastRowOfStringPk.GetValueOrDefault(((StringColumn)pks).Values[index], -1);
        for (; row >= 0; row = _previousRowOfSamePk[row])
        {
            if (_timestamps[row] < timestamp && _deletedAt[row] > timestamp)
            {
                if (_deletedAt[row] == ulong.MaxValue)
                {
                    masked++;
                }

                // Flag first: a reader that sees no deletes flagged skips the per-row visibility test.
                Volatile.Write(ref _hasDeletes, true);
                Volatile.Write(ref _deletedAt[row], timestamp);
            }
        }

        return masked;
    }

    /// <summary>Rows visible at <paramref name="readTimestamp"/>.</summary>
    public Bitset Visible(ulong readTimestamp, ulong expiredBefore = 0) => View().Visible(readTimestamp, expiredBefore);

    /// <summary>The deletes recorded against this segment's rows: the delete log written when it is flushed.</summary>
    public (Column Pks, ulong[] Timestamps) DeletedRows()
    {
        var view = View();
        var rows = new List<int>();
        var timestamps = new List<ulong>();
        for (var row = 0; row < view.RowCount; row++)
        {
            if (_deletedAt[row] != ulong.MaxValue)
            {
                rows.Add(row);
                timestamps.Add(_deletedAt[row]);
            }
        }

        return (view.Rows[_pk.FieldId].Gather(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows)), timestamps.ToArray());
    }

    /// <summary>All rows as one batch with their timestamps (what a flush writes).</summary>
    public (RowBatch Rows, ulong[] Timestamps) Snapshot()
    {
        var view = View();
        return (view.Rows, _timestamps.AsSpan(0, view.RowCount).ToArray());
    }

    /// <summary>
    /// A consistent read-only view: the rows appended so far, the indexes attached so far and the delete marks as they
    /// are (a delete after the view is taken is seen or not, never torn; MVCC hides it from reads below its timestamp).
    /// Cheap to take; safe to search on any thread while the owner keeps writing.
    /// </summary>
    public SegmentView View() =>
        new(this, Volatile.Read(ref _published), Volatile.Read(ref _builtIndexes), Volatile.Read(ref _scalarIndexes), Volatile.Read(ref _hasDeletes));

    /// <summary>The rows of <paramref name="chunks"/> as one batch, reusing (and publishing) the longest merge so far.</summary>
    internal RowBatch Merge(ImmutableArray<RowBatch> chunks, int rowCount)
    {
        if (chunks.Length <= 1)
        {
            return chunks.Length == 0 ? EmptyBatch() : chunks[0];
        }

        var merged = MergedLike(chunks);
        if (merged is not null && merged.Rows == rowCount)
        {
            return merged.Batch;
        }

        var covered = merged is null ? -1 : ChunksCovering(chunks, merged.Rows);
        var batch = covered > 0
            ? RowBatch.Concat([merged!.Batch, .. chunks.AsSpan()[covered..]])
            : RowBatch.Concat(chunks);
        if (merged is null || merged.Rows < rowCount)
        {
            // Losing the race only costs the next reader a merge: every published prefix is correct.
            Interlocked.CompareExchange(ref _merged, new MergedPrefix(rowCount, batch), merged);
        }

        return batch;
    }

    /// <summary>The merged prefix, unless it was merged before the schema was widened (it lacks the added fields).</summary>
    private MergedPrefix? MergedLike(ImmutableArray<RowBatch> chunks)
    {
        var merged = Volatile.Read(ref _merged);
        return merged is not null && chunks.Length > 0 && merged.Batch.Columns.Count == chunks[^1].Columns.Count ? merged : null;
    }

    internal RowBatch EmptyBatch() => EmptyRows(_schema, [.. _schema.Fields.Select(f => f.FieldId)]);

    /// <summary>The given fields of the schema with no rows.</summary>
    public static RowBatch EmptyRows(CollectionSchema schema, ImmutableArray<long> fieldIds) =>
        new(schema.Fields.Where(f => fieldIds.Contains(f.FieldId)).ToImmutableDictionary(f => f.FieldId, EmptyColumn));

    private static Column EmptyColumn(FieldSchema field) => field.DataType switch
    {
        DataType.Bool => new ScalarColumn<bool>(DataType.Bool, []),
        DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(field.DataType, []),
        DataType.Int64 or DataType.Timestamptz => new ScalarColumn<long>(field.DataType, []),
        DataType.Float => new ScalarColumn<float>(DataType.Float, []),
        DataType.Double => new ScalarColumn<double>(DataType.Double, []),
        DataType.VarChar or DataType.String => new StringColumn([]),
        DataType.Json => new JsonColumn([]),
        DataType.Geometry => new GeometryColumn([]),
        DataType.Array => new ArrayColumn(field.ElementType, []),
        DataType.ArrayOfVector => new VectorArrayColumn(field.ElementType, field.Dim, []),
        DataType.FloatVector => new VectorColumn<float>(DataType.FloatVector, field.Dim, []),
        _ when field.DataType.IsPackedVector() => new VectorColumn<byte>(field.DataType, field.Dim, []),
        DataType.SparseFloatVector => new SparseVectorColumn([]),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"field type {field.DataType} is not supported"),
    };

    /// <summary>The interim index of a float-family vector field for a metric, built on first use from the rows published so far.</summary>
    internal GrowingVectorIndex ScanIndex(long fieldId, MetricType metric)
    {
        if (Volatile.Read(ref _scanIndexes).TryGetValue((fieldId, metric), out var index))
        {
            return index;
        }

        var field = _schema.FindField(fieldId) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {fieldId} does not exist");
        if (!field.DataType.IsFloatFamilyVector())
        {
            throw new MilvusException(ErrorCode.ServiceInternal, $"{field.DataType} field '{field.Name}' has no float scan index");
        }

        lock (_scanIndexLock)
        {
            if (_scanIndexes.TryGetValue((fieldId, metric), out index))
            {
                return index;
            }

            index = new GrowingVectorIndex(field.Dim, metric);
            var published = _published;
            if (published.RowCount > 0)
            {
                AddToScanIndex(index, Merge(published.Chunks, published.RowCount)[fieldId]);
            }

            Volatile.Write(ref _scanIndexes, _scanIndexes.Add((fieldId, metric), index));
            return index;
        }
    }

    private static void AddToScanIndex(GrowingVectorIndex index, Column vectors)
    {
        if (vectors is VectorColumn<float> floats)
        {
            index.Add(floats.Values);
        }
        else
        {
            index.Add(vectors.Type, ((VectorColumn<byte>)vectors).Values);
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _timestamps.Length)
        {
            return;
        }

        // New arrays, never resized in place: views taken before keep reading the old ones.
        var capacity = Math.Max(rows, _timestamps.Length * 2);
        Array.Resize(ref _timestamps, capacity);
        Array.Resize(ref _deletedAt, capacity);
        Array.Resize(ref _previousRowOfSamePk, capacity);
    }

    /// <summary>Approximate bytes of a batch's row data (what size-based seal policies and write grouping count).</summary>
    public static long EstimateBytes(RowBatch rows)
    {
        long bytes = 0;
        foreach (var column in rows.Columns.Values)
        {
            bytes += column switch
            {
                VectorColumn<float> v => v.Values.Length * sizeof(float),
                VectorColumn<byte> v => v.Values.Length,
                ScalarColumn<long> or ScalarColumn<double> => column.Count * 8L,
                StringColumn s => s.Values.Sum(v => (long)v.Length * 2 + 16),
                BytesColumn j => j.Values.Sum(v => (long)v.Length + 16),
                SparseVectorColumn v => v.Values.Sum(r => (long)r.Length + 16),
                ArrayColumn a => a.Values.Sum(v => (long)v.Length * 8 + 16),
                _ => column.Count * 4L,
            };
        }

        return bytes;
    }
}
