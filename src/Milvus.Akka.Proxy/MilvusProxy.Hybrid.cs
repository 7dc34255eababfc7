using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy;

/// <summary>Hybrid search: several vector searches of one collection, fused per query by a reranker.</summary>
public sealed partial class MilvusProxy
{
    public async Task<SearchResult> HybridSearchAsync(HybridSearchRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Searches.IsDefaultOrEmpty)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "hybrid search needs at least one search request");
        }

        var nq = request.Searches[0].Nq;
        if (request.Searches.Any(s => s.Nq != nq))
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, "every search request of a hybrid search must have the same nq");
        }

        CheckLimits(request.Limit, request.Offset, nq);
        if (request.Searches.Any(s => !string.IsNullOrEmpty(s.GroupByField)))
        {
            throw new MilvusException(ErrorCode.OperationNotSupported, "grouping a hybrid search is not supported by Milvus.Akka; group a single search");
        }

        var info = await ResolveCollectionAsync(request.Database, request.Collection, mustBeLoaded: true, cancellationToken);
        var metrics = request.Searches.Select(s => MetricFor(info, VectorFieldOf(info, s.VectorField), s.Metric)).ToArray();
        var read = await ReadTimestampsAsync(request.Consistency ?? info.Consistency, request.GuaranteeTimestamp, iterator: false, cancellationToken);
        var parts = await Task.WhenAll(request.Searches.Select(s => SearchAsync(s with
        {
            Database = request.Database,
            Collection = request.Collection,
            Partitions = request.Partitions,
            OutputFields = [],
            Offset = 0,
            ReadAt = read,
        }, cancellationToken)));

        var offsets = new int[nq + 1];
        var keys = new List<object>();
        var scores = new List<float>();
        for (var q = 0; q < nq; q++)
        {
            var fused = new Dictionary<object, float>();
            for (var s = 0; s < parts.Length; s++)
            {
                var part = parts[s];
                for (var hit = part.Offsets[q]; hit < part.Offsets[q + 1]; hit++)
                {
                    var key = part.Ids.GetValue(hit)!;
                    fused[key] = fused.GetValueOrDefault(key) + request.Ranker.Score(s, hit - part.Offsets[q] + 1, part.Scores[hit], metrics[s]);
                }
            }

            // Ties keep a deterministic order: the smaller primary key first.
            foreach (var (key, score) in fused.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Skip(request.Offset).Take(request.Limit))
            {
                keys.Add(key);
                scores.Add(request.RoundDecimal >= 0 ? (float)Math.Round(score, request.RoundDecimal, MidpointRounding.AwayFromZero) : score);
            }

            offsets[q + 1] = keys.Count;
        }

        var pk = info.Schema.PrimaryKey;
        Column ids = pk.DataType == DataType.Int64
            ? new ScalarColumn<long>(DataType.Int64, keys.Cast<long>().ToArray())
            : new StringColumn(keys.Cast<string>().ToArray());
        var outputs = ResolveOutputFields(info, request.OutputFields);
        var fields = outputs.Length == 0
            ? NoFields
            : await FetchFieldsAsync(info, ids, outputs, read.ReadTimestamp, cancellationToken);
        return new SearchResult(nq, offsets, ids, [.. scores], fields, pk, SessionTimestamp(read))
        {
            ReadTimestamp = read.ReadTimestamp,
            SearchedRows = parts.Sum(p => p.SearchedRows),
        };
    }
}

/// <summary>A hybrid search: <see cref="Searches"/> run on their own, their hits fused by <see cref="Ranker"/>.</summary>
public sealed record HybridSearchRequest
{
    public string Database { get; init; } = "";
    public required string Collection { get; init; }
    public required ImmutableArray<SearchRequest> Searches { get; init; }
    public required HybridRanker Ranker { get; init; }
    public required int Limit { get; init; }
    public int Offset { get; init; }
    public ImmutableArray<string> OutputFields { get; init; } = [];
    public ImmutableArray<string> Partitions { get; init; } = [];
    public ConsistencyLevel? Consistency { get; init; }

    /// <summary>The client's guarantee_timestamp (0: none); see <see cref="ReadConsistency"/>.</summary>
    public ulong GuaranteeTimestamp { get; init; }
    public int RoundDecimal { get; init; } = -1;
}

/// <summary>How a hybrid search scores a hit from the hit's rank (from 1) and score in one search; the sums decide.</summary>
public abstract record HybridRanker
{
    public abstract float Score(int search, int rank, float score, MetricType metric);
}

/// <summary>Reciprocal rank fusion: Σ 1 / (k + rank).</summary>
public sealed record RrfRanker(int K = 60) : HybridRanker
{
    public override float Score(int search, int rank, float score, MetricType metric) => 1f / (K + rank);
}

/// <summary>
/// Σ weightᵢ · scoreᵢ, scores normalised into [0, 1] with larger better when <see cref="Normalize"/> is set:
/// arctan-based for IP, BM25 and L2, (1 + cos) / 2 for COSINE.
/// </summary>
public sealed record WeightedRanker(ImmutableArray<float> Weights, bool Normalize = true) : HybridRanker
{
    public override float Score(int search, int rank, float score, MetricType metric)
    {
        if (search >= Weights.Length)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"the weighted ranker has {Weights.Length} weights for more search requests");
        }

        var normalized = !Normalize ? score : metric switch
        {
            MetricType.Cosine => (1 + score) / 2,
            MetricType.IP or MetricType.Bm25 => 0.5f + MathF.Atan(score) / MathF.PI,
            _ => 1 - 2 * MathF.Atan(score) / MathF.PI,
        };
        return Weights[search] * normalized;
    }
}
