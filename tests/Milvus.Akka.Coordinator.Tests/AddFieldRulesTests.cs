using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>Milvus 2.6's AddCollectionField rules as <see cref="SchemaValidator.AddField"/> applies them to a schema.</summary>
public sealed class AddFieldRulesTests
{
    private static readonly CollectionSchema Schema = SchemaValidator.Complete(new CollectionSchema
    {
        Name = "books",
        EnableDynamicField = true,
        Fields =
        [
            new FieldSchema { FieldId = 0, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 0, Name = "vec", DataType = DataType.FloatVector, TypeParams = Params(FieldSchema.DimKey, "4") },
        ],
    });

    [Fact]
    public void A_nullable_scalar_field_takes_the_next_id_and_bumps_the_schema_version()
    {
        var added = SchemaValidator.AddField(Schema, Field("title", DataType.VarChar, Params(FieldSchema.MaxLengthKey, "32")) with { DefaultValue = "none" });
        var again = SchemaValidator.AddField(added, Field("year", DataType.Int32));

        Assert.Equal(Schema.Fields.Max(f => f.FieldId) + 1, added.FindField("title")!.FieldId);
        Assert.Equal("none", added.FindField("title")!.DefaultValue);
        Assert.Equal(1, added.Version);
        Assert.Equal(added.FindField("title")!.FieldId + 1, again.FindField("year")!.FieldId);
        Assert.Equal(2, again.Version);
        Assert.Equal(Schema.Fields, again.Fields.Take(Schema.Fields.Length));
    }

    [Fact]
    public void A_field_that_is_not_nullable_is_refused_as_Milvus_refuses_it()
    {
        var error = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("year", DataType.Int32) with { Nullable = false }));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("added field must be nullable", error.Message);
    }

    [Theory]
    [InlineData("id", "duplicate field name: id")]
    [InlineData("$meta", "cannot add a dynamic field")]
    public void A_name_the_schema_has_is_refused(string name, string message) =>
        Assert.Contains(message, Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field(name, DataType.Int64))).Message);

    [Fact]
    public void Vector_fields_and_keys_are_refused()
    {
        var vector = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("v2", DataType.FloatVector, Params(FieldSchema.DimKey, "4"))));
        var key = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("k", DataType.Int64) with { IsPartitionKey = true }));
        var primary = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("p", DataType.Int64) with { IsPrimaryKey = true }));

        Assert.Contains("adding vector field 'v2' to an existing collection is not supported", vector.Message);
        Assert.Contains("cannot be a primary key, partition key", key.Message);
        Assert.Contains("cannot be a primary key, partition key", primary.Message);
    }

    [Fact]
    public void The_field_is_checked_as_at_create()
    {
        var error = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("title", DataType.VarChar)));

        Assert.Contains("type param 'max_length' of field 'title' is missing", error.Message);
    }

    private static FieldSchema Field(string name, DataType type, ImmutableSortedDictionary<string, string>? typeParams = null) =>
        new() { FieldId = 0, Name = name, DataType = type, Nullable = true, TypeParams = typeParams ?? ImmutableSortedDictionary<string, string>.Empty };

    private static ImmutableSortedDictionary<string, string> Params(string key, string value) => ImmutableSortedDictionary<string, string>.Empty.Add(key, value);
}
