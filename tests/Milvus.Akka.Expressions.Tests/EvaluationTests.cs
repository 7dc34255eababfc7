using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// Every filter is evaluated over the generated batch and compared, row by row, with a hand-written C# oracle.
/// Oracles answer in three-valued logic (null = unknown, i.e. a null field was compared); a row matches only when true.
/// </summary>
public class EvaluationTests
{
    private static bool? Not(bool? value) => value is null ? null : !value;

    private static bool? Known<T>(T? value, Func<T, bool?> test) where T : struct => value is { } v ? test(v) : null;

    private static bool? KnownRef<T>(T? value, Func<T, bool> test) where T : class => value is { } v ? test(v) : null;

    /// <summary>A test on the JSON field: unknown when the whole field is null.</summary>
    private static bool? OnMeta(Row row, Func<Meta, bool> test) => row.Meta is { } meta ? test(meta) : null;

    private static readonly Dictionary<string, Func<Row, bool?>> Cases = new()
    {
        // comparisons with constants, both sides, every operator
        ["age > 50"] = r => r.Age > 50,
        ["age >= 50"] = r => r.Age >= 50,
        ["age < 10"] = r => r.Age < 10,
        ["age <= 10"] = r => r.Age <= 10,
        ["age == 42"] = r => r.Age == 42,
        ["age != 42"] = r => r.Age != 42,
        ["50 < age"] = r => r.Age > 50,
        ["42 == age"] = r => r.Age == 42,
        ["age > 49.5"] = r => r.Age > 49.5,
        ["age == 42.0"] = r => r.Age == 42,
        ["age != 42.5"] = r => true,
        ["age < 3000000000"] = r => true,
        ["age > -3000000000"] = r => true,
        ["id >= 2990"] = r => r.Id >= 2990,
        ["id == 0x10"] = r => r.Id == 16,
        ["score > 50.5"] = r => r.Score > 50.5f,
        ["score <= 20"] = r => r.Score <= 20f,
        ["score == 50.3"] = r => r.Score == 50.3f,
        ["score > 1e1"] = r => r.Score > 10f,
        ["weight > 1.5"] = r => Known(r.Weight, w => w > 1.5),
        ["weight <= 1"] = r => Known(r.Weight, w => w <= 1),
        ["small >= 5"] = r => Known(r.Small, s => s >= 5),
        ["small == -1"] = r => Known(r.Small, s => s == -1),
        // chained ranges
        ["1 < age <= 5"] = r => r.Age > 1 && r.Age <= 5,
        ["10 > age >= 1"] = r => r.Age < 10 && r.Age >= 1,
        ["0.5 <= weight < 2"] = r => Known(r.Weight, w => w >= 0.5 && w < 2),
        // null semantics
        ["not (weight > 1.5)"] = r => Not(Known(r.Weight, w => w > 1.5)),
        ["weight is null"] = r => r.Weight is null,
        ["weight IS NOT NULL"] = r => r.Weight is not null,
        ["city Is Null or age < 5"] = r => r.City is null || r.Age < 5,
        ["not (city == \"rome\")"] = r => Not(KnownRef(r.City, c => c == "rome")),
        ["weight > 1 or age > 90"] = r => r.Weight > 1 || r.Age > 90 ? true : r.Weight is null ? null : false,
        ["not (weight > 1 and age > 90)"] = r => Not(r.Age <= 90 ? false : Known(r.Weight, w => w > 1)),
        ["age is null"] = r => false,
        // bool fields
        ["flag"] = r => r.Flag,
        ["flag == true"] = r => r.Flag,
        ["flag == False"] = r => Not(r.Flag),
        ["flag != true"] = r => Not(r.Flag),
        ["not flag"] = r => Not(r.Flag),
        ["!flag"] = r => Not(r.Flag),
        ["flag is null"] = r => r.Flag is null,
        // in / not in
        ["id in [1, 5, 7, 2999]"] = r => r.Id is 1 or 5 or 7 or 2999,
        ["id not in [1, 2, 3]"] = r => r.Id is not (1 or 2 or 3),
        ["age in [1, 2, 3.0, 4.5, -1]"] = r => r.Age is 1 or 2 or 3,
        ["age IN []"] = r => false,
        ["small in [1, 2]"] = r => Known(r.Small, s => s is 1 or 2),
        ["small not in [1, 2]"] = r => Known(r.Small, s => s is not (1 or 2)),
        ["score in [1.5, 50.3, 7]"] = r => r.Score is 1.5f or 50.3f or 7f,
        ["weight in [1.5, 2.25]"] = r => r.Weight is 1.5 or 2.25 ? true : r.Weight is null ? null : false,
        ["city in ['paris', \"rome\"]"] = r => KnownRef(r.City, c => c is "paris" or "rome"),
        ["city not in ['paris']"] = r => KnownRef(r.City, c => c != "paris"),
        ["flag in [true]"] = r => r.Flag,
        // strings
        ["name == \"apple\""] = r => r.Name == "apple",
        ["name != 'apple'"] = r => r.Name != "apple",
        ["name > 'b'"] = r => string.CompareOrdinal(r.Name, "b") > 0,
        ["name <= 'apricot'"] = r => string.CompareOrdinal(r.Name, "apricot") <= 0,
        ["name == \"\""] = r => r.Name.Length == 0,
        ["city >= 'paris'"] = r => KnownRef(r.City, c => string.CompareOrdinal(c, "paris") >= 0),
        ["name < city"] = r => KnownRef(r.City, c => string.CompareOrdinal(r.Name, c) < 0),
        // like
        ["name like 'ap%'"] = r => r.Name.StartsWith("ap", StringComparison.Ordinal),
        ["name LIKE '%e'"] = r => r.Name.EndsWith('e'),
        ["name like '%an%'"] = r => r.Name.Contains("an", StringComparison.Ordinal),
        ["name like 'apple'"] = r => r.Name == "apple",
        ["name like 'gr_pe%'"] = r => r.Name.StartsWith("grape", StringComparison.Ordinal),
        ["name like 'a_c'"] = r => r.Name == "abc",
        ["name like '_'"] = r => r.Name.Length == 1,
        ["name like '%'"] = r => true,
        ["name like ''"] = r => r.Name.Length == 0,
        ["name like 'a\\\\%b'"] = r => r.Name == "a%b",
        ["name like 'a%b%'"] = r => r.Name.StartsWith('a') && r.Name.IndexOf('b', 1) > 0,
        ["name like 'A%'"] = r => r.Name.StartsWith('A'),
        ["city like 'r%'"] = r => KnownRef(r.City, c => c.StartsWith('r')),
        ["not (city like 'r%')"] = r => Not(KnownRef(r.City, c => c.StartsWith('r'))),
        // arithmetic
        ["age % 7 == 0"] = r => r.Age % 7 == 0,
        ["age * 2 > 100"] = r => r.Age * 2 > 100,
        ["age - 3 * 2 <= 10"] = r => r.Age - 6 <= 10,
        ["(age - 3) * 2 <= 10"] = r => (r.Age - 3) * 2 <= 10,
        ["age / 3 == 5"] = r => r.Age / 3 == 5,
        ["age ** 2 < 100"] = r => Math.Pow(r.Age, 2) < 100,
        ["2 ** age < 100"] = r => Math.Pow(2, r.Age) < 100,
        ["100 - age > 70"] = r => 100 - r.Age > 70,
        ["100 / (age + 1) > 10"] = r => 100 / (r.Age + 1) > 10,
        ["score * 2 > 100"] = r => r.Score * 2.0 > 100,
        ["score / 2 + 1 < 10"] = r => r.Score / 2.0 + 1 < 10,
        ["-age < -50"] = r => -r.Age < -50,
        ["age + small > 60"] = r => Known(r.Small, s => r.Age + s > 60),
        ["age % small == 0"] = r => Known(r.Small, s => s == 0 ? null : r.Age % s == 0),
        ["age / small > 10"] = r => Known(r.Small, s => s == 0 ? null : r.Age / s > 10),
        ["weight * age >= 100"] = r => Known(r.Weight, w => w * r.Age >= 100),
        ["id % 100 == age"] = r => r.Id % 100 == r.Age,
        ["age > 2 ** 3 ** 2 - 500"] = r => r.Age > 12,
        ["age > -2 ** 2 + 10"] = r => r.Age > 6,
        ["age + 2 * 3 > 10"] = r => r.Age > 4,
        ["age % 7 == 0 and 1 < age <= 50"] = r => r.Age % 7 == 0 && r.Age > 1 && r.Age <= 50,
        // field to field
        ["age > small"] = r => Known(r.Small, s => r.Age > s),
        ["score < weight * 30"] = r => Known(r.Weight, w => r.Score < w * 30),
        ["age == age"] = r => true,
        ["score >= age"] = r => r.Score >= r.Age,
        // logic and precedence
        ["age > 50 and flag"] = r => r.Age <= 50 ? false : r.Flag,
        ["age > 50 && flag == false"] = r => r.Age <= 50 ? false : Not(r.Flag),
        ["age < 10 or city == 'paris'"] = r => r.Age < 10 ? true : KnownRef(r.City, c => c == "paris"),
        ["age > 10 and age < 20 or name like 'a%'"] = r => (r.Age > 10 && r.Age < 20) || r.Name.StartsWith('a'),
        ["age > 10 AND (age < 20 OR name like 'a%')"] = r => r.Age > 10 && (r.Age < 20 || r.Name.StartsWith('a')),
        ["age < 5 or age > 95 and name == 'b'"] = r => r.Age < 5 || (r.Age > 95 && r.Name == "b"),
        ["not age > 50 and name == 'b'"] = r => r.Age <= 50 && r.Name == "b",
        ["not (age > 50 and name == 'b')"] = r => !(r.Age > 50 && r.Name == "b"),
        ["age > 50 || age < 10 && name == 'b'"] = r => r.Age > 50 || (r.Age < 10 && r.Name == "b"),
        ["not not (age > 50)"] = r => r.Age > 50,
        ["true"] = r => true,
        ["1 == 1 and age > 90"] = r => r.Age > 90,
        ["not false and age > 90"] = r => r.Age > 90,
        ["false or age > 90"] = r => r.Age > 90,
        // JSON paths
        ["meta[\"a\"] > 10"] = r => OnMeta(r, m => m.A > 10),
        ["meta['a'] == 3"] = r => OnMeta(r, m => m.A == 3),
        ["meta[\"a\"] >= 2.5"] = r => OnMeta(r, m => m.A >= 2.5),
        ["meta[\"b\"][\"c\"] == \"x1\""] = r => OnMeta(r, m => m.BC == "x1"),
        ["meta[\"b\"][\"c\"] like \"x%\""] = r => OnMeta(r, m => m.BC is not null),
        ["meta[\"arr\"][0] > 5"] = r => OnMeta(r, m => m.Arr is { Length: > 0 } a && a[0] > 5),
        ["meta[\"arr\"][1] == meta[\"a\"]"] = r => OnMeta(r, m => m.Arr is { Length: > 1 } a && m.A == a[1]),
        ["meta[\"x\"] > 2"] = r => OnMeta(r, m => m.X is long x && x > 2),
        ["meta[\"x\"] == \"s1\""] = r => OnMeta(r, m => m.X is "s1"),
        ["meta[\"x\"] < \"s1\""] = r => OnMeta(r, m => m.X is string s && string.CompareOrdinal(s, "s1") < 0),
        ["meta[\"x\"] != 3"] = r => OnMeta(r, m => m.X is not 3L),
        ["meta[\"x\"] == true"] = r => OnMeta(r, m => m.X is true),
        ["meta[\"x\"]"] = r => OnMeta(r, m => m.X is true),
        ["meta[\"x\"] > \"s\" and meta[\"x\"] > 1"] = r => OnMeta(r, m => false),
        ["meta[\"a\"] in [1, 2, 3.0]"] = r => OnMeta(r, m => m.A is 1 or 2 or 3),
        ["meta[\"a\"] not in [1, 2]"] = r => OnMeta(r, m => m.A is not (1 or 2)),
        ["meta[\"x\"] in [\"s0\", 4]"] = r => OnMeta(r, m => m.X is "s0" or 4L),
        ["meta[\"a\"] + 1 > 10"] = r => OnMeta(r, m => m.A + 1 > 10),
        ["meta[\"a\"] * age > 100"] = r => OnMeta(r, m => m.A * r.Age > 100),
        ["meta[\"a\"] > age"] = r => OnMeta(r, m => m.A > r.Age),
        ["meta[\"f\"] >= 0.5"] = r => OnMeta(r, m => m.F >= 0.5),
        ["meta[\"tags\"][0] == 'red'"] = r => OnMeta(r, m => m.Tags is { Length: > 0 } t && t[0] == "red"),
        ["json_contains(meta[\"tags\"], \"red\")"] = r => OnMeta(r, m => m.Tags?.Contains("red") == true),
        ["JSON_CONTAINS(meta[\"arr\"], 3)"] = r => OnMeta(r, m => m.Arr?.Contains(3) == true),
        ["json_contains_all(meta[\"tags\"], [\"red\", \"blue\"])"] = r => OnMeta(r, m => m.Tags is { } t && t.Contains("red") && t.Contains("blue")),
        ["json_contains_any(meta[\"tags\"], [\"red\", \"green\"])"] = r => OnMeta(r, m => m.Tags is { } t && (t.Contains("red") || t.Contains("green"))),
        ["json_contains_any(meta[\"a\"], [1])"] = r => OnMeta(r, m => false),
        ["not json_contains(meta[\"tags\"], \"red\")"] = r => OnMeta(r, m => m.Tags?.Contains("red") != true),
        ["exists meta[\"x\"]"] = r => OnMeta(r, m => m.X is not null),
        ["not exists meta[\"a\"]"] = r => OnMeta(r, m => m.A is null),
        ["exists meta[\"b\"][\"c\"]"] = r => OnMeta(r, m => m.BC is not null),
        ["array_length(meta[\"arr\"]) == 2"] = r => OnMeta(r, m => m.Arr?.Length == 2),
        ["meta is null"] = r => r.Meta is null,
        ["meta[\"a\"] is null"] = r => r.Meta?.A is null,
        ["meta[\"a\"] is not null"] = r => r.Meta?.A is not null,
        // arrays
        ["nums[0] > 50"] = r => r.Nums.Length > 0 && r.Nums[0] > 50,
        ["nums[3] == 1"] = r => r.Nums.Length > 3 && r.Nums[3] == 1,
        ["nums[0] in [1, 2, 3]"] = r => r.Nums.Length > 0 && r.Nums[0] is 1 or 2 or 3,
        ["array_contains(nums, 7)"] = r => r.Nums.Contains(7),
        ["ARRAY_CONTAINS_ALL(nums, [1, 2])"] = r => r.Nums.Contains(1) && r.Nums.Contains(2),
        ["array_contains_any(nums, [1, 2, 3])"] = r => r.Nums.Any(n => n is 1 or 2 or 3),
        ["array_contains_any(words, [\"red\", \"blue\"])"] = r => KnownRef(r.Words, w => w.Contains("red") || w.Contains("blue")),
        ["array_contains_all(words, [])"] = r => KnownRef(r.Words, _ => true),
        ["array_length(nums) == 3"] = r => r.Nums.Length == 3,
        ["array_length(words) > 1"] = r => KnownRef(r.Words, w => w.Length > 1),
        ["words[0] == \"red\""] = r => KnownRef(r.Words, w => w.Length > 0 && w[0] == "red"),
        ["words[1] like 'b%'"] = r => KnownRef(r.Words, w => w.Length > 1 && w[1].StartsWith('b')),
        ["words is null"] = r => r.Words is null,
        // dynamic field
        ["color == \"red\""] = r => r.Color == "red",
        ["size > 3"] = r => r.Size > 3,
        ["size > 3 and color in ['red', 'blue']"] = r => r.Size > 3 && r.Color is "red" or "blue",
        ["$meta[\"color\"] like \"b%\""] = r => r.Color?.StartsWith('b') == true,
        ["exists color"] = r => r.Color is not null,
        ["exists $meta[\"size\"] and not exists color"] = r => r.Size is not null && r.Color is null,
        ["size * 2 == age"] = r => r.Size * 2 == r.Age,
    };

    public static TheoryData<string> Expressions => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Evaluate_matches_the_oracle(string expression)
    {
        var oracle = Cases[expression];
        var filter = FilterExpression.Parse(expression, TestData.Schema);
        var bits = filter.Evaluate(TestData.Batch);

        Assert.Equal(TestData.RowCount, bits.Length);
        // A node that receives the filter in a plan selects the same rows.
        Assert.Equal(bits.Words.ToArray(), TestData.ThroughPlan(filter, TestData.Schema).Evaluate(TestData.Batch).Words.ToArray());
        var mismatches = TestData.Rows.Where(row => bits[(int)row.Id] != (oracle(row) == true)).Take(5).ToList();
        Assert.True(mismatches.Count == 0,
            $"{expression}: {mismatches.Count}+ rows differ, first: {string.Join("; ", mismatches.Select(r => $"row {r.Id} evaluated {bits[(int)r.Id]}, {r}"))}");
    }

    /// <summary>Filters whose answer is the same for every row by design (range overflow, tautologies, type mismatches).</summary>
    private static readonly HashSet<string> ConstantByDesign =
    [
        "age != 42.5", "age < 3000000000", "age > -3000000000", "age is null", "age IN []", "name like '%'", "age == age", "true",
        "meta[\"x\"] > \"s\" and meta[\"x\"] > 1", "json_contains_any(meta[\"a\"], [1])",
    ];

    [Fact]
    public void Every_other_oracle_selects_some_rows_but_not_all()
    {
        // Guards the table itself: a filter that matches all or no rows cannot tell a broken evaluator from a working one.
        var constant = Cases.Where(c => TestData.Rows.All(r => c.Value(r) == true) || TestData.Rows.All(r => c.Value(r) != true)).Select(c => c.Key);

        Assert.Equal(ConstantByDesign.Order(), constant.Order());
    }
}
