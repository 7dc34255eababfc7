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
    public void Enabling_the_dynamic_field_adds_it_and_loaded_schemas_widen_to_it_unless_a_load_skipped_it()
    {
        var plain = Schema with { EnableDynamicField = false, Fields = [.. Schema.Fields.Where(f => !f.IsDynamic)] };
        var dynamic = SchemaValidator.EnableDynamicField(plain);

        var meta = Assert.Single(dynamic.Fields, f => f.IsDynamic);
        Assert.Equal((CollectionSchema.DynamicFieldName, DataType.Json, true), (meta.Name, meta.DataType, meta.Nullable));
        Assert.Equal(plain.Fields.Max(f => f.FieldId) + 1, meta.FieldId);
        Assert.True(dynamic.EnableDynamicField);
        Assert.Equal(plain.Version + 1, dynamic.Version);

        // A segment loaded before takes the dynamic field (rows read none); a later AddCollectionField widens it further.
        var widened = plain.WidenedTo(dynamic);
        Assert.True(dynamic.Fields.SequenceEqual(widened.Fields), Names(widened));
        Assert.True(widened.EnableDynamicField);
        var later = SchemaValidator.AddField(dynamic, Field("year", DataType.Int32));
        Assert.True(later.Fields.SequenceEqual(widened.WidenedTo(later).Fields), Names(widened.WidenedTo(later)));

        // A load that skipped a dynamic field it had keeps skipping it.
        var skipping = Schema.WithOnlyFields(Schema.Fields.Where(f => !f.IsDynamic).Select(f => f.FieldId));
        var grown = SchemaValidator.AddField(Schema, Field("year", DataType.Int32));
        Assert.DoesNotContain(skipping.WidenedTo(grown).Fields, f => f.IsDynamic);
        Assert.Contains(skipping.WidenedTo(grown).Fields, f => f.Name == "year");
    }

    private static string Names(CollectionSchema schema) => string.Join(", ", schema.Fields.Select(f => $"{f.FieldId}:{f.Name}"));

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
    public void Keys_are_refused()
    {
        var key = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("k", DataType.Int64) with { IsPartitionKey = true }));
        var primary = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("p", DataType.Int64) with { IsPrimaryKey = true }));

        Assert.Contains("cannot be a primary key, partition key", key.Message);
        Assert.Contains("cannot be a primary key, partition key", primary.Message);
    }

    [Fact]
    public void A_nullable_vector_field_is_added_as_Milvus_3_adds_one_up_to_the_vector_field_limit()
    {
        var added = SchemaValidator.AddField(Schema, Field("v2", DataType.FloatVector, Params(FieldSchema.DimKey, "8")));
        var notNullable = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(Schema, Field("v3", DataType.BinaryVector, Params(FieldSchema.DimKey, "16")) with { Nullable = false }));
        var full = Enumerable.Range(added.Fields.Count(f => f.DataType.IsVector()), SchemaValidator.MaxVectorFields - 2)
            .Aggregate(added, (schema, i) => SchemaValidator.AddField(schema, Field($"v{i + 10}", DataType.SparseFloatVector)));
        var tooMany = Assert.Throws<MilvusException>(() => SchemaValidator.AddField(full, Field("one_more", DataType.SparseFloatVector)));

        Assert.Equal(8, added.FindField("v2")!.Dim);
        Assert.True(added.FindField("v2")!.Nullable);
        Assert.Contains("added field must be nullable", notNullable.Message);
        Assert.Equal(SchemaValidator.MaxVectorFields, full.Fields.Count(f => f.DataType.IsVector()));
        Assert.Contains($"the maximum is {SchemaValidator.MaxVectorFields}", tooMany.Message);
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
