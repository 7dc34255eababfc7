using System.Globalization;
using System.Text;

namespace Milvus.Akka.Index.Bench;

/// <summary>One engine configuration: recall@10 of the single-thread pass, queries per second, build time and memory.</summary>
internal sealed record BenchResult(
    string Engine, string Params, double Recall, double QpsSingle, double QpsAll, double BuildSeconds, long MemoryBytes);

/// <summary>The markdown table of every configuration and the target ratios, computed from one run.</summary>
internal static class Report
{
    public const string OurHnsw = "Milvus.Akka HNSW";
    public const string OurIvfFlat = "Milvus.Akka IVF_FLAT";
    public const string OurFlat = "Milvus.Akka FLAT";
    public const string OurFlatQueryPerCall = "Milvus.Akka FLAT, 1 query per call";
    public const string NativeHnswlib = "hnswlib (native)";
    public const string FaissIvfFlat = "faiss IVFFlat (Debian)";

    private static readonly double[] RecallLevels = [0.90, 0.95, 0.99];

    public static string Table(IEnumerable<BenchResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("| engine | params | recall@10 | QPS 1 thread | QPS all cores | build s | memory MiB |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            text.AppendLine(Invariant(
                $"| {r.Engine} | {r.Params} | {r.Recall:F4} | {r.QpsSingle:F0} | {r.QpsAll:F0} | {r.BuildSeconds:F1} | {r.MemoryBytes / 1048576.0:F0} |"));
        }

        return text.ToString();
    }

    /// <summary>Best QPS of every engine at each recall level (the Pareto view ann-benchmarks plots).</summary>
    public static string Frontier(IReadOnlyList<BenchResult> results, int threads)
    {
        var text = new StringBuilder();
        text.AppendLine("| engine | " + string.Join(" | ", RecallLevels.Select(l => Invariant($"QPS @ recall ≥ {l:F2} (1 / {threads} threads)"))) + " |");
        text.AppendLine("|---|" + string.Concat(RecallLevels.Select(_ => "---|")));
        foreach (var engine in results.Select(r => r.Engine).Distinct())
        {
            var cells = RecallLevels.Select(level =>
                Best(results, engine, level, r => r.QpsSingle) is { } single
                    ? Invariant($"{single:F0} / {Best(results, engine, level, r => r.QpsAll):F0}")
                    : "–");
            text.AppendLine($"| {engine} | {string.Join(" | ", cells)} |");
        }

        return text.ToString();
    }

    /// <summary>The issue's targets as ratios of this run's numbers, each marked met or missed.</summary>
    public static string Targets(IReadOnlyList<BenchResult> results, Bandwidth? bandwidth, long flatBytesPerQuery)
    {
        var text = new StringBuilder();
        foreach (var level in new[] { 0.95, 0.99 })
        {
            Ratio(text, Invariant($"HNSW QPS 1 thread @ recall ≥ {level:F2} vs native hnswlib"), 1.0,
                Best(results, OurHnsw, level, r => r.QpsSingle), Best(results, NativeHnswlib, level, r => r.QpsSingle));
            Ratio(text, Invariant($"HNSW QPS all cores @ recall ≥ {level:F2} vs native hnswlib"), 1.0,
                Best(results, OurHnsw, level, r => r.QpsAll), Best(results, NativeHnswlib, level, r => r.QpsAll));
        }

        // Build time: lower is better, so the ratio is ours / theirs and the target is at most 1.2.
        var ourBuild = results.FirstOrDefault(r => r.Engine == OurHnsw)?.BuildSeconds;
        var nativeBuild = results.FirstOrDefault(r => r.Engine == NativeHnswlib)?.BuildSeconds;
        if (ourBuild is { } ours && nativeBuild is { } native)
        {
            var ratio = ours / native;
            text.AppendLine(Invariant($"- HNSW build time vs native hnswlib: {ours:F1} s / {native:F1} s = {ratio:F2}× (target ≤ 1.20×): {(ratio <= 1.2 ? "met" : "MISSED")}"));
        }

        foreach (var level in RecallLevels)
        {
            Ratio(text, Invariant($"IVF_FLAT QPS 1 thread @ recall ≥ {level:F2} vs Debian FAISS IVFFlat"), 6.0,
                Best(results, OurIvfFlat, level, r => r.QpsSingle), Best(results, FaissIvfFlat, level, r => r.QpsSingle));
            Ratio(text, Invariant($"IVF_FLAT QPS all cores @ recall ≥ {level:F2} vs Debian FAISS IVFFlat"), 6.0,
                Best(results, OurIvfFlat, level, r => r.QpsAll), Best(results, FaissIvfFlat, level, r => r.QpsAll));
        }

        if (bandwidth is not null && results.FirstOrDefault(r => r.Engine == OurFlatQueryPerCall) is { } flat)
        {
            Fraction(text, "FLAT scan rate, 1 thread", flat.QpsSingle * flatBytesPerQuery / 1e9, bandwidth.SingleGBps);
            Fraction(text, "FLAT scan rate, all cores", flat.QpsAll * flatBytesPerQuery / 1e9, bandwidth.AllGBps);
        }

        return text.ToString();
    }

    private static double? Best(IReadOnlyList<BenchResult> results, string engine, double level, Func<BenchResult, double> qps)
    {
        var candidates = results.Where(r => r.Engine == engine && r.Recall >= level).Select(qps).ToList();
        return candidates.Count == 0 ? null : candidates.Max();
    }

    private static void Ratio(StringBuilder text, string what, double target, double? ours, double? theirs)
    {
        if (ours is not { } o || theirs is not { } t)
        {
            text.AppendLine($"- {what}: not measured (an engine was skipped or never reached that recall in the sweep)");
            return;
        }

        var ratio = o / t;
        text.AppendLine(Invariant($"- {what}: {o:F0} / {t:F0} = {ratio:F2}× (target ≥ {target:F2}×): {(ratio >= target ? "met" : "MISSED")}"));
    }

    private static void Fraction(StringBuilder text, string what, double scanGBps, double bandwidthGBps)
    {
        var fraction = scanGBps / bandwidthGBps;
        text.AppendLine(Invariant(
            $"- {what}: {scanGBps:F1} GB/s of {bandwidthGBps:F1} GB/s measured bandwidth = {fraction:P0} (target ≥ 80%): {(fraction >= 0.8 ? "met" : "MISSED")}"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
