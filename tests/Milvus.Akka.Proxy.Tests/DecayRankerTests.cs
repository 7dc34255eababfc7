using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy.Tests;

/// <summary>The decay reranker's curves and score conversion, against their definitions in Milvus's documentation.</summary>
public sealed class DecayRankerTests
{
    [Theory]
    [InlineData(DecayCurve.Gauss)]
    [InlineData(DecayCurve.Exp)]
    [InlineData(DecayCurve.Linear)]
    public void Every_curve_is_1_within_the_offset_and_the_decay_at_scale_beyond_it(DecayCurve curve)
    {
        var ranker = new DecayRanker(curve, "x", Origin: 100, Scale: 20, Offset: 5, Decay: 0.3);

        Assert.Equal(1f, ranker.Factor(100));
        Assert.Equal(1f, ranker.Factor(95));
        Assert.Equal(1f, ranker.Factor(105));
        Assert.Equal(0.3f, ranker.Factor(125), 5);
        Assert.Equal(0.3f, ranker.Factor(75), 5);
        Assert.True(ranker.Factor(110) < 1f && ranker.Factor(110) > 0.3f);
    }

    [Fact]
    public void Gauss_and_exp_keep_falling_beyond_the_scale_and_linear_stops_at_the_decay()
    {
        Assert.Equal(Math.Exp(4 * Math.Log(0.5)), new DecayRanker(DecayCurve.Gauss, "x", 0, 10, 0, 0.5).Factor(20), 5);
        Assert.Equal(0.25, new DecayRanker(DecayCurve.Exp, "x", 0, 10, 0, 0.5).Factor(20), 5);
        Assert.Equal(0.5f, new DecayRanker(DecayCurve.Linear, "x", 0, 10, 0, 0.5).Factor(1000));
    }

    [Fact]
    public void Distances_become_larger_is_better_and_similarities_stay()
    {
        var ranker = new DecayRanker(DecayCurve.Exp, "x", 0, 1);

        Assert.Equal(1f, ranker.Score(0, 1, 0, MetricType.L2));
        Assert.Equal(0.5f, ranker.Score(0, 1, 1, MetricType.L2), 5);
        Assert.Equal(0.7f, ranker.Score(0, 1, 0.7f, MetricType.IP));
        Assert.Equal(-0.2f, ranker.Score(0, 1, -0.2f, MetricType.Cosine));
        Assert.Equal(12.5f, ranker.Score(0, 1, 12.5f, MetricType.Bm25));
    }
}
