using System.Collections.Immutable;

namespace Milvus.Akka.Streaming;

/// <summary>A flush request whose segments are all flushed: answer <paramref name="Requester"/> with <paramref name="SegmentIds"/>.</summary>
public sealed record FlushAnswer<TRequester>(TRequester Requester, ImmutableArray<long> SegmentIds);

/// <summary>
/// The shard's flushes to object storage as plain state: the sealed segments being written with their delete
/// checkpoints (the last timestamp applied when their rows were captured), the failed attempts of each (for the retry
/// back-off), and the flush requests waiting for segments. The shard actor seals, writes, schedules and answers.
/// </summary>
/// <typeparam name="TRequester">Who asked for a flush (an actor reference in the shard).</typeparam>
public sealed class FlushTracker<TRequester> where TRequester : notnull
{
    private readonly Dictionary<long, ulong> _flushing = [];
    private readonly Dictionary<long, int> _attempts = [];
    private readonly List<(TRequester Requester, HashSet<long> Waiting, ImmutableArray<long> SegmentIds)> _waiters = [];

    /// <summary>The delete checkpoints of the flushes in flight: the delete watermark stays at or below each.</summary>
    public IEnumerable<ulong> Checkpoints => _flushing.Values;

    /// <summary>
    /// A flush request for the shard's <paramref name="growing"/> segments (which the shard seals now) and its sealed
    /// ones still being flushed. Returns false when there is nothing to wait for: answer at once.
    /// </summary>
    public bool Request(TRequester requester, IEnumerable<long> growing, IEnumerable<long> sealedInFlight)
    {
        var waiting = growing.Concat(sealedInFlight).ToHashSet();
        if (waiting.Count == 0)
        {
            return false;
        }

        _waiters.Add((requester, waiting, [.. waiting]));
        return true;
    }

    /// <summary>Starts flushing a sealed segment captured at <paramref name="deleteCheckpoint"/>; false if it is already being flushed.</summary>
    public bool TryStart(long segmentId, ulong deleteCheckpoint) => _flushing.TryAdd(segmentId, deleteCheckpoint);

    /// <summary>A flush failed: how long to wait before the next attempt (doubling from <paramref name="min"/> up to <paramref name="max"/>), and which attempt failed.</summary>
    public (int Attempt, TimeSpan RetryIn) Failed(long segmentId, TimeSpan min, TimeSpan max)
    {
        _flushing.Remove(segmentId);
        var attempt = _attempts[segmentId] = _attempts.GetValueOrDefault(segmentId) + 1;
        return (attempt, TimeSpan.FromTicks(Math.Min(max.Ticks, min.Ticks << Math.Min(attempt - 1, 16))));
    }

    /// <summary>A segment's flush is journaled: the requests that waited for it last are answered (each exactly once).</summary>
    public ImmutableArray<FlushAnswer<TRequester>> Completed(long segmentId)
    {
        _flushing.Remove(segmentId);
        _attempts.Remove(segmentId);
        var answers = ImmutableArray.CreateBuilder<FlushAnswer<TRequester>>();
        foreach (var waiter in _waiters.Where(w => w.Waiting.Remove(segmentId) && w.Waiting.Count == 0).ToList())
        {
            answers.Add(new FlushAnswer<TRequester>(waiter.Requester, waiter.SegmentIds));
            _waiters.Remove(waiter);
        }

        return answers.ToImmutable();
    }
}
