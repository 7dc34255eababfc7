using System.Buffers;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Sparse;

/// <summary>
/// SPARSE_INVERTED_INDEX and SPARSE_WAND: one posting list (row, value) per index, searched term at a time into a
/// score accumulator, so a query costs the length of its posting lists, not the segment's size. Both names are
/// exact (WAND is Milvus's pruning of the same inverted lists; its results are the same): IP scores, descending;
/// rows sharing no index with the query are no match. <c>drop_ratio_search</c> drops that fraction of the query's
/// smallest values first, as Milvus does.
/// </summary>
internal sealed class SparseInvertedIndex : ISparseVectorIndex
{
    public const string DropRatioSearch = "drop_ratio_search";

    private readonly uint[] _terms;
    private readonly int[] _starts;
    private readonly int[] _rows;
    private readonly float[] _values;

    // Each row's document length (the sum of its values), for BM25 searches; computed at the first one.
    private float[]? _docLengths;

    private SparseInvertedIndex(IndexSpec spec, int count, uint[] terms, int[] starts, int[] rows, float[] values)
    {
        Spec = spec;
        Count = count;
        _terms = terms;
        _starts = starts;
        _rows = rows;
        _values = values;
    }

    public IndexSpec Spec { get; }

    public int Count { get; }

    public static SparseInvertedIndex Build(IndexSpec spec, IReadOnlyList<byte[]> rows)
    {
        var postings = new SortedDictionary<uint, int>();
        long total = 0;
        foreach (var row in rows)
        {
            for (var i = 0; i < SparseVectors.Length(row); i++)
            {
                var term = SparseVectors.Index(row, i);
                postings[term] = postings.GetValueOrDefault(term) + 1;
                total++;
            }
        }

        var terms = postings.Keys.ToArray();
        var starts = new int[terms.Length + 1];
        for (var t = 0; t < terms.Length; t++)
        {
            starts[t + 1] = starts[t] + postings[terms[t]];
        }

        var next = starts[..^1];
        var postingRows = new int[total];
        var postingValues = new float[total];
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            for (var i = 0; i < SparseVectors.Length(row); i++)
            {
                var slot = next[Array.BinarySearch(terms, SparseVectors.Index(row, i))]++;
                postingRows[slot] = r;
                postingValues[slot] = SparseVectors.Value(row, i);
            }
        }

        return new SparseInvertedIndex(spec, rows.Count, terms, starts, postingRows, postingValues);
    }

    public static SparseInvertedIndex Read(IndexSpec spec, int count, ref IndexFileReader reader)
    {
        var termCount = reader.ReadInt32();
        var terms = reader.ReadArray<uint>(termCount);
        var starts = reader.ReadArray<int>(termCount + 1);
        var rows = reader.ReadArray<int>(starts[^1]);
        var values = reader.ReadArray<float>(starts[^1]);
        if (rows.Any(r => (uint)r >= (uint)count))
        {
            throw IndexFile.Corrupt("corrupt sparse index file: a posting names a row past the segment's rows");
        }

        return new SparseInvertedIndex(spec, count, terms, starts, rows, values);
    }

    public void Search(IReadOnlyList<byte[]> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores)
    {
        var filter = QueryFilter.Create(options, MetricType.IP, Count);
        var dropRatio = DropRatio(options.Params);
        var bm25 = options.Bm25;
        var docLengths = bm25 is null ? null : DocLengths();
        var accumulator = ArrayPool<float>.Shared.Rent(Math.Max(Count, 1));
        var touched = new Bitset(Count);
        try
        {
            for (var q = 0; q < queries.Count; q++)
            {
                var query = queries[q];
                var keep = KeptValueFloor(query, dropRatio);
                touched.ClearAll();
                for (var i = 0; i < SparseVectors.Length(query); i++)
                {
                    var value = SparseVectors.Value(query, i);
                    var term = Array.BinarySearch(_terms, SparseVectors.Index(query, i));
                    if (term < 0 || Math.Abs(value) < keep)
                    {
                        continue;
                    }

                    for (var p = _starts[term]; p < _starts[term + 1]; p++)
                    {
                        var row = _rows[p];
                        if (!touched[row])
                        {
                            touched[row] = true;
                            accumulator[row] = 0;
                        }

                        accumulator[row] += value * (bm25 is null ? _values[p] : bm25.TermScore(_values[p], docLengths![row]));
                    }
                }

                var top = new TopK(offsets.Slice(q * k, k), scores.Slice(q * k, k));
                foreach (var row in touched)
                {
                    // Internal distances are lower-is-better; IP scores are negated in and out.
                    if (filter.Allows(row) && filter.InRange(-accumulator[row]))
                    {
                        top.Push(row, -accumulator[row]);
                    }
                }

                SparseResults.Write(ref top, offsets.Slice(q * k, k), scores.Slice(q * k, k));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(accumulator);
        }
    }

    private float[] DocLengths()
    {
        if (Volatile.Read(ref _docLengths) is { } known)
        {
            return known;
        }

        // Two first searches at once both compute the same lengths; either result may be kept.
        var lengths = new float[Count];
        for (var p = 0; p < _rows.Length; p++)
        {
            lengths[_rows[p]] += _values[p];
        }

        Volatile.Write(ref _docLengths, lengths);
        return lengths;
    }

    public void Save(Stream destination)
    {
        var writer = new IndexFileWriter(destination, Spec, 0, Count);
        writer.WriteInt32(_terms.Length);
        writer.WriteArray<uint>(_terms);
        writer.WriteArray<int>(_starts);
        writer.WriteArray<int>(_rows);
        writer.WriteArray<float>(_values);
        writer.Complete();
    }

    public static float DropRatio(IReadOnlyDictionary<string, string> parameters)
    {
        if (!parameters.TryGetValue(DropRatioSearch, out var text))
        {
            return 0;
        }

        return float.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio)
            && ratio is >= 0 and < 1
            ? ratio
            : throw new MilvusException(ErrorCode.ParameterInvalid, $"parameter '{DropRatioSearch}' must be a number in [0, 1), got '{text}'");
    }

    /// <summary>The smallest absolute query value kept when the smallest <paramref name="dropRatio"/> of them are dropped.</summary>
    public static float KeptValueFloor(ReadOnlySpan<byte> query, float dropRatio)
    {
        var n = SparseVectors.Length(query);
        var drop = (int)(n * dropRatio);
        if (drop == 0)
        {
            return 0;
        }

        var magnitudes = new float[n];
        for (var i = 0; i < n; i++)
        {
            magnitudes[i] = Math.Abs(SparseVectors.Value(query, i));
        }

        Array.Sort(magnitudes);
        return magnitudes[drop];
    }
}

/// <summary>The exact scan of sparse rows without an index: growing segments and sealed ones not indexed yet.</summary>
internal sealed class SparseScan(byte[][] rows) : ISparseVectorIndex
{
    public IndexSpec Spec { get; } = new(IndexType.SparseInvertedIndex, MetricType.IP);

    public int Count => rows.Length;

    public void Search(IReadOnlyList<byte[]> queries, int k, SearchOptions options, Span<int> offsets, Span<float> scores)
    {
        var filter = QueryFilter.Create(options, MetricType.IP, Count);
        var dropRatio = SparseInvertedIndex.DropRatio(options.Params);
        for (var q = 0; q < queries.Count; q++)
        {
            var query = dropRatio > 0 ? Pruned(queries[q], dropRatio) : queries[q];
            var top = new TopK(offsets.Slice(q * k, k), scores.Slice(q * k, k));
            for (var row = 0; row < rows.Length; row++)
            {
                if (!filter.Allows(row))
                {
                    continue;
                }

                var (dot, overlaps) = options.Bm25 is { } bm25 ? bm25.Score(query, rows[row]) : SparseVectors.Dot(query, rows[row]);
                if (overlaps && filter.InRange(-dot))
                {
                    top.Push(row, -dot);
                }
            }

            SparseResults.Write(ref top, offsets.Slice(q * k, k), scores.Slice(q * k, k));
        }
    }

    public void Save(Stream destination) =>
        throw new MilvusException(ErrorCode.ServiceInternal, "a sparse scan is not an index file; build SPARSE_INVERTED_INDEX instead");

    private static byte[] Pruned(byte[] query, float dropRatio)
    {
        var floor = SparseInvertedIndex.KeptValueFloor(query, dropRatio);
        var kept = new List<byte>(query.Length);
        for (var i = 0; i < SparseVectors.Length(query); i++)
        {
            if (Math.Abs(SparseVectors.Value(query, i)) >= floor)
            {
                kept.AddRange(query.AsSpan(i * SparseVectors.PairBytes, SparseVectors.PairBytes));
            }
        }

        return [.. kept];
    }
}

internal static class SparseResults
{
    /// <summary>Best first as IP scores (the negated internal distances), unused slots offset -1 and score -∞.</summary>
    public static void Write(ref TopK top, Span<int> offsets, Span<float> scores)
    {
        var found = top.SortBestFirst();
        for (var i = 0; i < found; i++)
        {
            scores[i] = -scores[i];
        }

        offsets[found..].Fill(-1);
        scores[found..].Fill(float.NegativeInfinity);
    }
}
