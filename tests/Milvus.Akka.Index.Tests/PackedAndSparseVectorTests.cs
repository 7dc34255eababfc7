using System.Buffers.Binary;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Sparse;

namespace Milvus.Akka.Index.Tests;

/// <summary>
/// The packed float-family conversions against the scalar definitions, and the sparse inverted index against a
/// brute-force inner product over the same rows.
/// </summary>
public class PackedAndSparseVectorTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Packed_conversions_equal_the_scalar_definitions(int length)
    {
        var random = new Random(length);
        var bytes = new byte[length * 2];
        random.NextBytes(bytes);

        var half = PackedVectors.ToSingle(DataType.Float16Vector, bytes);
        var brain = PackedVectors.ToSingle(DataType.BFloat16Vector, bytes);
        var small = PackedVectors.ToSingle(DataType.Int8Vector, bytes);
        Assert.Equal(length, half.Length);
        Assert.Equal(length * 2, small.Length);
        for (var i = 0; i < length; i++)
        {
            var bits = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2));
            Assert.Equal(BitConverter.SingleToInt32Bits((float)BitConverter.UInt16BitsToHalf(bits)), BitConverter.SingleToInt32Bits(half[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(BitConverter.Int32BitsToSingle(bits << 16)), BitConverter.SingleToInt32Bits(brain[i]));
        }

        for (var i = 0; i < length * 2; i++)
        {
            Assert.Equal((sbyte)bytes[i], small[i]);
        }
    }

    private static byte[] SparseRow(Random random, int terms, int vocabulary)
    {
        var indices = Enumerable.Range(0, terms).Select(_ => (uint)random.Next(vocabulary)).Distinct().Order().ToArray();
        var row = new byte[indices.Length * SparseVectors.PairBytes];
        for (var i = 0; i < indices.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(row.AsSpan(i * 8), indices[i]);
            BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan((i * 8) + 4), (random.NextSingle() * 2) - 0.5f);
        }

        return row;
    }

    /// <summary>The exact answer: rows sharing an index with the query, by inner product descending.</summary>
    private static List<(int Row, float Score)> Oracle(byte[][] rows, byte[] query, Bitset? allow)
    {
        var matches = new List<(int Row, float Score)>();
        for (var row = 0; row < rows.Length; row++)
        {
            double score = 0;
            var overlaps = false;
            for (var i = 0; i < SparseVectors.Length(rows[row]); i++)
            {
                for (var j = 0; j < SparseVectors.Length(query); j++)
                {
                    if (SparseVectors.Index(rows[row], i) == SparseVectors.Index(query, j))
                    {
                        score += SparseVectors.Value(rows[row], i) * (double)SparseVectors.Value(query, j);
                        overlaps = true;
                    }
                }
            }

            if (overlaps && (allow is null || allow[row]))
            {
                matches.Add((row, (float)score));
            }
        }

        return [.. matches.OrderByDescending(m => m.Score)];
    }

    [Theory]
    [InlineData(IndexType.SparseInvertedIndex, false)]
    [InlineData(IndexType.SparseWand, true)]
    public void Sparse_index_and_scan_equal_brute_force_and_survive_a_save(IndexType type, bool filtered)
    {
        const int k = 10;
        var random = new Random(7);
        var rows = Enumerable.Range(0, 500).Select(_ => SparseRow(random, random.Next(0, 12), 300)).ToArray();
        var queries = Enumerable.Range(0, 20).Select(_ => SparseRow(random, 8, 300)).ToArray();
        var allow = filtered ? TestData.RandomAllow(rows.Length, 0.5, seed: 3) : null;
        var built = VectorIndexes.BuildSparse(new IndexSpec(type, MetricType.IP), rows);
        using var file = new MemoryStream();
        built.Save(file);
        var loaded = (ISparseVectorIndex)VectorIndexes.LoadAny(file.ToArray());

        foreach (var index in new[] { built, VectorIndexes.SparseScan(rows), loaded })
        {
            var offsets = new int[queries.Length * k];
            var scores = new float[queries.Length * k];
            index.Search(queries, k, new SearchOptions { Allow = allow }, offsets, scores);
            for (var q = 0; q < queries.Length; q++)
            {
                var exact = Oracle(rows, queries[q], allow);
                var found = offsets.AsSpan(q * k, k).ToArray().TakeWhile(o => o >= 0).ToArray();
                Assert.Equal(Math.Min(k, exact.Count), found.Length);
                for (var i = 0; i < found.Length; i++)
                {
                    var truth = exact.First(e => e.Row == found[i]).Score;
                    Assert.Equal(truth, scores[(q * k) + i], 1e-3);
                    Assert.Equal(exact[i].Score, scores[(q * k) + i], 1e-3);
                }
            }
        }
    }

    [Fact]
    public void Malformed_sparse_rows_are_refused_with_the_reason()
    {
        byte[] Pair(uint index, float value)
        {
            var pair = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(pair, index);
            BinaryPrimitives.WriteSingleLittleEndian(pair.AsSpan(4), value);
            return pair;
        }

        Assert.Contains("whole number", Assert.Throws<MilvusException>(() => SparseVectors.Validate(new byte[7], "row 0")).Message);
        Assert.Contains("increasing", Assert.Throws<MilvusException>(() => SparseVectors.Validate([.. Pair(5, 1), .. Pair(5, 2)], "row 0")).Message);
        Assert.Contains("out of range", Assert.Throws<MilvusException>(() => SparseVectors.Validate(Pair(uint.MaxValue, 1), "row 0")).Message);
        Assert.Contains("finite", Assert.Throws<MilvusException>(() => SparseVectors.Validate(Pair(1, float.NaN), "row 0")).Message);
        SparseVectors.Validate([], "an empty row is allowed");
    }
}
