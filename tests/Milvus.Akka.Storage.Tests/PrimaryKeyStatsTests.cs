using Milvus.Akka.Common;
using Milvus.Akka.Storage.Segments;

namespace Milvus.Akka.Storage.Tests;

public sealed class PrimaryKeyStatsTests
{
    private static (long[] Inserted, long[] Others) RandomKeys(int count, int probes, int seed)
    {
        var random = new Random(seed);
        var inserted = new HashSet<long>();
        while (inserted.Count < count)
        {
            inserted.Add(random.NextInt64(long.MinValue, long.MaxValue));
        }

        var others = new List<long>();
        while (others.Count < probes)
        {
            var key = random.NextInt64(long.MinValue, long.MaxValue);
            if (!inserted.Contains(key))
            {
                others.Add(key);
            }
        }

        return (inserted.ToArray(), others.ToArray());
    }

    [Fact]
    public void Int64_filter_has_no_false_negatives_and_a_false_positive_rate_near_its_target()
    {
        var (inserted, others) = RandomKeys(20_000, 100_000, seed: 11);
        var stats = PrimaryKeyStats.Build(new ScalarColumn<long>(DataType.Int64, inserted));

        Assert.All(inserted, key => Assert.True(stats.MayContain(key)));
        var rate = others.Count(stats.MayContain) / (double)others.Length;
        Assert.InRange(rate, 0.0001, 0.003);
    }

    [Fact]
    public void VarChar_filter_has_no_false_negatives_and_a_false_positive_rate_near_its_target()
    {
        var random = new Random(12);
        var inserted = Enumerable.Range(0, 10_000).Select(i => $"user-{i}-{random.Next()}").ToArray();
        // Probes share the keys' shape, so min/max cannot reject them: only the bloom filter can.
        var others = Enumerable.Range(0, 50_000).Select(i => $"user-{i}-x{random.Next()}").ToArray();
        var stats = PrimaryKeyStats.Build(new StringColumn(inserted), falsePositiveRate: 0.01);

        Assert.All(inserted, key => Assert.True(stats.MayContain(key)));
        var rate = others.Count(stats.MayContain) / (double)others.Length;
        Assert.InRange(rate, 0.002, 0.03);
    }

    [Fact]
    public void Min_and_max_reject_keys_outside_the_range()
    {
        var stats = PrimaryKeyStats.Build(new ScalarColumn<long>(DataType.Int64, [10, 20, 30]));
        Assert.Equal(10, stats.MinInt64);
        Assert.Equal(30, stats.MaxInt64);
        Assert.False(stats.MayContain(9));
        Assert.False(stats.MayContain(31));
        Assert.True(stats.MayContain(20));
    }

    [Fact]
    public void Serialization_round_trips_every_answer()
    {
        var (inserted, others) = RandomKeys(5_000, 20_000, seed: 13);
        var stats = PrimaryKeyStats.Build(new ScalarColumn<long>(DataType.Int64, inserted));
        var copy = PrimaryKeyStats.Deserialize(stats.Serialize());

        Assert.Equal(stats.KeyType, copy.KeyType);
        Assert.Equal(stats.RowCount, copy.RowCount);
        Assert.Equal(stats.HashCount, copy.HashCount);
        Assert.Equal(stats.BitCount, copy.BitCount);
        Assert.Equal((stats.MinInt64, stats.MaxInt64), (copy.MinInt64, copy.MaxInt64));
        Assert.All(inserted, key => Assert.True(copy.MayContain(key)));
        Assert.Equal(others.Select(stats.MayContain), others.Select(copy.MayContain));

        var strings = PrimaryKeyStats.Build(new StringColumn(["b", "a", "c"]));
        var stringCopy = PrimaryKeyStats.Deserialize(strings.Serialize());
        Assert.Equal(("a", "c"), (stringCopy.MinString, stringCopy.MaxString));
        Assert.True(stringCopy.MayContain("b"));
    }

    [Fact]
    public void Truncated_or_foreign_bytes_are_rejected()
    {
        var bytes = PrimaryKeyStats.Build(new ScalarColumn<long>(DataType.Int64, [1, 2, 3])).Serialize();
        Assert.Throws<InvalidDataException>(() => PrimaryKeyStats.Deserialize(bytes[..^1]));
        Assert.Throws<InvalidDataException>(() => PrimaryKeyStats.Deserialize([.. bytes, 0]));
        Assert.Throws<InvalidDataException>(() => PrimaryKeyStats.Deserialize(new byte[bytes.Length]));
    }

    [Fact]
    public void Looking_up_a_key_of_the_other_type_is_an_error()
    {
        var stats = PrimaryKeyStats.Build(new ScalarColumn<long>(DataType.Int64, [1]));
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => stats.MayContain("1")).Code);
    }

    [Fact]
    public void Empty_stats_contain_nothing()
    {
        Assert.False(PrimaryKeyStats.Build(new ScalarColumn<long>(DataType.Int64, [])).MayContain(0));
        Assert.False(PrimaryKeyStats.Build(new StringColumn([])).MayContain(""));
    }
}
