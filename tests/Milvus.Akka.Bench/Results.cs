namespace Milvus.Akka.Bench;

/// <summary>Ingest through gRPC: rows, wall time, request bytes and the server's CPU over the whole ingest.</summary>
public sealed record IngestResult(long Rows, double Seconds, long Bytes, int BatchRows, int InFlight, double ServerCpuSeconds)
{
    public double RowsPerSecond => Rows / Seconds;

    public double MegabytesPerSecond => Bytes / Seconds / 1e6;

    public double ServerCpuMicrosPerRow => ServerCpuSeconds * 1e6 / Rows;
}

/// <summary>One point of the search sweep through gRPC; CPU figures are per request (NaN when not measured).</summary>
public sealed record SearchPoint(
    int Ef, int InFlight, int Requests, double Recall, double Qps, double P50Ms, double P99Ms, double ServerCpuMsPerRequest, double ClientCpuMsPerRequest);

/// <summary>The gRPC round trip with no work behind it (GetVersion) at one in-flight level: what any request costs.</summary>
public sealed record RoundTripPoint(int InFlight, int Requests, double Qps, double P50Ms, double P99Ms, double ServerCpuMsPerRequest, double ClientCpuMsPerRequest);

public sealed record ServerRun(IngestResult Ingest, double FlushSeconds, double IndexSeconds, double LoadSeconds, IReadOnlyList<SearchPoint> Points,
    IReadOnlyList<RoundTripPoint> RoundTrips);

/// <summary>
/// The in-process index at one ef: one query per call, on one thread and on all cores, with the process's CPU per query
/// in each (with every core searching a query costs more CPU: the cores share caches and memory bandwidth).
/// </summary>
public sealed record InProcessPoint(int Ef, double Recall, double QpsOneThread, double CpuMsPerQuery, double QpsAllCores, double CpuMsPerQueryAllCores);

public sealed record InProcessRun(double BuildSeconds, int Threads, IReadOnlyList<InProcessPoint> Points);

/// <summary>One data set's figures, with the machine's 1-minute load average before and after them (it may be shared).</summary>
public sealed record DatasetResult(
    string Name, int Rows, int Dim, int Queries, ServerRun Server, InProcessRun InProcess, string LoadBefore, string LoadAfter);
