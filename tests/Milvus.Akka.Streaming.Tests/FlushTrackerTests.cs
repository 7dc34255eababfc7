using FsCheck.Xunit;
using Xunit;

namespace Milvus.Akka.Streaming.Tests;

/// <summary>The shard's flush bookkeeping without an actor: waiting requests, retries, the checkpoints in flight.</summary>
public sealed class FlushTrackerTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_request_with_nothing_to_wait_for_is_answered_at_once()
    {
        var flushes = new FlushTracker<string>();

        Assert.False(flushes.Request("client", [], []));
    }

    [Fact]
    public void A_request_is_answered_with_its_segments_once_the_last_of_them_is_flushed()
    {
        var flushes = new FlushTracker<string>();
        Assert.True(flushes.Request("client", [1, 2], [3]));

        Assert.Empty(flushes.Completed(1));
        Assert.Empty(flushes.Completed(3));
        var answer = Assert.Single(flushes.Completed(2));

        Assert.Equal("client", answer.Requester);
        Assert.Equal([1L, 2, 3], answer.SegmentIds.Order());
        Assert.Empty(flushes.Completed(2));
    }

    [Fact]
    public void A_segment_is_flushed_once_at_a_time_and_its_checkpoint_holds_until_it_completes_or_fails()
    {
        var flushes = new FlushTracker<string>();

        Assert.True(flushes.TryStart(1, 40));
        Assert.False(flushes.TryStart(1, 50));
        Assert.Equal([40UL], flushes.Checkpoints);

        flushes.Failed(1, Min, Max);
        Assert.Empty(flushes.Checkpoints);
        Assert.True(flushes.TryStart(1, 50));
        flushes.Completed(1);
        Assert.Empty(flushes.Checkpoints);
    }

    [Fact]
    public void Retries_back_off_doubling_up_to_the_maximum_and_start_over_after_a_success()
    {
        var flushes = new FlushTracker<string>();

        var delays = Enumerable.Range(0, 5).Select(_ => flushes.Failed(1, Min, Max)).ToList();

        Assert.Equal([1, 2, 3, 4, 5], delays.Select(d => d.Attempt));
        Assert.Equal([100, 200, 400, 800, 1000], delays.Select(d => (int)d.RetryIn.TotalMilliseconds));
        flushes.Completed(1);
        Assert.Equal((1, Min), flushes.Failed(1, Min, Max));
    }

    /// <summary>
    /// Requests for random sets of segments interleaved with completions (segments complete repeatedly, in any
    /// order): each request is answered exactly once, only after every one of its segments completed after it was made.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool A_flush_request_is_answered_exactly_once_after_all_its_segments(byte[] operations)
    {
        var flushes = new FlushTracker<int>();
        var pending = new Dictionary<int, HashSet<long>>();
        var answered = new HashSet<int>();
        var requests = 0;
        foreach (var op in operations)
        {
            if (op % 2 == 0)
            {
                var segments = Enumerable.Range(0, 6).Where(i => (op & (4 << i)) != 0).Select(i => (long)i).ToList();
                var requester = requests++;
                if (flushes.Request(requester, segments.Take(2), segments.Skip(2)))
                {
                    pending[requester] = [.. segments];
                }
                else if (segments.Count > 0)
                {
                    return false;
                }

                continue;
            }

            var segment = (long)(op >> 1) % 6;
            foreach (var set in pending.Values)
            {
                set.Remove(segment);
            }

            foreach (var answer in flushes.Completed(segment))
            {
                if (!answered.Add(answer.Requester) || pending[answer.Requester].Count > 0)
                {
                    return false;
                }
            }
        }

        for (var segment = 0L; segment < 6; segment++)
        {
            foreach (var answer in flushes.Completed(segment))
            {
                if (!answered.Add(answer.Requester))
                {
                    return false;
                }
            }
        }

        return answered.SetEquals(pending.Keys);
    }
}
