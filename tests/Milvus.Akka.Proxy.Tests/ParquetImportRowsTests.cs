using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Proxy.Import;
using Parquet.Schema;
using Parquet.Serialization;
using static Milvus.Akka.Proxy.Tests.JsonImportRowsTests;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Milvus import Parquet files (as pymilvus's BulkWriter writes them) read into the columns the insert path takes.</summary>
public sealed class ParquetImportRowsTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "imports",
        EnableDynamicField = true,
        Fields =
        [
            Field(100, "id", DataType.Int64) with { IsPrimaryKey = true },
            Field(101, "vec", DataType.FloatVector, ("dim", "2")),
            Field(102, "small", DataType.Int8),
            Field(103, "score", DataType.Float),
            Field(104, "tag", DataType.VarChar, ("max_length", "16")) with { Nullable = true },
            Field(105, "doc", DataType.Json),
            Field(106, "nums", DataType.Array, ("max_capacity", "4")) with { ElementType = DataType.Int64, Nullable = true },
            Field(107, "half", DataType.Float16Vector, ("dim", "2")),
            Field(108, "sparse", DataType.SparseFloatVector),
            Field(109, "$meta", DataType.Json) with { IsDynamic = true },
        ],
    };

    /// <summary>A Parquet file of <paramref name="rows"/>, written as pyarrow writes Milvus's columns (lists as 3-level lists).</summary>
    public static async Task<byte[]> FileAsync(ParquetSchema schema, params Dictionary<string, object?>[] rows)
    {
        using var stream = new MemoryStream();
        await ParquetSerializer.SerializeUntypedAsync(rows.Select(r => (IDictionary<string, object?>)r).ToList(), schema, stream);
        return stream.ToArray();
    }

    /// <summary>One row of a file: its columns' values.</summary>
    public static Dictionary<string, object?> Values(params (string Column, object? Value)[] values) => values.ToDictionary(v => v.Column, v => v.Value);

    private static Task<List<IReadOnlyDictionary<string, Column>>> ReadAsync(byte[] file, CollectionSchema? schema = null, int batchRows = 10_000) =>
        Task.Run(() => ParquetImportRows.Read(file, schema ?? Schema, TimeZoneInfo.Utc, batchRows).ToList());

    private static readonly ParquetSchema FullSchema = new(
        new DataField<long>("id"),
        new ListField("vec", new DataField<float>("element")),
        new DataField<sbyte>("small"),
        new DataField<double>("score"),
        new DataField<string>("tag", nullable: true),
        new DataField<string>("doc"),
        new ListField("nums", new DataField<long>("element")),
        new ListField("half", new DataField<byte>("element")),
        new DataField<string>("sparse"),
        new DataField<string>("$meta"));

    private static Dictionary<string, object?> Row(long id, float[] vec, string? tag, long[]? nums, string meta) => new()
    {
        ["id"] = id,
        ["vec"] = vec,
        ["small"] = (sbyte)-id,
        ["score"] = id + 0.5,
        ["tag"] = tag,
        ["doc"] = $$"""{"n": {{id}}}""",
        ["nums"] = nums,
        ["half"] = Half16(vec),
        ["sparse"] = $$"""{"{{id}}": 0.5}""",
        ["$meta"] = meta,
    };

    private static byte[] Half16(float[] values)
    {
        var bytes = new byte[values.Length * 2];
        PackedVectors.FromSingle(DataType.Float16Vector, values, bytes);
        return bytes;
    }

    [Fact]
    public async Task Every_column_is_read_into_its_fields_column_with_nulls_where_the_file_has_them()
    {
        var file = await FileAsync(FullSchema,
            Row(1, [0.5f, 1], "a", [4, 5], """{"colour": "red"}"""),
            Row(2, [2, 3], null, [], "{}"),
            Row(3, [4, 5], "c", null, "{}"));

        var columns = Assert.Single(await ReadAsync(file));
        var batches = await ReadAsync(file, batchRows: 2);

        Assert.Equal([[1L, 2], [3]], batches.Select(b => ((ScalarColumn<long>)b["id"]).Values));
        Assert.Equal([[true, false], [true]], batches.Select(b => ((StringColumn)b["tag"]).Validity ?? [true]));
        Assert.Equal([1L, 2, 3], ((ScalarColumn<long>)columns["id"]).Values);
        Assert.Equal([0.5f, 1, 2, 3, 4, 5], ((VectorColumn<float>)columns["vec"]).Values);
        Assert.Equal([-1, -2, -3], ((ScalarColumn<int>)columns["small"]).Values);
        Assert.Equal([1.5f, 2.5f, 3.5f], ((ScalarColumn<float>)columns["score"]).Values);
        var tag = (StringColumn)columns["tag"];
        Assert.Equal(["a", "", "c"], tag.Values);
        Assert.Equal([true, false, true], tag.Validity!);
        Assert.Equal(["""{"n": 1}""", """{"n": 2}""", """{"n": 3}"""], ((JsonColumn)columns["doc"]).Values.Select(Encoding.UTF8.GetString));
        var nums = (ArrayColumn)columns["nums"];
        Assert.Equal([[4L, 5], [], []], nums.Values.Cast<long[]>());
        Assert.Equal([true, true, false], nums.Validity!);
        Assert.Equal([0.5f, 1, 2, 3, 4, 5], PackedVectors.ToSingle(DataType.Float16Vector, ((VectorColumn<byte>)columns["half"]).Values));
        Assert.Equal(SparseVectors.Row([new(3, 0.5f)]), ((SparseVectorColumn)columns["sparse"]).Values[2]);
        Assert.Equal("""{"colour": "red"}""", Encoding.UTF8.GetString(((JsonColumn)columns["$meta"]).Values[0]));
    }

    /// <summary>
    /// A file the Node SDK's BulkWriter (3.0.6, parquetjs: data pages v2, a required list for the vector) wrote for
    /// ten rows: vector [i, 1, 2, 3], int64_val 1000 + i; the even rows also nullable_varchar "t{i}", nullable_float
    /// 1.5 i, nullable_json {"idx": i}, default_int32 10 i and default_varchar "v{i}"; the odd rows nulls and no defaults.
    /// </summary>
    [Fact]
    public async Task A_file_of_the_node_sdks_bulk_writer_with_version_2_data_pages_is_read()
    {
        var schema = new CollectionSchema
        {
            Name = "nullable",
            Fields =
            [
                Field(100, "id", DataType.Int64) with { IsPrimaryKey = true, AutoId = true },
                Field(101, "vector", DataType.FloatVector, ("dim", "4")),
                Field(102, "int64_val", DataType.Int64),
                Field(103, "nullable_varchar", DataType.VarChar, ("max_length", "256")) with { Nullable = true },
                Field(104, "nullable_float", DataType.Float) with { Nullable = true },
                Field(105, "nullable_json", DataType.Json) with { Nullable = true },
                Field(106, "default_int32", DataType.Int32) with { DefaultValue = 999 },
                Field(107, "default_varchar", DataType.VarChar, ("max_length", "128")) with { DefaultValue = "fallback" },
            ],
        };
        var file = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "ImportFiles", "node-bulkwriter-nullable.parquet"));

        var columns = Assert.Single(await ReadAsync(file, schema));

        var even = Enumerable.Range(0, 10).Select(i => i % 2 == 0).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { i, 1f, 2, 3 }), ((VectorColumn<float>)columns["vector"]).Values);
        Assert.Equal(Enumerable.Range(1000, 10).Select(i => (long)i), ((ScalarColumn<long>)columns["int64_val"]).Values);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? $"t{i}" : ""), ((StringColumn)columns["nullable_varchar"]).Values);
        Assert.Equal(even, columns["nullable_varchar"].Validity!);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? i * 1.5f : 0), ((ScalarColumn<float>)columns["nullable_float"]).Values);
        Assert.Equal("""{"idx":4}""", Encoding.UTF8.GetString(((JsonColumn)columns["nullable_json"]).Values[4]));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? i * 10 : 0), ((ScalarColumn<int>)columns["default_int32"]).Values);
        Assert.Equal(even, columns["default_int32"].Validity!);
    }

    [Fact]
    public async Task A_vector_of_the_wrong_length_is_refused_naming_its_row()
    {
        var schema = new ParquetSchema(new DataField<long>("id"), new ListField("vec", new DataField<float>("element")));
        var file = await FileAsync(schema, Values(("id", 1L), ("vec", new[] { 1f, 2 })), Values(("id", 2L), ("vec", new[] { 1f, 2, 3 })));

        var error = await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(file));
        var inSecondBatch = await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(file, batchRows: 1));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("row 1, field 'vec': the vector has 3 elements, but the field (FloatVector, dim 2) takes 2", error.Message);
        Assert.Contains("row 1, field 'vec': the vector has 3 elements", inSecondBatch.Message);
    }

    [Fact]
    public async Task Lists_whose_elements_may_be_null_as_pyarrow_writes_them_are_read_and_a_null_element_is_refused()
    {
        var schema = new ParquetSchema(new DataField<long>("id"), new ListField("vec", new DataField<float?>("element")),
            new ListField("nums", new DataField<long?>("element")));
        var file = await FileAsync(schema,
            Values(("id", 1L), ("vec", new float?[] { 1, 2 }), ("nums", new long?[] { 7 })),
            Values(("id", 2L), ("vec", new float?[] { 3, 4 }), ("nums", null)));
        var withNull = await FileAsync(schema, Values(("id", 1L), ("vec", new float?[] { 1, null }), ("nums", new long?[] { 7 })));

        var columns = Assert.Single(await ReadAsync(file));

        Assert.Equal([1f, 2, 3, 4], ((VectorColumn<float>)columns["vec"]).Values);
        Assert.Equal([[7L], []], ((ArrayColumn)columns["nums"]).Values.Cast<long[]>());
        Assert.Equal([true, false], columns["nums"].Validity!);
        Assert.Contains("row 0, field 'vec': a vector element is null", (await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(withNull))).Message);
    }

    [Fact]
    public async Task Columns_no_field_takes_or_of_the_wrong_kind_are_refused()
    {
        var extra = await FileAsync(new ParquetSchema(new DataField<long>("id"), new DataField<long>("colour")), Values(("id", 1L), ("colour", 2L)));
        var listForScalar = await FileAsync(new ParquetSchema(new DataField<long>("id"), new ListField("score", new DataField<float>("element"))),
            Values(("id", 1L), ("score", new[] { 1f })));
        var textForNumber = await FileAsync(new ParquetSchema(new DataField<string>("id")), Values(("id", "x")));

        Assert.Contains("column 'colour' is not a field of collection imports; dynamic keys go in the $meta column as JSON",
            (await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(extra))).Message);
        Assert.Contains("column 'score' holds lists, but Float field 'score' takes single values",
            (await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(listForScalar))).Message);
        Assert.Contains("row 0, field 'id': expected an integer, got a Parquet String (x)",
            (await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(textForNumber))).Message);
        Assert.Contains("the file is not Parquet",
            (await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(Encoding.UTF8.GetBytes("""{"rows": []}""")))).Message);
    }
    [Fact]
    public async Task Struct_fields_written_by_the_node_bulk_writer_are_read_from_their_nested_columns()
    {
        var file = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "ImportFiles", "node-bulkwriter-struct.parquet"));

        AssertStructRows(Assert.Single(await ReadAsync(file, StructSchema)), rows: 5);
        var batches = await ReadAsync(file, StructSchema, batchRows: 2);
        Assert.Equal([2, 2, 1], batches.Select(b => b["items[emb]"].Count));
    }

    [Fact]
    public async Task A_struct_column_naming_no_sub_field_is_refused()
    {
        var schema = new ParquetSchema(new DataField<long>("id"),
            new ListField("items", new StructField("element", new DataField<string>("title"))));
        var file = await FileAsync(schema, Values(("id", 1L), ("items", new[] { new Dictionary<string, object?> { ["title"] = "x" } })));

        var error = await Assert.ThrowsAsync<MilvusException>(() => ReadAsync(file, StructSchema));

        Assert.Contains("is not a field of struct field 'items'", error.Message);
    }
}
