using System.Globalization;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Scalar;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>
/// The property the scalar indexes must hold: a filter evaluated with a segment's indexes matches exactly the rows the
/// column scan matches, whatever the filter (equality, ranges, <c>in</c>, <c>like</c>, <c>array_contains*</c>, JSON
/// paths, nulls, <c>not</c>, and/or) and whatever index type covers each field. Random filters over random index
/// configurations, each index written to its file and read back first; the test also checks the indexes answered.
/// </summary>
public sealed class ScalarIndexEquivalenceTests
{
    private const int Configurations = 15;
    private const int FiltersPerConfiguration = 40;

    [Fact]
    public void Random_filters_answer_the_same_with_and_without_the_indexes()
    {
        var random = new Random(7919);
        var answered = new Dictionary<ScalarIndexType, int>();
        for (var configuration = 0; configuration < Configurations; configuration++)
        {
            var indexes = RandomIndexes(random);
            for (var i = 0; i < FiltersPerConfiguration; i++)
            {
                var text = RandomFilter(random, depth: 0);
                var filter = FilterExpression.Parse(text, TestData.Schema);

                var scanned = filter.Evaluate(TestData.Batch);
                var indexed = filter.Evaluate(TestData.Batch, indexes);

                Assert.True(Same(scanned, indexed), $"filter {text} with indexes {indexes}: scan matched {scanned.PopCount()} rows, the indexes {indexed.PopCount()}");
            }

            foreach (var (type, count) in indexes.Answers)
            {
                answered[type] = answered.GetValueOrDefault(type) + count;
            }
        }

        // Not a vacuous pass: every index type answered many probes itself.
        foreach (var type in Enum.GetValues<ScalarIndexType>())
        {
            Assert.True(answered.GetValueOrDefault(type) > 20, $"{type} answered only {answered.GetValueOrDefault(type)} probes");
        }
    }

    [Fact]
    public void A_lossy_json_index_answers_nothing_so_filters_scan()
    {
        var column = new JsonColumn([
            """{"n": 9007199254740993}"""u8.ToArray(), """{"n": 9007199254740992}"""u8.ToArray(), """{"n": 1.5}"""u8.ToArray()]);
        var index = ScalarIndexBuilder.Build(ScalarIndexType.Inverted, column, new JsonIndexTarget(["n"], JsonCastType.Double));

        Assert.True(index.Lossy);
        Assert.Null(index.In<double>([1.5]));
    }

    [Fact]
    public void An_index_file_of_a_newer_format_version_is_refused()
    {
        var index = ScalarIndexBuilder.Build(ScalarIndexType.Inverted, TestData.Batch[101]);
        using var file = new MemoryStream();
        index.Save(file);
        // format_version is field 1 (varint); a later occurrence wins, so the file now claims version 2.
        var newer = file.ToArray().Concat(new byte[] { 0x08, 0x02 }).ToArray();

        var error = Assert.Throws<MilvusException>(() => ScalarIndexFile.Read(newer));
        Assert.Contains("format version 2", error.Message);
    }

    private static bool Same(Bitset a, Bitset b) => a.Words.SequenceEqual(b.Words);

    /// <summary>Each indexable field gets a random index type it can take, or none; JSON fields a random path and cast.</summary>
    private static CountingIndexes RandomIndexes(Random random)
    {
        var indexes = new CountingIndexes();
        void Maybe(long fieldId, ScalarIndexType[] types, JsonIndexTarget? json = null)
        {
            if (random.Next(5) > 0)
            {
                var index = ScalarIndexBuilder.Build(types[random.Next(types.Length)], TestData.Batch[fieldId], json);
                using var file = new MemoryStream();
                index.Save(file);
                indexes.Add(fieldId, ScalarIndexFile.Read(file.ToArray()));
            }
        }

        ScalarIndexType[] numeric = [ScalarIndexType.Inverted, ScalarIndexType.StlSort, ScalarIndexType.Bitmap];
        ScalarIndexType[] strings = [ScalarIndexType.Inverted, ScalarIndexType.Bitmap, ScalarIndexType.Trie];
        Maybe(100, [ScalarIndexType.Inverted, ScalarIndexType.StlSort]);
        Maybe(101, numeric);
        Maybe(102, [ScalarIndexType.Inverted, ScalarIndexType.StlSort]);
        Maybe(103, [ScalarIndexType.Inverted, ScalarIndexType.StlSort]);
        Maybe(104, [ScalarIndexType.Inverted, ScalarIndexType.Bitmap]);
        Maybe(105, strings);
        Maybe(106, strings);
        Maybe(108, [ScalarIndexType.Inverted, ScalarIndexType.Bitmap]);
        Maybe(109, [ScalarIndexType.Inverted, ScalarIndexType.Bitmap]);
        Maybe(110, numeric);
        JsonIndexTarget[] metaTargets =
        [
            new(["a"], JsonCastType.Double), new(["f"], JsonCastType.Double), new(["x"], JsonCastType.Double),
            new(["x"], JsonCastType.Bool), new(["x"], JsonCastType.VarChar), new(["b", "c"], JsonCastType.VarChar),
            new(["tags"], JsonCastType.ArrayVarChar), new(["arr"], JsonCastType.ArrayDouble),
        ];
        Maybe(107, [ScalarIndexType.Inverted], metaTargets[random.Next(metaTargets.Length)]);
        JsonIndexTarget[] dynamicTargets = [new(["color"], JsonCastType.VarChar), new(["size"], JsonCastType.Double)];
        Maybe(112, [ScalarIndexType.Inverted], dynamicTargets[random.Next(dynamicTargets.Length)]);
        return indexes;
    }

    private static string RandomFilter(Random random, int depth)
    {
        if (depth < 2 && random.Next(3) == 0)
        {
            var left = RandomFilter(random, depth + 1);
            var right = RandomFilter(random, depth + 1);
            return random.Next(3) switch
            {
                0 => $"({left}) and ({right})",
                1 => $"({left}) or ({right})",
                _ => $"not ({left})",
            };
        }

        return RandomAtom(random);
    }

    private static string RandomAtom(Random random)
    {
        string Pick(params string[] options) => options[random.Next(options.Length)];
        string Op() => Pick("==", "!=", "<", "<=", ">", ">=");
        string Number(int low, int high) => random.Next(3) == 0
            ? (random.Next(low * 10, high * 10) / 10.0).ToString("0.0", CultureInfo.InvariantCulture)
            : random.Next(low, high).ToString(CultureInfo.InvariantCulture);
        string Quoted(string s) => $"\"{s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        string Name() => Quoted(random.Next(6) == 0 ? "zz" : TestData.Names[random.Next(TestData.Names.Length)]);
        string City() => Quoted(random.Next(5) == 0 ? "lima" : TestData.Cities[random.Next(TestData.Cities.Length)]);
        string Tag() => Quoted(TestData.TagWords[random.Next(TestData.TagWords.Length)]);
        string List(Func<string> item) => "[" + string.Join(", ", Enumerable.Range(0, random.Next(1, 4)).Select(_ => item())) + "]";
        string NumericField() => Pick("id", "age", "score", "weight", "small");
        string Prefix() => Pick("a", "ap", "gr", "grape\\_", "b", "", "zz", "A", "a\\%");

        return random.Next(24) switch
        {
            0 or 1 => $"{NumericField()} {Op()} {Number(-5, 110)}",
            2 => $"{Number(-5, 110)} {Op()} {NumericField()}",
            3 => $"{Number(0, 50)} < {NumericField()} <= {Number(40, 100)}",
            4 => $"{NumericField()} {Pick("in", "not in")} {List(() => Number(-3, 100))}",
            5 => Pick("flag", "not flag", "flag == true", "flag != true", "flag == false", "flag in [true]"),
            6 => $"{Pick("name", "city")} {Op()} {Pick(Name(), City())}",
            7 => $"name {Pick("in", "not in")} {List(Name)}",
            8 => $"city {Pick("in", "not in")} {List(City)}",
            9 => $"{Pick("name", "city")} like \"{Prefix()}%\"",
            10 => $"{Pick("name", "city")} like {Pick("\"apple\"", "\"%e\"", "\"a_c\"", "\"\"", "\"b\"")}",
            11 => $"array_contains(nums, {random.Next(0, 100)})",
            12 => $"{Pick("array_contains_any", "array_contains_all")}(nums, {List(() => random.Next(0, 100).ToString(CultureInfo.InvariantCulture))})",
            13 => $"{Pick("array_contains", "json_contains")}(words, {Tag()})",
            14 => $"{Pick("array_contains_any", "array_contains_all")}(words, {List(Tag)})",
            15 => $"meta[\"a\"] {Op()} {Number(-6, 31)}",
            16 => $"meta[\"f\"] {Op()} {Pick("0.5", "0.25", "1", "0")}",
            17 => $"meta[\"x\"] {Pick("==", "!=")} {Pick("true", "false", "1", "3", "\"s0\"", "\"s1\"")}",
            18 => $"meta[\"x\"] {Pick("in", "not in")} {Pick("[1, 2]", "[\"s0\"]", "[true]", "[1, \"s1\"]", "[false, true]")}",
            19 => $"meta[\"b\"][\"c\"] {Op()} {Quoted("x" + random.Next(0, 6))}",
            20 => $"{Pick("json_contains", "array_contains")}(meta[\"tags\"], {Tag()})",
            21 => $"{Pick("json_contains_any", "json_contains_all")}(meta[\"arr\"], {List(() => Number(0, 10))})",
            22 => $"color {Pick("==", "!=", "<", ">=")} {Tag()} {Pick("and", "or")} size {Op()} {random.Next(0, 10)}",
            _ => $"{Pick("weight", "small", "city", "meta[\"a\"]", "color")} is {Pick("null", "not null")}",
        };
    }

    /// <summary>The indexes of one configuration, counting the probes each index type answered (non-null).</summary>
    private sealed class CountingIndexes : IScalarIndexes
    {
        private readonly Dictionary<long, Counting> _byField = [];

        public Dictionary<ScalarIndexType, int> Answers { get; } = [];

        public void Add(long fieldId, ScalarIndex index) => _byField[fieldId] = new Counting(index, this);

        public IScalarIndex? Find(long fieldId) => _byField.GetValueOrDefault(fieldId);

        public override string ToString() => string.Join(", ", _byField.Select(f => $"{f.Key}:{f.Value.Inner.Type}{f.Value.Inner.JsonPath}"));

        internal sealed class Counting(ScalarIndex inner, CountingIndexes owner) : IScalarIndex
        {
            public ScalarIndex Inner => inner;

            public int RowCount => inner.RowCount;

            public string JsonPath => inner.JsonPath;

            public bool Elements => inner.Elements;

            public Bitset? Range<TKey>(in KeyRange<TKey> range) => Count(inner.Range(range));

            public Bitset? In<TKey>(ReadOnlySpan<TKey> keys) => Count(inner.In(keys));

            public Bitset? Prefix(string prefix) => Count(inner.Prefix(prefix));

            private Bitset? Count(Bitset? answer)
            {
                if (answer is not null)
                {
                    owner.Answers[inner.Type] = owner.Answers.GetValueOrDefault(inner.Type) + 1;
                }

                return answer;
            }
        }
    }
}
