using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Proxy.WebConsole;
using Prometheus;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus's proxy metrics for every unary rpc: requests by function and outcome (a response whose status is not Success
/// counts as failed, as do gRPC errors), latency by function in milliseconds, and the vectors inserted and searched.
/// Outermost interceptor, so refused and failed requests are counted too. Each rpc is also recorded in the proxy's
/// <see cref="RequestActivity"/>, the rates and slow requests its web console shows.
/// </summary>
public sealed class MilvusMetricsInterceptor(MilvusProxy proxy) : Interceptor
{
    /// <summary>Filters are cut to this many characters in the slow request list.</summary>
    private const int DetailLength = 200;

    private static readonly Counter Requests = Metrics.CreateCounter("milvus_proxy_req_count", "Requests the proxy served, by rpc and outcome.",
        "function_name", "status");

    private static readonly Histogram Latency = Metrics.CreateHistogram("milvus_proxy_req_latency", "Latency of the proxy's rpcs in milliseconds.",
        new HistogramConfiguration { LabelNames = ["function_name"], Buckets = Histogram.ExponentialBuckets(0.5, 2, 16) });

    private static readonly Counter InsertedVectors = Metrics.CreateCounter("milvus_proxy_insert_vectors_count", "Rows inserted or upserted through the proxy.");

    private static readonly Counter SearchedVectors = Metrics.CreateCounter("milvus_proxy_search_vectors_count", "Query vectors searched through the proxy (nq).");

    /// <summary>Each rpc's labelled series, looked up once per method instead of by label values on every request.</summary>
    private static readonly ConcurrentDictionary<string, RpcMetrics> PerRpc = new();

    /// <remarks>The success series exists from an rpc's first call; the failed one only from its first failure (a created series is exported).</remarks>
    private sealed record RpcMetrics(string Rpc, Counter.Child Succeeded, Histogram.Child Milliseconds)
    {
        public static RpcMetrics For(string method)
        {
            var rpc = method[(method.LastIndexOf('/') + 1)..];
            return new RpcMetrics(rpc, Requests.WithLabels(rpc, "success"), MilvusMetricsInterceptor.Latency.WithLabels(rpc));
        }
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var metrics = PerRpc.GetOrAdd(context.Method, RpcMetrics.For);
        var rpc = metrics.Rpc;
        var started = Stopwatch.GetTimestamp();
        var succeeded = false;
        try
        {
            var response = await continuation(request, context);
            succeeded = MilvusStatuses.StatusOf(response as IMessage) is not { Code: not 0 };
            if (succeeded)
            {
                CountVectors(request);
            }

            return response;
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            (succeeded ? metrics.Succeeded : Requests.WithLabels(rpc, "fail")).Inc();
            metrics.Milliseconds.Observe(elapsed.TotalMilliseconds);
            proxy.Activity.Record(rpc, elapsed, !succeeded, (at, ms) => DescribeSlow(at, ms, rpc, (IMessage)request, context, !succeeded));
        }
    }

    private static SlowRequest DescribeSlow(DateTimeOffset at, double latencyMs, string rpc, IMessage request, ServerCallContext context, bool failed)
    {
        var detail = request switch
        {
            Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest search => $"nq {search.Nq}, filter: {search.Dsl}",
            Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest hybrid => $"{hybrid.Requests.Count} searches",
            Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest query => $"filter: {query.Expr}",
            Milvus.Akka.Grpc.Protocol.Milvus.InsertRequest insert => $"{insert.NumRows} rows",
            Milvus.Akka.Grpc.Protocol.Milvus.UpsertRequest upsert => $"{upsert.NumRows} rows",
            Milvus.Akka.Grpc.Protocol.Milvus.DeleteRequest delete => $"filter: {delete.Expr}",
            _ => "",
        };
        return new SlowRequest(at, rpc, MilvusGrpcService.Database(RpcPrivileges.Field(request, "db_name") ?? "", context),
            RpcPrivileges.Field(request, "collection_name") ?? "", MilvusAuthInterceptor.CurrentUser(context), latencyMs, failed,
            detail.Length > DetailLength ? detail[..DetailLength] + "…" : detail);
    }

    private static void CountVectors(object request)
    {
        switch (request)
        {
            case Milvus.Akka.Grpc.Protocol.Milvus.InsertRequest insert:
                InsertedVectors.Inc(insert.NumRows);
                break;
            case Milvus.Akka.Grpc.Protocol.Milvus.UpsertRequest upsert:
                InsertedVectors.Inc(upsert.NumRows);
                break;
            case Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest search:
                SearchedVectors.Inc(search.Nq);
                break;
        }
    }
}
