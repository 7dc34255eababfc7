using System.Collections.Immutable;

namespace Milvus.Akka.Proxy.WebConsole;

/// <summary>A read or write that took at least the slow-request threshold. <paramref name="Detail"/> is short (nq, rows, the filter cut to a length).</summary>
public sealed record SlowRequest(DateTimeOffset At, string Rpc, string Database, string Collection, string User, double LatencyMs, bool Failed, string Detail);

/// <summary>The newest requests over <c>milvus.proxy.console.slow-request-threshold</c>, at most <paramref name="capacity"/> of them.</summary>
public sealed class SlowRequestLog(TimeSpan threshold, int capacity)
{
    private readonly Queue<SlowRequest> _requests = new();
    private readonly Lock _gate = new();

    public TimeSpan Threshold => threshold;

    public bool IsSlow(TimeSpan latency) => capacity > 0 && latency >= threshold;

    public void Add(SlowRequest request)
    {
        lock (_gate)
        {
            if (capacity == 0)
            {
                return;
            }

            if (_requests.Count == capacity)
            {
                _requests.Dequeue();
            }

            _requests.Enqueue(request);
        }
    }

    /// <summary>Newest first.</summary>
    public ImmutableArray<SlowRequest> NewestFirst()
    {
        lock (_gate)
        {
            return [.. _requests.Reverse()];
        }
    }
}
