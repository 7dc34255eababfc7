using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Numerics;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Sparse;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// Every vector type and metric searched through segment views, while growing (the scan paths) and with a built index
/// attached, against a brute force over the same rows: each hit's score is its row's true score and the scores are
/// the best k (ties may pick any of the tied rows). A nullable field's null rows (stored as zeros) are never hits.
/// </summary>
public sealed class VectorTypeSearchTests
{
    private const int Dim = 16;
    private const int K = 8;
    private const long PkField = 100, VectorField = 101;

    public static TheoryData<DataType, MetricType, IndexType> Cases => new()
    {
        { DataType.Float16Vector, MetricType.L2, IndexType.Flat },
        { DataType.Float16Vector, MetricType.IP, IndexType.IvfFlat },
        { DataType.BFloat16Vector, MetricType.Cosine, IndexType.Flat },
        { DataType.BFloat16Vector, MetricType.L2, IndexType.IvfFlat },
        { DataType.Int8Vector, MetricType.IP, IndexType.Flat },
        { DataType.Int8Vector, MetricType.Cosine, IndexType.Flat },
        { DataType.BinaryVector, MetricType.Hamming, IndexType.BinFlat },
        { DataType.BinaryVector, MetricType.Jaccard, IndexType.BinIvfFlat },
        { DataType.SparseFloatVector, MetricType.IP, IndexType.SparseInvertedIndex },
        { DataType.SparseFloatVector, MetricType.IP, IndexType.SparseWand },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Searches_equal_brute_force_growing_and_indexed(DataType type, MetricType metric, IndexType indexType) =>
        SearchEqualsBruteForce(type, metric, indexType, nullEvery: 0);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Null_vectors_are_never_hits_growing_or_indexed(DataType type, MetricType metric, IndexType indexType) =>
        SearchEqualsBruteForce(type, metric, indexType, nullEvery: 3);

    /// <param name="nullEvery">Every nth row is null (0: none).</param>
    private static void SearchEqualsBruteForce(DataType type, MetricType metric, IndexType indexType, int nullEvery)
    {
        var random = new Random((int)type * 31 + (int)metric);
        var field = VectorFieldOf(type, nullable: nullEvery != 0);
        var segment = SegmentOf(field);
        var columns = new List<Column>();
        for (var batch = 0; batch < 2; batch++)
        {
            var vectors = WithNulls(RandomColumn(type, field.Dim, 150, random), nullEvery);
            columns.Add(vectors);
            var pks = new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(batch * 150, 150).Select(i => (long)i)]);
            segment.Append(new RowBatch(ImmutableDictionary<long, Column>.Empty.Add(PkField, pks).Add(VectorField, vectors)), (ulong)(batch + 1));
        }

        var all = Column.Concat(columns);
        var queries = RandomColumn(type, field.Dim, 4, random);
        var plan = new SearchPlan(1, VectorField, metric, K, queries.Count, FloatQueries(queries), null,
            ImmutableDictionary<string, string>.Empty.Add("nprobe", "128"), [], ulong.MaxValue, RawQueries: RawQueries(queries));

        AssertOracle(segment.View().Search(plan, null), all, queries, metric);

        // As a data node builds it: a nullable field's index holds only the rows with a vector.
        segment.AttachIndex(VectorField, BuildIndex(new IndexSpec(indexType, metric, new Dictionary<string, string> { ["nlist"] = "8" }), field, all.WithoutNullRows()));
        AssertOracle(segment.View().Search(plan, null), all, queries, metric);
    }

    [Fact]
    public void An_index_must_cover_every_row_or_exactly_the_rows_with_a_vector()
    {
        var field = VectorFieldOf(DataType.Int8Vector, nullable: true);
        var segment = SegmentOf(field);
        var vectors = WithNulls(RandomColumn(DataType.Int8Vector, Dim, 30, new Random(3)), nullEvery: 3);
        var pks = new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, 30).Select(i => (long)i)]);
        segment.Append(new RowBatch(ImmutableDictionary<long, Column>.Empty.Add(PkField, pks).Add(VectorField, vectors)), 1);
        var spec = new IndexSpec(IndexType.Flat, MetricType.L2);

        var error = Assert.Throws<InvalidOperationException>(() => segment.AttachIndex(VectorField, BuildIndex(spec, field, vectors.Gather([0, 1, 2]))));
        Assert.Contains("covers 3 rows, segment 1 has 30 (20 with a vector)", error.Message);
        segment.AttachIndex(VectorField, BuildIndex(spec, field, vectors.WithoutNullRows()));
        segment.AttachIndex(VectorField, BuildIndex(spec, field, vectors));
    }

    private static FieldSchema VectorFieldOf(DataType type, bool nullable) => new()
    {
        FieldId = VectorField, Name = "v", DataType = type, Nullable = nullable,
        TypeParams = type == DataType.SparseFloatVector
            ? ImmutableSortedDictionary<string, string>.Empty
            : ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, (type == DataType.BinaryVector ? 64 : Dim).ToString())]),
    };

    /// <summary>An empty segment of an Int64 primary key and <paramref name="vectorField"/>.</summary>
    private static Segment SegmentOf(FieldSchema vectorField) => new(1, 10, new CollectionSchema
    {
        Name = "types",
        Fields = [new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, vectorField],
    });

    private static Column RandomColumn(DataType type, int dim, int rows, Random random)
    {
        if (type == DataType.SparseFloatVector)
        {
            return new SparseVectorColumn([.. Enumerable.Range(0, rows).Select(_ => SparseRow(random))]);
        }

        var bytes = new byte[rows * type.VectorRowWidth(dim)];
        for (var i = 0; i < bytes.Length; i += 2)
        {
            switch (type)
            {
                case DataType.Float16Vector:
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i), (Half)((random.NextSingle() * 4) - 2));
                    break;
                case DataType.BFloat16Vector:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i), (ushort)(BitConverter.SingleToUInt32Bits((random.NextSingle() * 4) - 2) >> 16));
                    break;
                default:
                    bytes[i] = (byte)random.Next(256);
                    bytes[i + 1] = (byte)random.Next(256);
                    break;
            }
        }

        return new VectorColumn<byte>(type, dim, bytes);
    }

    /// <summary>The column with every <paramref name="nullEvery"/>th row null, its value zeroed as a null row is stored.</summary>
    private static Column WithNulls(Column column, int nullEvery)
    {
        if (nullEvery == 0)
        {
            return column;
        }

        var validity = Enumerable.Range(0, column.Count).Select(row => row % nullEvery != 0).ToArray();
        switch (column)
        {
            case SparseVectorColumn sparse:
                return new SparseVectorColumn([.. sparse.Values.Select((row, i) => validity[i] ? row : [])], validity);
            default:
                var packed = (VectorColumn<byte>)column;
                var bytes = packed.Values.ToArray();
                for (var row = 0; row < validity.Length; row++)
                {
                    if (!validity[row])
                    {
                        bytes.AsSpan(row * packed.Width, packed.Width).Clear();
                    }
                }

                return new VectorColumn<byte>(packed.Type, packed.Dim, bytes, validity);
        }
    }

    private static byte[] SparseRow(Random random)
    {
        var indices = Enumerable.Range(0, random.Next(1, 8)).Select(_ => (uint)random.Next(60)).Distinct().Order().ToArray();
        var row = new byte[indices.Length * 8];
        for (var i = 0; i < indices.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(row.AsSpan(i * 8), indices[i]);
            BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan((i * 8) + 4), random.NextSingle() - 0.2f);
        }

        return row;
    }

    /// <summary>The float32 value of each dimension by the types' definitions, one element at a time.</summary>
    private static float[] Floats(VectorColumn<byte> column, int row)
    {
        var bytes = column.Row(row).ToArray();
        return column.Type switch
        {
            DataType.Float16Vector => [.. Enumerable.Range(0, column.Dim).Select(i => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2)))],
            DataType.BFloat16Vector => [.. Enumerable.Range(0, column.Dim).Select(i => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)) << 16))],
            _ => [.. Enumerable.Range(0, column.Dim).Select(i => (float)(sbyte)bytes[i])],
        };
    }

    private static float[] FloatQueries(Column queries) => queries is VectorColumn<byte> { Type: not DataType.BinaryVector } packed
        ? [.. Enumerable.Range(0, packed.Count).SelectMany(q => Floats(packed, q))]
        : [];

    private static byte[][]? RawQueries(Column queries) => queries switch
    {
        SparseVectorColumn sparse => sparse.Values,
        VectorColumn<byte> { Type: DataType.BinaryVector } binary => [.. Enumerable.Range(0, binary.Count).Select(q => binary.Row(q).ToArray())],
        _ => null,
    };

    private static IFieldIndex BuildIndex(IndexSpec spec, FieldSchema field, Column rows) => rows switch
    {
        SparseVectorColumn sparse => VectorIndexes.BuildSparse(spec, sparse.Values),
        VectorColumn<byte> { Type: DataType.BinaryVector } binary => VectorIndexes.BuildBinary(spec, field.Dim, binary.Values),
        VectorColumn<byte> packed => VectorIndexes.Build(spec, field.Dim, PackedVectors.ToSingle(packed.Type, packed.Values)),
        _ => throw new ArgumentException("no index for this column"),
    };

    /// <summary>The true score of a row for a query, or null when the row is no match (a sparse row sharing no index).</summary>
    private static double? Score(MetricType metric, Column rows, int row, Column queries, int query)
    {
        switch (rows)
        {
            case SparseVectorColumn sparse:
            {
                var (dot, overlaps) = SparseVectors.Dot(((SparseVectorColumn)queries).Values[query], sparse.Values[row]);
                return overlaps ? dot : null;
            }

            case VectorColumn<byte> { Type: DataType.BinaryVector } binary:
            {
                var a = binary.Row(row);
                var b = ((VectorColumn<byte>)queries).Row(query);
                int both = 0, either = 0, differ = 0;
                for (var i = 0; i < a.Length; i++)
                {
                    both += BitOperations.PopCount((uint)(a[i] & b[i]));
                    either += BitOperations.PopCount((uint)(a[i] | b[i]));
                    differ += BitOperations.PopCount((uint)(a[i] ^ b[i]));
                }

                return metric == MetricType.Hamming ? differ : either == 0 ? 0 : 1 - ((double)both / either);
            }

            default:
            {
                var a = Floats((VectorColumn<byte>)rows, row);
                var b = Floats((VectorColumn<byte>)queries, query);
                double dot = 0, na = 0, nb = 0, l2 = 0;
                for (var i = 0; i < a.Length; i++)
                {
                    dot += a[i] * (double)b[i];
                    na += a[i] * (double)a[i];
                    nb += b[i] * (double)b[i];
                    l2 += (a[i] - (double)b[i]) * (a[i] - b[i]);
                }

                return metric switch
                {
                    MetricType.L2 => l2,
                    MetricType.IP => dot,
                    _ => na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb),
                };
            }
        }
    }

    private static void AssertOracle(SearchHits hits, Column rows, Column queries, MetricType metric)
    {
        for (var q = 0; q < queries.Count; q++)
        {
            var truth = Enumerable.Range(0, rows.Count)
                .Select(row => (Row: row, Score: rows.IsNull(row) ? null : Score(metric, rows, row, queries, q)))
                .Where(t => t.Score is not null)
                .Select(t => (t.Row, Score: t.Score!.Value))
                .ToList();
            var best = (metric.HigherIsBetter() ? truth.OrderByDescending(t => t.Score) : truth.OrderBy(t => t.Score)).Take(K).ToList();
            Assert.Equal(best.Count, hits.Count(q));
            for (var i = 0; i < best.Count; i++)
            {
                var hit = hits.Offsets[q] + i;
                var pk = (long)hits.Pks.GetValue(hit)!;
                var tolerance = 1e-3 * Math.Max(1, Math.Abs(best[i].Score));
                Assert.Equal(truth.First(t => t.Row == pk).Score, hits.Scores[hit], tolerance);
                Assert.Equal(best[i].Score, hits.Scores[hit], tolerance);
            }
        }
    }
}
