using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>
/// <see cref="RerankChain"/> over two queries' hits: map steps against hand-computed values (every num_combine mode
/// and null policy, decay as a factor and times a score, round_decimal), sort with ties and nulls, limit, and what
/// binding refuses.
/// </summary>
public sealed class RerankChainTests
{
    private const long Pk = 100, Price = 101, Title = 102, Rank = 103;

    private static readonly CollectionSchema Schema = new()
    {
        Name = "items",
        Fields =
        [
            new FieldSchema { FieldId = Pk, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = Price, Name = "price", DataType = DataType.Double, Nullable = true },
            new FieldSchema { FieldId = Title, Name = "title", DataType = DataType.VarChar },
            new FieldSchema { FieldId = Rank, Name = "rank", DataType = DataType.Int32 },
        ],
    };

    /// <summary>Query 0 has hits 10, 11, 12; query 1 has hits 20, 21.</summary>
    private static SearchHits Hits() => new(2, [0, 3, 5], new ScalarColumn<long>(DataType.Int64, [10, 11, 12, 20, 21]), [0.9f, 0.8f, 0.7f, 0.6f, 0.5f],
        new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(Price, new ScalarColumn<double>(DataType.Double, [1, 0, 3, 4, 5], [true, false, true, true, true]))
            .Add(Title, new StringColumn(["b", "a", "b", "c", "c"]))
            .Add(Rank, new ScalarColumn<int>(DataType.Int32, [2, 1, 2, 7, 3]))));

    private static ColumnArgument Col(string name) => new(name);

    private static SearchHits Run(params ChainStep[] steps) => RerankChain.Bind(Schema, [.. steps]).Apply(Hits());

    private static float[] Query(SearchHits hits, int q) => hits.Scores[hits.Offsets[q]..hits.Offsets[q + 1]];

    private static long[] Ids(SearchHits hits) => ((ScalarColumn<long>)hits.Pks).Values;

    [Theory]
    [InlineData("sum", new[] { 1.9f, float.NaN, 3.7f, 4.6f, 5.5f })]
    [InlineData("multiply", new[] { 0.9f, float.NaN, 2.1f, 2.4f, 2.5f })]
    [InlineData("max", new[] { 1f, float.NaN, 3f, 4f, 5f })]
    [InlineData("min", new[] { 0.9f, float.NaN, 0.7f, 0.6f, 0.5f })]
    [InlineData("avg", new[] { 0.95f, float.NaN, 1.85f, 2.3f, 2.75f })]
    public void Num_combine_writes_the_score_of_each_hit_and_a_null_argument_propagates(string mode, float[] expected)
    {
        var hits = Run(new MapStep(RerankChain.ScoreColumn, new NumCombine([Col("$score"), Col("price")], mode, [], NullPolicy.Propagate)));
        Assert.Equal(expected, hits.Scores, (a, b) => float.IsNaN(a) ? float.IsNaN(b) : Math.Abs(a - b) < 1e-5);
        Assert.Equal([10L, 11, 12, 20, 21], Ids(hits));
    }

    [Fact]
    public void Null_policies_weights_and_literals_combine_as_Milvus_does()
    {
        var asZero = Run(new MapStep("$score", new NumCombine([Col("$score"), Col("price")], "weighted", [0.5, 2], NullPolicy.AsZero)));
        Assert.Equal(0.4f, asZero.Scores[1], 5);
        Assert.Equal(0.45f + 2, asZero.Scores[0], 5);

        var skip = Run(new MapStep("$score", new NumCombine([Col("price"), new NumberArgument(10)], "avg", [], NullPolicy.Skip)));
        Assert.Equal(10f, skip.Scores[1], 5);
        Assert.Equal(5.5f, skip.Scores[0], 5);
    }

    [Fact]
    public void Decay_gives_a_factor_alone_and_a_decayed_score_with_one_and_round_decimal_rounds_half_up()
    {
        var exp = DecayRanker.Of("exp", "", origin: 3, scale: 2, offset: 0, decay: 0.5);
        var hits = Run(
            new MapStep("fresh", new DecayFunction([Col("rank")], exp)),
            new MapStep("decayed", new DecayFunction([Col("rank"), Col("$score")], exp)),
            new MapStep("$score", new NumCombine([Col("fresh"), Col("decayed")], "sum", [], NullPolicy.Propagate)),
            new MapStep("$score", new RoundDecimal([Col("$score")], 2)));
        // rank 2: |2 − 3| = 1 → 0.5^(1/2); rank 7: 4 → 0.25; rank 3: at the origin → 1.
        double[] ranks = [2, 1, 2, 7, 3];
        double[] scores = [0.9, 0.8, 0.7, 0.6, 0.5];
        var expected = ranks.Select((r, i) => Math.Round(exp.Factor(r) * (1 + (float)scores[i]), 2, MidpointRounding.AwayFromZero)).ToArray();
        Assert.Equal(expected.Select(e => (float)e), hits.Scores, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(1.5f, Run(new MapStep("$score", new RoundDecimal([new NumberArgument(1.45)], 1))).Scores[0]);
    }

    [Fact]
    public void Sort_and_limit_work_per_query_with_ties_broken_and_nulls_lowest()
    {
        // By title descending, ties by $id ascending: query 0 → b(10), b(12), a(11); query 1 → c(20), c(21).
        var sorted = Run(new SortStep("title", Descending: true, TieBreak: "$id"));
        Assert.Equal([10L, 12, 11, 20, 21], Ids(sorted));
        Assert.Equal([0, 3, 5], sorted.Offsets);
        Assert.Equal(["b", "b", "a", "c", "c"], Enumerable.Range(0, 5).Select(i => (string?)sorted.Fields![Title].GetValue(i)));

        // Ascending by price: the null (hit 11) first.
        var byPrice = Run(new SortStep("price", Descending: false, TieBreak: null), new LimitStep(2, 0));
        Assert.Equal([11L, 10, 20, 21], Ids(byPrice));
        Assert.Equal([0.8f, 0.9f], Query(byPrice, 0));

        var paged = Run(new LimitStep(1, 1));
        Assert.Equal([11L, 21], Ids(paged));
        Assert.Equal([0, 1, 2], paged.Offsets);
    }

    [Fact]
    public void Binding_refuses_unknown_columns_and_non_numeric_function_inputs()
    {
        void Refused(string mentions, params ChainStep[] steps) =>
            Assert.Contains(mentions, Assert.Throws<MilvusException>(() => RerankChain.Bind(Schema, [.. steps])).Message);

        Refused("\"nope\" not found", new MapStep("x", new NumCombine([Col("$score"), Col("nope")], "sum", [], NullPolicy.Propagate)));
        Refused("\"later\" not found", new SortStep("later", true, null), new MapStep("later", new RoundDecimal([Col("$score")], 1)));
        Refused("functions read numbers", new MapStep("x", new RoundDecimal([Col("title")], 1)));
        Refused("cannot write \"$id\"", new MapStep("$id", new RoundDecimal([Col("$score")], 1)));

        var bound = RerankChain.Bind(Schema, [new MapStep("x", new RoundDecimal([Col("price")], 1)), new SortStep("x", true, "title")]);
        Assert.Equal([Price, Title], bound.InputFieldIds.Order());
    }
}
