using System.Diagnostics;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Grpc.Protocol.Schema;
using static Milvus.Akka.Server.Tests.IdVectorRequests;
using GrpcDataType = Milvus.Akka.Grpc.Protocol.Schema.DataType;
using Status = Milvus.Akka.Grpc.Protocol.Common.Status;

namespace Milvus.Akka.Server.Tests.Chaos;

/// <summary>
/// Concurrent writers (insert, upsert, delete), readers (searches, Strong queries) and a timestamp client (the coordinator's
/// oracle, as every DDL and Strong read needs it) through the proxies' gRPC ports, as a
/// client behind a load balancer: each call goes to the next proxy, skipping one that just refused a connection, and is
/// never retried (a retried gRPC write would be a new write). Every call is logged with when it was sent and whether it
/// was acknowledged, so the end state can be checked against what was acknowledged and outages measured per kill.
/// </summary>
public sealed class ChaosWorkload(IReadOnlyList<MilvusService.MilvusServiceClient> proxies, string collection)
{
    public const int Dim = 4;
    private const int InsertRows = 50;

    /// <summary>The deleter deletes only the first ids of each insert batch; the others are never deleted, so a Strong
    /// query must find every one of them that was acknowledged before the query began.</summary>
    private const int DeletedPerBatch = 10;

    private const int UpsertRows = 10;
    private const long UpsertIdBase = 1_000_000_000;

    /// <summary>Concurrent searchers: enough searches during a query node's kill to measure their success share.</summary>
    private const int Searchers = 3;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly long[] _proxyRefusedAt = new long[proxies.Count];
    private readonly List<Call> _calls = [];
    private readonly List<string> _violations = [];
    private long _nextProxy;
    private Task[] _tasks = [];

    // Ledger (each guarded by its own lock; single writer per list).
    private readonly List<long> _insertedBatches = [];           // first ids of acknowledged insert batches
    private readonly HashSet<long> _insertUncertain = [];        // ids of unacknowledged insert batches
    private readonly HashSet<long> _deleted = [];                // acknowledged deletes
    private readonly HashSet<long> _deleteUncertain = [];        // unacknowledged deletes
    private readonly Dictionary<long, (long Acknowledged, long Attempted)> _upserted = []; // per id: last acknowledged and highest sent version (0: none acknowledged)

    public enum Kind
    {
        Insert,
        Upsert,
        Delete,
        Search,
        Query,
        Timestamp,
    }

    public sealed record Call(Kind Kind, TimeSpan Sent, TimeSpan Ended, bool Ok, string? Error);

    public TimeSpan Now => _clock.Elapsed;

    public static CollectionSchema Schema(string collection)
    {
        var schema = IdVectorRequests.Schema(collection, Dim);
        schema.Fields.Add(new FieldSchema { Name = "version", DataType = GrpcDataType.Int64 });
        return schema;
    }

    public void Start() => _tasks =
    [
        Loop(InsertAsync), Loop(UpsertAsync), Loop(DeleteAsync), Loop(QueryAsync), Loop(TimestampAsync),
        .. Enumerable.Range(0, Searchers).Select(_ => Loop(SearchAsync)),
    ];

    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_tasks);
    }

    private Task Loop(Func<Random, Task> step) => Task.Run(async () =>
    {
        var random = new Random(Random.Shared.Next());
        while (!_stop.IsCancellationRequested)
        {
            await step(random);
        }
    });

    /// <summary>Runs one call through the next proxy and logs it; a refused connection benches that proxy for a second.</summary>
    private async Task<T?> CallAsync<T>(Kind kind, Func<MilvusService.MilvusServiceClient, DateTime, Task<T>> call, Func<T, Status> status)
        where T : class
    {
        var index = NextProxy();
        var sent = Now;
        string? error;
        T? result = null;
        try
        {
            result = await call(proxies[index], DateTime.UtcNow.AddSeconds(60));
            var code = status(result);
            error = code.Code == 0 ? null : $"{code.Code}: {code.Reason}";
        }
        catch (RpcException e)
        {
            error = $"{e.StatusCode}: {e.Status.Detail}";
            if (e.StatusCode == StatusCode.Unavailable)
            {
                Interlocked.Exchange(ref _proxyRefusedAt[index], Now.Ticks);
            }
        }

        lock (_calls)
        {
            _calls.Add(new Call(kind, sent, Now, error is null, error));
        }

        return error is null ? result : null;
    }

    private int NextProxy()
    {
        for (var i = 0; i < proxies.Count; i++)
        {
            var index = (int)(Interlocked.Increment(ref _nextProxy) % proxies.Count);
            if (Now.Ticks - Interlocked.Read(ref _proxyRefusedAt[index]) > TimeSpan.TicksPerSecond)
            {
                return index;
            }
        }

        return (int)(Interlocked.Increment(ref _nextProxy) % proxies.Count);
    }

    private long _nextInsertId;

    private async Task InsertAsync(Random random)
    {
        var first = _nextInsertId;
        _nextInsertId += InsertRows;
        var request = new InsertRequest
        {
            CollectionName = collection, NumRows = InsertRows, FieldsData = { Rows([.. Enumerable.Range(0, InsertRows).Select(i => first + i)], version: 0) },
        };
        var result = await CallAsync(Kind.Insert, (p, d) => p.InsertAsync(request, deadline: d).ResponseAsync, r => r.Status);
        lock (_insertedBatches)
        {
            if (result is null)
            {
                _insertUncertain.UnionWith(Enumerable.Range(0, InsertRows).Select(i => first + i));
            }
            else
            {
                _insertedBatches.Add(first);
            }
        }
    }

    private long _nextUpsertId = UpsertIdBase;

    /// <summary>Half the time new keys (an upsert of a missing key inserts it), else a new version of known keys.</summary>
    private async Task UpsertAsync(Random random)
    {
        List<long> ids;
        long version;
        lock (_upserted)
        {
            if (_upserted.Count < UpsertRows || random.Next(2) == 0)
            {
                ids = [.. Enumerable.Range(0, UpsertRows).Select(i => _nextUpsertId + i)];
                _nextUpsertId += UpsertRows;
                version = 1;
            }
            else
            {
                var start = random.Next((int)((_nextUpsertId - UpsertIdBase) / UpsertRows)) * UpsertRows;
                ids = [.. Enumerable.Range(0, UpsertRows).Select(i => UpsertIdBase + start + i)];
                version = ids.Max(id => _upserted.TryGetValue(id, out var v) ? v.Attempted : 0) + 1;
            }

            foreach (var id in ids)
            {
                _upserted[id] = _upserted.TryGetValue(id, out var v) ? v with { Attempted = version } : (0, version);
            }
        }

        var request = new UpsertRequest { CollectionName = collection, NumRows = UpsertRows, FieldsData = { Rows(ids, version) } };
        var result = await CallAsync(Kind.Upsert, (p, d) => p.UpsertAsync(request, deadline: d).ResponseAsync, r => r.Status);
        lock (_upserted)
        {
            foreach (var id in ids.Where(_ => result is not null))
            {
                _upserted[id] = _upserted[id] with { Acknowledged = version };
            }
        }
    }

    private int _nextBatchToDelete;

    private async Task DeleteAsync(Random random)
    {
        long first;
        lock (_insertedBatches)
        {
            if (_nextBatchToDelete >= _insertedBatches.Count)
            {
                first = -1;
            }
            else
            {
                first = _insertedBatches[_nextBatchToDelete++];
            }
        }

        if (first < 0)
        {
            await Task.Delay(50);
            return;
        }

        var ids = Enumerable.Range(0, DeletedPerBatch).Select(i => first + i).ToList();
        var request = new DeleteRequest { CollectionName = collection, Expr = $"id in [{string.Join(",", ids)}]" };
        var result = await CallAsync(Kind.Delete, (p, d) => p.DeleteAsync(request, deadline: d).ResponseAsync, r => r.Status);
        lock (_deleted)
        {
            (result is null ? _deleteUncertain : _deleted).UnionWith(ids);
        }
    }

    private async Task SearchAsync(Random random)
    {
        var vector = new float[Dim];
        foreach (ref var x in vector.AsSpan())
        {
            x = random.NextSingle();
        }

        var request = Search(collection, vector, topK: 10, ConsistencyLevel.Bounded);
        var result = await CallAsync(Kind.Search, (p, d) => p.SearchAsync(request, deadline: d).ResponseAsync, r => r.Status);
        var ids = result?.Results.Ids.IntId.Data;
        if (ids is not null && ids.Distinct().Count() != ids.Count)
        {
            Violation($"a search answered a key twice: {string.Join(",", ids)}");
        }
    }

    /// <summary>A timestamp from the coordinator's oracle: its outage is the coordinator's fail-over as clients see it.</summary>
    private async Task TimestampAsync(Random random)
    {
        await CallAsync(Kind.Timestamp, (p, d) => p.AllocTimestampAsync(new AllocTimestampRequest(), deadline: d).ResponseAsync, r => r.Status);
        await Task.Delay(50);
    }

    /// <summary>A Strong query for never-deleted keys of batches acknowledged before it was sent: it must find them all.</summary>
    private async Task QueryAsync(Random random)
    {
        List<long> expected;
        lock (_insertedBatches)
        {
            expected = [.. Enumerable.Range(0, Math.Min(5, _insertedBatches.Count))
                .Select(_ => _insertedBatches[random.Next(_insertedBatches.Count)] + DeletedPerBatch + random.Next(InsertRows - DeletedPerBatch))
                .Distinct()];
        }

        if (expected.Count == 0)
        {
            await Task.Delay(50);
            return;
        }

        var request = new QueryRequest
        {
            CollectionName = collection,
            Expr = $"id in [{string.Join(",", expected)}]",
            OutputFields = { "id" },
            ConsistencyLevel = ConsistencyLevel.Strong,
        };
        var result = await CallAsync(Kind.Query, (p, d) => p.QueryAsync(request, deadline: d).ResponseAsync, r => r.Status);
        if (result is not null)
        {
            var found = result.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
            var missing = expected.Except(found).ToList();
            if (missing.Count > 0 || found.Count != expected.Count)
            {
                Violation($"a Strong query for acknowledged keys {string.Join(",", expected)} found {string.Join(",", found)}");
            }
        }
    }

    private void Violation(string what)
    {
        lock (_violations)
        {
            _violations.Add($"{Now.TotalSeconds:0.0} s: {what}");
        }
    }

    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>Columns (id, version, vec) of rows with these keys, vectors seeded by the first key and the version.</summary>
    private static FieldData[] Rows(IReadOnlyList<long> ids, long version)
    {
        var idColumn = new LongArray();
        var versions = new LongArray();
        var vectors = new FloatArray();
        var random = new Random((int)ids[0] ^ (int)version);
        foreach (var id in ids)
        {
            idColumn.Data.Add(id);
            versions.Data.Add(version);
            for (var d = 0; d < Dim; d++)
            {
                vectors.Data.Add(random.NextSingle());
            }
        }

        return
        [
            new() { FieldName = "id", Type = GrpcDataType.Int64, Scalars = new ScalarField { LongData = idColumn } },
            new() { FieldName = "version", Type = GrpcDataType.Int64, Scalars = new ScalarField { LongData = versions } },
            new() { FieldName = "vec", Type = GrpcDataType.FloatVector, Vectors = new VectorField { Dim = Dim, FloatVector = vectors } },
        ];
    }

    public IReadOnlyList<Call> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>From <paramref name="killedAt"/> to the first success of a call of these kinds sent after it; null while none.</summary>
    public TimeSpan? Outage(TimeSpan killedAt, params Kind[] kinds) => Outage(killedAt, killedAt, kinds);

    /// <summary>
    /// From the kill to the first success of a call sent once the process was gone (<paramref name="goneAt"/>): a call
    /// sent while the kill was under way may still have been answered by the dying node, so it does not count.
    /// </summary>
    public TimeSpan? Outage(TimeSpan killedAt, TimeSpan goneAt, params Kind[] kinds)
    {
        var first = Calls.Where(c => c.Ok && c.Sent >= goneAt && kinds.Contains(c.Kind)).Select(c => (TimeSpan?)c.Ended).Min();
        return first - killedAt;
    }

    /// <summary>Of the calls of this kind sent in [<paramref name="from"/>, <paramref name="to"/>], how many succeeded.</summary>
    public (int Ok, int Sent) Share(Kind kind, TimeSpan from, TimeSpan to)
    {
        var sent = Calls.Where(c => c.Kind == kind && c.Sent >= from && c.Sent <= to).ToList();
        return (sent.Count(c => c.Ok), sent.Count);
    }

    /// <summary>The kinds whose outage each kill reports: an acknowledged insert batch (its 50 keys span both shards, so
    /// it is acknowledged by every shard), a Strong query, a search and a timestamp.</summary>
    public static readonly Kind[] Served = [Kind.Insert, Kind.Query, Kind.Search, Kind.Timestamp];

    /// <summary>Waits until an insert, a Strong query, a search and a timestamp call sent after <paramref name="since"/> succeeded.</summary>
    public async Task WaitUntilServingAsync(TimeSpan since, TimeSpan timeout, Func<string> context)
    {
        var deadline = Now + timeout;
        while (Served.Any(k => Outage(since, k) is null))
        {
            if (_tasks.FirstOrDefault(t => t.IsFaulted) is { } faulted)
            {
                throw new InvalidOperationException("a workload task failed", faulted.Exception);
            }

            if (Now > deadline)
            {
                var recent = Calls.Where(c => c.Sent >= since).GroupBy(c => c.Kind)
                    .Select(g => $"{g.Key}: {g.Count(c => c.Ok)} ok, {g.Count(c => !c.Ok)} failed (last error: {g.LastOrDefault(c => !c.Ok)?.Error})");
                throw new TimeoutException($"inserts, Strong queries, searches and timestamps did not all succeed within {timeout.TotalSeconds:0} s "
                                           + $"after {since.TotalSeconds:0.0} s: {string.Join("; ", recent)}\n{context()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Reads every stored row (Strong) and checks it against the ledger: each acknowledged insert and upsert present (an
    /// upsert at least at its last acknowledged version), each acknowledged delete absent, no key stored twice, nothing
    /// that was never written. Returns the problems found, none when all holds.
    /// </summary>
    public async Task<List<string>> VerifyAsync(MilvusService.MilvusServiceClient client)
    {
        var stored = new List<(long Id, long Version)>();
        foreach (var (from, to) in new[] { (0L, _nextInsertId), (UpsertIdBase, _nextUpsertId) })
        {
            for (var start = from; start < to; start += 10_000)
            {
                var page = await client.QueryAsync(new QueryRequest
                {
                    CollectionName = collection,
                    Expr = $"id >= {start} and id < {Math.Min(start + 10_000, to)}",
                    OutputFields = { "id", "version" },
                    ConsistencyLevel = ConsistencyLevel.Strong,
                });
                Ok(page.Status);
                var ids = page.FieldsData.Single(f => f.FieldName == "id").Scalars.LongData.Data;
                var versions = page.FieldsData.Single(f => f.FieldName == "version").Scalars.LongData.Data;
                stored.AddRange(ids.Zip(versions));
            }
        }

        var count = await client.QueryAsync(new QueryRequest { CollectionName = collection, OutputFields = { "count(*)" }, ConsistencyLevel = ConsistencyLevel.Strong });
        Ok(count.Status);
        var problems = new List<string>();
        var doubled = stored.GroupBy(r => r.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Report(doubled, "keys stored twice");
        var rows = count.FieldsData.Single().Scalars.LongData.Data.Single();
        if (rows != stored.Count)
        {
            problems.Add($"count(*) is {rows} but {stored.Count} rows were read");
        }

        var present = stored.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Max(r => r.Version));
        var inserted = _insertedBatches.SelectMany(first => Enumerable.Range(0, InsertRows).Select(i => first + i)).ToHashSet();
        Report([.. inserted.Where(id => !_deleted.Contains(id) && !_deleteUncertain.Contains(id) && !present.ContainsKey(id))],
            "acknowledged inserts lost");
        Report([.. _deleted.Where(present.ContainsKey)], "acknowledged deletes undone");
        Report([.. _upserted.Where(u => u.Value.Acknowledged > 0 && !(present.TryGetValue(u.Key, out var v) && v >= u.Value.Acknowledged && v <= u.Value.Attempted))
            .Select(u => u.Key)], "acknowledged upserts lost or at an older version than acknowledged");
        Report([.. present.Keys.Where(id => id < UpsertIdBase ? !inserted.Contains(id) && !_insertUncertain.Contains(id) : !_upserted.ContainsKey(id))],
            "keys never written");
        problems.AddRange(Violations);
        return problems;

        void Report(List<long> ids, string what)
        {
            if (ids.Count > 0)
            {
                problems.Add($"{ids.Count} {what}, e.g. {string.Join(", ", ids.Order().Take(10))}");
            }
        }
    }

    /// <summary>Acknowledged rows per kind, for the summary.</summary>
    public string Totals() =>
        $"{_insertedBatches.Count * InsertRows} rows inserted, {_upserted.Count(u => u.Value.Acknowledged > 0)} keys upserted, {_deleted.Count} deleted (acknowledged); "
        + string.Join(", ", Calls.GroupBy(c => c.Kind).Select(g => $"{g.Key} {g.Count(c => c.Ok)}/{g.Count()} ok"));
}
