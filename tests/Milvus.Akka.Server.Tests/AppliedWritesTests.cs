using Milvus.Akka.Common;
using Milvus.Akka.Streaming;

namespace Milvus.Akka.Server.Tests;

/// <summary>The shard's memory of applied request ids: what it answers, what it forgets and when, and its snapshot.</summary>
public sealed class AppliedWritesTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-12-02T04:00:00Z");

    private static ulong At(TimeSpan offset, int logical = 0) => HybridTimestamp.Compose((Start + offset).ToUnixTimeMilliseconds(), logical);

    [Fact]
    public void Answers_an_applied_id_with_its_timestamp_and_knows_nothing_else()
    {
        var writes = new AppliedWrites(maxEntries: 10, TimeSpan.FromMinutes(1));
        writes.Add("r1/i0.1.0", At(TimeSpan.Zero, 1));
        writes.Add("r1/i1.1.0", At(TimeSpan.Zero, 2));

        Assert.True(writes.TryGet("r1/i0.1.0", out var first));
        Assert.Equal(At(TimeSpan.Zero, 1), first);
        Assert.True(writes.TryGet("r1/i1.1.0", out var second));
        Assert.Equal(At(TimeSpan.Zero, 2), second);
        Assert.False(writes.TryGet("r1/i0.1.1", out _));
        Assert.False(writes.TryGet("", out _));
    }

    [Fact]
    public void Empty_ids_of_old_events_are_never_remembered()
    {
        var writes = new AppliedWrites(maxEntries: 10, TimeSpan.FromMinutes(1));
        writes.Add("", At(TimeSpan.Zero));
        Assert.Equal(0, writes.Count);
        Assert.False(writes.TryGet("", out _));
    }

    [Fact]
    public void The_first_acknowledgement_of_an_id_is_kept()
    {
        var writes = new AppliedWrites(maxEntries: 10, TimeSpan.FromMinutes(1));
        writes.Add("r1", At(TimeSpan.Zero));
        writes.Add("r1", At(TimeSpan.FromSeconds(1)));
        Assert.True(writes.TryGet("r1", out var timestamp));
        Assert.Equal(At(TimeSpan.Zero), timestamp);
        Assert.Equal(1, writes.Count);
    }

    [Fact]
    public void Forgets_the_oldest_ids_beyond_the_entry_bound()
    {
        var writes = new AppliedWrites(maxEntries: 3, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 5; i++)
        {
            writes.Add($"r{i}", At(TimeSpan.FromMilliseconds(i)));
        }

        Assert.Equal(3, writes.Count);
        Assert.False(writes.TryGet("r0", out _));
        Assert.False(writes.TryGet("r1", out _));
        Assert.All(new[] { "r2", "r3", "r4" }, id => Assert.True(writes.TryGet(id, out _), id));
    }

    [Fact]
    public void Forgets_ids_older_than_the_age_bound_in_write_time()
    {
        var writes = new AppliedWrites(maxEntries: 100, TimeSpan.FromSeconds(10));
        writes.Add("old", At(TimeSpan.Zero));
        writes.Add("middle", At(TimeSpan.FromSeconds(5)));
        writes.Add("new", At(TimeSpan.FromSeconds(10)));
        Assert.True(writes.TryGet("old", out _), "exactly max-age older is still remembered");

        writes.Add("newest", At(TimeSpan.FromSeconds(12)));
        Assert.False(writes.TryGet("old", out _));
        Assert.Equal(["middle", "new", "newest"], writes.ToImmutableArray().Select(w => w.RequestId));
    }

    [Fact]
    public void A_snapshot_restores_the_same_answers_within_the_new_bounds()
    {
        var writes = new AppliedWrites(maxEntries: 100, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 6; i++)
        {
            writes.Add($"r{i}", At(TimeSpan.FromSeconds(i)));
        }

        var restored = new AppliedWrites(maxEntries: 100, TimeSpan.FromMinutes(1));
        restored.Add("stale", At(TimeSpan.Zero));
        restored.Restore(writes.ToImmutableArray());
        Assert.Equal(writes.ToImmutableArray().ToArray(), restored.ToImmutableArray().ToArray());
        Assert.False(restored.TryGet("stale", out _));

        var smaller = new AppliedWrites(maxEntries: 4, TimeSpan.FromMinutes(1));
        smaller.Restore(writes.ToImmutableArray());
        Assert.Equal(["r2", "r3", "r4", "r5"], smaller.ToImmutableArray().Select(w => w.RequestId));
        Assert.True(smaller.TryGet("r5", out var timestamp));
        Assert.Equal(At(TimeSpan.FromSeconds(5)), timestamp);
    }
}
