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

    /// <summary>
    /// Our HNSW and, with <paramref name="withNative"/>, native hnswlib at the same M, efConstruction and ef sweep,
    /// both timed in the same slices alternately (<see cref="SliceTiming.FastestRates"/>): one thread, then all cores.
    /// </summary>
    public IEnumerable<BenchResult> RunHnsw(bool withOurs, bool withNative)
    {
        var build = new Dictionary<string, string>
        {
            [IndexParams.HnswM] = Text(options.HnswM),
            [IndexParams.HnswEfConstruction] = Text(options.EfConstruction),
        };
        var ours = withOurs ? Build(build, "HNSW") : default;
        using var native = withNative ? NativeHnswlib.Build(data, options) : null;
        var k = BenchOptions.K;
        var dim = data.Dim;
        var queries = data.QueryCount;
        var ourIds = new int[queries * k];
        var ourScores = new float[queries * k];
        var nativeIds = new int[queries * k];
        var contenders = new List<(string Engine, Action<int, int, int> Search, int[] Ids, double BuildSeconds, long Memory)>();
        // Our contender reads the current ef through this variable, which the sweep below replaces.
        Dictionary<string, string> search = [];
        if (ours.Index is { } index)
        {
            contenders.Add((Report.OurHnsw, (first, end, threads) => index.Search(data.Queries.AsSpan(first * dim, (end - first) * dim), k,
                new SearchOptions { Params = search, Threads = threads }, ourIds.AsSpan(first * k, (end - first) * k),
                ourScores.AsSpan(first * k, (end - first) * k)), ourIds, ours.Seconds, ours.MemoryBytes));
        }

        if (native is not null)
        {
            contenders.Add((Report.NativeHnswlib, (first, end, threads) => native.Search(data.Queries.AsSpan(first * dim, (end - first) * dim), k,
                threads, nativeIds.AsSpan(first * k, (end - first) * k)), nativeIds, native.BuildSeconds, native.MemoryBytes));
        }

        foreach (var ef in options.Efs.Where(ef => ef >= k))
        {
            search = new Dictionary<string, string> { [IndexParams.HnswEf] = Text(ef) };
            native?.SetEf(ef);
            foreach (var contender in contenders)
            {
                contender.Search(0, Math.Min(WarmupQueries, queries), 1);
            }

            var single = SliceTiming.FastestRates(queries, [.. contenders.Select(c => (Action<int, int>)((first, end) => c.Search(first, end, 1)))]);
            var recalls = contenders.Select(c => truth.Recall(c.Ids)).ToList();
            var all = SliceTiming.FastestRates(queries,
                [.. contenders.Select(c => (Action<int, int>)((first, end) => c.Search(first, end, options.Threads)))]);
            for (var i = 0; i < contenders.Count; i++)
            {
                yield return new BenchResult(contenders[i].Engine, $"M={options.HnswM},efC={options.EfConstruction},ef={ef}", recalls[i],
                    single[i], all[i], contenders[i].BuildSeconds, contenders[i].Memory);
            }
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
