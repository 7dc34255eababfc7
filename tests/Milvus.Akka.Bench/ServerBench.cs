using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Bench.Datasets;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using Milvus.Akka.TestSupport;
using KeyValuePair = Milvus.Akka.Grpc.Protocol.Common.KeyValuePair;

using static System.FormattableString;

namespace Milvus.Akka.Bench;

/// <summary>
/// One data set through the server as a user drives it: create the collection, ingest (pre-encoded batches, several
/// in flight), flush, build HNSW, load, check the row count, then the ef × in-flight search sweep; the collection is
/// dropped at the end.
/// </summary>
internal sealed class ServerBench(ServerUnderTest server, Dataset data, GroundTruth? truth, BenchOptions options, TextWriter log)
{
    private const string IdField = "id";
    private const string VectorField = "vec";
    private const int WarmupChunk = 2000;
    private static readonly TimeSpan MaxWarmup = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly string _collection = "bench_" + string.Concat(data.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'));
    private readonly CallInvoker[] _invokers = [.. server.Channels.Select(c => c.CreateCallInvoker())];

    public async Task<ServerRun> RunAsync()
    {
        var client = server.Client;
        await CreateCollectionAsync();
        try
        {
            var ingest = await IngestAsync();
            log.WriteLine(Invariant($"{data.Name}: ingested {ingest.Rows} rows in {ingest.Seconds:F1} s ({ingest.RowsPerSecond:F0} rows/s)"));

            var flush = await TimeAsync(async () => RawCalls.Ensure((await client.FlushedAsync(new FlushRequest { CollectionNames = { _collection } })).Status, "flush"));
            var index = await TimeAsync(BuildIndexAsync);
            log.WriteLine(Invariant($"{data.Name}: flush {flush:F1} s, HNSW build {index:F1} s"));
            var load = await TimeAsync(LoadAsync);
            await EnsureCountAsync();

            var points = new List<SearchPoint>();
            foreach (var ef in options.Efs)
            {
                var requests = EncodeSearches(ef);
                await WarmUpAsync(requests, ef);
                foreach (var inFlight in options.InFlight)
                {
                    var point = await SweepPointAsync(requests, ef, inFlight, options.Requests);
                    log.WriteLine(Invariant($"{data.Name}: ef {ef}, {inFlight} in flight: recall {point.Recall:F4}, {point.Qps:F0} QPS, p50 {point.P50Ms:F2} ms, p99 {point.P99Ms:F2} ms"));
                    points.Add(point);
                }
            }

            var roundTrips = await RoundTripsAsync();
            return new ServerRun(ingest, flush, index, load, points, roundTrips);
        }
        finally
        {
            await client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });
        }
    }

    /// <summary>Creates the collection, ingests every base row and drops the collection (--ingest-only).</summary>
    public async Task<IngestResult> IngestOnlyAsync()
    {
        await CreateCollectionAsync();
        try
        {
            var ingest = await IngestAsync();
            log.WriteLine(Invariant($"{data.Name}: ingested {ingest.Rows} rows in {ingest.Seconds:F1} s ({ingest.RowsPerSecond:F0} rows/s)"));
            return ingest;
        }
        finally
        {
            await server.Client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection });
        }
    }

    private async Task CreateCollectionAsync()
    {
        var client = server.Client;
        await client.DropCollectionAsync(new DropCollectionRequest { CollectionName = _collection }); // a leftover of an aborted run on --address
        RawCalls.Ensure(await client.CreateCollectionAsync(new CreateCollectionRequest
        {
            CollectionName = _collection,
            Schema = Schema().ToByteString(),
            ShardsNum = options.Shards,
        }), "create collection");
    }

    private CollectionSchema Schema() => new()
    {
        Name = _collection,
        Fields =
        {
            new FieldSchema { Name = IdField, DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema { Name = VectorField, DataType = DataType.FloatVector, TypeParams = { Pair("dim", Invariant($"{data.Dim}")) } },
        },
    };

    /// <summary>Ids are row numbers, so hits compare with the ground truth directly.</summary>
    private async Task<IngestResult> IngestAsync()
    {
        var batchRows = options.BatchRows(data.Dim);
        var batches = new List<byte[]>();
        for (var first = 0; first < data.BaseCount; first += batchRows)
        {
            var count = Math.Min(batchRows, data.BaseCount - first);
            var ids = new LongArray();
            ids.Data.Add(Enumerable.Range(first, count).Select(i => (long)i));
            var vectors = new FloatArray();
            vectors.Data.Add(data.Base.AsSpan(first * data.Dim, count * data.Dim).ToArray());
            batches.Add(new InsertRequest
            {
                CollectionName = _collection,
                NumRows = (uint)count,
                FieldsData =
                {
                    new FieldData { FieldName = IdField, Type = DataType.Int64, Scalars = new ScalarField { LongData = ids } },
                    new FieldData { FieldName = VectorField, Type = DataType.FloatVector, Vectors = new VectorField { Dim = data.Dim, FloatVector = vectors } },
                },
            }.ToByteArray());
        }

        var next = -1;
        var cpuBefore = server.CpuSeconds();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, options.IngestInFlight).Select(async worker =>
        {
            for (int batch; (batch = Interlocked.Increment(ref next)) < batches.Count;)
            {
                await RawCalls.InsertAsync(_invokers[worker % _invokers.Length], batches[batch]);
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new IngestResult(data.BaseCount, seconds, batches.Sum(b => (long)b.Length), batchRows, options.IngestInFlight, server.CpuSeconds() - cpuBefore);
    }

    /// <summary>Creates the index and waits until every row of the collection is indexed.</summary>
    private async Task BuildIndexAsync()
    {
        var client = server.Client;
        RawCalls.Ensure(await client.CreateIndexAsync(new CreateIndexRequest
        {
            CollectionName = _collection,
            FieldName = VectorField,
            ExtraParams =
            {
                Pair("index_type", "HNSW"),
                Pair("metric_type", "L2"),
                Pair("params", Invariant($"{{\"M\":{options.HnswM},\"efConstruction\":{options.EfConstruction}}}")),
            },
        }), "create index");
        await WaitUntilAsync("the HNSW index covers every row", TimeSpan.FromHours(3), async () =>
        {
            var described = await client.DescribeIndexAsync(new DescribeIndexRequest { CollectionName = _collection, FieldName = VectorField });
            RawCalls.Ensure(described.Status, "describe index");
            return described.IndexDescriptions.Single() is { } index && index.TotalRows == data.BaseCount && index.IndexedRows >= index.TotalRows;
        });
    }

    private async Task LoadAsync()
    {
        var client = server.Client;
        RawCalls.Ensure(await client.LoadCollectionAsync(new LoadCollectionRequest { CollectionName = _collection }), "load");
        await WaitUntilAsync("the collection is loaded", TimeSpan.FromMinutes(30), async () =>
        {
            var progress = await client.GetLoadingProgressAsync(new GetLoadingProgressRequest { CollectionName = _collection });
            RawCalls.Ensure(progress.Status, "loading progress");
            return progress.Progress >= 100;
        });
    }

    /// <summary>A strong count(*) must see every ingested row, or the sweep would measure a partial collection.</summary>
    private async Task EnsureCountAsync()
    {
        var count = await server.Client.QueryAsync(new QueryRequest
        {
            CollectionName = _collection,
            OutputFields = { "count(*)" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        });
        RawCalls.Ensure(count.Status, "count(*)");
        var rows = count.FieldsData.Single().Scalars.LongData.Data.Single();
        if (rows != data.BaseCount)
        {
            throw new InvalidOperationException($"count(*) after load is {rows}, but {data.BaseCount} rows were ingested");
        }
    }

    /// <summary>One search request per query (nq = 1, top-10, Bounded, output field id), encoded before timing.</summary>
    private byte[][] EncodeSearches(int ef)
    {
        var parameters = new[]
        {
            Pair("anns_field", VectorField),
            Pair("topk", Invariant($"{BenchOptions.K}")),
            Pair("metric_type", "L2"),
            Pair("params", Invariant($"{{\"ef\":{ef}}}")),
        };
        return [.. Enumerable.Range(0, data.QueryCount).Select(q =>
        {
            var placeholders = new PlaceholderGroup
            {
                Placeholders =
                {
                    new PlaceholderValue
                    {
                        Tag = "$0",
                        Type = PlaceholderType.FloatVector,
                        Values = { ByteString.CopyFrom(MemoryMarshal.AsBytes(data.Query(q))) },
                    },
                },
            };
            return new SearchRequest
            {
                CollectionName = _collection,
                PlaceholderGroup = placeholders.ToByteString(),
                DslType = DslType.BoolExprV1,
                Nq = 1,
                OutputFields = { IdField },
                ConsistencyLevel = ConsistencyLevel.Bounded,
                SearchParams = { parameters },
            }.ToByteArray();
        })];
    }

    /// <summary>
    /// Searches untimed, one chunk at each in-flight level of the sweep in turn, until the server's CPU per request
    /// stops falling (three rounds in a row not 5 % below the best so far) or <see cref="MaxWarmup"/> has passed: a
    /// fresh server's JIT recompiles its hot methods (tiered, with dynamic PGO) for many seconds, longer on a busy
    /// machine, and a point measured before that charges the compiler to the searches (with a shorter warm-up the
    /// first point at one in flight cost 1.4-1.7x what the same point cost again later in the run). Without the
    /// server's CPU (--address without --server-pid) it sends three rounds.
    /// </summary>
    private async Task WarmUpAsync(byte[][] requests, int ef)
    {
        var started = Stopwatch.GetTimestamp();
        var best = double.MaxValue;
        for (var settled = 0; settled < 3 && Stopwatch.GetElapsedTime(started) < MaxWarmup;)
        {
            var cpuSeconds = 0.0;
            foreach (var inFlight in options.InFlight)
            {
                var point = await SweepPointAsync(requests, ef, inFlight, WarmupChunk);
                cpuSeconds += point.ServerCpuMsPerRequest * WarmupChunk / 1000;
            }

            var cpu = cpuSeconds * 1000 / (WarmupChunk * options.InFlight.Count);
            settled = double.IsNaN(cpu) || cpu >= best * 0.95 ? settled + 1 : 0;
            best = double.IsNaN(cpu) ? best : Math.Min(best, cpu);
        }
    }

    /// <summary>
    /// <paramref name="total"/> requests cycling through the queries, <paramref name="inFlight"/> at a time; recall
    /// from the first pass over the queries, latency of every request, CPU of the server and of this process.
    /// </summary>
    private async Task<SearchPoint> SweepPointAsync(byte[][] requests, int ef, int inFlight, int total)
    {
        var k = BenchOptions.K;
        var recorded = Math.Min(total, requests.Length);
        var ids = new int[recorded * k];
        Array.Fill(ids, -1);
        var run = await CallsAsync(inFlight, total, async (invoker, i) =>
        {
            var result = await RawCalls.SearchAsync(invoker, requests[i % requests.Length]);
            if (i < recorded)
            {
                var hits = result.Results.Ids.IntId.Data;
                for (var h = 0; h < Math.Min(k, hits.Count); h++)
                {
                    ids[(i * k) + h] = checked((int)hits[h]);
                }
            }
        });
        return new SearchPoint(ef, inFlight, total, (truth ?? throw new InvalidOperationException("a search sweep needs ground truth")).Recall(ids),
            run.Qps, run.Percentile(0.50), run.Percentile(0.99), run.ServerCpuMsPerRequest, run.ClientCpuMsPerRequest);
    }

    /// <summary>
    /// The gRPC round trip alone at each in-flight level of the sweep (GetVersion, answered from a constant through the
    /// same channel, interceptors and handler plumbing as a search): the part of a search's cost that no work on the
    /// data path can remove. Warmed up first like the searches.
    /// </summary>
    private async Task<IReadOnlyList<RoundTripPoint>> RoundTripsAsync()
    {
        for (var round = 0; round < 3; round++)
        {
            foreach (var inFlight in options.InFlight)
            {
                await CallsAsync(inFlight, WarmupChunk, (invoker, _) => RawCalls.GetVersionAsync(invoker, RawCalls.EmptyRequest));
            }
        }

        var points = new List<RoundTripPoint>();
        foreach (var inFlight in options.InFlight)
        {
            var run = await CallsAsync(inFlight, options.Requests, (invoker, _) => RawCalls.GetVersionAsync(invoker, RawCalls.EmptyRequest));
            points.Add(new RoundTripPoint(inFlight, options.Requests, run.Qps, run.Percentile(0.50), run.Percentile(0.99), run.ServerCpuMsPerRequest, run.ClientCpuMsPerRequest));
        }

        return points;
    }

    /// <summary>What <see cref="CallsAsync"/> measured: sorted latencies (stopwatch ticks), rate, CPU per call.</summary>
    private sealed record CallsRun(long[] Latencies, double Qps, double ServerCpuMsPerRequest, double ClientCpuMsPerRequest)
    {
        public double Percentile(double p) => Latencies[Math.Min(Latencies.Length - 1, (int)(p * Latencies.Length))] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary><paramref name="total"/> calls (call i gets index i), <paramref name="inFlight"/> at a time over the channels.</summary>
    private async Task<CallsRun> CallsAsync(int inFlight, int total, Func<CallInvoker, int, Task> call)
    {
        var latencies = new long[total];
        var next = -1;
        var self = Process.GetCurrentProcess();
        var clientCpuBefore = self.TotalProcessorTime;
        var serverCpuBefore = server.CpuSeconds();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async worker =>
        {
            var invoker = _invokers[worker % _invokers.Length];
            for (int i; (i = Interlocked.Increment(ref next)) < total;)
            {
                var sent = Stopwatch.GetTimestamp();
                await call(invoker, i);
                latencies[i] = Stopwatch.GetTimestamp() - sent;
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var serverCpu = server.CpuSeconds() - serverCpuBefore;
        self.Refresh();
        var clientCpu = (self.TotalProcessorTime - clientCpuBefore).TotalSeconds;
        Array.Sort(latencies);
        return new CallsRun(latencies, total / seconds, serverCpu * 1000 / total, clientCpu * 1000 / total);
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static async Task WaitUntilAsync(string what, TimeSpan timeout, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalMinutes:F0} min for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    private static KeyValuePair Pair(string key, string value) => new() { Key = key, Value = value };
}
