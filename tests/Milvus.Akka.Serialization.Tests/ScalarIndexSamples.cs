using System.Collections.Immutable;
using System.Text;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Scalar;

namespace Milvus.Akka.Serialization.Tests;

/// <summary>
/// The scalar indexes the golden files of Golden/scalar-index were written from (one per layout and key type), and the
/// probes that tell two indexes apart.
/// </summary>
public static class ScalarIndexSamples
{
    private static readonly bool[] SomeNull = [true, true, false, true, true, true, false, true];

    public static readonly ImmutableSortedDictionary<string, Func<ScalarIndex>> Indexes = new Dictionary<string, Func<ScalarIndex>>
    {
        ["inverted-int64"] = () => ScalarIndexBuilder.Build(ScalarIndexType.Inverted,
            new ScalarColumn<long>(DataType.Int64, [5, -3, 9, 5, long.MaxValue, 0, 7, -3], SomeNull)),
        ["stl-sort-double"] = () => ScalarIndexBuilder.Build(ScalarIndexType.StlSort,
            new ScalarColumn<double>(DataType.Double, [1.5, -0.25, 1.5, double.NaN, 3e10, 2, 2, -7])),
        ["bitmap-varchar"] = () => ScalarIndexBuilder.Build(ScalarIndexType.Bitmap,
            new StringColumn(["red", "blue", "red", "", "green", "blue", "x", "red"], SomeNull)),
        ["trie-varchar"] = () => ScalarIndexBuilder.Build(ScalarIndexType.Trie,
            new StringColumn(["apple", "app", "apricot", "banana", "", "app", "ça", "b"])),
        ["inverted-array-varchar"] = () => ScalarIndexBuilder.Build(ScalarIndexType.Inverted,
            new ArrayColumn(DataType.VarChar, [new[] { "a", "b" }, Array.Empty<string>(), new[] { "b", "b", "c" }, new[] { "z" }])),
        ["inverted-json-double"] = () => ScalarIndexBuilder.Build(ScalarIndexType.Inverted,
            new JsonColumn([.. new[] { """{"a":{"b":1}}""", """{"a":{"b":2.5}}""", """{"a":{"b":"x"}}""", "{}", """{"a":{"b":-4}}""" }
                .Select(Encoding.UTF8.GetBytes)]),
            new JsonIndexTarget(["a", "b"], JsonCastType.Double)),
    }.ToImmutableSortedDictionary(StringComparer.Ordinal);

    /// <summary>What an index answers: its shape and the rows of a fixed set of probes, as text.</summary>
    public static string Answers(ScalarIndex index)
    {
        static string Rows(Bitset? rows) => rows is null ? "-" : string.Join(",", Enumerable.Range(0, rows.Length).Where(i => rows[i]));
        var answers = new StringBuilder($"{index.Type} {index.KeyType.Name} rows={index.RowCount} path={index.JsonPath} elements={index.Elements} lossy={index.Lossy}\n");
        foreach (var key in new long[] { -3, 0, 5, 9, long.MaxValue })
        {
            answers.Append($"long {key}: {Rows(index.In<long>([key]))} below: {Rows(index.Range(KeyRange<long>.Below(key, true)))}\n");
        }

        foreach (var key in new[] { -7, 1, 1.5, 2, 3e10 })
        {
            answers.Append($"double {key}: {Rows(index.In<double>([key]))} above: {Rows(index.Range(KeyRange<double>.Above(key, false)))}\n");
        }

        foreach (var key in new[] { "", "a", "app", "b", "red", "ça", "zz" })
        {
            answers.Append($"string '{key}': {Rows(index.In<string>([key]))} prefix: {Rows(index.Prefix(key))}\n");
        }

        return answers.ToString();
    }
}
