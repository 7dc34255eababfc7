using System.Collections.Immutable;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// A nullable vector field (Milvus 3.0) may be named in a filter only to test it for null, which reads its validity;
/// the test crosses in a plan like any other.
/// </summary>
public sealed class NullableVectorFilterTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "docs",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "vec", DataType = DataType.FloatVector, Nullable = true },
            new FieldSchema { FieldId = 102, Name = "sv", DataType = DataType.SparseFloatVector, Nullable = true },
        ],
    };

    private static readonly bool[] VectorValid = [true, false, true, false, false, true];
    private static readonly bool[] SparseValid = [false, false, true, true, true, true];

    private static readonly RowBatch Batch = new(ImmutableDictionary<long, Column>.Empty
        .Add(100, new ScalarColumn<long>(DataType.Int64, [0, 1, 2, 3, 4, 5]))
        .Add(101, new VectorColumn<float>(DataType.FloatVector, 2, new float[12], VectorValid))
        .Add(102, new SparseVectorColumn([.. SparseValid.Select(_ => Array.Empty<byte>())], SparseValid)));

    [Theory]
    [InlineData("vec is null", new[] { 1, 3, 4 })]
    [InlineData("vec is not null", new[] { 0, 2, 5 })]
    [InlineData("vec is null and sv is not null", new[] { 3, 4 })]
    [InlineData("not (sv is null) or id == 0", new[] { 0, 2, 3, 4, 5 })]
    public void Is_null_reads_which_rows_have_a_vector(string filter, int[] expected)
    {
        var parsed = FilterExpression.Parse(filter, Schema);
        var rebuilt = TestData.ThroughPlan(parsed, Schema);

        Assert.Equal(expected, Rows(parsed.Evaluate(Batch)));
        Assert.Equal(expected, Rows(rebuilt.Evaluate(Batch)));
    }

    private static int[] Rows(Bitset rows)
    {
        var result = new List<int>();
        foreach (var row in rows)
        {
            result.Add(row);
        }

        return [.. result];
    }
}
