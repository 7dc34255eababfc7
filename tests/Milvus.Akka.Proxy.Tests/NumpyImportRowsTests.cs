using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Proxy.Import;
using static Milvus.Akka.Proxy.Tests.JsonImportRowsTests;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Milvus NumPy imports (one .npy file per field) read into the columns the insert path takes: every type NumPy files carry, batches, errors naming the file.</summary>
public sealed class NumpyImportRowsTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "imports",
        EnableDynamicField = true,
        Fields =
        [
            Field(100, "id", DataType.Int64) with { IsPrimaryKey = true },
            Field(101, "vec", DataType.FloatVector, ("dim", "2")),
            Field(102, "flag", DataType.Bool),
            Field(103, "small", DataType.Int16),
            Field(104, "score", DataType.Double),
            Field(105, "ratio", DataType.Float),
            Field(106, "tag", DataType.VarChar, ("max_length", "16")),
            Field(107, "doc", DataType.Json),
            Field(108, "bits", DataType.BinaryVector, ("dim", "16")),
            Field(109, "half", DataType.Float16Vector, ("dim", "2")),
            Field(110, "bytes8", DataType.Int8Vector, ("dim", "3")),
            Field(111, "nums", DataType.Array, ("max_capacity", "4")) with { ElementType = DataType.Int64 },
            Field(112, "$meta", DataType.Json) with { IsDynamic = true },
        ],
    };

    private static List<IReadOnlyDictionary<string, Column>> Read(int batchRows, params (string Path, byte[] Bytes)[] files) =>
        [.. NumpyImportRows.Read(files, Schema, TimeZoneInfo.Utc, batchRows)];

    private static (string, byte[]) File(string name, byte[] bytes) => ($"data/{name}.npy", bytes);

    [Fact]
    public void Every_type_a_numpy_file_carries_is_read_into_its_column()
    {
        var columns = Assert.Single(Read(10,
            File("id", NpyFile.Of("<i8", [1L, -2, 9007199254740993])),
            File("vec", NpyFile.Of("<f8", [0.5, 1, 2, 3, -4, 5.25], 3, 2)),
            File("flag", NpyFile.Of("|b1", [true, false, true])),
            File("small", NpyFile.Of("|i1", new sbyte[] { -3, 7, 127 })),
            File("score", NpyFile.Of("<f4", [2.5f, 1, -0.5f])),
            File("ratio", NpyFile.Of("<f8", [0.25, 1e10, 3])),
            File("tag", NpyFile.Strings("a", "é😀", "")),
            File("doc", NpyFile.Strings("{\"k\": [1]}", "null", "3")),
            File("bits", NpyFile.Of("|u1", new byte[] { 255, 1, 0, 128, 7, 7 }, 3, 2)),
            File("half", NpyFile.Of("<f4", [1.5f, -2, 0, 0.25f, 8, 1], 3, 2)),
            File("bytes8", NpyFile.Of("|i1", new sbyte[] { -128, 0, 127, 1, 2, 3, -1, -2, -3 }, 3, 3)),
            File("$meta", NpyFile.Strings("{\"colour\": \"red\"}", "{}", "{\"n\": 1}"))));

        Assert.Equal([1L, -2, 9007199254740993], ((ScalarColumn<long>)columns["id"]).Values);
        Assert.Equal([0.5f, 1, 2, 3, -4, 5.25f], ((VectorColumn<float>)columns["vec"]).Values);
        Assert.Equal([true, false, true], ((ScalarColumn<bool>)columns["flag"]).Values);
        Assert.Equal([-3, 7, 127], ((ScalarColumn<int>)columns["small"]).Values);
        Assert.Equal([2.5, 1, -0.5], ((ScalarColumn<double>)columns["score"]).Values);
        Assert.Equal([0.25f, 1e10f, 3], ((ScalarColumn<float>)columns["ratio"]).Values);
        Assert.Equal(["a", "é😀", ""], ((StringColumn)columns["tag"]).Values);
        Assert.Equal(["{\"k\": [1]}", "null", "3"], ((JsonColumn)columns["doc"]).Values.Select(v => Encoding.UTF8.GetString(v)));
        Assert.Equal([255, 1, 0, 128, 7, 7], ((VectorColumn<byte>)columns["bits"]).Values);
        Assert.Equal([1.5f, -2, 0, 0.25f, 8, 1], PackedVectors.ToSingle(DataType.Float16Vector, ((VectorColumn<byte>)columns["half"]).Values));
        Assert.Equal([128, 0, 127, 1, 2, 3, 255, 254, 253], ((VectorColumn<byte>)columns["bytes8"]).Values);
        Assert.Equal("{\"colour\": \"red\"}", Encoding.UTF8.GetString(((JsonColumn)columns["$meta"]).Values[0]));
        Assert.False(columns.ContainsKey("nums"));
    }

    /// <summary>Files numpy 1.24.2 (Debian's python3-numpy) wrote with <c>np.save</c>: the defaults a user gets (int64, float64, &lt;U) and explicit dtypes.</summary>
    [Fact]
    public void Files_numpy_saved_are_read()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "ImportFiles", "numpy");
        var files = Directory.GetFiles(folder, "*.npy").Select(path => (path, System.IO.File.ReadAllBytes(path))).ToArray();
        Assert.Equal(11, files.Length);

        var columns = Assert.Single(Read(10, files));

        Assert.Equal([7L, -1, 1L << 40], ((ScalarColumn<long>)columns["id"]).Values);
        Assert.Equal([0.5f, 1, 2, -3, 1e-3f, 4], ((VectorColumn<float>)columns["vec"]).Values);
        Assert.Equal([true, false, true], ((ScalarColumn<bool>)columns["flag"]).Values);
        Assert.Equal([-300, 0, 300], ((ScalarColumn<int>)columns["small"]).Values);
        Assert.Equal([1.5, 2.5, -0.125], ((ScalarColumn<double>)columns["score"]).Values);
        Assert.Equal(["north", "süd", "东"], ((StringColumn)columns["tag"]).Values);
        Assert.Equal(["{\"k\": [1, 2]}", "null", "\"s\""], ((JsonColumn)columns["doc"]).Values.Select(v => Encoding.UTF8.GetString(v)));
        Assert.Equal([1, 2, 255, 0, 16, 32], ((VectorColumn<byte>)columns["bits"]).Values);
        Assert.Equal([1.5f, -2, 0, 0.25f, 65504, 1], PackedVectors.ToSingle(DataType.Float16Vector, ((VectorColumn<byte>)columns["half"]).Values));
        Assert.Equal([128, 0, 127, 1, 2, 3, 255, 254, 253], ((VectorColumn<byte>)columns["bytes8"]).Values);
        Assert.Equal("{\"n\": 1}", Encoding.UTF8.GetString(((JsonColumn)columns["$meta"]).Values[2]));
        // The tests' writer writes what numpy writes.
        Assert.Equal(System.IO.File.ReadAllBytes(Path.Combine(folder, "id.npy")), NpyFile.Of("<i8", [7L, -1, 1L << 40]));
    }

    [Fact]
    public void Rows_come_in_batches_of_the_configured_size_aligned_across_files()
    {
        var batches = Read(2,
            File("id", NpyFile.Of("<i4", [10, 11, 12, 13, 14])),
            File("vec", NpyFile.Of("<f4", [0f, 0, 1, 1, 2, 2, 3, 3, 4, 4], 5, 2)),
            File("half", NpyFile.Of("|u1", new byte[20], 5, 4)));
        Assert.Equal([2, 2, 1], batches.Select(b => b["id"].Count));
        Assert.Equal([14L], ((ScalarColumn<long>)batches[2]["id"]).Values);
        Assert.Equal([4f, 4], ((VectorColumn<float>)batches[2]["vec"]).Values);
        Assert.Equal(4, ((VectorColumn<byte>)batches[2]["half"]).Values.Length);
    }

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "vec", NpyFile.Of("<f4", [1f, 2, 3], 1, 3), "field 'vec' (FloatVector, dim 2) takes a 2-D array of 2 columns of floats, but the file holds f4 of shape (1, 3)" },
        { "flag", NpyFile.Of("<i8", [1L]), "field 'flag' (Bool) takes a 1-D array of bool, but the file holds i8 of shape (1)" },
        { "tag", NpyFile.Of("<f8", [1.0]), "field 'tag' (VarChar) takes a 1-D array of unicode strings" },
        { "colour", NpyFile.Of("<i8", [1L]), "the collection imports has no field 'colour' for it" },
        { "nums", NpyFile.Of("<i8", [1L]), "importing field 'nums' of type Array from NumPy files is not supported" },
        { "id", NpyFile.Write("<i8", new byte[8], [1], fortranOrder: true), "it is in Fortran order" },
        { "id", NpyFile.Write("|O", new byte[8], [1]), "it holds Python objects" },
        { "id", NpyFile.Write(">i8", new byte[8], [1]), "it is big-endian" },
        { "id", NpyFile.Write("<i8", new byte[12], [2]), "its shape (2) of i8 needs 16 bytes of data, it holds 12" },
        { "id", Encoding.UTF8.GetBytes("id\n1\n2\n"), "it does not start with the NumPy magic string" },
        { "id", NpyFile.Write("<i8", new byte[8], [2147483647, 2147483647, 2147483647, 2147483647]), "bytes of data, it holds 8" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Files_that_do_not_fit_their_field_are_refused_naming_the_file(string name, byte[] bytes, string expected)
    {
        var error = Assert.Throws<MilvusException>(() => Read(10, File(name, bytes)));
        Assert.Contains($"data/{name}.npy", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Files_of_different_lengths_or_two_files_of_one_field_are_refused()
    {
        var error = Assert.Throws<MilvusException>(() => Read(10, File("id", NpyFile.Of("<i8", [1L, 2])), File("flag", NpyFile.Of("|b1", [true]))));
        Assert.Contains("file data/flag.npy holds 1 rows but data/id.npy holds 2", error.Message);
        error = Assert.Throws<MilvusException>(() => Read(10, File("id", NpyFile.Of("<i8", [1L])), ("other/id.npy", NpyFile.Of("<i8", [2L]))));
        Assert.Contains("field 'id' has two files", error.Message);
    }
}
