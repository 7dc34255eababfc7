using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Common.Tests;

/// <summary>
/// Gather and Concat fill arrays allocated without zeroing (they carry megabytes of vectors on the ingest path), so
/// every element of the result is checked against the source element it must come from.
/// </summary>
public class ColumnCopyTests
{
    private const int Dim = 7;

    private static VectorColumn<float> Vectors(int rows, float offset) =>
        new(DataType.FloatVector, Dim, [.. Enumerable.Range(0, rows * Dim).Select(i => offset + i + 0.5f)]);

    [Fact]
    public void Gather_copies_each_chosen_row_whole_in_the_given_order()
    {
        var source = Vectors(1000, 1);
        int[] rows = [999, 0, 17, 17, 500, 1];

        var gathered = (VectorColumn<float>)source.Gather(rows);

        Assert.Equal(rows.Length, gathered.Count);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(source.Row(rows[i]).ToArray(), gathered.Row(i).ToArray());
        }
    }

    [Fact]
    public void Gather_of_a_nullable_scalar_column_keeps_values_and_validity_per_row()
    {
        var source = new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, 100).Select(i => 1000L + i)],
            [.. Enumerable.Range(0, 100).Select(i => i % 3 != 0)]);
        int[] rows = [3, 4, 99, 0, 50];

        var gathered = (ScalarColumn<long>)source.Gather(rows);

        Assert.Equal(rows.Select(r => source.Values[r]), gathered.Values);
        Assert.Equal(rows.Select(r => source.Validity![r]), gathered.Validity!);
    }

    [Fact]
    public void Concat_appends_every_part_in_order()
    {
        VectorColumn<float>[] parts = [Vectors(300, 1), Vectors(1, 10_000), Vectors(2000, 20_000)];

        var joined = (VectorColumn<float>)Column.Concat(parts);

        Assert.Equal(parts.SelectMany(p => p.Values), joined.Values);
    }

    [Fact]
    public void Nullable_vector_columns_keep_their_null_rows_through_gather_and_concat()
    {
        var dense = new VectorColumn<float>(DataType.FloatVector, Dim, new float[4 * Dim], [true, false, true, false]);
        var sparse = new SparseVectorColumn([[1, 0, 0, 0, 0, 0, 128, 63], [], [], [2, 0, 0, 0, 0, 0, 128, 63]], [true, false, true, true]);
        var allValid = Vectors(2, 0);

        var gathered = dense.Gather([1, 2, 3]);
        var concatenated = Column.Concat([dense, allValid]);
        var sparseGathered = sparse.Gather([3, 1]);

        Assert.Equal([false, true, false], gathered.Validity!);
        Assert.Null(gathered.GetValue(0));
        Assert.Equal([true, false, true, false, true, true], concatenated.Validity!);
        Assert.Equal([0, 2, 4, 5], concatenated.ValidRows!.SetBits());
        Assert.Equal([sparse.Values[0], sparse.Values[2], sparse.Values[3]], ((SparseVectorColumn)sparse.WithoutNullRows()).Values);
        Assert.Same(allValid, allValid.WithoutNullRows());
        Assert.Null(allValid.ValidRows);
        Assert.Null(new SparseVectorColumn([[]], [true]).ValidRows);
        Assert.Equal([true, false], sparseGathered.Validity!);
        Assert.Null(sparseGathered.GetValue(1));
    }
}
