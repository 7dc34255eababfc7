using System.Runtime.Intrinsics;
using Milvus.Akka.Bench.Datasets;
using static System.FormattableString;

namespace Milvus.Akka.Bench;

/// <summary>The whole bench: one server, each data set through it and through the in-process index, the report.</summary>
public static class BenchCommand
{
    /// <summary>Writes the markdown report to <paramref name="output"/> (and results.md in the work directory), progress to <paramref name="log"/>.</summary>
    public static async Task<IReadOnlyList<DatasetResult>> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter log)
    {
        var options = BenchOptions.Parse(args);
        Directory.CreateDirectory(options.WorkDirectory);
        var report = new StringWriter();
        void Emit(string text)
        {
            output.WriteLine(text);
            report.WriteLine(text);
        }

        Emit($"# {BenchOptions.CommandLine(args)}");
        Emit(Invariant($"# {Environment.ProcessorCount} cores, AVX2 {Vector256.IsHardwareAccelerated}, AVX-512 {Vector512.IsHardwareAccelerated}, load average {LoadAverage()} at start, {DateTime.UtcNow:u}"));
        Emit(string.Empty);

        var results = new List<DatasetResult>();
        if (options.IngestOnly)
        {
            Emit(BenchReport.IngestOnlyHeader);
        }

        await using (var server = await ServerUnderTest.StartAsync(options, log))
        {
            foreach (var data in Datasets(options))
            {
                if (options.IngestOnly)
                {
                    // A fresh server compiles the insert path while it ingests (tier-0, instrumented, then optimized code), so
                    // later rounds show what a warm server sustains; each round is reported, the first one cold.
                    for (var round = 1; round <= options.IngestRounds; round++)
                    {
                        var loadAtStart = LoadAverage();
                        var ingest = await new ServerBench(server, data, null, options, log).IngestOnlyAsync();
                        var name = options.IngestRounds == 1 ? data.Name : Invariant($"{data.Name} (round {round})");
                        Emit(BenchReport.IngestOnly(name, data.BaseCount, data.Dim, ingest, loadAtStart, LoadAverage()));
                    }

                    continue;
                }

                log.WriteLine(Invariant($"{data.Name}: {data.BaseCount} × {data.Dim}, {data.QueryCount} queries; exact ground truth (cached in {options.WorkDirectory})"));
                var truth = GroundTruth.Load(data, BenchOptions.K, options.WorkDirectory);
                var loadBefore = LoadAverage();
                var serverRun = await new ServerBench(server, data, truth, options, log).RunAsync();
                var inProcess = new InProcessBench(data, truth, options, log).Run();
                var result = new DatasetResult(data.Name, data.BaseCount, data.Dim, data.QueryCount, serverRun, inProcess, loadBefore, LoadAverage());
                results.Add(result);
                Emit(BenchReport.Dataset(result, options));
            }
        }

        if (!options.IngestOnly)
        {
            Emit(BenchReport.Ratios(results));
        }

        await File.WriteAllTextAsync(Path.Combine(options.WorkDirectory, "results.md"), report.ToString());
        return results;
    }

    /// <summary>Loaded one at a time, so a million-row set and Fashion-MNIST are not in memory together.</summary>
    private static IEnumerable<Dataset> Datasets(BenchOptions options)
    {
        if (options.Runs(BenchOptions.FashionMnist))
        {
            yield return Dataset.LoadFashionMnist(options.DataDirectory, int.MaxValue, options.QueriesFor(BenchOptions.FashionMnist));
        }

        if (options.Runs(BenchOptions.Synthetic))
        {
            yield return Dataset.Synthetic(options.SyntheticRows, options.SyntheticDim, options.QueriesFor(BenchOptions.Synthetic), options.Seed);
        }
    }

    /// <summary>The 1-minute load average: the machine may be shared, and the figures move with it.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
