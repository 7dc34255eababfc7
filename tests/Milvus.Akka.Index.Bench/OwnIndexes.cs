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

    /// <summary>Single thread: one call per query. All cores: one call per slice of queries (the engine parallelises batches).</summary>
    private BenchResult Search(string engine, string label, IVectorIndex index, Dictionary<string, string> parameters,
        int queries, double buildSeconds, long memory)
    {
        var searchOptions = new SearchOptions { Params = parameters };
        var k = BenchOptions.K;
        var ids = new int[queries * k];
        var scores = new float[queries * k];
        var dim = data.Dim;
        for (var q = 0; q < Math.Min(WarmupQueries, queries); q++)
        {
            index.Search(data.Query(q), k, searchOptions, ids.AsSpan(q * k, k), scores.AsSpan(q * k, k));
        }

        var single = SliceTiming.FastestRate(queries, (first, end) =>
        {
            for (var q = first; q < end; q++)
            {
                index.Search(data.Query(q), k, searchOptions, ids.AsSpan(q * k, k), scores.AsSpan(q * k, k));
            }
        });
        var recall = truth.Recall(ids);
        var all = SliceTiming.FastestRate(queries, (first, end) => index.Search(
            data.Queries.AsSpan(first * dim, (end - first) * dim), k, searchOptions, ids.AsSpan(first * k, (end - first) * k),
            scores.AsSpan(first * k, (end - first) * k)));
        return new BenchResult(engine, label, recall, single, all, buildSeconds, memory);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
