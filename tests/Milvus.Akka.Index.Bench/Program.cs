using System.Runtime.Intrinsics;
using Milvus.Akka.Index.Bench;

// Bench CLI: recall@10 / QPS (one thread and all cores) / build time / memory of FLAT, IVF_FLAT and HNSW on
// Fashion-MNIST (fashion-mnist-784-euclidean), in the same run as native hnswlib, USearch and Debian's FAISS and
// hnswlib.
// One-time setup: tests/Milvus.Akka.Index.Bench/setup.sh. Installs nothing itself.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var options = BenchOptions.Parse(args);
Directory.CreateDirectory(options.WorkDirectory);
Console.WriteLine($"# {options.CommandLine(args)}");
Console.WriteLine($"# {Environment.ProcessorCount} cores, AVX2 {Vector256.IsHardwareAccelerated}, AVX-512 {Vector512.IsHardwareAccelerated}, {DateTime.UtcNow:u}");

var data = Dataset.LoadFashionMnist(options.DataDirectory, options.BaseCount, options.QueryCount);
data.WriteExchangeFiles(options.WorkDirectory);
Console.WriteLine($"# {data.BaseCount} base × {data.QueryCount} queries, dim {data.Dim}, k {BenchOptions.K}");
var truth = GroundTruth.Load(data, BenchOptions.K, options.WorkDirectory);

var bandwidth = options.SkipBandwidth ? null : MemoryBandwidth.Measure(options.Threads);
if (bandwidth is not null)
{
    Console.WriteLine($"# memory read bandwidth: {bandwidth.SingleGBps:F1} GB/s (1 thread), {bandwidth.AllGBps:F1} GB/s ({options.Threads} threads)");
}

var results = new List<BenchResult>();
void Collect(IEnumerable<BenchResult> batch)
{
    foreach (var result in batch)
    {
        results.Add(result);
        Console.Error.WriteLine($"{result.Engine} {result.Params}: recall {result.Recall:F4}, {result.QpsSingle:F0} / {result.QpsAll:F0} QPS, build {result.BuildSeconds:F1} s");
    }
}

var own = new OwnIndexes(data, truth, options);
var external = new ExternalEngines(truth, options);
if (options.Runs("flat"))
{
    Collect(own.RunFlat());
}

if (options.Runs("ivf"))
{
    Collect(own.RunIvfFlat());
}

if (options.Runs("hnsw") || options.Runs("native"))
{
    Collect(own.RunHnsw(options.Runs("hnsw"), options.Runs("native")));
}

if (options.Runs("usearch"))
{
    Collect(new USearchEngine(data, truth, options).Run());
}

if (options.Runs("python"))
{
    Collect(external.RunPythonBaselines());
}

var report = $"""
    ## All configurations

    {Report.Table(results)}
    ## Best QPS at a recall level

    {Report.Frontier(results, options.Threads)}
    ## Targets

    {Report.Targets(results, bandwidth, (long)data.BaseCount * data.Dim * sizeof(float))}
    """;
Console.WriteLine(report);
File.WriteAllText(Path.Combine(options.WorkDirectory, "results.md"), report);
return 0;
