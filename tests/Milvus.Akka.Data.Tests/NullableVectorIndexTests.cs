using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Data.Tests;

/// <summary>
/// A nullable vector field indexed as a data node indexes it, attached to a segment and searched: an HNSW graph over
/// half null rows finds the same neighbours as an exact scan of the rows with a vector. Built over every row, the zero
/// vectors that stand in for nulls formed one clique a filtered search could not leave: it found none.
/// </summary>
public sealed class NullableVectorIndexTests
{
    private const int Dim = 16, Rows = 3000, Nq = 20, K = 10;
    private const long PkField = 100, VectorField = 101;

    [Theory]
    [InlineData("L2")]
    [InlineData("COSINE")]
    [InlineData("IP")]
    public void An_hnsw_index_over_half_null_rows_finds_the_nearest_rows_with_a_vector(string metricName)
    {
        var metric = MetricTypes.Parse(metricName);
        var random = new Random(11);
        var validity = Enumerable.Range(0, Rows).Select(_ => random.Next(2) == 0).ToArray();
        var values = new float[Rows * Dim];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = validity[i / Dim] ? (random.NextSingle() * 2) - 1 : 0;
        }

        var vectors = new VectorColumn<float>(DataType.FloatVector, Dim, values, validity);
        var field = new FieldSchema
        {
            FieldId = VectorField, Name = "v", DataType = DataType.FloatVector, Nullable = true,
            TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, $"{Dim}")]),
        };
        var schema = new CollectionSchema
        {
            Name = "nullable",
            Fields = [new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, field],
        };
        var pks = new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, Rows).Select(i => (long)i)]);
        var segment = Segment.Load(1, 10, schema, new RowBatch(ImmutableDictionary<long, Column>.Empty.Add(PkField, pks).Add(VectorField, vectors)),
            Enumerable.Repeat(1UL, Rows).ToArray());
        var spec = new IndexSpec(IndexType.Hnsw, metric, new Dictionary<string, string> { ["M"] = "16", ["efConstruction"] = "100" });
        segment.AttachIndex(VectorField, IndexBuilder.Build(spec, field, vectors, seed: 1));

        var queries = new float[Nq * Dim];
        for (var i = 0; i < queries.Length; i++)
        {
            queries[i] = (random.NextSingle() * 2) - 1;
        }

        var plan = new SearchPlan(1, VectorField, metric, K, Nq, queries, null,
            ImmutableDictionary<string, string>.Empty.Add("ef", "200"), [], ulong.MaxValue);
        var hits = segment.View().Search(plan, null);

        var exact = VectorIndexes.Build(new IndexSpec(IndexType.Flat, metric), Dim, ((VectorColumn<float>)vectors.WithoutNullRows()).Values);
        var validRows = vectors.ValidRows!.SetBits();
        var truth = new int[Nq * K];
        exact.Search(queries, K, SearchOptions.Default, truth, new float[Nq * K]);
        var found = 0;
        for (var q = 0; q < Nq; q++)
        {
            var best = truth.AsSpan(q * K, K).ToArray().Select(entry => validRows[entry]).ToHashSet();
            for (var hit = hits.Offsets[q]; hit < hits.Offsets[q + 1]; hit++)
            {
                var row = (int)((ScalarColumn<long>)hits.Pks).Values[hit];
                Assert.True(validity[row], $"row {row} is null and cannot be a hit");
                found += best.Contains(row) ? 1 : 0;
            }
        }

        Assert.True(found >= 0.95 * Nq * K, $"recall@{K} {(double)found / (Nq * K):F3}");
    }
}
