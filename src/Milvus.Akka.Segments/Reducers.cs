using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>
/// Merges per-segment or per-shard search results: a k-way merge by score in the metric's direction that keeps
/// the first (best) hit of each primary key, then skips <c>offset</c> hits and keeps <c>limit</c>. With a grouping,
/// offset and limit count groups (see <see cref="ReduceGrouped"/>).
/// The same code reduces at the segment (grouping), the shard delegator and the proxy.
/// </summary>
public static class SearchReducer
{
    public static SearchHits Reduce(IReadOnlyList<SearchHits> parts, int nq, DataType pkType, MetricType metric, int offset, int limit,
        SearchGrouping? grouping = null)
    {
        if (grouping is not null)
        {
            return ReduceGrouped(parts, nq, pkType, metric, offset, limit, grouping);
        }

        if (parts.Count == 1 && offset == 0 && AllWithin(parts[0], limit))
        {
            return parts[0];
        }

        var higherIsBetter = metric.HigherIsBetter();
        var bounds = new int[nq + 1];
        var picks = new List<(int Source, int Row)>();
        var scores = new List<float>();
        var cursors = new int[parts.Count];
        var seenLong = new HashSet<long>();
        var seenString = new HashSet<string>(StringComparer.Ordinal);
        // Element-level hits of a struct's vectors: one per element, so a key may come back once per element.
        var elements = parts.Select(p => p.Fields is { } f && f.Columns.TryGetValue(SearchPlan.ElementOffsetsFieldId, out var c) ? (ScalarColumn<int>)c : null).ToList();
        var seenElements = new HashSet<(object, int)>();
        for (var q = 0; q < nq; q++)
        {
            seenLong.Clear();
            seenString.Clear();
            seenElements.Clear();
            for (var p = 0; p < parts.Count; p++)
            {
                cursors[p] = parts[p].Offsets[q];
            }

            var skipped = 0;
            var taken = 0;
            while (taken < limit)
            {
                var best = -1;
                var bestScore = 0f;
                for (var p = 0; p < parts.Count; p++)
                {
                    if (cursors[p] >= parts[p].Offsets[q + 1])
                    {
                        continue;
                    }

                    var score = parts[p].Scores[cursors[p]];
                    if (best < 0 || (higherIsBetter ? score > bestScore : score < bestScore))
                    {
                        best = p;
                        bestScore = score;
                    }
                }

                if (best < 0)
                {
                    break;
                }

                var row = cursors[best]++;
                var pks = parts[best].Pks;
                var fresh = elements[best] is { } elementOffsets
                    ? seenElements.Add((pks.GetValue(row)!, elementOffsets.Values[row]))
                    : pks is ScalarColumn<long> longs
                    ? seenLong.Add(longs.Values[row])
                    : seenString.Add(((StringColumn)pks).Values[row]);
                if (!fresh)
                {
                    continue;
                }

                if (skipped < offset)
                {
                    skipped++;
                    continue;
                }

                picks.Add((best, row));
                scores.Add(bestScore);
                taken++;
            }

            bounds[q + 1] = picks.Count;
        }

        var picked = CollectionsMarshal.AsSpan(picks);
        var pkColumn = PrimaryKeys.Pick(pkType, parts.Select(p => p.Pks).ToList(), picked);
        return new SearchHits(nq, bounds, pkColumn, scores.ToArray(), ReducedFields.PickHits(parts, picked)) { SearchedRows = parts.Sum(p => p.SearchedRows) };
    }

    /// <summary>
    /// Grouped results: every hit of every part best first (parts come group by group, not in score order), the first
    /// hit of each primary key joining the group of its grouping fields' values while the group has room; groups rank by
    /// their best hit, <paramref name="offset"/> and <paramref name="limit"/> count groups, and hits return group by group.
    /// </summary>
    private static SearchHits ReduceGrouped(IReadOnlyList<SearchHits> parts, int nq, DataType pkType, MetricType metric, int offset, int limit,
        SearchGrouping grouping)
    {
        var sign = metric.HigherIsBetter() ? -1f : 1f;
        var bounds = new int[nq + 1];
        var picks = new List<(int Source, int Row)>();
        var scores = new List<float>();
        var candidates = new List<(int Source, int Row, float Score)>();
        var seen = new HashSet<object>();
        var groups = new Dictionary<object, List<(int Source, int Row, float Score)>>();
        var groupOrder = new List<List<(int Source, int Row, float Score)>>();
        // Parts without hits may come without fields (a shard without segments).
        var keyOf = parts.Select(p => p.Fields is { } fields ? GroupKeys.Reader(fields, grouping.FieldIds) : null).ToArray();
        for (var q = 0; q < nq; q++)
        {
            candidates.Clear();
            seen.Clear();
            groups.Clear();
            groupOrder.Clear();
            for (var p = 0; p < parts.Count; p++)
            {
                for (var row = parts[p].Offsets[q]; row < parts[p].Offsets[q + 1]; row++)
                {
                    candidates.Add((p, row, parts[p].Scores[row]));
                }
            }

            // Ties keep part and row order, so a reduce is deterministic.
            candidates.Sort((a, b) => (sign * a.Score).CompareTo(sign * b.Score) is var byScore and not 0
                ? byScore
                : a.Source != b.Source ? a.Source.CompareTo(b.Source) : a.Row.CompareTo(b.Row));
            foreach (var candidate in candidates)
            {
                if (!seen.Add(parts[candidate.Source].Pks.GetValue(candidate.Row)!))
                {
                    continue;
                }

                var key = keyOf[candidate.Source]!(candidate.Row);
                if (!groups.TryGetValue(key, out var members))
                {
                    groups[key] = members = [];
                    groupOrder.Add(members);
                }

                if (members.Count < grouping.Size)
                {
                    members.Add(candidate);
                }
            }

            foreach (var members in groupOrder.Skip(offset).Take(limit))
            {
                foreach (var (source, row, score) in members)
                {
                    picks.Add((source, row));
                    scores.Add(score);
                }
            }

            bounds[q + 1] = picks.Count;
        }

        var picked = CollectionsMarshal.AsSpan(picks);
        var pkColumn = PrimaryKeys.Pick(pkType, parts.Select(p => p.Pks).ToList(), picked);
        return new SearchHits(nq, bounds, pkColumn, scores.ToArray(), ReducedFields.PickHits(parts, picked))
        {
            SearchedRows = parts.Sum(p => p.SearchedRows),
        };
    }

    private static bool AllWithin(SearchHits hits, int limit)
    {
        for (var q = 0; q < hits.Nq; q++)
        {
            if (hits.Count(q) > limit)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// Merges retrieval results from several segments or shards: ordered by primary key, one row per key (the newest
/// version wins), then <c>offset</c> and <c>limit</c>; with ORDER BY keys the unique rows are ordered by them (ties by
/// primary key) before the page is cut. count(*) results are summed; an aggregation's partial states merged.
/// </summary>
public static class QueryReducer
{
    public static QueryRows Reduce(IReadOnlyList<QueryRows> parts, DataType pkType, ImmutableArray<long> outputFieldIds,
        bool countOnly, int offset, int? limit, ImmutableArray<OrderKey> orderBy = default, AggregationPlan? aggregation = null)
    {
        if (countOnly)
        {
            return QueryRows.CountOnly(pkType, parts.Sum(p => p.Count));
        }

        if (aggregation is not null)
        {
            var states = AggregationStates.Merge(aggregation, parts.Select(p => p.Fields)) ?? new RowBatch(ImmutableDictionary<long, Column>.Empty);
            return new QueryRows(PrimaryKeys.EmptyColumn(pkType), [], states, states.Columns.IsEmpty ? 0 : states.RowCount);
        }

        var order = new List<(int Source, int Row)>();
        for (var p = 0; p < parts.Count; p++)
        {
            for (var r = 0; r < parts[p].Pks.Count; r++)
            {
                order.Add((p, r));
            }
        }

        // Newest version first within equal keys, so the first of each run is the one to keep.
        order.Sort((a, b) =>
        {
            var byKey = PrimaryKeys.Compare(parts[a.Source].Pks, a.Row, parts[b.Source].Pks, b.Row);
            return byKey != 0 ? byKey : parts[b.Source].Timestamps[b.Row].CompareTo(parts[a.Source].Timestamps[a.Row]);
        });

        // Ordered by keys, every unique row is a candidate for the page; by primary key the page is the first ones.
        var byKeys = !orderBy.IsDefaultOrEmpty;
        var kept = new List<(int Source, int Row)>();
        var skipped = 0;
        for (var i = 0; i < order.Count && (byKeys || limit is null || kept.Count < limit); i++)
        {
            if (i > 0 && PrimaryKeys.Compare(parts[order[i].Source].Pks, order[i].Row, parts[order[i - 1].Source].Pks, order[i - 1].Row) == 0)
            {
                continue;
            }

            if (!byKeys && skipped < offset)
            {
                skipped++;
                continue;
            }

            kept.Add(order[i]);
        }

        if (byKeys)
        {
            // The unique rows are in primary-key order, so their positions break ties by primary key.
            var unique = kept;
            var first = RowOrdering.First([.. Enumerable.Range(0, unique.Count)], offset + limit, (a, b) =>
                RowOrdering.Compare(parts[unique[a].Source].Fields, unique[a].Row, parts[unique[b].Source].Fields, unique[b].Row, orderBy) is var c and not 0
                    ? c
                    : a.CompareTo(b));
            kept = [.. first.Skip(offset).Select(position => unique[position])];
        }

        var picks = CollectionsMarshal.AsSpan(kept);
        var pks = PrimaryKeys.Pick(pkType, parts.Select(p => p.Pks).ToList(), picks);
        var timestamps = new ulong[picks.Length];
        for (var i = 0; i < picks.Length; i++)
        {
            timestamps[i] = parts[picks[i].Source].Timestamps[picks[i].Row];
        }

        return new QueryRows(pks, timestamps, ReducedFields.Pick(parts.Select(p => p.Fields.Select(outputFieldIds)).ToList(), picks), picks.Length);
    }
}

/// <summary>The output fields of a reduce: the picked (part, row) pairs of the parts' field batches, in pick order.</summary>
internal static class ReducedFields
{
    private static readonly RowBatch NoColumns = new(ImmutableDictionary<long, Column>.Empty);

    /// <summary>The fields of picked hits; null when no part carries fields (one without hits, from an empty shard, may carry none).</summary>
    public static RowBatch? PickHits(IReadOnlyList<SearchHits> parts, ReadOnlySpan<(int Source, int Row)> picks) =>
        parts.Any(p => p.Fields is not null) ? Pick(parts.Select(p => p.Fields ?? NoColumns).ToList(), picks) : null;

    public static RowBatch Pick(IReadOnlyList<RowBatch> parts, ReadOnlySpan<(int Source, int Row)> picks)
    {
        if (parts.Count == 0)
        {
            return new RowBatch(ImmutableDictionary<long, Column>.Empty);
        }

        // Parts are already cut to offset + limit rows each, so one concatenation and one gather is cheap. Empty parts
        // are left out: one without rows may carry no columns at all (a count or an empty shard).
        var starts = new int[parts.Count];
        var withRows = new List<RowBatch>(parts.Count);
        var total = 0;
        for (var p = 0; p < parts.Count; p++)
        {
            starts[p] = total;
            if (parts[p].RowCount > 0)
            {
                withRows.Add(parts[p]);
                total += parts[p].RowCount;
            }
        }

        if (withRows.Count == 0)
        {
            return parts.MaxBy(p => p.Columns.Count)!;
        }

        var rows = new int[picks.Length];
        for (var i = 0; i < picks.Length; i++)
        {
            rows[i] = starts[picks[i].Source] + picks[i].Row;
        }

        return RowBatch.Concat(withRows).Gather(rows);
    }
}
