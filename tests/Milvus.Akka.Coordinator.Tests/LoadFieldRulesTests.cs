using System.Collections.Immutable;
using Milvus.Akka.Common;
using static Milvus.Akka.TestSupport.CatalogFixtures;

namespace Milvus.Akka.Coordinator.Tests;

/// <summary>Partial load's field list, with Milvus's rules: what is loaded, what is refused, and when it may change.</summary>
public sealed class LoadFieldRulesTests
{
    private static readonly CollectionSchema Wide = Schema with
    {
        EnableDynamicField = true,
        Fields =
        [
            .. Schema.Fields,
            new FieldSchema { FieldId = 102, Name = "title", DataType = DataType.VarChar, IsPartitionKey = true },
            new FieldSchema { FieldId = 103, Name = "tags", DataType = DataType.Array, ElementType = DataType.Int32 },
            new FieldSchema { FieldId = 104, Name = CollectionSchema.DynamicFieldName, DataType = DataType.Json, IsDynamic = true },
        ],
    };

    [Fact]
    public void No_list_loads_every_field_and_skipping_the_dynamic_field_loads_the_others()
    {
        Assert.Null(LoadFieldRules.Resolve(Wide, [], skipDynamicField: false));
        Assert.Equal(new long[] { 100, 101, 102, 103 }, LoadFieldRules.Resolve(Wide, [], skipDynamicField: true)!);
        Assert.Null(LoadFieldRules.Resolve(Schema, [], skipDynamicField: true));
    }

    [Fact]
    public void A_list_loads_its_fields_with_the_dynamic_field_unless_skipped()
    {
        Assert.Equal(new long[] { 100, 101, 102, 104 }, LoadFieldRules.Resolve(Wide, ["v", "id", "title"], skipDynamicField: false)!);
        Assert.Equal(new long[] { 100, 101, 102 }, LoadFieldRules.Resolve(Wide, ["v", "id", "title"], skipDynamicField: true)!);
        Assert.Null(LoadFieldRules.Resolve(Wide, ["id", "v", "title", "tags"], skipDynamicField: false));
    }

    [Fact]
    public void A_struct_named_in_the_list_loads_all_its_sub_fields()
    {
        var withStruct = Wide with
        {
            Fields =
            [
                .. Wide.Fields,
                new FieldSchema { FieldId = 106, Name = "s[n]", DataType = DataType.Array, ElementType = DataType.Int32, StructFieldId = 105 },
                new FieldSchema { FieldId = 107, Name = "s[e]", DataType = DataType.ArrayOfVector, ElementType = DataType.FloatVector, StructFieldId = 105 },
            ],
            StructFields = [new StructFieldSchema { FieldId = 105, Name = "s" }],
        };

        Assert.Equal(new long[] { 100, 102, 106, 107 }, LoadFieldRules.Resolve(withStruct, ["id", "title", "s"], skipDynamicField: true)!);
    }

    [Theory]
    [InlineData(new[] { "v", "title" }, ErrorCode.ParameterInvalid, "load field list [v title] does not contain primary key field id")]
    [InlineData(new[] { "id", "title" }, ErrorCode.ParameterInvalid, "load field list [id title] does not contain vector field")]
    [InlineData(new[] { "id", "v" }, ErrorCode.ParameterInvalid, "load field list [id v] does not contain partition key field title")]
    [InlineData(new[] { "id", "v", "title", "nope" }, ErrorCode.FieldNotFound, "field not found[field=nope]")]
    public void A_list_without_the_primary_key_a_vector_or_the_partition_key_is_refused(string[] names, ErrorCode code, string message)
    {
        var e = Assert.Throws<MilvusException>(() => LoadFieldRules.Resolve(Wide, names, skipDynamicField: false));

        Assert.Equal((code, message), (e.Code, e.Message));
    }

    [Fact]
    public void A_loaded_collection_keeps_its_field_list_until_released()
    {
        var partial = Collection(1) with { Schema = Wide, LoadedFields = [100, 101, 102] };

        LoadFieldRules.RequireUnchanged(partial, [100, 101, 102]);
        var e = Assert.Throws<MilvusException>(() => LoadFieldRules.RequireUnchanged(partial, null));
        Assert.Equal(ErrorCode.ParameterInvalid, e.Code);
        Assert.Contains("can't change the load field list for loaded collection c1", e.Message);
        Assert.Throws<MilvusException>(() => LoadFieldRules.RequireUnchanged(Collection(1), [100, 101]));

        LoadFieldRules.RequireUnchanged(partial with { Loaded = false }, null);
        LoadFieldRules.RequireUnchanged(Collection(1, loaded: false), ImmutableSortedSet.Create(100L, 101L));
    }
}
