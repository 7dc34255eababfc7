using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Milvus.Akka.Index.Bench;

/// <summary>
/// Debian's prebuilt FAISS and hnswlib Python packages (python/baselines.py), run as a child process over the
/// exchange files. It prints one JSON line per configuration and writes the result ids, whose recall is computed here
/// against the same ground truth as ours.
/// </summary>
internal sealed class ExternalEngines(GroundTruth truth, BenchOptions options)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public IEnumerable<BenchResult> RunPythonBaselines()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "python", "baselines.py");
        var results = new List<BenchResult>();
        string[] arguments =
        [
            script, options.WorkDirectory, "--threads", Text(options.Threads), "--k", Text(BenchOptions.K),
            "--nlist", Text(options.NList), "--nprobes", string.Join(',', options.NProbes),
            "--M", Text(options.HnswM), "--efc", Text(options.EfConstruction),
            "--efs", string.Join(',', options.Efs.Where(ef => ef >= BenchOptions.K)),
            "--flat-queries", Text(options.FlatQueryCount),
            "--families", string.Join(',', new[] { "flat", "ivf", "hnsw" }.Where(options.Runs)),
        ];

        // Debian's interpreter, where python3-faiss and python3-hnswlib are installed (not a pyenv shim).
        Run("/usr/bin/python3", arguments, line => results.Add(Parse(line)));
        return results;
    }

    private BenchResult Parse(string line)
    {
        var report = JsonSerializer.Deserialize<ExternalReport>(line, Json)
            ?? throw new InvalidDataException($"empty report line: {line}");
        var ids = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(report.IdsFile));
        return new BenchResult(report.Engine, report.Params, truth.Recall(ids), report.QpsSingle, report.QpsAll,
            report.BuildSeconds, report.MemoryBytes);
    }

    private static void Run(string program, IEnumerable<string> arguments, Action<string> onLine)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith('{'))
            {
                onLine(line);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited with code {process.ExitCode}; see its error output above");
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record ExternalReport(
        string Engine, string Params, double BuildSeconds, long MemoryBytes, double QpsSingle, double QpsAll, string IdsFile);
}
