using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>Array-of-struct fields at create (ids, capacities, what a struct may hold) and the indexes of their vectors.</summary>
public sealed class StructFieldRulesTests
{
    private static ImmutableSortedDictionary<string, string> Params(params (string Key, string Value)[] pairs) =>
        pairs.Aggregate(ImmutableSortedDictionary<string, string>.Empty, (d, p) => d.Add(p.Key, p.Value));

    /// <summary>A schema as the gRPC edge hands it over: the struct and its sub-fields tied by a provisional negative id.</summary>
    private static CollectionSchema Schema(StructFieldSchema? structField = null, params FieldSchema[] subFields) => new()
    {
        Name = "docs",
        Fields =
        [
            new FieldSchema { FieldId = 0, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 0, Name = "vec", DataType = DataType.FloatVector, TypeParams = Params(("dim", "2")) },
            .. subFields,
            new FieldSchema { FieldId = 0, Name = "title", DataType = DataType.VarChar, TypeParams = Params(("max_length", "32")) },
        ],
        StructFields = structField is null ? [] : [structField],
    };

    private static readonly StructFieldSchema Chunks = new() { FieldId = -1, Name = "chunks", TypeParams = Params(("max_capacity", "8")) };

    private static FieldSchema Sub(string name, DataType type, DataType element, params (string, string)[] typeParams) => new()
    {
        FieldId = 0, Name = $"chunks[{name}]", DataType = type, ElementType = element, StructFieldId = -1, TypeParams = Params(typeParams),
    };

    [Fact]
    public void A_struct_takes_ids_after_the_fields_and_its_sub_fields_after_it_with_its_capacity()
    {
        var completed = SchemaValidator.Complete(Schema(Chunks,
            Sub("text", DataType.Array, DataType.VarChar, ("max_length", "64")),
            Sub("emb", DataType.ArrayOfVector, DataType.FloatVector, ("dim", "4"))));

        Assert.Equal([100, 101, 102], completed.Fields.Where(f => f.StructFieldId == 0).Select(f => f.FieldId));
        var structField = Assert.Single(completed.StructFields);
        Assert.Equal(103, structField.FieldId);
        var subFields = completed.SubFields(103).ToList();
        Assert.Equal([104, 105], subFields.Select(f => f.FieldId));
        Assert.Equal(["text", "emb"], subFields.Select(f => f.ShortName));
        Assert.All(subFields, f => Assert.Equal(8, f.MaxCapacity));
    }

    [Fact]
    public void A_collection_whose_only_vectors_are_in_a_struct_has_a_vector_field()
    {
        var schema = Schema(Chunks, Sub("emb", DataType.ArrayOfVector, DataType.Int8Vector, ("dim", "4")));
        schema = schema with { Fields = [.. schema.Fields.Where(f => f.Name != "vec")] };

        Assert.Equal("chunks[emb]", Assert.Single(SchemaValidator.Complete(schema).VectorFields).Name);
    }

    public static TheoryData<StructFieldSchema, FieldSchema, string> Refused => new()
    {
        { Chunks with { TypeParams = Params() }, Sub("n", DataType.Array, DataType.Int32), "max_capacity" },
        { Chunks, Sub("j", DataType.Array, DataType.Json), "unsupported type" },
        { Chunks, Sub("s", DataType.ArrayOfVector, DataType.SparseFloatVector), "unsupported type" },
        { Chunks, Sub("v", DataType.ArrayOfVector, DataType.FloatVector), "dim" },
        { Chunks, Sub("n", DataType.Array, DataType.Int32) with { Nullable = true }, "nullable" },
        { Chunks, Sub("n", DataType.Array, DataType.Int32) with { DefaultValue = 3 }, "default value" },
        { Chunks, Sub("bad-name", DataType.Array, DataType.Int32), "is invalid" },
        { Chunks with { Name = "title" }, Sub("n", DataType.Array, DataType.Int32) with { Name = "title[n]" }, "duplicated field name 'title'" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Structs_Milvus_refuses_are_refused_naming_the_rule(StructFieldSchema structField, FieldSchema subField, string reason)
    {
        var error = Assert.Throws<MilvusException>(() => SchemaValidator.Complete(Schema(structField, subField)));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Two_sub_fields_of_one_name_are_refused()
    {
        var error = Assert.Throws<MilvusException>(() => SchemaValidator.Complete(Schema(Chunks,
            Sub("n", DataType.Array, DataType.Int32), Sub("n", DataType.Array, DataType.Int64))));

        Assert.Contains("duplicated field name 'n' in struct field 'chunks'", error.Message);
    }

    private static readonly FieldSchema Embeddings = new()
    {
        FieldId = 104, Name = "chunks[emb]", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, StructFieldId = 102,
        TypeParams = Params(("dim", "4")),
    };

    [Theory]
    [InlineData("HNSW", "MAX_SIM", "MAX_SIM", true)]
    [InlineData("AUTOINDEX", "max_sim_l2", "MAX_SIM_L2", true)]
    [InlineData("HNSW", "COSINE", "COSINE", true)]
    [InlineData("AUTOINDEX", null, "MAX_SIM_COSINE", true)]
    [InlineData("FLAT", "MAX_SIM_IP", "MAX_SIM_IP", false)]
    public void A_struct_vector_index_takes_a_max_sim_metric_or_a_plain_one(string type, string? metric, string stored, bool built)
    {
        var parameters = Params(("index_type", type));
        if (metric is not null)
        {
            parameters = parameters.Add("metric_type", metric);
        }

        var completed = StructVectorIndexRules.Complete(Embeddings, parameters);

        Assert.Equal(stored, completed["metric_type"]);
        Assert.Equal(built, IndexBuildRules.NeedsBuild(new CollectionSchema { Name = "docs", Fields = [Embeddings] },
            new IndexInfo(1, "i", Embeddings.FieldId, completed, 1)));
    }

    [Theory]
    [InlineData("HNSW", "HAMMING", "not supported")]
    [InlineData("HNSW", "BM25", "does not apply")]
    [InlineData("SPARSE_INVERTED_INDEX", "MAX_SIM", "does not support")]
    [InlineData("HNSW", "DTW_IP", "not supported")]
    public void A_struct_vector_index_that_does_not_fit_its_vectors_is_refused(string type, string metric, string reason)
    {
        var error = Assert.Throws<MilvusException>(() =>
            StructVectorIndexRules.Complete(Embeddings, Params(("index_type", type), ("metric_type", metric))));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(reason, error.Message);
    }
}
