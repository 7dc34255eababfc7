using System.Diagnostics;
using Milvus.Akka.Bench.Datasets;
using Milvus.Akka.Index;

using static System.FormattableString;

namespace Milvus.Akka.Bench;

/// <summary>
/// The engine's HNSW in this process on the same data, M, efConstruction and ef as the server, searched as the server
/// is asked: one query per call, the same request count cycling through the queries. CPU per query is this process's
/// CPU time over the single-thread pass and over the all-core pass (nothing else runs in it meanwhile).
/// </summary>
internal sealed class InProcessBench(Dataset data, GroundTruth truth, BenchOptions options, TextWriter log)
{
    private const int WarmupQueries = 200;

    public InProcessRun Run()
    {
        var build = new Dictionary<string, string>
        {
            [IndexParams.HnswM] = Invariant($"{options.HnswM}"),
            [IndexParams.HnswEfConstruction] = Invariant($"{options.EfConstruction}"),
        };
        var start = Stopwatch.GetTimestamp();
        var index = VectorIndexes.Build(IndexSpec.FromMilvus("HNSW", "L2", build), data.Dim, data.Base, seed: 42, threads: options.Threads);
        var buildSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        log.WriteLine(Invariant($"{data.Name}: in-process HNSW build {buildSeconds:F1} s on {options.Threads} threads"));
        return new InProcessRun(buildSeconds, options.Threads, [.. options.Efs.Select(ef => Sweep(index, ef))]);
    }

    private InProcessPoint Sweep(IVectorIndex index, int ef)
    {
        var k = BenchOptions.K;
        var search = new SearchOptions { Params = new Dictionary<string, string> { [IndexParams.HnswEf] = Invariant($"{ef}") }, Threads = 1 };
        var total = options.Requests;
        var recorded = Math.Min(total, data.QueryCount);
        var ids = new int[recorded * k];
        var scratchIds = new int[k];
        var scratchScores = new float[k];
        void SearchOne(int i, Span<int> hits, Span<float> scores) => index.Search(data.Query(i % data.QueryCount), k, search, hits, scores);

        for (var i = 0; i < Math.Min(WarmupQueries, total); i++)
        {
            SearchOne(i, scratchIds, scratchScores);
        }

        var (oneThreadSeconds, cpuSeconds) = Measure(() =>
        {
            for (var i = 0; i < total; i++)
            {
                SearchOne(i, i < recorded ? ids.AsSpan(i * k, k) : scratchIds, scratchScores);
            }
        });
        var (allCoresSeconds, allCoresCpuSeconds) = Measure(() =>
            Parallel.For(0, total, new ParallelOptions { MaxDegreeOfParallelism = options.Threads },
                () => (Ids: new int[k], Scores: new float[k]),
                (i, _, scratch) =>
                {
                    SearchOne(i, scratch.Ids, scratch.Scores);
                    return scratch;
                },
                _ => { }));
        var point = new InProcessPoint(ef, truth.Recall(ids), total / oneThreadSeconds, cpuSeconds * 1000 / total, total / allCoresSeconds,
            allCoresCpuSeconds * 1000 / total);
        log.WriteLine(Invariant($"{data.Name}: in process, ef {ef}: recall {point.Recall:F4}, {point.QpsOneThread:F0} QPS on 1 thread, {point.QpsAllCores:F0} on {options.Threads}"));
        return point;
    }

    /// <summary>The wall-clock and this process's CPU seconds of <paramref name="run"/>.</summary>
    private static (double Seconds, double CpuSeconds) Measure(Action run)
    {
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        run();
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        self.Refresh();
        return (seconds, (self.TotalProcessorTime - cpuBefore).TotalSeconds);
    }
}
