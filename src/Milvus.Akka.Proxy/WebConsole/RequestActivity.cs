namespace Milvus.Akka.Proxy.WebConsole;

/// <summary>
/// What a proxy's console shows of its own traffic: per-second rates and latencies of every rpc it served
/// (<see cref="Rates"/>) and its slowest recent reads and writes (<see cref="SlowRequests"/>). Fed by the gRPC edge's
/// metrics interceptor; each proxy shows its own, as each exports its own metrics.
/// </summary>
public sealed class RequestActivity(ConsoleSettings settings, TimeProvider time)
{
    public RequestRateWindow Rates { get; } = new(settings.RateWindowSeconds);

    public SlowRequestLog SlowRequests { get; } = new(settings.SlowRequestThreshold, settings.SlowRequestsKept);

    public TimeProvider Time => time;

    public static RequestKind KindOf(string rpc) => rpc switch
    {
        "Search" or "HybridSearch" or "Query" => RequestKind.Read,
        "Insert" or "Upsert" or "Delete" => RequestKind.Write,
        _ => RequestKind.Other,
    };

    /// <summary>Counts a finished rpc; <paramref name="describe"/> runs only for a slow read or write.</summary>
    public void Record(string rpc, TimeSpan latency, bool failed, Func<DateTimeOffset, double, SlowRequest> describe)
    {
        var now = time.GetUtcNow();
        var kind = KindOf(rpc);
        Rates.Record(now.ToUnixTimeSeconds(), kind, latency.TotalMilliseconds, failed);
        if (kind != RequestKind.Other && SlowRequests.IsSlow(latency))
        {
            SlowRequests.Add(describe(now, latency.TotalMilliseconds));
        }
    }
}
