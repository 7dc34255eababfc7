using System.Globalization;
using Milvus.Akka.TestSupport;

namespace Milvus.Akka.Bench.Tests;

/// <summary>
/// The bench's --quick run end to end (a standalone server child process, ingest, flush, HNSW build, load, sweep and
/// the in-process index): it must print a well-formed sweep table whose searches find the true neighbours. Speed is
/// not asserted; it only has to work.
/// </summary>
public sealed class QuickBenchTests
{
    [Fact]
    public async Task Quick_run_prints_a_sweep_table_with_high_recall_on_the_synthetic_set()
    {
        using var work = new TempDirectory("bench-quick");
        var output = new StringWriter();
        var results = await BenchCommand.RunAsync(["--quick", "--work", work.Path], output, TextWriter.Null);

        var result = Assert.Single(results);
        Assert.StartsWith("synthetic-", result.Name);
        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.IndexOf(BenchReport.SweepHeader);
        Assert.True(header >= 0, "no sweep table in the output:\n" + output);
        Assert.Matches(@"^(\|---)+\|$", lines[header + 1]);
        var rows = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();
        // --quick sweeps ef 64 with 1 and 8 requests in flight.
        Assert.Equal(2, rows.Count);
        var columns = BenchReport.SweepHeader.Count(c => c == '|') - 1;
        foreach (var row in rows)
        {
            var cells = row.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            Assert.Equal(columns, cells.Length);
            Assert.Equal("64", cells[0]);
            Assert.True(Number(cells[2]) > 0.9, $"recall@10 {cells[2]} in: {row}");
            Assert.True(Number(cells[3]) > 0, $"QPS {cells[3]} in: {row}");
            Assert.True(Number(cells[4]) <= Number(cells[5]), $"p50 above p99 in: {row}");
            // Measured from /proc in clock ticks: a fast server may round to 0, but it must be a number, not n/a.
            Assert.True(Number(cells[6]) >= 0, $"server CPU per request {cells[6]} in: {row}");
        }

        Assert.Equal(["1", "8"], rows.Select(r => r.Trim('|').Split('|')[1].Trim()));

        var roundTrips = lines.IndexOf(BenchReport.RoundTripHeader);
        Assert.True(roundTrips >= 0, "no round-trip table in the output:\n" + output);
        var tripRows = lines.Skip(roundTrips + 2).TakeWhile(l => l.StartsWith('|')).Select(r => r.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();
        Assert.Equal(["1", "8"], tripRows.Select(cells => cells[0]));
        Assert.All(tripRows, cells => Assert.True(Number(cells[1]) > 0 && Number(cells[2]) <= Number(cells[3]) && Number(cells[4]) >= 0,
            $"round trip row: {string.Join(" | ", cells)}"));
        var inProcess = Assert.Single(lines, l => l.StartsWith("| 64 | ", StringComparison.Ordinal) && l.Count(c => c == '|') == 7);
        Assert.True(Number(inProcess.Trim('|').Split('|')[5].Trim()) > 0, $"in-process row without its all-core CPU per query: {inProcess}");
        Assert.Contains("## Ratios against issue 10's targets", lines);
        // The QPS ceiling with the client on the same cores is a fraction: the index's CPU over itself and more (the round
        // trip and the client may round to 0 on a quick run).
        var ceiling = Assert.Single(lines, l => l.Contains("the most that ratio can be", StringComparison.Ordinal));
        var fraction = Number(System.Text.RegularExpressions.Regex.Match(ceiling, @"= ([0-9.]+)×").Groups[1].Value);
        Assert.True(fraction is > 0 and <= 1, $"ceiling row: {ceiling}");
        if (Environment.ProcessorCount <= 8)
        {
            // 8 in flight keeps every core searching: that point is also set against the all-core CPU per query.
            Assert.Single(lines, l => l.Contains($"with all {Environment.ProcessorCount} threads searching", StringComparison.Ordinal) && l.Contains("× at 8"));
        }
        Assert.True(File.Exists(Path.Combine(work.Path, "results.md")));
    }

    private static double Number(string cell) => double.Parse(cell, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
}
