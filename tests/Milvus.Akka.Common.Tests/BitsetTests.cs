using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Common.Tests;

public class BitsetTests
{
    [Fact]
    public void Enumerator_yields_set_bits_in_order_across_words()
    {
        var bits = new Bitset(200);
        int[] expected = [0, 5, 63, 64, 130, 199];
        foreach (var i in expected)
        {
            bits[i] = true;
        }

        var seen = new List<int>();
        foreach (var i in bits)
        {
            seen.Add(i);
        }

        Assert.Equal(expected, seen);
        Assert.Equal(expected.Length, bits.PopCount());
    }

    [Fact]
    public void Not_keeps_bits_past_the_length_clear()
    {
        var bits = new Bitset(70);
        bits[3] = true;
        bits.Not();
        Assert.Equal(69, bits.PopCount());
        Assert.False(bits[3]);
    }

    [Fact]
    public void And_Or_AndNot_combine_word_wise()
    {
        var a = new Bitset(100);
        var b = new Bitset(100);
        a[1] = a[2] = a[99] = true;
        b[2] = b[3] = b[99] = true;
        Assert.Equal(2, a.Clone().And(b).PopCount());
        Assert.Equal(4, a.Clone().Or(b).PopCount());
        var onlyA = a.Clone().AndNot(b);
        Assert.True(onlyA[1]);
        Assert.Equal(1, onlyA.PopCount());
        Assert.Throws<ArgumentException>(() => a.And(new Bitset(10)));
    }
}

public class HybridTimestampTests
{
    [Fact]
    public void Compose_and_split_round_trip()
    {
        var ts = HybridTimestamp.Compose(1_700_000_000_123, 4242);
        Assert.Equal(1_700_000_000_123, HybridTimestamp.Physical(ts));
        Assert.Equal(4242, HybridTimestamp.Logical(ts));
        Assert.True(HybridTimestamp.Compose(1_700_000_000_124, 0) > ts);
    }

    [Fact]
    public void SubtractPhysical_moves_back_by_wall_clock_time()
    {
        var ts = HybridTimestamp.Compose(10_000, 7);
        Assert.Equal(5_000, HybridTimestamp.Physical(HybridTimestamp.SubtractPhysical(ts, TimeSpan.FromSeconds(5))));
        Assert.Equal(1UL, HybridTimestamp.SubtractPhysical(ts, TimeSpan.FromSeconds(50)));
    }
}

public class PrimaryKeyHashTests
{
    [Fact]
    public void Buckets_are_stable_and_spread()
    {
        var counts = new int[4];
        for (long pk = 0; pk < 4000; pk++)
        {
            counts[PrimaryKeyHash.Bucket(pk, 4)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
        Assert.Equal(PrimaryKeyHash.Bucket("abc", 16), PrimaryKeyHash.Bucket("abc", 16));
        Assert.NotEqual(PrimaryKeyHash.Hash("abc"), PrimaryKeyHash.Hash("abd"));
    }
}
