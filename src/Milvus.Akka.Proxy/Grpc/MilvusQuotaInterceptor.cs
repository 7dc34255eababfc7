using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Milvus.Akka.Grpc.Protocol.Milvus;
using Milvus.Akka.Proxy.Quotas;
using ErrorCode = Milvus.Akka.Common.ErrorCode;
using MilvusException = Milvus.Akka.Common.MilvusException;
using ProtoHybridSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.HybridSearchRequest;
using ProtoQueryRequest = Milvus.Akka.Grpc.Protocol.Milvus.QueryRequest;
using ProtoSearchRequest = Milvus.Akka.Grpc.Protocol.Milvus.SearchRequest;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>
/// Milvus's rate-limit interceptor (quotaAndLimits.dml / dql, <c>milvus.quota</c>): each write costs its request's
/// bytes, a search its query vectors (nq), a query one, against the cluster's, the database's and the collection's
/// buckets of this proxy; a request past one is refused with RateLimit before any work is done. Inserts and upserts
/// larger than <see cref="QuotaSettings.MaxInsertSize"/> are refused with ParameterTooLarge. Installed when any of
/// these is configured; sits inside the authentication interceptor, so unauthenticated calls spend no quota.
/// </summary>
public sealed class MilvusQuotaInterceptor(MilvusProxy proxy, RequestRateLimiter limiter) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (Cost(request) is var (type, cost))
        {
            var message = (IMessage)request;
            var quota = proxy.Settings.Quota;
            if (type is RateType.Insert or RateType.Upsert && quota.MaxInsertSize >= 0 && cost > quota.MaxInsertSize)
            {
                throw new MilvusException(ErrorCode.ParameterTooLarge,
                    $"insert request size exceeds maxInsertSize ({cost} > {quota.MaxInsertSize} bytes)");
            }

            var database = MilvusGrpcService.Database(RpcPrivileges.Field(message, "db_name") ?? "", context);
            var collection = RpcPrivileges.Field(message, "collection_name") ?? "";
            if (limiter.TryAcquire(type, database, collection, cost, TimeSpan.FromMilliseconds(Environment.TickCount64)) is { } rate)
            {
                throw new MilvusException(ErrorCode.ServiceRateLimit,
                    $"request {type} is rejected by grpc RateLimiter middleware, please retry later: rate limit exceeded[rate={rate}]");
            }
        }

        return continuation(request, context);
    }

    /// <summary>The rate a request is counted against and what it costs there; null for requests without a rate.</summary>
    private static (RateType Type, double Cost)? Cost(object request) => request switch
    {
        InsertRequest r => (RateType.Insert, r.CalculateSize()),
        UpsertRequest r => (RateType.Upsert, r.CalculateSize()),
        DeleteRequest r => (RateType.Delete, r.CalculateSize()),
        ProtoSearchRequest r => (RateType.Search, Math.Max(1, r.Nq)),
        ProtoHybridSearchRequest r => (RateType.Search, Math.Max(1, r.Requests.Sum(s => s.Nq))),
        ProtoQueryRequest => (RateType.Query, 1),
        _ => ((RateType, double)?)null,
    };
}
