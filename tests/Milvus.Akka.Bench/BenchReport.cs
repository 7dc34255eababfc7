using System.Text;
using static System.FormattableString;

namespace Milvus.Akka.Bench;

/// <summary>The markdown report: per data set its stage times and search sweep beside the in-process index, then the issue's ratios.</summary>
public static class BenchReport
{
    public const string SweepHeader = "| ef | in flight | recall@10 | QPS | p50 ms | p99 ms | server CPU ms/request | client CPU ms/request |";
    public const int RatioInFlight = 8;

    public const string RoundTripHeader = "| in flight | GetVersion QPS | p50 ms | p99 ms | server CPU ms/request | client CPU ms/request |";

    public const string IngestOnlyHeader = "| data set | rows × dim | batch × in flight | seconds | rows/s | MB/s | server CPU | load average |\n|---|---|---|---|---|---|---|---|";

    /// <summary>The ingest line alone (--ingest-only).</summary>
    public static string IngestOnly(string name, long rows, int dim, IngestResult ingest, string loadBefore, string loadAfter) => Invariant(
        $"| {name} | {rows:N0} × {dim} | {ingest.BatchRows:N0} × {ingest.InFlight} | {ingest.Seconds:F1} s | {ingest.RowsPerSecond:N0} rows/s | {ingest.MegabytesPerSecond:F1} MB/s | {Cpu(ingest.ServerCpuMicrosPerRow, "F1")} µs server CPU per row | load {loadBefore} → {loadAfter} |");

    public static string Dataset(DatasetResult result, BenchOptions options)
    {
        var server = result.Server;
        var ingest = server.Ingest;
        var text = new StringBuilder();
        text.AppendLine(Invariant($"## {result.Name}: {result.Rows:N0} × {result.Dim}, {result.Queries:N0} queries"));
        text.AppendLine();
        text.AppendLine(Invariant($"HNSW M={options.HnswM} efConstruction={options.EfConstruction}, L2, top-{BenchOptions.K}; searches nq=1, consistency Bounded, output field id, {options.Requests:N0} requests per point. Load average (1 min): {result.LoadBefore} before, {result.LoadAfter} after."));
        text.AppendLine();
        text.AppendLine("| stage | seconds | rate |");
        text.AppendLine("|---|---|---|");
        text.AppendLine(Invariant(
            $"| ingest, {ingest.BatchRows:N0} rows × {ingest.InFlight} in flight | {ingest.Seconds:F1} | {ingest.RowsPerSecond:N0} rows/s, {ingest.MegabytesPerSecond:F1} MB/s, {Cpu(ingest.ServerCpuMicrosPerRow, "F1")} µs server CPU per row |"));
        text.AppendLine(Invariant($"| flush | {server.FlushSeconds:F1} | |"));
        text.AppendLine(Invariant($"| HNSW build (server, until every row is indexed) | {server.IndexSeconds:F1} | |"));
        text.AppendLine(Invariant($"| load | {server.LoadSeconds:F1} | |"));
        text.AppendLine(Invariant($"| HNSW build (in process, {result.InProcess.Threads} threads) | {result.InProcess.BuildSeconds:F1} | |"));
        text.AppendLine();
        text.AppendLine(SweepHeader);
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var p in server.Points)
        {
            text.AppendLine(Invariant(
                $"| {p.Ef} | {p.InFlight} | {p.Recall:F4} | {p.Qps:N0} | {p.P50Ms:F2} | {p.P99Ms:F2} | {Cpu(p.ServerCpuMsPerRequest, "F3")} | {p.ClientCpuMsPerRequest:F3} |"));
        }

        text.AppendLine();
        text.AppendLine("The gRPC round trip alone, on the same channels (GetVersion, answered from a constant):");
        text.AppendLine();
        text.AppendLine(RoundTripHeader);
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var p in server.RoundTrips)
        {
            text.AppendLine(Invariant($"| {p.InFlight} | {p.Qps:N0} | {p.P50Ms:F2} | {p.P99Ms:F2} | {Cpu(p.ServerCpuMsPerRequest, "F3")} | {p.ClientCpuMsPerRequest:F3} |"));
        }

        text.AppendLine();
        var threads = result.InProcess.Threads;
        text.AppendLine(Invariant($"| ef | in process: recall@10 | QPS 1 thread | CPU ms/query | QPS {threads} threads | CPU ms/query, {threads} threads |"));
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var p in result.InProcess.Points)
        {
            text.AppendLine(Invariant($"| {p.Ef} | {p.Recall:F4} | {p.QpsOneThread:N0} | {p.CpuMsPerQuery:F3} | {p.QpsAllCores:N0} | {p.CpuMsPerQueryAllCores:F3} |"));
        }

        return text.ToString();
    }

    /// <summary>Issue 10's targets as ratios within this run; the CPU ratio is judged on its worst in-flight level.</summary>
    public static string Ratios(IReadOnlyList<DatasetResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("## Ratios against issue 10's targets");
        text.AppendLine();
        text.AppendLine("| data set | what | target | measured | |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var result in results)
        {
            void Row(string what, string target, string measured, bool? met) =>
                text.AppendLine($"| {result.Name} | {what} | {target} | {measured} | {met switch { true => "met", false => "MISSED", null => "–" }} |");

            foreach (var inProcess in result.InProcess.Points)
            {
                var points = result.Server.Points.Where(p => p.Ef == inProcess.Ef).ToList();
                var cpu = points.Where(p => !double.IsNaN(p.ServerCpuMsPerRequest)).Select(p => (p.InFlight, Ratio: p.ServerCpuMsPerRequest / inProcess.CpuMsPerQuery)).ToList();
                if (cpu.Count > 0)
                {
                    var worst = cpu.MaxBy(c => c.Ratio);
                    var best = cpu.MinBy(c => c.Ratio);
                    Row(Invariant($"server CPU per search ÷ in-process CPU per query, ef={inProcess.Ef}"), "≤ 1.3×",
                        Invariant($"{worst.Ratio:F2}× at {worst.InFlight} in flight (best {best.Ratio:F2}× at {best.InFlight})"), worst.Ratio <= 1.3);
                    Row(Invariant($"the same beyond the gRPC round trip (server CPU per search − per GetVersion at the same in-flight level), ef={inProcess.Ef}"), "–",
                        string.Join(", ", points.Select(p => (p, trip: result.Server.RoundTrips.FirstOrDefault(t => t.InFlight == p.InFlight)))
                            .Where(x => x.trip is not null && !double.IsNaN(x.p.ServerCpuMsPerRequest))
                            .Select(x => Invariant($"{(x.p.ServerCpuMsPerRequest - x.trip!.ServerCpuMsPerRequest) / inProcess.CpuMsPerQuery:F2}× at {x.p.InFlight}"))), null);
                    // With as many searches in flight as cores the server's index runs on every core, where a query
                    // costs what the in-process index costs with all its threads searching, not on one.
                    var threads = result.InProcess.Threads;
                    var busy = points.Where(p => p.InFlight >= threads && !double.IsNaN(p.ServerCpuMsPerRequest)).ToList();
                    if (busy.Count > 0)
                    {
                        Row(Invariant($"server CPU per search ÷ in-process CPU per query with all {threads} threads searching, ef={inProcess.Ef}"), "–",
                            string.Join(", ", busy.Select(p => Invariant($"{p.ServerCpuMsPerRequest / inProcess.CpuMsPerQueryAllCores:F2}× at {p.InFlight}"))), null);
                    }
                }
                else
                {
                    Row(Invariant($"server CPU per search ÷ in-process CPU per query, ef={inProcess.Ef}"), "≤ 1.3×", "not measured (server process unknown)", null);
                }

                if (points.FirstOrDefault(p => p.InFlight == RatioInFlight) is { } eight)
                {
                    var ratio = eight.Qps / inProcess.QpsAllCores;
                    Row(Invariant($"QPS with {RatioInFlight} in flight ÷ in-process all-core QPS, ef={inProcess.Ef}"), "≥ 0.6×",
                        Invariant($"{eight.Qps:N0} / {inProcess.QpsAllCores:N0} = {ratio:F2}×"), ratio >= 0.6);
                    // The in-process QPS spends every core on the index (at its all-core CPU per query); a client on the same
                    // cores takes its share of them from the server, so even a server costing only the index plus the bare
                    // round trip could reach this.
                    if (result.Server.RoundTrips.FirstOrDefault(t => t.InFlight == RatioInFlight) is { } trip
                        && !double.IsNaN(trip.ServerCpuMsPerRequest) && !double.IsNaN(eight.ClientCpuMsPerRequest))
                    {
                        var index = inProcess.CpuMsPerQueryAllCores;
                        var ceiling = index / (index + trip.ServerCpuMsPerRequest + eight.ClientCpuMsPerRequest);
                        Row(Invariant($"the most that ratio can be with the client on the same cores: index CPU ÷ (index CPU + GetVersion's server CPU + the search's client CPU), all cores searching, ef={inProcess.Ef}"), "–",
                            Invariant($"{index:F3} / ({index:F3} + {trip.ServerCpuMsPerRequest:F3} + {eight.ClientCpuMsPerRequest:F3}) = {ceiling:F2}×"), null);
                    }
                }

                if (points.FirstOrDefault(p => p.InFlight == 1) is { } one)
                {
                    var ratio = one.P99Ms / one.P50Ms;
                    Row(Invariant($"p99 ÷ p50 latency, 1 in flight, ef={inProcess.Ef}"), "≤ 3×",
                        Invariant($"{one.P99Ms:F2} / {one.P50Ms:F2} ms = {ratio:F2}×"), ratio <= 3);
                }
            }

            // The transport's own tail on this machine, beside the searches' (scheduling noise shows in both).
            if (result.Server.RoundTrips.FirstOrDefault(t => t.InFlight == 1) is { } bare)
            {
                Row("p99 ÷ p50 latency of the bare gRPC round trip (GetVersion), 1 in flight", "–",
                    Invariant($"{bare.P99Ms:F2} / {bare.P50Ms:F2} ms = {bare.P99Ms / bare.P50Ms:F2}×"), null);
            }

            var ingest = result.Server.Ingest;
            int? target = result.Dim switch { 128 => 100_000, 784 => 20_000, _ => null };
            Row(Invariant($"ingest rows/s, {result.Dim}-d, one client"), target is { } t ? Invariant($"≥ {t:N0}") : "–",
                Invariant($"{ingest.RowsPerSecond:N0}"), target is { } goal ? ingest.RowsPerSecond >= goal : null);
        }

        return text.ToString();
    }

    private static string Cpu(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
}
