using System.Diagnostics;
using System.Globalization;

namespace Milvus.Akka.Index.Bench;

/// <summary>Builds this engine's FLAT, IVF_FLAT and HNSW over the data set and sweeps their search parameters.</summary>
internal sealed class OwnIndexes(Dataset data, GroundTruth truth, BenchOptions options)
{
    private const int WarmupQueries = 100;

    public IEnumerable<BenchResult> RunFlat()
    {
        var (index, build, memory) = Build(new Dictionary<string, string>(), "FLAT");
        yield return Search(Report.OurFlat, "-", index, new Dictionary<string, string>(), options.FlatQueryCount, build, memory);
        // One query per call reads every row from memory once per query: the scan rate the bandwidth target is about.
        yield return Search(Report.OurFlatQueryPerCall, "-", index, new Dictionary<string, string>(), options.FlatQueryCount, build, memory,
            queryPerCall: true);
    }

    public IEnumerable<BenchResult> RunIvfFlat()
    {
        var build = new Dictionary<string, string> { [IndexParams.NListName] = Text(options.NList) };
        var (index, seconds, memory) = Build(build, "IVF_FLAT");
        foreach (var nprobe in options.NProbes)
        {
            yield return Search(Report.OurIvfFlat, $"nlist={options.NList},nprobe={nprobe}", index,
                new Dictionary<string, string> { [IndexParams.NProbeName] = Text(nprobe) }, data.QueryCount, seconds, memory);
        }
    }

    public IEnumerable<BenchResult> RunHnsw()
    {
        var build = new Dictionary<string, string>
        {
            [IndexParams.HnswM] = Text(options.HnswM),
            [IndexParams.HnswEfConstruction] = Text(options.EfConstruction),
        };
        var (index, seconds, memory) = Build(build, "HNSW");
        foreach (var ef in options.Efs.Where(ef => ef >= BenchOptions.K))
        {
            yield return Search(Report.OurHnsw, $"M={options.HnswM},efC={options.EfConstruction},ef={ef}", index,
                new Dictionary<string, string> { [IndexParams.HnswEf] = Text(ef) }, data.QueryCount, seconds, memory);
        }
    }

    private (IVectorIndex Index, double Seconds, long MemoryBytes) Build(Dictionary<string, string> parameters, string type)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var start = Stopwatch.GetTimestamp();
        var index = VectorIndexes.Build(IndexSpec.FromMilvus(type, "L2", parameters), data.Dim, data.Base, seed: 42, threads: options.Threads);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var memory = GC.GetTotalMemory(forceFullCollection: true) - before;
        return (index, seconds, memory);
    }

    /// <summary>
    /// Both columns time one batched call per slice of queries, as FAISS and the Python binding are timed: with
    /// <c>Threads = 1</c> for the single-thread column and the all-cores thread count for the other. With
    /// <paramref name="queryPerCall"/> each query of a slice is its own call instead (the all-cores column then runs
    /// those calls on parallel threads).
    /// </summary>
    private BenchResult Search(string engine, string label, IVectorIndex index, Dictionary<string, string> parameters,
        int queries, double buildSeconds, long memory, bool queryPerCall = false)
    {
        var singleThread = new SearchOptions { Params = parameters, Threads = 1 };
        var allThreads = singleThread with { Threads = options.Threads };
        var k = BenchOptions.K;
        var ids = new int[queries * k];
        var scores = new float[queries * k];
        var dim = data.Dim;
        void SearchRange(SearchOptions searchOptions, int first, int end) => index.Search(
            data.Queries.AsSpan(first * dim, (end - first) * dim), k, searchOptions, ids.AsSpan(first * k, (end - first) * k),
            scores.AsSpan(first * k, (end - first) * k));

        void SearchSlice(SearchOptions searchOptions, int first, int end)
        {
            if (!queryPerCall)
            {
                SearchRange(searchOptions, first, end);
            }
            else if (searchOptions.Threads == 1)
            {
                for (var q = first; q < end; q++)
                {
                    SearchRange(searchOptions, q, q + 1);
                }
            }
            else
            {
                Parallel.For(first, end, new ParallelOptions { MaxDegreeOfParallelism = searchOptions.Threads },
                    q => SearchRange(searchOptions with { Threads = 1 }, q, q + 1));
            }
        }

        SearchSlice(singleThread, 0, Math.Min(WarmupQueries, queries));
        var single = SliceTiming.FastestRate(queries, (first, end) => SearchSlice(singleThread, first, end));
        var recall = truth.Recall(ids);
        var all = SliceTiming.FastestRate(queries, (first, end) => SearchSlice(allThreads, first, end));
        return new BenchResult(engine, label, recall, single, all, buildSeconds, memory);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
