using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index;

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
/// batches; a loaded segment is built from its files (and index files). Not thread-safe: one actor owns it.
/// </summary>
/// <remarks>
/// Visibility at a read timestamp T: a row is visible iff its timestamp ≤ T and no delete of its primary key with
/// row.ts &lt; delete.ts ≤ T exists. Each row keeps the smallest such delete timestamp, so the test is two compares.
/// </remarks>
public sealed class Segment
{
    private readonly CollectionSchema _schema;
    private readonly FieldSchema _pk;
    private readonly List<RowBatch> _chunks = [];
    private readonly Dictionary<long, int> _lastRowOfLongPk = [];
    private readonly Dictionary<string, int> _lastRowOfStringPk = new(StringComparer.Ordinal);
    private readonly Dictionary<(long FieldId, MetricType Metric), GrowingVectorIndex> _scanIndexes = [];
    private readonly Dictionary<long, IVectorIndex> _builtIndexes = [];
    private ulong[] _timestamps = new ulong[256];
    private ulong[] _deletedAt = new ulong[256];
    private int[] _previousRowOfSamePk = new int[256];
    private RowBatch? _merged;

    public Segment(long id, long partitionId, CollectionSchema schema)
    {
        Id = id;
        PartitionId = partitionId;
        _schema = schema;
        _pk = schema.PrimaryKey;
        PrimaryKeys.CheckType(_pk.DataType);
        CreatedAt = LastWriteAt = DateTimeOffset.UtcNow;
    }

    public long Id { get; }

    public long PartitionId { get; }

    public SegmentState State { get; set; } = SegmentState.Growing;

    public int RowCount { get; private set; }

    /// <summary>Approximate bytes of row data, for size-based seal policies.</summary>
    public long EstimatedBytes { get; private set; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset LastWriteAt { get; private set; }

    public ulong MaxTimestamp { get; private set; }

    /// <summary>Builds a segment from rows read back from object storage, with the vector indexes built for it.</summary>
    public static Segment Load(long id, long partitionId, CollectionSchema schema, RowBatch rows, ReadOnlySpan<ulong> timestamps,
        IReadOnlyDictionary<long, IVectorIndex> indexes)
    {
        var segment = new Segment(id, partitionId, schema) { State = SegmentState.Flushed };
        segment.Append(rows, timestamps);
        foreach (var (fieldId, index) in indexes)
        {
            segment._builtIndexes[fieldId] = index;
        }

        return segment;
    }

    /// <summary>Appends a batch written at one timestamp (every row of an insert request shares it).</summary>
    public void Append(RowBatch rows, ulong timestamp)
    {
        var timestamps = new ulong[rows.RowCount];
        Array.Fill(timestamps, timestamp);
        Append(rows, timestamps);
    }

    /// <summary>Replaces the vector index of a field (an index built by a data node after the segment was loaded).</summary>
    public void AttachIndex(long fieldId, IVectorIndex index) => _builtIndexes[fieldId] = index;

    public bool HasIndex(long fieldId) => _builtIndexes.ContainsKey(fieldId);

    /// <summary>Appends rows that carry their own timestamps (restoring a snapshot).</summary>
    public void Append(RowBatch rows, ReadOnlySpan<ulong> timestamps)
    {
        if (State != SegmentState.Growing && RowCount > 0)
        {
            throw new InvalidOperationException($"segment {Id} is {State} and takes no more rows");
        }

        var start = RowCount;
        var end = start + rows.RowCount;
        EnsureCapacity(end);
        timestamps.CopyTo(_timestamps.AsSpan(start));
        _deletedAt.AsSpan(start, rows.RowCount).Fill(ulong.MaxValue);
        IndexPrimaryKeys(rows[_pk.FieldId], start);
        foreach (var ts in timestamps)
        {
            MaxTimestamp = Math.Max(MaxTimestamp, ts);
        }

        foreach (var ((fieldId, _), index) in _scanIndexes)
        {
            index.Add(((VectorColumn<float>)rows[fieldId]).Values);
        }

        _chunks.Add(rows);
        _merged = null;
        RowCount = end;
        EstimatedBytes += EstimateBytes(rows);
        LastWriteAt = DateTimeOffset.UtcNow;
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

                _deletedAt[row] = timestamp;
            }
        }

        return masked;
    }

    /// <summary>Rows visible at <paramref name="readTimestamp"/>.</summary>
    public Bitset Visible(ulong readTimestamp)
    {
        var visible = new Bitset(RowCount);
        for (var row = 0; row < RowCount; row++)
        {
            // ulong.MaxValue marks a row never deleted, and is also the "newest data" read timestamp.
            var deletedAt = _deletedAt[row];
            if (_timestamps[row] <= readTimestamp && (deletedAt == ulong.MaxValue || deletedAt > readTimestamp))
            {
                visible[row] = true;
            }
        }

        return visible;
    }

    /// <summary>The deletes recorded against this segment's rows: the delete log written when it is flushed.</summary>
    public (Column Pks, ulong[] Timestamps) DeletedRows()
    {
        var rows = new List<int>();
        for (var row = 0; row < RowCount; row++)
        {
            if (_deletedAt[row] != ulong.MaxValue)
            {
                rows.Add(row);
            }
        }

        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
        return (Rows[_pk.FieldId].Gather(span), rows.Select(r => _deletedAt[r]).ToArray());
    }

    /// <summary>All rows as one batch with their timestamps (what a flush writes).</summary>
    public (RowBatch Rows, ulong[] Timestamps) Snapshot() => (Rows, _timestamps.AsSpan(0, RowCount).ToArray());

    /// <summary>The rows as one batch; chunks appended since the last read are merged once, on demand.</summary>
    private RowBatch Rows => _merged ??= _chunks.Count == 0
        ? EmptyBatch()
        : _chunks.Count == 1 ? _chunks[0] : MergeChunks();

    private RowBatch MergeChunks()
    {
        var merged = RowBatch.Concat(_chunks);
        _chunks.Clear();
        _chunks.Add(merged);
        return merged;
    }

    private RowBatch EmptyBatch() =>
        new(_schema.Fields.ToImmutableDictionary(f => f.FieldId, f => EmptyColumn(f)));

    private static Column EmptyColumn(FieldSchema field) => field.DataType switch
    {
        DataType.Bool => new ScalarColumn<bool>(DataType.Bool, []),
        DataType.Int8 or DataType.Int16 or DataType.Int32 => new ScalarColumn<int>(field.DataType, []),
        DataType.Int64 => new ScalarColumn<long>(DataType.Int64, []),
        DataType.Float => new ScalarColumn<float>(DataType.Float, []),
        DataType.Double => new ScalarColumn<double>(DataType.Double, []),
        DataType.VarChar or DataType.String => new StringColumn([]),
        DataType.Json => new JsonColumn([]),
        DataType.Array => new ArrayColumn(field.ElementType, []),
        DataType.FloatVector => new VectorColumn<float>(DataType.FloatVector, field.Dim, []),
        DataType.BinaryVector => new VectorColumn<byte>(DataType.BinaryVector, field.Dim, []),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"field type {field.DataType} is not supported"),
    };

    /// <summary>Rows passing visibility, partition and filter: the allow-list of a search or the row set of a query.</summary>
    private Bitset? Candidates(ulong readTimestamp, ImmutableArray<long> partitionIds, FilterExpression? filter)
    {
        if (RowCount == 0 || (!partitionIds.IsDefaultOrEmpty && !partitionIds.Contains(PartitionId)))
        {
            return null;
        }

        var candidates = Visible(readTimestamp);
        if (filter is not null)
        {
            candidates.And(filter.Evaluate(Rows));
        }

        return candidates;
    }

    public SearchHits Search(SearchPlan plan, FilterExpression? filter)
    {
        var allow = Candidates(plan.ReadTimestamp, plan.PartitionIds, filter);
        if (allow is null || allow.PopCount() == 0)
        {
            return SearchHits.Empty(plan.Nq, _pk.DataType);
        }

        var offsets = new int[plan.Nq * plan.TopK];
        var scores = new float[plan.Nq * plan.TopK];
        var options = new SearchOptions
        {
            Params = plan.Params,
            Allow = allow,
            Radius = plan.Radius,
            RangeFilter = plan.RangeFilter,
        };
        if (_builtIndexes.TryGetValue(plan.FieldId, out var built))
        {
            if (built.Spec.Metric != plan.Metric)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"metric type {plan.Metric.ToMilvusName()} does not match the index metric {built.Spec.Metric.ToMilvusName()}");
            }

            built.Search(plan.Queries, plan.TopK, options, offsets, scores);
        }
        else
        {
            ScanIndex(plan.FieldId, plan.Metric).Search(plan.Queries, plan.TopK, options, offsets, scores);
        }

        return CollectHits(plan.Nq, plan.TopK, offsets, scores);
    }

    private GrowingVectorIndex ScanIndex(long fieldId, MetricType metric)
    {
        if (!_scanIndexes.TryGetValue((fieldId, metric), out var index))
        {
            var field = _schema.FindField(fieldId) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {fieldId} does not exist");
            if (field.DataType != DataType.FloatVector)
            {
                throw new MilvusException(ErrorCode.OperationNotSupported, $"searching {field.DataType} fields is not supported yet");
            }

            index = new GrowingVectorIndex(field.Dim, metric);
            if (RowCount > 0)
            {
                index.Add(((VectorColumn<float>)Rows[fieldId]).Values);
            }

            _scanIndexes[(fieldId, metric)] = index;
        }

        return index;
    }

    private SearchHits CollectHits(int nq, int topK, int[] offsets, float[] scores)
    {
        var bounds = new int[nq + 1];
        var rows = new List<int>(offsets.Length);
        var kept = new List<float>(offsets.Length);
        for (var q = 0; q < nq; q++)
        {
            for (var i = q * topK; i < (q + 1) * topK && offsets[i] >= 0; i++)
            {
                rows.Add(offsets[i]);
                kept.Add(scores[i]);
            }

            bounds[q + 1] = rows.Count;
        }

        var pks = Rows[_pk.FieldId].Gather(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        return new SearchHits(nq, bounds, pks, kept.ToArray());
    }

    public QueryRows Query(QueryPlan plan, FilterExpression? filter)
    {
        var candidates = Candidates(plan.ReadTimestamp, plan.PartitionIds, filter);
        if (candidates is null)
        {
            return plan.CountOnly
                ? QueryRows.CountOnly(_pk.DataType, 0)
                : new QueryRows(PrimaryKeys.EmptyColumn(_pk.DataType), [], EmptyBatch().Select(plan.OutputFieldIds), 0);
        }

        if (plan.CountOnly)
        {
            return QueryRows.CountOnly(_pk.DataType, candidates.PopCount());
        }

        var rows = new List<int>(candidates.PopCount());
        foreach (var row in candidates)
        {
            rows.Add(row);
        }

        var pkColumn = Rows[_pk.FieldId];
        rows.Sort((a, b) => PrimaryKeys.Compare(pkColumn, a, pkColumn, b));
        if (plan.Limit is { } limit && rows.Count > limit)
        {
            rows.RemoveRange(limit, rows.Count - limit);
        }

        var picked = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
        var timestamps = new ulong[picked.Length];
        for (var i = 0; i < picked.Length; i++)
        {
            timestamps[i] = _timestamps[picked[i]];
        }

        return new QueryRows(pkColumn.Gather(picked), timestamps, Rows.Select(plan.OutputFieldIds).Gather(picked), picked.Length);
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _timestamps.Length)
        {
            return;
        }

        var capacity = Math.Max(rows, _timestamps.Length * 2);
        Array.Resize(ref _timestamps, capacity);
        Array.Resize(ref _deletedAt, capacity);
        Array.Resize(ref _previousRowOfSamePk, capacity);
    }

    private static long EstimateBytes(RowBatch rows)
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
                JsonColumn j => j.Values.Sum(v => (long)v.Length + 16),
                ArrayColumn a => a.Values.Sum(v => (long)v.Length * 8 + 16),
                _ => column.Count * 4L,
            };
        }

        return bytes;
    }
}
