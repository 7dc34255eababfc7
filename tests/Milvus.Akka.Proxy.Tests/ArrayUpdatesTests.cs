using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>Milvus's ARRAY_APPEND and ARRAY_REMOVE upsert operators, row by row, as its design document defines them.</summary>
public sealed class ArrayUpdatesTests
{
    private static readonly FieldSchema Tags = new()
    {
        FieldId = 101, Name = "tags", DataType = DataType.Array, ElementType = DataType.VarChar, Nullable = true,
        TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add(FieldSchema.MaxCapacityKey, "4").Add(FieldSchema.MaxLengthKey, "8"),
    };

    private static ArrayColumn Strings(params string[]?[] rows) =>
        new(DataType.VarChar, [.. rows.Select(r => (Array)(r ?? []))], rows.Any(r => r is null) ? [.. rows.Select(r => r is not null)] : null);

    private static string[]?[] Rows(ArrayColumn column) => [.. Enumerable.Range(0, column.Count).Select(i => column.IsNull(i) ? null : (string[])column.Values[i])];

    [Fact]
    public void Append_keeps_order_and_duplicates_and_remove_drops_every_match()
    {
        var stored = Strings(["a", "b"], ["a", "b", "a", "c"], null);

        Assert.Equal([["a", "b", "c", "a"], ["a", "b", "a", "c"], ["z"]],
            Rows(ArrayUpdates.Apply(Tags, ArrayUpdate.Append, stored, Strings(["c", "a"], [], ["z"]))));
        Assert.Equal([["b"], ["c"], []],
            Rows(ArrayUpdates.Apply(Tags, ArrayUpdate.Remove, stored, Strings(["a"], ["a", "b"], ["q"]))));
    }

    [Fact]
    public void A_null_sent_row_leaves_the_stored_row_as_it_is()
    {
        var result = ArrayUpdates.Apply(Tags, ArrayUpdate.Append, Strings(["a"], null), Strings(null, null));

        Assert.Equal([["a"], null], Rows(result));
    }

    [Fact]
    public void Floats_are_compared_as_IEEE_values_so_NaN_removes_nothing()
    {
        var field = Tags with { ElementType = DataType.Float };
        var stored = new ArrayColumn(DataType.Float, [new[] { 1f, float.NaN, 2f }]);

        var result = ArrayUpdates.Apply(field, ArrayUpdate.Remove, stored, new ArrayColumn(DataType.Float, [new[] { float.NaN, 2f }]));

        Assert.Equal([1f, float.NaN], (float[])result.Values[0]);
    }

    [Fact]
    public void An_append_beyond_max_capacity_is_refused()
    {
        var error = Assert.Throws<MilvusException>(() =>
            ArrayUpdates.Apply(Tags, ArrayUpdate.Append, Strings(["a", "b", "c"]), Strings(["d", "e"])));

        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains("max_capacity 4", error.Message);
    }

    [Fact]
    public void Operators_on_the_primary_key_a_scalar_field_or_a_field_not_sent_are_refused()
    {
        var schema = new CollectionSchema
        {
            Name = "c",
            Fields = [new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true }, Tags,
                new FieldSchema { FieldId = 102, Name = "score", DataType = DataType.Int32 }],
        };
        var columns = new Dictionary<string, Column> { ["id"] = new ScalarColumn<long>(DataType.Int64, [1]), ["score"] = new ScalarColumn<int>(DataType.Int32, [1]) };

        void Refused(string field, string message) => Assert.Contains(message, Assert.Throws<MilvusException>(() =>
            ArrayUpdates.Check(schema, new Dictionary<string, ArrayUpdate> { [field] = ArrayUpdate.Append }, columns)).Message);

        Refused("id", "primary key");
        Refused("score", "requires Array field");
        Refused("tags", "not present in fields_data");
        Refused("missing", "does not exist");
    }
}
