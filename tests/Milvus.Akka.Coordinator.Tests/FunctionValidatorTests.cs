using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>
/// Text embedding functions in a schema (checked as Milvus checks their fields) and the function DDL: added, altered
/// and dropped text embedding functions keep ids and is_function_output marks consistent; BM25 functions stay as created.
/// </summary>
public sealed class FunctionValidatorTests
{
    private static FieldSchema Vector(long id, string name, DataType type = DataType.FloatVector) => new()
    {
        FieldId = id, Name = name, DataType = type, TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.DimKey, "8"),
    };

    private static readonly CollectionSchema Schema = new()
    {
        Name = "docs",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = 101, Name = "text", DataType = DataType.VarChar,
                TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.MaxLengthKey, "64").Add("enable_analyzer", "true"),
            },
            Vector(102, "dense"),
            Vector(103, "other"),
            new FieldSchema { FieldId = 104, Name = "sparse", DataType = DataType.SparseFloatVector },
            new FieldSchema { FieldId = 105, Name = "count", DataType = DataType.Int32 },
        ],
    };

    private static FunctionSchema Embedding(string name, string output = "dense", string input = "text") => new()
    {
        Name = name, Type = FunctionType.TextEmbedding, InputFieldNames = [input], OutputFieldNames = [output],
        Params = ImmutableSortedDictionary<string, string>.Empty.Add("provider", "openai").Add("model_name", "m"),
    };

    private static readonly FunctionSchema Bm25 = new()
    {
        Name = "bm25", Type = FunctionType.Bm25, InputFieldNames = ["text"], OutputFieldNames = ["sparse"],
    };

    [Fact]
    public void A_text_embedding_function_marks_its_output_and_numbers_functions_at_create()
    {
        var completed = FunctionValidator.Complete(Schema with { Functions = [Bm25 with { Id = 7 }, Embedding("embed")] });

        Assert.Equal([(100L, "bm25"), (101L, "embed")], completed.Functions.Select(f => (f.Id, f.Name)));
        Assert.Equal(["dense", "sparse"], completed.Fields.Where(f => f.IsFunctionOutput).Select(f => f.Name).Order());
        Assert.True(completed.FindField("sparse")!.IsBm25Output);
        Assert.False(completed.FindField("dense")!.IsBm25Output);
    }

    public static TheoryData<FunctionSchema, string> Refusals => new()
    {
        { Embedding("e", input: "count"), "input field count must be VARCHAR, not Int32" },
        { Embedding("e", output: "sparse"), "output field sparse must be FloatVector or Int8Vector, not SparseFloatVector" },
        { Embedding("e", output: "text"), "output field text must be FloatVector or Int8Vector" },
        { Embedding("e", output: "missing"), "output field missing not found in the schema" },
        { Embedding("e") with { InputFieldNames = ["text", "text"] }, "needs exactly one input field and one output field" },
        { Embedding("e", output: "id"), "must be FloatVector or Int8Vector" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Text_embedding_functions_over_the_wrong_fields_are_refused(FunctionSchema function, string reason)
    {
        var refused = Assert.Throws<MilvusException>(() => FunctionValidator.Complete(Schema with { Functions = [function] }));
        Assert.Equal(ErrorCode.CollectionIllegalSchema, refused.Code);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public void Functions_are_added_altered_and_dropped_keeping_ids_and_output_marks()
    {
        var created = FunctionValidator.Complete(Schema with { Functions = [Bm25] });

        var added = FunctionValidator.Add(created, Embedding("embed") with { Id = 555 });
        Assert.Equal([(100L, "bm25"), (101L, "embed")], added.Functions.Select(f => (f.Id, f.Name)));
        Assert.True(added.FindField("dense")!.IsFunctionOutput);

        var second = FunctionValidator.Add(added, Embedding("embed2", output: "other"));
        Assert.Equal(102, second.Functions.Single(f => f.Name == "embed2").Id);

        // Altered onto another output: the old one is an ordinary field again, the new one marked; the id stays.
        var altered = FunctionValidator.Alter(added, "embed", Embedding("embed", output: "other") with { Description = "moved" });
        var function = altered.Functions.Single(f => f.Name == "embed");
        Assert.Equal((101L, "moved", "other"), (function.Id, function.Description, function.OutputFieldNames[0]));
        Assert.False(altered.FindField("dense")!.IsFunctionOutput);
        Assert.True(altered.FindField("other")!.IsFunctionOutput);

        var dropped = FunctionValidator.Drop(added, "embed");
        Assert.Equal(["bm25"], dropped.Functions.Select(f => f.Name));
        Assert.False(dropped.FindField("dense")!.IsFunctionOutput);
        Assert.Equal(created, dropped);
    }

    [Fact]
    public void Function_changes_Milvus_refuses_are_refused()
    {
        var created = FunctionValidator.Complete(Schema with { Functions = [Bm25, Embedding("embed")] });
        (Func<CollectionSchema> Change, ErrorCode Code, string Reason)[] refusals =
        [
            (() => FunctionValidator.Add(created, Embedding("embed", output: "other")), ErrorCode.ParameterInvalid, "function embed already exists"),
            (() => FunctionValidator.Add(created, Embedding("again")), ErrorCode.CollectionIllegalSchema, "field dense is already the output of another function"),
            (() => FunctionValidator.Add(created, Bm25 with { Name = "bm25b" }), ErrorCode.OperationNotSupported, "only text embedding functions are added, altered or dropped"),
            (() => FunctionValidator.Alter(created, "bm25", Bm25), ErrorCode.OperationNotSupported, "not Bm25"),
            (() => FunctionValidator.Alter(created, "embed", Embedding("renamed")), ErrorCode.ParameterInvalid, "does not match function_name embed"),
            (() => FunctionValidator.Alter(created, "missing", Embedding("missing")), ErrorCode.ParameterInvalid, "function missing not found in collection docs"),
            (() => FunctionValidator.Drop(created, "bm25"), ErrorCode.OperationNotSupported, "only text embedding functions"),
            (() => FunctionValidator.Drop(created, "missing"), ErrorCode.ParameterInvalid, "function missing not found"),
        ];
        foreach (var (change, code, reason) in refusals)
        {
            var refused = Assert.Throws<MilvusException>(change);
            Assert.Equal(code, refused.Code);
            Assert.Contains(reason, refused.Message);
        }
    }
}
