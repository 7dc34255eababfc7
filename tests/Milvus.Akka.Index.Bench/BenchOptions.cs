using System.Globalization;

namespace Milvus.Akka.Index.Bench;

/// <summary>Command-line settings of the bench CLI; every value has a default that runs the full benchmark.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Milvus.Akka.Index.Bench -- [options]
          --data DIR            Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
          --base N              base vectors used (default 60000 = all)
          --queries N           query vectors used (default 10000 = all)
          --flat-queries N      queries timed for FLAT, which scans everything per query (default 200)
          --work DIR            exchange files, ground-truth cache, native peer (default /tmp/milvus-index-bench)
          --threads N           "all cores" thread count (default: processor count)
          --m N                 HNSW M for every HNSW engine (default 16)
          --ef-construction N   HNSW efConstruction (default 200)
          --efs LIST            HNSW ef sweep (default 10,16,24,32,48,64,96,128,192,256)
          --nlist N             IVF nlist (default 256)
          --nprobes LIST        IVF nprobe sweep (default 1,2,4,6,8,12,16,24,32,48)
          --engines LIST        engines to run (default all): flat, ivf, hnsw (ours), native (hnswlib compiled
                                here), usearch (USearch's C library via P/Invoke), python (Debian's FAISS and hnswlib)
          --skip-bandwidth      do not measure memory bandwidth
        """;

    public string DataDirectory { get; init; } = "/usr/share/datasets/fashion-mnist";

    public int BaseCount { get; init; } = 60_000;

    public int QueryCount { get; init; } = 10_000;

    public int FlatQueryCount { get; init; } = 200;

    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "milvus-index-bench");

    public int Threads { get; init; } = Environment.ProcessorCount;

    public int HnswM { get; init; } = 16;

    public int EfConstruction { get; init; } = 200;

    public IReadOnlyList<int> Efs { get; init; } = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256];

    public int NList { get; init; } = 256;

    public IReadOnlyList<int> NProbes { get; init; } = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48];

    public static readonly IReadOnlyList<string> AllEngines = ["flat", "ivf", "hnsw", "native", "usearch", "python"];

    public IReadOnlyList<string> Engines { get; init; } = AllEngines;

    public bool SkipBandwidth { get; init; }

    public const int K = 10;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            int[] List() => [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            options = name switch
            {
                "--data" => options with { DataDirectory = Value() },
                "--base" => options with { BaseCount = Int() },
                "--queries" => options with { QueryCount = Int() },
                "--flat-queries" => options with { FlatQueryCount = Int() },
                "--work" => options with { WorkDirectory = Value() },
                "--threads" => options with { Threads = Int() },
                "--m" => options with { HnswM = Int() },
                "--ef-construction" => options with { EfConstruction = Int() },
                "--efs" => options with { Efs = List() },
                "--nlist" => options with { NList = Int() },
                "--nprobes" => options with { NProbes = List() },
                "--engines" => options with { Engines = EngineList(Value()) },
                "--skip-bandwidth" => options with { SkipBandwidth = true },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }

    public bool Runs(string engine) => Engines.Contains(engine);

    private static string[] EngineList(string text)
    {
        var engines = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = engines.Where(e => !AllEngines.Contains(e)).ToList();
        return unknown.Count == 0
            ? engines
            : throw new ArgumentException($"unknown engine(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllEngines)}");
    }

    /// <summary>The command line that reproduces this run, for the report.</summary>
    public string CommandLine(IReadOnlyList<string> args) =>
        "dotnet run -c Release --project tests/Milvus.Akka.Index.Bench" + (args.Count > 0 ? " -- " + string.Join(' ', args) : string.Empty);
}
