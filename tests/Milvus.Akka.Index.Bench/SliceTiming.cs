using System.Diagnostics;

namespace Milvus.Akka.Index.Bench;

/// <summary>
/// Query throughput robust to other tenants of a shared machine: the query set is timed in ten consecutive slices
/// and the fastest slice's rate is reported. Every engine (the native driver and the Python baselines too) is
/// timed by this same rule, so the ratios stay comparable.
/// </summary>
internal static class SliceTiming
{
    public const int Slices = 10;

    /// <summary>Runs <paramref name="search"/> over [first, end) slices covering all queries; returns queries per second of the fastest.</summary>
    public static double FastestRate(int queries, Action<int, int> search)
    {
        var best = 0.0;
        var size = Math.Max(1, queries / Slices);
        for (var first = 0; first < queries; first += size)
        {
            var end = Math.Min(queries, first + size);
            var start = Stopwatch.GetTimestamp();
            search(first, end);
            best = Math.Max(best, (end - first) / Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return best;
    }
}
