using System.Diagnostics;
using System.Numerics.Tensors;

namespace Milvus.Akka.Index.Bench;

/// <summary>Read bandwidth in GB/s with one thread and with all of them.</summary>
internal sealed record Bandwidth(double SingleGBps, double AllGBps);

/// <summary>
/// The machine's read bandwidth, measured the way FLAT uses memory: a vectorised sum streaming over a 1 GiB float
/// array (far beyond any cache), best of several passes, on one thread and split across all threads.
/// </summary>
internal static class MemoryBandwidth
{
    private const int Passes = 5;
    private const long Bytes = 1L << 30;

    public static Bandwidth Measure(int threads)
    {
        var data = new float[Bytes / sizeof(float)];
        // Touch every page so the timed passes do not include page faults.
        data.AsSpan().Fill(1f);
        var single = Best(() => TensorPrimitives.Sum(data));
        var chunk = data.Length / threads;
        var all = Best(() =>
        {
            var sums = new float[threads];
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => sums[t] = TensorPrimitives.Sum(data.AsSpan(t * chunk, t == threads - 1 ? data.Length - (t * chunk) : chunk)));
            return sums.Sum();
        });
        return new Bandwidth(single, all);
    }

    private static double Best(Func<float> pass)
    {
        var best = 0.0;
        var checksum = 0f;
        for (var i = 0; i < Passes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            checksum += pass();
            best = Math.Max(best, Bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9);
        }

        // The sums are consumed so the passes cannot be optimised away.
        return checksum > 0 ? best : throw new InvalidOperationException("bandwidth pass summed to zero");
    }
}
