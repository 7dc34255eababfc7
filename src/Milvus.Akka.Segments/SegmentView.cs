using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index;

namespace Milvus.Akka.Segments;

/// <summary>
/// A read-only view of a <see cref="Segment"/> as it was when the view was taken: its rows, their timestamps and the
/// indexes attached then. Searching and retrieving through it needs no lock and runs on any thread while the segment's
/// owner keeps appending and deleting. One view serves one request on one thread (it caches the merged rows).
/// </summary>
public sealed class SegmentView
{
    private readonly Segment _segment;
    private readonly Segment.Published _state;
    private readonly ImmutableDictionary<long, AttachedIndex> _builtIndexes;
    private readonly ScalarIndexSet _scalarIndexes;
    private readonly bool _hasDeletes;
    private RowBatch? _rows;

    internal SegmentView(Segment segment, Segment.Published state, ImmutableDictionary<long, AttachedIndex> builtIndexes,
        ScalarIndexSet scalarIndexes, bool hasDeletes)
    {
        _segment = segment;
        _state = state;
        _builtIndexes = builtIndexes;
        _scalarIndexes = scalarIndexes;
        _hasDeletes = hasDeletes;
    }

    public long SegmentId => _segment.Id;

    /// <summary>One read per view with the same bound filter, in view order.</summary>
    public static List<T> ReadAll<T>(IReadOnlyList<SegmentView> views, FilterExpression? filter, Func<SegmentView, FilterExpression?, T> read)
    {
        var parts = new List<T>(views.Count);
        foreach (var view in views)
        {
            parts.Add(read(view, filter));
        }

        return parts;
    }

    public long PartitionId => _segment.PartitionId;

    public int RowCount => _state.RowCount;

    /// <summary>The view's rows as one batch, merged once per segment and shared by every later view.</summary>
    public RowBatch Rows => _rows ??= _segment.Merge(_state.Chunks, _state.RowCount);

    private FieldSchema PrimaryKey => _segment.Schema.PrimaryKey;

    /// <summary>Rows visible at <paramref name="readTimestamp"/> and inserted at or after <paramref name="expiredBefore"/> (the TTL's bound).</summary>
    /// <param name="includeDeleted">Rows deleted (or replaced by an upsert) by then are kept too: the rows the segment still holds.</param>
    public Bitset Visible(ulong readTimestamp, ulong expiredBefore = 0, bool includeDeleted = false)
    {
        if (AllVisible(readTimestamp, expiredBefore, includeDeleted))
        {
            return Bitset.AllSet(RowCount);
        }

        var visible = new Bitset(RowCount);
        var timestamps = _state.Timestamps;
        var deletedAtOf = _state.DeletedAt;
        for (var row = 0; row < RowCount; row++)
        {
            // ulong.MaxValue marks a row never deleted, and is also the "newest data" read timestamp.
            var deletedAt = includeDeleted ? ulong.MaxValue : Volatile.Read(ref deletedAtOf[row]);
            if (timestamps[row] <= readTimestamp && timestamps[row] >= expiredBefore && (deletedAt == ulong.MaxValue || deletedAt > readTimestamp))
            {
                visible[row] = true;
            }
        }

        return visible;
    }

    /// <summary>Every row is visible at <paramref name="readTimestamp"/>: none deleted, none written after it, none expired.</summary>
    private bool AllVisible(ulong readTimestamp, ulong expiredBefore, bool includeDeleted = false) =>
        (includeDeleted || !_hasDeletes) && readTimestamp >= _state.MaxTimestamp && (expiredBefore == 0 || _state.MinTimestamp >= expiredBefore);

    private bool Covers(ImmutableArray<long> partitionIds) =>
        RowCount > 0 && (partitionIds.IsDefaultOrEmpty || partitionIds.Contains(PartitionId));

    /// <summary>Rows passing visibility, partition, primary keys and filter: the allow-list of a search or the row set of a query.</summary>
    private Bitset? Candidates(ulong readTimestamp, ulong expiredBefore, ImmutableArray<long> partitionIds, Column? primaryKeys, FilterExpression? filter,
        bool includeDeleted = false)
    {
        if (!Covers(partitionIds))
        {
            return null;
        }

        var candidates = Visible(readTimestamp, expiredBefore, includeDeleted);
        if (primaryKeys is not null)
        {
            candidates.And(PrimaryKeys.Membership(Rows[PrimaryKey.FieldId], primaryKeys));
        }

        if (filter is not null)
        {
            // Scalar indexes cover a flushed segment's rows exactly; a view over other rows gets none (see ScalarIndexSet).
            candidates.And(filter.Evaluate(Rows, _scalarIndexes.IsEmpty ? null : _scalarIndexes));
        }

        return candidates;
    }

    /// <summary>The plan's hits in this segment; <see cref="SearchHits.SearchedRows"/> counts its rows when its partition was searched.</summary>
    public SearchHits Search(SearchPlan plan, FilterExpression? filter) =>
        SearchRows(plan, filter) with { SearchedRows = Covers(plan.PartitionIds) ? RowCount : 0 };

    private SearchHits SearchRows(SearchPlan plan, FilterExpression? filter)
    {
        // An index needs no allow-list when every entry is allowed, so the index skips the per-candidate test; the
        // common unfiltered search then builds none (a bitset of every row per search). Null vectors are never entries
        // of an index over the rows with a vector only.
        var indexed = _builtIndexes.TryGetValue(plan.FieldId, out var built);
        var vectorRows = NonNullVectors(plan.FieldId);
        Bitset? allow = null;
        var allowed = RowCount;
        var everyEntryAllowed = indexed && filter is null && (vectorRows is null || built!.Count < RowCount);
        if (!(everyEntryAllowed && Covers(plan.PartitionIds) && AllVisible(plan.ReadTimestamp, plan.ExpiredBefore)))
        {
            allow = Candidates(plan.ReadTimestamp, plan.ExpiredBefore, plan.PartitionIds, null, filter);
            if (allow is not null && vectorRows is not null)
            {
                allow.And(vectorRows);
            }

            allowed = allow?.PopCount() ?? 0;
            if (allowed == 0)
            {
                return SearchHits.Empty(plan.Nq, PrimaryKey.DataType) with
                {
                    Fields = WithElementOffsets(OutputColumns(plan.OutputFieldIds, []), IsElementLevel(plan) ? [] : null),
                };
            }

            // (Not for a struct's vectors: their index's entries are elements, not rows.)
            if (indexed && built!.ElementOfEntry is null && allowed == built.Count)
            {
                allow = null;
            }
        }

        if (plan.Grouping is not { } grouping)
        {
            return SearchTopK(plan, built, allow, filter);
        }

        // A grouping search widens its top-k until it holds TopK groups (full ones when strict) or every allowed row.
        for (var k = Math.Min(allowed, plan.TopK * grouping.Size * 2); ; k = Math.Min(allowed, k * 4))
        {
            var widened = plan with { TopK = k, Params = WithEfAtLeast(plan.Params, k), Grouping = null };
            var grouped = SearchReducer.Reduce([SearchTopK(widened, built, allow, filter)], plan.Nq, PrimaryKey.DataType, plan.Metric, 0, plan.TopK, grouping);
            if (k == allowed || HasEnoughGroups(grouped, plan.TopK, grouping))
            {
                return grouped;
            }
        }
    }

    /// <summary>
    /// The rows whose vector in the field is not null (a null vector is never a hit), or null when every row has one:
    /// the common case, found from the chunks without merging them.
    /// </summary>
    private Bitset? NonNullVectors(long fieldId)
    {
        foreach (var chunk in _state.Chunks)
        {
            if (chunk[fieldId].ValidRows is not null)
            {
                return Rows[fieldId].ValidRows;
            }
        }

        return null;
    }

    /// <summary>HNSW refuses an ef below top-k; a widened grouping search raises a caller's ef to its k.</summary>
    private static ImmutableDictionary<string, string> WithEfAtLeast(ImmutableDictionary<string, string> parameters, int k) =>
        parameters.TryGetValue(IndexParams.HnswEf, out var text) && int.TryParse(text, out var ef) && ef < k
            ? parameters.SetItem(IndexParams.HnswEf, k.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : parameters;

    /// <summary>Whether every query has <paramref name="groups"/> groups, each full when the grouping is strict.</summary>
    private static bool HasEnoughGroups(SearchHits hits, int groups, SearchGrouping grouping)
    {
        var keyOf = GroupKeys.Reader(hits.Fields!, grouping.FieldIds);
        for (var q = 0; q < hits.Nq; q++)
        {
            var found = 0;
            var size = 0;
            for (var hit = hits.Offsets[q]; hit < hits.Offsets[q + 1]; hit++)
            {
                // Hits come group by group, so a new group starts where the key changes.
                if (hit == hits.Offsets[q] || !keyOf(hit).Equals(keyOf(hit - 1)))
                {
                    if (found > 0 && grouping.Strict && size < grouping.Size)
                    {
                        return false;
                    }

                    found++;
                    size = 0;
                }

                size++;
            }

            if (found < groups || (grouping.Strict && size < grouping.Size))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The top-k of one search over <paramref name="built"/>, or over the rows themselves where no index is built;
    /// a null <paramref name="allow"/> allows every row.</summary>
    private SearchHits SearchTopK(SearchPlan plan, AttachedIndex? built, Bitset? allow, FilterExpression? filter)
    {
        var offsets = new int[plan.Nq * plan.TopK];
        var scores = new float[plan.Nq * plan.TopK];
        int[]? elements = null;
        if (Rows[plan.FieldId] is VectorArrayColumn lists)
        {
            elements = SearchStructVectors(plan, lists, built, allow, filter, offsets, scores);
        }
        else
        {
            SearchVectors(plan, built, allow, offsets, scores);
        }

        if (plan.Boost is { } boost)
        {
            Boosting.Apply(boost, Rows, _segment.Schema, SegmentId, plan.Metric, plan.Nq, plan.TopK, offsets, scores);
        }

        return CollectHits(plan, offsets, scores, elements);
    }

    private void SearchVectors(SearchPlan plan, AttachedIndex? built, Bitset? allow, int[] offsets, float[] scores)
    {
        var options = new SearchOptions
        {
            Params = plan.Params,
            Allow = built is null ? allow : built.EntriesAllowed(allow),
            Radius = plan.Radius,
            RangeFilter = plan.RangeFilter,
            Bm25 = plan.Bm25,
        };
        if (built is not null)
        {
            if (built.Index.Spec.Metric != plan.Metric)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"metric type {plan.Metric.ToMilvusName()} does not match the index metric {built.Index.Spec.Metric.ToMilvusName()}");
            }

            SearchIndex(built.Index, plan, options, offsets, scores);
            built.ToRows(offsets);
        }
        else
        {
            var vectors = Rows[plan.FieldId];
            switch (vectors)
            {
                case VectorColumn<byte> { Type: DataType.BinaryVector } binary:
                    SearchIndex(VectorIndexes.BinaryScan(plan.Metric, binary.Dim, binary.Values), plan, options, offsets, scores);
                    break;
                case SparseVectorColumn sparse:
                    SearchIndex(VectorIndexes.SparseScan(sparse.Values), plan, options, offsets, scores);
                    break;
                default:
                    // The scan index may hold rows appended after this view; the view's allow-list hides them.
                    _segment.ScanIndex(plan.FieldId, plan.Metric).Search(plan.Queries, plan.TopK, options, offsets, scores);
                    break;
            }
        }
    }

    /// <summary>
    /// A search of a struct's vectors; returns the element of each hit of an element-level search (null for embedding
    /// lists). Without an index the rows are scanned exactly. With one (built over the elements): an element-level search
    /// is the index's own search of the allowed elements; an embedding-list search takes, for each query vector, the rows
    /// of its <see cref="EmbeddingListCandidates"/> nearest elements and scores those rows exactly.
    /// </summary>
    private int[]? SearchStructVectors(SearchPlan plan, VectorArrayColumn lists, AttachedIndex? built, Bitset? allow, FilterExpression? filter,
        int[] offsets, float[] scores)
    {
        var elementLevel = plan.QueryLengths is null;
        var elements = elementLevel ? new int[offsets.Length] : null;
        // An element-level search scores only the elements its element_filter matches.
        var allowElements = elementLevel ? filter?.MatchingElements(Rows, _segment.Schema.FindField(plan.FieldId)!.StructFieldId) : null;
        if (built is null)
        {
            VectorListScan.Search(lists, plan.Metric, plan.Queries, plan.RawQueries, plan.QueryLengths, plan.Nq, plan.TopK, allow,
                offsets, scores, elements, allowElements);
            return elements;
        }

        if (built.Index.Spec.Metric != plan.Metric.ElementMetric())
        {
            throw new MilvusException(ErrorCode.ParameterInvalid,
                $"metric type {plan.Metric.ToMilvusName()} does not fit the index of struct vectors, built for {built.Index.Spec.Metric.ToMilvusName()}");
        }

        if (built.Count == 0)
        {
            // No row of the segment holds a struct.
            Array.Fill(offsets, -1);
            return elements;
        }

        var entries = built.EntriesAllowed(allow ?? Bitset.AllSet(RowCount))!;
        if (allowElements is not null)
        {
            entries.And(allowElements);
        }

        var options = new SearchOptions { Params = plan.Params, Allow = entries };
        if (elementLevel)
        {
            SearchIndex(built.Index, plan.FieldId, plan.Queries, plan.RawQueries, plan.Nq, plan.TopK, options, offsets, scores);
            for (var i = 0; i < offsets.Length; i++)
            {
                elements![i] = offsets[i] >= 0 ? built.ElementOfEntry![offsets[i]] : 0;
            }

            built.ToRows(offsets);
            return elements;
        }

        var k = Math.Min(built.Count, Math.Max(plan.TopK * EmbeddingListCandidates, MinEmbeddingListCandidates));
        options = options with { Params = WithEfAtLeast(plan.Params, k) };
        var dim = lists.ElementType == DataType.BinaryVector ? 0 : lists.Dim;
        for (int q = 0, first = 0; q < plan.Nq; first += plan.QueryLengths![q], q++)
        {
            var count = plan.QueryLengths![q];
            var found = new int[count * k];
            SearchIndex(built.Index, plan.FieldId, plan.Queries.AsSpan(first * dim, count * dim), plan.RawQueries?[first..(first + count)], count, k, options,
                found, new float[found.Length]);
            built.ToRows(found);
            var candidates = new Bitset(RowCount);
            foreach (var row in found)
            {
                if (row >= 0)
                {
                    candidates[row] = true;
                }
            }

            VectorListScan.Search(lists, plan.Metric, plan.Queries.AsSpan(first * dim, count * dim), plan.RawQueries?[first..(first + count)], [count], 1,
                plan.TopK, candidates, offsets.AsSpan(q * plan.TopK, plan.TopK), scores.AsSpan(q * plan.TopK, plan.TopK), []);
        }

        return null;
    }

    /// <summary>
    /// An embedding-list search through an element index scores exactly the rows among each query vector's
    /// TopK × this nearest elements (at least <see cref="MinEmbeddingListCandidates"/>): a row outside them for every query
    /// vector is missed, as with Milvus's index over the elements.
    /// </summary>
    private const int EmbeddingListCandidates = 10;

    private const int MinEmbeddingListCandidates = 256;

    private static void SearchIndex(IFieldIndex index, SearchPlan plan, SearchOptions options, int[] offsets, float[] scores) =>
        SearchIndex(index, plan.FieldId, plan.Queries, plan.RawQueries, plan.Nq, plan.TopK, options, offsets, scores);

    /// <summary>
    /// The best <paramref name="k"/> entries of <paramref name="index"/> for each of <paramref name="queryCount"/> query
    /// vectors: <paramref name="floats"/> for float indexes, one <paramref name="raw"/> vector each for binary and sparse ones.
    /// </summary>
    private static void SearchIndex(IFieldIndex index, long fieldId, ReadOnlySpan<float> floats, byte[][]? raw, int queryCount, int k,
        SearchOptions options, Span<int> offsets, Span<float> scores)
    {
        switch (index)
        {
            case IVectorIndex vectors:
                vectors.Search(floats, k, options, offsets, scores);
                break;
            case IBinaryVectorIndex binary:
                binary.Search(Concat(RawQueries(raw, queryCount, fieldId)), k, options, offsets, scores);
                break;
            case ISparseVectorIndex sparse:
                sparse.Search(RawQueries(raw, queryCount, fieldId), k, options, offsets, scores);
                break;
            default:
                throw new MilvusException(ErrorCode.ServiceInternal, $"no search for index {index.GetType().Name}");
        }
    }

    private static byte[][] RawQueries(byte[][]? raw, int queryCount, long fieldId) => raw is { Length: > 0 } && raw.Length == queryCount
        ? raw
        : throw new MilvusException(ErrorCode.ParameterInvalid, $"the search of field {fieldId} needs {queryCount} binary or sparse query vectors");

    /// <summary>Binary queries row after row, as the binary indexes take them.</summary>
    private static byte[] Concat(byte[][] raw)
    {
        var result = new byte[raw.Sum(q => q.Length)];
        var offset = 0;
        foreach (var query in raw)
        {
            query.CopyTo(result, offset);
            offset += query.Length;
        }

        return result;
    }

    /// <summary>Compacts the index's fixed-width top-k slots into hits, with the primary keys and output fields of each.</summary>
    private SearchHits CollectHits(SearchPlan plan, int[] offsets, float[] scores, int[]? elements)
    {
        var bounds = new int[plan.Nq + 1];
        var count = 0;
        for (var q = 0; q < plan.Nq; q++)
        {
            for (var i = q * plan.TopK; i < (q + 1) * plan.TopK && offsets[i] >= 0; i++)
            {
                // Compaction in place: the write position never passes the read position.
                offsets[count] = offsets[i];
                scores[count] = scores[i];
                if (elements is not null)
                {
                    elements[count] = elements[i];
                }

                count++;
            }

            bounds[q + 1] = count;
        }

        var rows = offsets.AsSpan(0, count);
        return new SearchHits(plan.Nq, bounds, Rows[PrimaryKey.FieldId].Gather(rows), scores.AsSpan(0, count).ToArray(),
            WithElementOffsets(OutputColumns(plan.OutputFieldIds, rows), elements?[..count]));
    }

    /// <summary>An element-level search's hits carry their elements' positions as a column of their fields.</summary>
    private static RowBatch? WithElementOffsets(RowBatch? fields, int[]? elements) => elements is null
        ? fields
        : new RowBatch((fields?.Columns ?? ImmutableDictionary<long, Column>.Empty)
            .SetItem(SearchPlan.ElementOffsetsFieldId, new ScalarColumn<int>(DataType.Int32, elements)));

    private static RowBatch WithEmptyElementOffsets(RowBatch fields, QueryPlan plan) => plan.OutputFieldIds.Contains(SearchPlan.ElementOffsetsFieldId)
        ? new RowBatch(fields.Columns.SetItem(SearchPlan.ElementOffsetsFieldId, new ArrayColumn(DataType.Int32, [])))
        : fields;

    /// <summary>Whether the plan searches a struct's vectors element by element (its hits carry element offsets).</summary>
    private bool IsElementLevel(SearchPlan plan) =>
        plan.QueryLengths is null && _segment.Schema.FindField(plan.FieldId)?.DataType == DataType.ArrayOfVector;

    private RowBatch? OutputColumns(ImmutableArray<long> fieldIds, ReadOnlySpan<int> rows)
    {
        if (fieldIds.IsDefaultOrEmpty)
        {
            return null;
        }

        return RowCount == 0 ? _segment.EmptyBatch().Select(fieldIds) : Rows.Select(fieldIds).Gather(rows);
    }

    /// <summary>This segment's part of the collection's BM25 statistics: its visible rows, whatever their partition.</summary>
    public Bm25Stats Bm25Statistics(Bm25StatsPlan plan) => RowCount == 0
        ? Bm25Stats.Empty(plan.Terms.Length)
        : Bm25Stats.Count((SparseVectorColumn)Rows[plan.FieldId], Visible(plan.ReadTimestamp, plan.ExpiredBefore), plan.Terms);

    public QueryRows Query(QueryPlan plan, FilterExpression? filter)
    {
        var candidates = Candidates(plan.ReadTimestamp, plan.ExpiredBefore, plan.PartitionIds, plan.PrimaryKeys, filter, plan.IncludeDeleted);
        if (plan.Aggregation is { } aggregation)
        {
            // Every matching row counts, each stored version of a key as count(*) counts it; one state row per group leaves.
            var inputs = aggregation.InputFieldIds;
            var states = AggregationStates.Partial(aggregation,
                candidates is null || RowCount == 0 ? _segment.EmptyBatch().Select(inputs) : Rows.Select(inputs).Gather(candidates.SetBits()));
            return new QueryRows(PrimaryKeys.EmptyColumn(PrimaryKey.DataType), [], states, states.RowCount);
        }

        if (candidates is null)
        {
            return plan.CountOnly
                ? QueryRows.CountOnly(PrimaryKey.DataType, 0)
                : new QueryRows(PrimaryKeys.EmptyColumn(PrimaryKey.DataType), [], WithEmptyElementOffsets(_segment.EmptyBatch().Select(plan.OutputFieldIds), plan), 0);
        }

        if (plan.CountOnly)
        {
            return QueryRows.CountOnly(PrimaryKey.DataType, candidates.PopCount());
        }

        var rows = new List<int>(candidates.PopCount());
        foreach (var row in candidates)
        {
            rows.Add(row);
        }

        var pkColumn = Rows[PrimaryKey.FieldId];
        Comparison<int> byPk = (a, b) => PrimaryKeys.Compare(pkColumn, a, pkColumn, b);
        var byKeys = plan.OrderBy.IsEmpty ? null : RowOrdering.RowComparer(Rows, plan.OrderBy);
        rows = RowOrdering.First(rows, plan.Limit, byKeys is null ? byPk : (a, b) => byKeys(a, b) is var order and not 0 ? order : byPk(a, b));

        var picked = CollectionsMarshal.AsSpan(rows);
        var timestamps = new ulong[picked.Length];
        for (var i = 0; i < picked.Length; i++)
        {
            timestamps[i] = _state.Timestamps[picked[i]];
        }

        var fields = Rows.Select(plan.OutputFieldIds).Gather(picked);
        if (filter is { IsElementLevel: true } && plan.OutputFieldIds.Contains(SearchPlan.ElementOffsetsFieldId))
        {
            // An element-level query answers which elements of each row matched.
            var elements = filter.MatchedElements(Rows, picked);
            fields = new RowBatch(fields.Columns.SetItem(SearchPlan.ElementOffsetsFieldId, new ArrayColumn(DataType.Int32, elements)));
        }

        return new QueryRows(pkColumn.Gather(picked), timestamps, fields, picked.Length);
    }
}
