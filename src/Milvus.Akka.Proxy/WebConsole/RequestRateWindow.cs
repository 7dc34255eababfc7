using System.Collections.Immutable;

namespace Milvus.Akka.Proxy.WebConsole;

/// <summary>How the console groups rpcs: reads (Search, HybridSearch, Query), writes (Insert, Upsert, Delete), the rest.</summary>
public enum RequestKind
{
    Other = 0,
    Read = 1,
    Write = 2,
}

/// <summary>The requests a proxy finished in one second (Unix time) and how long they took.</summary>
public readonly record struct RateSample(long UnixSecond, int Requests, int Reads, int Writes, int Failed, double MeanLatencyMs, double MaxLatencyMs);

/// <summary>
/// Per-second request counts and latencies of the last few seconds, for the console's live charts: a ring of one slot
/// per second, so recording is O(1) without allocation and memory stays fixed however busy the proxy is.
/// </summary>
public sealed class RequestRateWindow
{
    private readonly Slot[] _slots;
    private readonly Lock _gate = new();

    public RequestRateWindow(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 2);
        _slots = new Slot[seconds];
        _slots.AsSpan().Fill(new Slot { Second = long.MinValue });
    }

    /// <summary>Samples <see cref="Samples"/> returns: the window less the second still running.</summary>
    public int Length => _slots.Length - 1;

    public void Record(long unixSecond, RequestKind kind, double latencyMs, bool failed)
    {
        lock (_gate)
        {
            ref var slot = ref _slots[Index(unixSecond)];
            if (slot.Second > unixSecond)
            {
                // Finished so late that its second has left the window.
                return;
            }

            if (slot.Second < unixSecond)
            {
                slot = new Slot { Second = unixSecond };
            }

            slot.Requests++;
            slot.Reads += kind == RequestKind.Read ? 1 : 0;
            slot.Writes += kind == RequestKind.Write ? 1 : 0;
            slot.Failed += failed ? 1 : 0;
            slot.LatencySumMs += latencyMs;
            slot.LatencyMaxMs = Math.Max(slot.LatencyMaxMs, latencyMs);
        }
    }

    /// <summary>
    /// The complete seconds before <paramref name="nowUnixSecond"/>, oldest first, <see cref="Length"/> of them; a second
    /// without requests is a zero sample, so a chart's time axis has no gaps.
    /// </summary>
    public ImmutableArray<RateSample> Samples(long nowUnixSecond)
    {
        var samples = ImmutableArray.CreateBuilder<RateSample>(Length);
        lock (_gate)
        {
            for (var second = nowUnixSecond - Length; second < nowUnixSecond; second++)
            {
                var slot = _slots[Index(second)];
                samples.Add(slot.Second == second && slot.Requests > 0
                    ? new RateSample(second, slot.Requests, slot.Reads, slot.Writes, slot.Failed, slot.LatencySumMs / slot.Requests, slot.LatencyMaxMs)
                    : new RateSample(second, 0, 0, 0, 0, 0, 0));
            }
        }

        return samples.MoveToImmutable();
    }

    private int Index(long unixSecond) => (int)(((unixSecond % _slots.Length) + _slots.Length) % _slots.Length);

    private struct Slot
    {
        public long Second;
        public int Requests;
        public int Reads;
        public int Writes;
        public int Failed;
        public double LatencySumMs;
        public double LatencyMaxMs;
    }
}
