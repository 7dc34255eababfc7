using System.Collections.Immutable;
using System.Text.Json;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>The JSON field's content of one row, as C# values; null members are absent from the JSON.</summary>
internal sealed record Meta(long? A, string? BC, string[]? Tags, long[]? Arr, object? X, double? F);

/// <summary>One generated row, as the oracle sees it: plain C# values, null = SQL null.</summary>
internal sealed record Row(
    long Id, int Age, float Score, double? Weight, bool? Flag, string Name, string? City,
    Meta? Meta, long[] Nums, string[]? Words, int? Small, string? Color, long? Size);

/// <summary>A seeded collection of a few thousand rows covering every filterable type, nulls and JSON shapes.</summary>
internal static class TestData
{
    /// <summary>
    /// The filter as a node that receives it in a plan rebuilds it, checking that nothing is lost on the way: the plan
    /// of the rebuilt filter is the same bytes, and so are its keys and the fields it reads.
    /// </summary>
    public static FilterExpression ThroughPlan(FilterExpression filter, CollectionSchema schema)
    {
        var encoded = FilterPlan.Of(filter).Encoded;
        var rebuilt = FilterPlan.FromEncoded(encoded).For(schema);
        Assert.Equal(encoded, FilterPlan.Of(rebuilt).Encoded);
        Assert.Equal(filter.ReferencedFieldIds.Order(), rebuilt.ReferencedFieldIds.Order());
        Assert.Equal(filter.TryGetPrimaryKeyList(), rebuilt.TryGetPrimaryKeyList());
        Assert.Equal(filter.TryGetPartitionKeyValues(), rebuilt.TryGetPartitionKeyValues());
        return rebuilt;
    }

    public const int RowCount = 3000;

    public static readonly string[] Names = ["apple", "apricot", "banana", "cherry", "grape", "grape_1", "a%b", "abc", "Apple", "b", ""];
    public static readonly string[] Cities = ["paris", "rome", "berlin", "oslo"];
    public static readonly string[] TagWords = ["red", "blue", "green", "black"];

    public static readonly CollectionSchema Schema = new()
    {
        Name = "things",
        EnableDynamicField = true,
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = 101, Name = "age", DataType = DataType.Int32 },
            new FieldSchema { FieldId = 102, Name = "score", DataType = DataType.Float },
            new FieldSchema { FieldId = 103, Name = "weight", DataType = DataType.Double, Nullable = true },
            new FieldSchema { FieldId = 104, Name = "flag", DataType = DataType.Bool, Nullable = true },
            new FieldSchema { FieldId = 105, Name = "name", DataType = DataType.VarChar },
            new FieldSchema { FieldId = 106, Name = "city", DataType = DataType.VarChar, Nullable = true },
            new FieldSchema { FieldId = 107, Name = "meta", DataType = DataType.Json, Nullable = true },
            new FieldSchema { FieldId = 108, Name = "nums", DataType = DataType.Array, ElementType = DataType.Int64 },
            new FieldSchema { FieldId = 109, Name = "words", DataType = DataType.Array, ElementType = DataType.VarChar, Nullable = true },
            new FieldSchema { FieldId = 110, Name = "small", DataType = DataType.Int16, Nullable = true },
            new FieldSchema { FieldId = 111, Name = "vec", DataType = DataType.FloatVector },
            new FieldSchema { FieldId = 112, Name = "$meta", DataType = DataType.Json, IsDynamic = true },
        ],
    };

    public static readonly IReadOnlyList<Row> Rows = Generate(new Random(20240611));

    public static readonly RowBatch Batch = ToBatch(Rows);

    private static List<Row> Generate(Random random)
    {
        T? Maybe<T>(double nullChance, Func<T> make) where T : class => random.NextDouble() < nullChance ? null : make();
        T? MaybeValue<T>(double nullChance, Func<T> make) where T : struct => random.NextDouble() < nullChance ? null : make();
        string[] Tags() => Enumerable.Range(0, random.Next(0, 4)).Select(_ => TagWords[random.Next(TagWords.Length)]).ToArray();

        var rows = new List<Row>(RowCount);
        for (var i = 0; i < RowCount; i++)
        {
            var meta = Maybe(0.1, () => new Meta(
                A: MaybeValue(0.2, () => (long)random.Next(-5, 30)),
                BC: Maybe(0.3, () => "x" + random.Next(0, 5)),
                Tags: Maybe(0.2, Tags),
                Arr: Maybe(0.2, () => Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(0, 10)).ToArray()),
                X: random.Next(4) switch { 0 => null, 1 => (object)(long)random.Next(0, 6), 2 => "s" + random.Next(0, 2), _ => random.Next(2) == 0 },
                F: MaybeValue(0.3, () => Math.Round(random.NextDouble(), 3))));
            rows.Add(new Row(
                Id: i,
                Age: random.Next(0, 100),
                Score: (float)Math.Round(random.NextDouble() * 100, 1),
                Weight: MaybeValue(0.2, () => Math.Round(random.NextDouble() * 3, 2)),
                Flag: MaybeValue(0.15, () => random.Next(2) == 0),
                Name: Names[random.Next(Names.Length)],
                City: Maybe(0.25, () => Cities[random.Next(Cities.Length)]),
                Meta: meta,
                Nums: Enumerable.Range(0, random.Next(0, 5)).Select(_ => (long)random.Next(0, 100)).ToArray(),
                Words: Maybe(0.2, Tags),
                Small: MaybeValue(0.2, () => random.Next(-3, 20)),
                Color: Maybe(0.3, () => TagWords[random.Next(TagWords.Length)]),
                Size: MaybeValue(0.3, () => (long)random.Next(0, 10))));
        }

        return rows;
    }

    private static RowBatch ToBatch(IReadOnlyList<Row> rows)
    {
        bool[] Valid<T>(Func<Row, T?> get) => rows.Select(r => get(r) is not null).ToArray();
        var columns = ImmutableDictionary.CreateBuilder<long, Column>();
        columns[100] = new ScalarColumn<long>(DataType.Int64, rows.Select(r => r.Id).ToArray());
        columns[101] = new ScalarColumn<int>(DataType.Int32, rows.Select(r => r.Age).ToArray());
        columns[102] = new ScalarColumn<float>(DataType.Float, rows.Select(r => r.Score).ToArray());
        columns[103] = new ScalarColumn<double>(DataType.Double, rows.Select(r => r.Weight ?? 0).ToArray(), Valid(r => r.Weight));
        columns[104] = new ScalarColumn<bool>(DataType.Bool, rows.Select(r => r.Flag ?? false).ToArray(), Valid(r => r.Flag));
        columns[105] = new StringColumn(rows.Select(r => r.Name).ToArray());
        columns[106] = new StringColumn(rows.Select(r => r.City ?? "").ToArray(), Valid(r => r.City));
        columns[107] = new JsonColumn(rows.Select(r => r.Meta is null ? [] : MetaJson(r.Meta)).ToArray(), Valid(r => r.Meta));
        columns[108] = new ArrayColumn(DataType.Int64, rows.Select(r => (Array)r.Nums).ToArray());
        columns[109] = new ArrayColumn(DataType.VarChar, rows.Select(r => (Array)(r.Words ?? [])).ToArray(), Valid(r => r.Words));
        columns[110] = new ScalarColumn<int>(DataType.Int16, rows.Select(r => r.Small ?? 0).ToArray(), Valid(r => r.Small));
        columns[111] = new VectorColumn<float>(DataType.FloatVector, 2, new float[rows.Count * 2]);
        columns[112] = new JsonColumn(rows.Select(DynamicJson).ToArray());
        return new RowBatch(columns.ToImmutable());
    }

    private static byte[] MetaJson(Meta meta)
    {
        var json = new Dictionary<string, object?>();
        AddIfPresent(json, "a", meta.A);
        if (meta.BC is not null)
        {
            json["b"] = new Dictionary<string, object?> { ["c"] = meta.BC };
        }

        AddIfPresent(json, "tags", meta.Tags);
        AddIfPresent(json, "arr", meta.Arr);
        AddIfPresent(json, "x", meta.X);
        AddIfPresent(json, "f", meta.F);
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    private static byte[] DynamicJson(Row row)
    {
        var json = new Dictionary<string, object?>();
        AddIfPresent(json, "color", row.Color);
        AddIfPresent(json, "size", row.Size);
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    private static void AddIfPresent(Dictionary<string, object?> json, string key, object? value)
    {
        if (value is not null)
        {
            json[key] = value;
        }
    }
}
