using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;

namespace Milvus.Akka.Segments.Tests;

/// <summary>
/// Boost rankers on one segment's top-k slots: matched hits rescored by weight or seeded random number, the boosts of
/// several rankers combined, each query's hits ranked again for the metric, empty slots left at the end.
/// </summary>
public sealed class BoostingTests
{
    private const long PkField = 100, TagField = 101;

    private static readonly CollectionSchema Schema = new()
    {
        Name = "boosting",
        Fields =
        [
            new FieldSchema { FieldId = PkField, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { FieldId = TagField, Name = "tag", DataType = DataType.Int64, Nullable = true },
        ],
    };

    /// <summary>Rows 0-5 with ids 10-15 and tags 0, 1, 1, 2, null, 1.</summary>
    private static readonly RowBatch Rows = new(ImmutableDictionary<long, Column>.Empty
        .Add(PkField, new ScalarColumn<long>(DataType.Int64, [10, 11, 12, 13, 14, 15]))
        .Add(TagField, new ScalarColumn<long>(DataType.Int64, [0, 1, 1, 2, 0, 1], [true, true, true, true, false, true])));

    private static BoostScorer Weight(float weight, string? filter = null) => new(Filter(filter), weight);

    private static FilterPlan? Filter(string? filter) => filter is null ? null : FilterPlan.Of(FilterExpression.Parse(filter, Schema));

    private static (int[] Offsets, float[] Scores) Apply(SearchBoost boost, MetricType metric, int nq, int topK, int[] offsets, float[] scores)
    {
        Boosting.Apply(boost, Rows, Schema, segmentId: 7, metric, nq, topK, offsets, scores);
        return (offsets, scores);
    }

    [Fact]
    public void Matched_hits_are_rescored_and_ranked_again_smaller_first_for_L2()
    {
        var boost = new SearchBoost([Weight(0.1f, "tag == 1")], BoostCombination.Multiply, BoostCombination.Multiply);

        var (offsets, scores) = Apply(boost, MetricType.L2, nq: 1, topK: 5, [0, 1, 3, 2, -1], [1f, 2f, 3f, 4f, 0f]);

        Assert.Equal([1, 2, 0, 3, -1], offsets);
        Assert.Equal([0.2f, 0.4f, 1f, 3f], scores[..4]);
    }

    [Fact]
    public void Each_query_is_ranked_on_its_own_larger_first_for_inner_product()
    {
        var boost = new SearchBoost([Weight(10f, "tag == 2")], BoostCombination.Multiply, BoostCombination.Multiply);

        // Query 0: rows 0, 5, 3; query 1: rows 1, 3 and an empty slot.
        var (offsets, scores) = Apply(boost, MetricType.IP, nq: 2, topK: 3, [0, 5, 3, 1, 3, -1], [0.9f, 0.8f, 0.5f, 0.9f, 0.75f, 0f]);

        Assert.Equal([3, 0, 5, 3, 1, -1], offsets);
        Assert.Equal([5f, 0.9f, 0.8f, 7.5f, 0.9f], scores[..5]);
    }

    [Fact]
    public void Boosts_combine_by_function_mode_and_join_the_score_by_boost_mode()
    {
        ImmutableArray<BoostScorer> scorers = [Weight(2f, "tag in [1, 2]"), Weight(3f, "tag == 1")];
        int[] Rows5() => [0, 1, 2, 3, 4];
        float[] Scores() => [0.5f, 1f, 1.5f, 2f, 3f];

        // Product of the boosts (2 × 3 for tag 1, 2 for tag 2), multiplied in; a null tag matches no filter.
        var (offsets, scores) = Apply(new SearchBoost(scorers, BoostCombination.Multiply, BoostCombination.Multiply), MetricType.IP, 1, 5, Rows5(), Scores());
        Assert.Equal([2, 1, 3, 4, 0], offsets);
        Assert.Equal([9f, 6f, 4f, 3f, 0.5f], scores);

        // Sum of the boosts (2 + 3, 2), added to the score.
        (offsets, scores) = Apply(new SearchBoost(scorers, BoostCombination.Sum, BoostCombination.Sum), MetricType.IP, 1, 5, Rows5(), Scores());
        Assert.Equal([2, 1, 3, 4, 0], offsets);
        Assert.Equal([6.5f, 6f, 4f, 3f, 0.5f], scores);

        // Sum of the boosts, multiplied in.
        (_, scores) = Apply(new SearchBoost(scorers, BoostCombination.Multiply, BoostCombination.Sum), MetricType.IP, 1, 5, Rows5(), Scores());
        Assert.Equal([7.5f, 5f, 4f, 3f, 0.5f], scores);
    }

    [Fact]
    public void A_random_boost_hashes_the_field_value_with_the_seed_and_a_null_as_zero()
    {
        var boost = new SearchBoost([new BoostScorer(null, 2f, new BoostRandom(126, TagField))], BoostCombination.Sum, BoostCombination.Multiply);

        var (offsets, scores) = Apply(boost, MetricType.IP, 1, 6, [0, 1, 2, 3, 4, 5], new float[6]);

        var expected = new[] { 0L, 1, 1, 2, 0, 1 }.Select(tag => (float)(Boosting.RandomUnit((ulong)tag, 126) * 2)).ToArray();
        Assert.Equal(offsets.Select(row => expected[row]), scores);
        Assert.Equal(expected.OrderByDescending(s => s), scores);
        // Rows of one tag score alike; tags score apart.
        Assert.Equal(3, expected.Distinct().Count());
    }

    [Fact]
    public void Without_a_field_the_random_boost_hashes_the_row_with_its_segment()
    {
        var boost = new SearchBoost([new BoostScorer(null, 1f, new BoostRandom(5, null))], BoostCombination.Sum, BoostCombination.Multiply);

        var (offsets, scores) = Apply(boost, MetricType.IP, 1, 2, [2, -1], [0f, 0f]);

        Assert.Equal([2, -1], offsets);
        Assert.Equal((float)Boosting.RandomUnit(2 + 7, 5), scores[0]);
    }

    [Fact]
    public void The_random_unit_is_in_zero_to_one_spread_evenly_and_set_by_the_seed()
    {
        var values = Enumerable.Range(0, 20_000).Select(key => Boosting.RandomUnit((ulong)key, 42)).ToArray();

        Assert.All(values, v => Assert.InRange(v, 0, 0.9999999999));
        Assert.InRange(values.Average(), 0.49, 0.51);
        // Ten bins of [0, 1), each near a tenth of the values.
        Assert.All(values.GroupBy(v => (int)(v * 10)), bin => Assert.InRange(bin.Count(), 1_800, 2_200));
        Assert.Equal(values[17], Boosting.RandomUnit(17, 42));
        Assert.NotEqual(values[17], Boosting.RandomUnit(17, 43));
    }
}
