using System.Globalization;

namespace Milvus.Akka.Bench;

/// <summary>Command-line settings of the end-to-end bench; every value has a default that runs the full benchmark.</summary>
public sealed record BenchOptions
{
    public const string FashionMnist = "fashion-mnist";
    public const string Synthetic = "synthetic";
    public const int K = 10;

    public const string Usage = """
        usage: dotnet run -c Release --project tests/Milvus.Akka.Bench -- [options]
          --quick                 smoke run: synthetic 2000x128, 200 queries, ef 64, 1 and 8 in flight
          --ingest-only           only create, ingest and drop each data set: the ingest line, no index or search
          --datasets LIST         fashion-mnist, synthetic (default both)
          --data DIR              Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
          --synthetic NxD         synthetic rows x dimension (default 1000000x128)
          --queries N             query vectors (and exact ground truth) per data set (default: 10000 for
                                  Fashion-MNIST, 1000 for synthetic)
          --seed N                synthetic data seed (default 42)
          --requests N            search requests per sweep point, cycling through the queries (default 10000)
          --efs LIST              HNSW ef sweep (default 16,32,64,128)
          --in-flight LIST        concurrent search requests sweep (default 1,2,8,32)
          --m N                   HNSW M (default 16)
          --ef-construction N     HNSW efConstruction (default 200)
          --batch N               rows per insert request (default: about 2.5 MB of vectors, 5000 rows at 128-d)
          --ingest-in-flight N    concurrent insert requests (default 4)
          --ingest-rounds N       with --ingest-only: ingest each data set N times on the same server, one line per
                                  round (default 1); round 1 is a cold server, later rounds show it warm (JIT done)
          --shards N              shards of the collection (default 1)
          --channels N            HTTP/2 channels the requests are spread over (default 1)
          --threads N             in-process "all cores" thread count (default: processor count)
          --address URL           bench a running server (e.g. http://127.0.0.1:19530) instead of starting one
          --server-pid PID        with --address: the server's process id, for its CPU time (else not reported)
          --work DIR              ground-truth cache, results.md, server log (default /tmp/milvus-bench)
        """;

    public bool Quick { get; init; }

    /// <summary>Measure ingest alone (no ground truth, flush, index, load or search), to compare ingest paths quickly.</summary>
    public bool IngestOnly { get; init; }

    public IReadOnlyList<string> Datasets { get; init; } = [FashionMnist, Synthetic];

    public string DataDirectory { get; init; } = "/usr/share/datasets/fashion-mnist";

    public int SyntheticRows { get; init; } = 1_000_000;

    public int SyntheticDim { get; init; } = 128;

    /// <summary>Null: 10,000 for Fashion-MNIST (its whole test set), 1,000 for synthetic (exact ground truth over a million rows is costly).</summary>
    public int? Queries { get; init; }

    public int Seed { get; init; } = 42;

    public int Requests { get; init; } = 10_000;

    public IReadOnlyList<int> Efs { get; init; } = [16, 32, 64, 128];

    public IReadOnlyList<int> InFlight { get; init; } = [1, 2, 8, 32];

    public int HnswM { get; init; } = 16;

    public int EfConstruction { get; init; } = 200;

    /// <summary>Null: as many rows as make about 2.5 MB of vectors.</summary>
    public int? Batch { get; init; }

    public int IngestInFlight { get; init; } = 4;

    /// <summary>With --ingest-only: how many times each data set is ingested (into a fresh collection) on the same server.</summary>
    public int IngestRounds { get; init; } = 1;

    public int Shards { get; init; } = 1;

    public int Channels { get; init; } = 1;

    public int Threads { get; init; } = Environment.ProcessorCount;

    public string? Address { get; init; }

    public int? ServerPid { get; init; }

    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "milvus-bench");

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        // --quick sets small defaults first, so options after it (or before it) still override them.
        var options = args.Contains("--quick") ? QuickDefaults : new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => Positive(name, int.Parse(Value(), CultureInfo.InvariantCulture));
            int[] List() => [.. Value().Split(',').Select(s => Positive(name, int.Parse(s, CultureInfo.InvariantCulture)))];
            options = name switch
            {
                "--quick" => options,
                "--ingest-only" => options with { IngestOnly = true },
                "--datasets" => options with { Datasets = DatasetList(Value()) },
                "--data" => options with { DataDirectory = Value() },
                "--synthetic" => WithSynthetic(options, Value()),
                "--queries" => options with { Queries = Int() },
                "--seed" => options with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--requests" => options with { Requests = Int() },
                "--efs" => options with { Efs = List() },
                "--in-flight" => options with { InFlight = List() },
                "--m" => options with { HnswM = Int() },
                "--ef-construction" => options with { EfConstruction = Int() },
                "--batch" => options with { Batch = Int() },
                "--ingest-in-flight" => options with { IngestInFlight = Int() },
                "--ingest-rounds" => options with { IngestRounds = Int() },
                "--shards" => options with { Shards = Int() },
                "--channels" => options with { Channels = Int() },
                "--threads" => options with { Threads = Int() },
                "--address" => options with { Address = Value() },
                "--server-pid" => options with { ServerPid = Int() },
                "--work" => options with { WorkDirectory = Value() },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }

    private static BenchOptions QuickDefaults => new()
    {
        Quick = true,
        Datasets = [Synthetic],
        SyntheticRows = 2_000,
        Queries = 200,
        Requests = 200,
        Efs = [64],
        InFlight = [1, 8],
    };

    public bool Runs(string dataset) => Datasets.Contains(dataset);

    public int QueriesFor(string dataset) => Queries ?? (dataset == FashionMnist ? 10_000 : 1_000);

    public int BatchRows(int dim) => Batch ?? Math.Max(100, 2_560_000 / (dim * sizeof(float)) / 100 * 100);

    /// <summary>The command line that reproduces this run, for the report.</summary>
    public static string CommandLine(IReadOnlyList<string> args) =>
        "dotnet run -c Release --project tests/Milvus.Akka.Bench" + (args.Count > 0 ? " -- " + string.Join(' ', args) : string.Empty);

    private static BenchOptions WithSynthetic(BenchOptions options, string text)
    {
        var parts = text.Split('x');
        return parts.Length == 2
               && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rows) && rows > 0
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var dim) && dim > 0
            ? options with { SyntheticRows = rows, SyntheticDim = dim }
            : throw new ArgumentException($"--synthetic takes ROWSxDIM, e.g. 200000x128; got '{text}'");
    }

    private static string[] DatasetList(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.Where(n => n is not (FashionMnist or Synthetic)).ToList();
        return unknown.Count == 0 && names.Length > 0
            ? names
            : throw new ArgumentException($"unknown data set(s) '{string.Join(", ", unknown)}'; known: {FashionMnist}, {Synthetic}");
    }

    private static int Positive(string name, int value) =>
        value > 0 ? value : throw new ArgumentException($"{name} must be positive; got {value}");
}
