using System.Diagnostics;

namespace Milvus.Akka.Index.Bench;

/// <summary>
/// Query throughput robust to other tenants of a shared machine: the query set is timed in ten consecutive slices
/// and the fastest slice's rate is reported. Engines compared head to head are timed slice by slice alternately
/// (engine A's slice, engine B's slice, then B before A on the next), so a burst of load lands on both.
/// </summary>
internal static class SliceTiming
{
    public const int Slices = 10;

    /// <summary>Runs <paramref name="search"/> over [first, end) slices covering all queries; returns queries per second of the fastest.</summary>
    public static double FastestRate(int queries, Action<int, int> search) => FastestRates(queries, [search])[0];

    /// <summary>The fastest slice rate of each engine, the engines interleaved slice by slice.</summary>
    public static double[] FastestRates(int queries, IReadOnlyList<Action<int, int>> engines)
    {
        var best = new double[engines.Count];
        var size = Math.Max(1, queries / Slices);
        for (var (first, slice) = (0, 0); first < queries; first += size, slice++)
        {
            var end = Math.Min(queries, first + size);
            for (var turn = 0; turn < engines.Count; turn++)
            {
                // Rotating who goes first keeps cache warmth and load drift from favouring one engine.
                var engine = (turn + slice) % engines.Count;
                var start = Stopwatch.GetTimestamp();
                engines[engine](first, end);
                best[engine] = Math.Max(best[engine], (end - first) / Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        return best;
    }
}
