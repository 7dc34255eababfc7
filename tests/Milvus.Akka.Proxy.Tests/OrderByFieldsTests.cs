using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Reading order_by_fields as the SDKs send it: entries, directions, null placement and the fields that can be ordered by.</summary>
public sealed class OrderByFieldsTests
{
    private static readonly CollectionSchema Schema = new()
    {
        Name = "c",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "price", DataType = DataType.Float },
            new FieldSchema { FieldId = 102, Name = "title", DataType = DataType.VarChar },
            new FieldSchema { FieldId = 103, Name = "tags", DataType = DataType.Array },
            new FieldSchema { FieldId = 104, Name = "meta", DataType = DataType.Json },
        ],
    };

    [Fact]
    public void Entries_read_their_direction_and_null_placement_with_nulls_last_ascending_and_first_descending_by_default()
    {
        Assert.Equal(
            [new OrderKey(101, false, false), new OrderKey(102, true, true), new OrderKey(100, true, false), new OrderKey(101, false, true)],
            OrderByFields.Parse(" price , title:DESC,id:descending:nulls_last,, price:Ascending:NULLS_FIRST", Schema).ToArray());
        Assert.Empty(OrderByFields.Parse(null, Schema));
        Assert.Empty(OrderByFields.Parse("  ", Schema));
    }

    [Theory]
    [InlineData("tags", ErrorCode.ParameterInvalid, "field 'tags' has type Array, which cannot be ordered by")]
    [InlineData("meta", ErrorCode.ParameterInvalid, "field 'meta' is a JSON field: order by a path into it")]
    [InlineData("title[\"a\"]", ErrorCode.ParameterInvalid, "has a path but 'title' is a VarChar field")]
    [InlineData("meta[\"a\"", ErrorCode.ParameterInvalid, "invalid JSON path in order_by_fields field 'meta[\"a\"'")]
    [InlineData("meta[x]", ErrorCode.ParameterInvalid, "invalid JSON path")]
    [InlineData("missing", ErrorCode.ParameterInvalid, "field 'missing' does not exist in collection schema")]
    [InlineData(":asc", ErrorCode.ParameterInvalid, "empty field name")]
    [InlineData("price:asc:nulls_first:x", ErrorCode.ParameterInvalid, "has more than field, direction and null placement")]
    public void Keys_that_cannot_order_rows_are_refused(string text, ErrorCode code, string mentions)
    {
        var error = Assert.Throws<MilvusException>(() => OrderByFields.Parse(text, Schema));

        Assert.Equal(code, error.Code);
        Assert.Contains(mentions, error.Message);
    }

    [Fact]
    public void A_search_orders_by_paths_into_JSON_fields_and_by_dynamic_keys_and_a_query_refuses_them()
    {
        var dynamic = Schema with { Fields = Schema.Fields.Add(new FieldSchema { FieldId = 105, Name = "$meta", DataType = DataType.Json, IsDynamic = true }) };

        var keys = OrderByFields.Parse("age:desc, user[\"a,b:c\"][2]:asc:nulls_first, meta[\"q\\\"x\"], $meta[\"k\"]", dynamic);

        Assert.Equal([(105L, true, true), (105L, false, true), (104L, false, false), (105L, false, false)], keys.Select(k => (k.FieldId, k.Descending, k.NullsFirst)));
        Assert.Equal([["age"], ["user", "a,b:c", 2L], ["q\"x"], ["k"]], keys.Select(k => k.JsonPath.ToArray()));
        var refused = Assert.Throws<MilvusException>(() => OrderByFields.Parse("age", dynamic, allowJsonPaths: false));
        Assert.Equal(ErrorCode.ParameterInvalid, refused.Code);
        Assert.Contains("a query is ordered by scalar fields of the schema only", refused.Message);
    }
}
