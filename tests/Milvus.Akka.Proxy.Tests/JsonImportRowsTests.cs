using System.Collections.Immutable;
using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Index;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Proxy.Import;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Milvus import JSON files read into the columns the insert path takes: every field type, nulls, the dynamic field, batches, errors naming the row.</summary>
public sealed class JsonImportRowsTests
{
    /// <summary>A field of the test schemas; the Parquet tests use it too.</summary>
    internal static FieldSchema Field(long id, string name, DataType type, params (string Key, string Value)[] typeParams) => new()
    {
        FieldId = id,
        Name = name,
        DataType = type,
        TypeParams = typeParams.ToImmutableSortedDictionary(p => p.Key, p => p.Value),
    };

    /// <summary>Every field type the JSON and CSV readers take; the CSV tests use it too.</summary>
    internal static readonly CollectionSchema Schema = new()
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
            Field(105, "tag", DataType.VarChar, ("max_length", "16")) with { Nullable = true },
            Field(106, "doc", DataType.Json),
            Field(107, "nums", DataType.Array, ("max_capacity", "4")) with { ElementType = DataType.Int64 },
            Field(108, "bits", DataType.BinaryVector, ("dim", "16")),
            Field(109, "half", DataType.Float16Vector, ("dim", "2")),
            Field(110, "sparse", DataType.SparseFloatVector),
            Field(111, "$meta", DataType.Json) with { IsDynamic = true },
        ],
    };

    private static List<IReadOnlyDictionary<string, Column>> Read(string json, CollectionSchema? schema = null, int batchRows = 100) =>
        [.. JsonImportRows.Read(Encoding.UTF8.GetBytes(json), schema ?? Schema, TimeZoneInfo.Utc, batchRows)];

    private const string TwoRows = """
        {"rows": [
          {"id": 1, "vec": [0.5, 1], "flag": true, "small": -3, "score": 2.5, "tag": "a", "doc": {"k": [1, 2]}, "nums": [4, 5],
           "bits": [255, 1], "half": [1.5, -2], "sparse": {"indices": [9, 2], "values": [0.5, 0.25]}, "color": "red", "$meta": {"size": 3}},
          {"id": "9007199254740993", "vec": [2, 3], "flag": false, "small": 7, "score": 1, "doc": "{\"k\": null}", "nums": [],
           "bits": [0, 128], "half": [0, 0.25], "sparse": {"4": 1.5}}
        ]}
        """;

    [Fact]
    public void Every_field_type_is_read_into_its_column()
    {
        var columns = Assert.Single(Read(TwoRows));

        Assert.Equal([1L, 9007199254740993L], ((ScalarColumn<long>)columns["id"]).Values);
        Assert.Equal([0.5f, 1, 2, 3], ((VectorColumn<float>)columns["vec"]).Values);
        Assert.Equal([true, false], ((ScalarColumn<bool>)columns["flag"]).Values);
        Assert.Equal([-3, 7], ((ScalarColumn<int>)columns["small"]).Values);
        Assert.Equal([2.5, 1], ((ScalarColumn<double>)columns["score"]).Values);
        Assert.Equal(["{\"k\": [1, 2]}", "{\"k\": null}"], ((JsonColumn)columns["doc"]).Values.Select(Encoding.UTF8.GetString));
        Assert.Equal([[4L, 5], []], ((ArrayColumn)columns["nums"]).Values.Cast<long[]>());
        Assert.Equal([255, 1, 0, 128], ((VectorColumn<byte>)columns["bits"]).Values);
        Assert.Equal([1.5f, -2, 0, 0.25f], PackedVectors.ToSingle(DataType.Float16Vector, ((VectorColumn<byte>)columns["half"]).Values));
        var sparse = (SparseVectorColumn)columns["sparse"];
        Assert.Equal(SparseVectors.Row([new(2, 0.25f), new(9, 0.5f)]), sparse.Values[0]);
        Assert.Equal(SparseVectors.Row([new(4, 1.5f)]), sparse.Values[1]);
    }

    [Fact]
    public void A_missing_key_is_a_null_and_keys_outside_the_schema_go_to_the_dynamic_field_with_the_rows_own_meta()
    {
        var columns = Assert.Single(Read(TwoRows));

        var tag = (StringColumn)columns["tag"];
        Assert.Equal(["a", ""], tag.Values);
        Assert.Equal([true, false], tag.Validity!);
        Assert.Null(columns["id"].Validity);
        Assert.Equal(["{\"color\":\"red\",\"size\":3}", "{}"], ((JsonColumn)columns["$meta"]).Values.Select(Encoding.UTF8.GetString));
    }

    [Fact]
    public void A_field_no_row_has_gets_no_column_so_the_insert_path_fills_or_refuses_it()
    {
        var columns = Assert.Single(Read("""[{"id": 1, "vec": [1, 2]}]"""));

        Assert.Equal(["$meta", "id", "vec"], columns.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Rows_come_in_batches_and_errors_name_the_row_of_the_file()
    {
        var rows = string.Join(",", Enumerable.Range(0, 5).Select(i => $$"""{"id": {{i}}, "vec": [{{i}}, 0]}"""));

        var batches = Read($"[{rows}]", batchRows: 2);

        Assert.Equal([2, 2, 1], batches.Select(b => b["id"].Count));
        Assert.Equal([4L], ((ScalarColumn<long>)batches[2]["id"]).Values);
        var error = Assert.Throws<MilvusException>(() => Read($$"""[{{rows}}, {"id": 5, "vec": [1, 2, 3]}]""", batchRows: 2));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("row 5, field 'vec': the vector has 3 elements", error.Message);
    }

    [Theory]
    [InlineData("""[{"id": "x", "vec": [1, 2]}]""", "row 0, field 'id': expected an integer, got \"x\"")]
    [InlineData("""[{"id": 1, "vec": [1, 2], "small": 1.5}]""", "field 'small': expected an integer")]
    [InlineData("""[{"id": 1, "vec": [1, 2], "small": 4294967296}]""", "field 'small': expected a 32-bit integer")]
    [InlineData("""[{"id": 1, "vec": [1, "a"]}]""", "field 'vec': expected a number")]
    [InlineData("""[{"id": 1, "vec": [1, 2], "bits": [256, 0]}]""", "field 'bits': expected a byte (0 to 255)")]
    [InlineData("""[{"id": 1, "vec": [1, 2], "sparse": {"indices": [1], "values": []}}]""", "as many indices as values")]
    [InlineData("""[{"id": 1, "vec": [1, 2], "sparse": {"a": 1}}]""", "sparse index 'a' is not a non-negative integer")]
    [InlineData("""[{"id": 1, "vec": [1, 2], "$meta": 3}]""", "$meta must be a JSON object")]
    [InlineData("""[1]""", "row 0 is a JSON number, not an object")]
    [InlineData("""{"data": []}""", "the file must hold {\"rows\": [...]} or an array of row objects")]
    [InlineData("""[{"id": 1,""", "the file is not valid JSON")]
    public void A_value_its_field_cannot_take_is_refused_naming_it(string json, string expected)
    {
        var error = Assert.Throws<MilvusException>(() => Read(json));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Without_a_dynamic_field_a_key_outside_the_schema_is_refused()
    {
        var strict = Schema with { EnableDynamicField = false, Fields = [.. Schema.Fields.Where(f => !f.IsDynamic)] };

        var error = Assert.Throws<MilvusException>(() => Read("""[{"id": 1, "vec": [1, 2]}, {"id": 2, "vec": [1, 2], "colour": 1}]""", strict));

        Assert.Contains("row 1: field 'colour' is not in the schema of collection imports", error.Message);
    }
    /// <summary>A collection with an array-of-struct field: a label, an order and an Int8 vector per struct.</summary>
    internal static readonly CollectionSchema StructSchema = new()
    {
        Name = "chaptered",
        Fields =
        [
            Field(100, "id", DataType.Int64) with { IsPrimaryKey = true },
            Field(101, "vector", DataType.FloatVector, ("dim", "4")),
            Field(103, "items[label]", DataType.Array, ("max_length", "16"), ("max_capacity", "4")) with { ElementType = DataType.VarChar, StructFieldId = 102 },
            Field(104, "items[order]", DataType.Array, ("max_capacity", "4")) with { ElementType = DataType.Int32, StructFieldId = 102 },
            Field(105, "items[emb]", DataType.ArrayOfVector, ("dim", "4"), ("max_capacity", "4")) with { ElementType = DataType.FloatVector, StructFieldId = 102 },
            Field(106, "items[i8]", DataType.ArrayOfVector, ("dim", "4"), ("max_capacity", "4")) with { ElementType = DataType.Int8Vector, StructFieldId = 102 },
        ],
        StructFields = [new StructFieldSchema { FieldId = 102, Name = "items" }],
    };

    /// <summary>
    /// The values the Node BulkWriter was given for the struct file fixtures: row i holds (i mod 3) + 1 structs, struct e
    /// being label "r{i}e{e}", order 10i + e, emb [i, e, 1, 0] and i8 [e, -1, 127, -128].
    /// </summary>
    internal static void AssertStructRows(IReadOnlyDictionary<string, Column> columns, int rows)
    {
        var counts = Enumerable.Range(0, rows).Select(i => (i % 3) + 1).ToArray();
        Assert.Equal(counts.Select((n, i) => Enumerable.Range(0, n).Select(e => $"r{i}e{e}")), ((ArrayColumn)columns["items[label]"]).Values.Cast<string[]>());
        Assert.Equal(counts.Select((n, i) => Enumerable.Range(0, n).Select(e => (10 * i) + e)), ((ArrayColumn)columns["items[order]"]).Values.Cast<int[]>());
        var emb = (VectorArrayColumn)columns["items[emb]"];
        Assert.Equal(counts.Select((n, i) => Enumerable.Range(0, n).SelectMany(e => new float[] { i, e, 1, 0 })),
            emb.Values.Select(row => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(row).ToArray()));
        var int8 = (VectorArrayColumn)columns["items[i8]"];
        Assert.Equal(counts.Select(n => Enumerable.Range(0, n).SelectMany(e => new[] { (byte)e, (byte)0xFF, (byte)127, (byte)0x80 })), int8.Values);
    }

    [Fact]
    public void Struct_fields_written_by_the_node_bulk_writer_are_read_into_their_sub_fields()
    {
        var json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "ImportFiles", "node-bulkwriter-struct.json"));

        AssertStructRows(Assert.Single(Read(json, StructSchema)), rows: 5);
    }

    [Theory]
    [InlineData("""{"id": 1, "vector": [0,0,0,0], "items": {"label": "x"}}""", "row 0, field 'items': expected a list of structs")]
    [InlineData("""{"id": 1, "vector": [0,0,0,0], "items": [{"label": "x", "order": 1, "emb": [1,2,3,4]}]}""", "every struct needs its field 'i8'")]
    [InlineData("""{"id": 1, "vector": [0,0,0,0], "items": [{"label": "x", "order": "one", "emb": [1,2,3,4], "i8": [1,2,3,4]}]}""", "row 0, field 'items', struct 0, field 'order'")]
    [InlineData("""{"id": 1, "vector": [0,0,0,0], "items": [{"label": "x", "order": 1, "emb": [1,2,3], "i8": [1,2,3,4]}]}""", "field 'emb'")]
    public void A_struct_value_that_does_not_fit_is_refused_naming_the_row_struct_and_field(string row, string reason)
    {
        var error = Assert.Throws<MilvusException>(() => Read($$"""{"rows": [{{row}}]}""", StructSchema));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(reason, error.Message);
    }
}
