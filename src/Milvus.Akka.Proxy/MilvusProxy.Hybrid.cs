using System.Collections.Immutable;
using Milvus.Akka.Common;
using Milvus.Akka.Segments;

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
        var info = await ResolveCollectionAsync(request.Database, request.Collection, mustBeLoaded: true, cancellationToken);
        // Grouped, every search is grouped alike (so each brings diverse candidates), and the fused hits are grouped again.
        var (groupFields, grouping) = GroupingOf(info, request.GroupByField is { } groupBy ? [groupBy] : [], request.GroupSize, request.StrictGroupSize,
            request.Offset + request.Limit, rangeSearch: false);
        var metrics = request.Searches.Select(s => MetricFor(info, VectorFieldOf(info, s.VectorField), s.Metric, embeddingLists: s.QueryLengths is not null)).ToArray();
        var decay = request.Ranker as DecayRanker;
        var model = request.Ranker as ModelRanker;
        var reranker = model is null ? null : BindReranker(model, nq);
        // The field the ranker reads comes back with every search's hits.
        var rankField = (request.Ranker as FieldRanker)?.InputFieldOf(info.Schema);
        var read = await ReadTimestampsAsync(request.Consistency ?? info.Consistency, request.GuaranteeTimestamp, iterator: false, cancellationToken);
        var parts = await Task.WhenAll(request.Searches.Select(s => SearchAsync(s with
        {
            Database = request.Database,
            Collection = request.Collection,
            Partitions = request.Partitions,
            OutputFields = rankField is null ? [] : [rankField.Name],
            Offset = 0,
            ReadAt = read,
            GroupByField = request.GroupByField,
            GroupSize = request.GroupSize,
            StrictGroupSize = request.StrictGroupSize,
        }, cancellationToken)));

        // Each search's hits carry their group values; a null groups like any other value.
        var groupKeys = grouping is null ? null : parts.Select(p => GroupKeys.Reader([.. p.Groups.Select(g => g.Values)])).ToArray();
        var offsets = new int[nq + 1];
        var keys = new List<object>();
        var scores = new List<float>();
        for (var q = 0; q < nq; q++)
        {
            var fused = new Dictionary<object, float>();
            var groupOf = grouping is null ? null : new Dictionary<object, object>();
            var factors = decay is null ? null : new Dictionary<object, float>();
            var documents = reranker is null ? null : new Dictionary<object, string>();
            for (var s = 0; s < parts.Length; s++)
            {
                var part = parts[s];
                for (var hit = part.Offsets[q]; hit < part.Offsets[q + 1]; hit++)
                {
                    var key = part.Ids.GetValue(hit)!;
                    var score = request.Ranker.Score(s, hit - part.Offsets[q] + 1, part.Scores[hit], metrics[s]);
                    documents?.TryAdd(key, part.Fields[rankField!.FieldId].GetValue(hit) as string ?? "");
                    groupOf?.TryAdd(key, groupKeys![s](hit));
                    if (factors is null)
                    {
                        fused[key] = fused.GetValueOrDefault(key) + score;
                        continue;
                    }

                    // A decay ranker keeps a hit's best score over the searches and weighs it by its field's distance to the origin.
                    fused[key] = fused.TryGetValue(key, out var best) ? Math.Max(best, score) : score;
                    factors.TryAdd(key, decay!.Factor(DecayRanker.NumericValue(part.Fields[rankField!.FieldId], hit)));
                }
            }

            foreach (var (key, factor) in factors ?? [])
            {
                fused[key] *= factor;
            }

            if (documents is { Count: > 0 })
            {
                // A model reranker scores every candidate of the searches against the query's text.
                var candidates = documents.Keys.ToArray();
                var relevance = await reranker!.ScoreAsync(reranker.Queries[q], documents.Values.ToArray(), cancellationToken);
                for (var i = 0; i < candidates.Length; i++)
                {
                    fused[candidates[i]] = relevance[i];
                }
            }

            // Ties keep a deterministic order: the smaller primary key first.
            var ranked = fused.OrderByDescending(p => p.Value).ThenBy(p => p.Key);
            foreach (var (key, score) in groupOf is null
                ? ranked.Skip(request.Offset).Take(request.Limit)
                : GroupPage(ranked, groupOf, request.GroupSize, request.Offset, request.Limit))
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
        // A grouped page carries each hit's group value: fetched with the output fields.
        var fetched = grouping is null ? outputs : WithFields(outputs, grouping.FieldIds);
        var fields = fetched.Length == 0
            ? NoFields
            : await FetchFieldsAsync(info, ids, fetched, read.ReadTimestamp, cancellationToken);
        return new SearchResult(nq, offsets, ids, [.. scores], fields.Select(outputs), pk, SessionTimestamp(read),
            [.. groupFields.Select(f => (f, fields[f.FieldId]))])
        {
            ReadTimestamp = read.ReadTimestamp,
            SearchedRows = parts.Sum(p => p.SearchedRows),
        };
    }

    /// <summary>
    /// The page of a grouped hybrid search: the fused hits, best first, gathered by group value into the first
    /// offset + limit groups (a group ranks by its best hit), each of up to <paramref name="size"/> hits; the groups
    /// after the first <paramref name="offset"/>, hit after hit.
    /// </summary>
    private static IEnumerable<KeyValuePair<object, float>> GroupPage(IEnumerable<KeyValuePair<object, float>> ranked, Dictionary<object, object> groupOf,
        int size, int offset, int limit)
    {
        var groups = new List<List<KeyValuePair<object, float>>>();
        var byValue = new Dictionary<object, List<KeyValuePair<object, float>>>();
        foreach (var hit in ranked)
        {
            var value = groupOf[hit.Key];
            if (!byValue.TryGetValue(value, out var members))
            {
                if (groups.Count == offset + limit)
                {
                    continue;
                }

                byValue[value] = members = [];
                groups.Add(members);
            }

            if (members.Count < size)
            {
                members.Add(hit);
            }
        }

        return groups.Skip(offset).SelectMany(members => members);
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

    /// <summary>Groups the fused hits by this scalar field: Limit and Offset then count groups of up to <see cref="GroupSize"/> hits.</summary>
    public string? GroupByField { get; init; }
    public int GroupSize { get; init; } = 1;
    public bool StrictGroupSize { get; init; }
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

public enum DecayCurve { Gauss, Exp, Linear }

/// <summary>A reranker that reads a field of every hit, <see cref="InputField"/>, which the searches return with their hits.</summary>
public abstract record FieldRanker(string InputField) : HybridRanker
{
    /// <summary>The reranker's name in messages ("decay", "model").</summary>
    protected abstract string Kind { get; }

    /// <summary>Why the reranker cannot read <paramref name="field"/>, or null when it can.</summary>
    protected abstract string? Refusal(FieldSchema field);

    /// <summary>The field the reranker reads; refused when the collection has no such field or it is of a type the reranker cannot read.</summary>
    public FieldSchema InputFieldOf(CollectionSchema schema)
    {
        var field = schema.FindField(InputField)
            ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"the {Kind} reranker's input field '{InputField}' does not exist in collection {schema.Name}");
        return Refusal(field) is { } refusal ? throw new MilvusException(ErrorCode.ParameterInvalid, refusal) : field;
    }
}

/// <summary>
/// Milvus 2.6's model reranker (a rerank function with reranker "model"): the searches' hits are the candidates, and a
/// reranking model at a provider (<see cref="Embedding.ModelReranker"/>) scores each candidate's
/// <see cref="InputField"/> text against the query's text; that score ranks them and is the hit's score.
/// </summary>
public sealed record ModelRanker(string Name, string InputField, ImmutableSortedDictionary<string, string> Params) : FieldRanker(InputField)
{
    protected override string Kind => "model";

    /// <summary>Only gathers the candidates: the model's score replaces whatever they are fused to.</summary>
    public override float Score(int search, int rank, float score, MetricType metric) => score;

    /// <summary>The model reads VarChar texts.</summary>
    protected override string? Refusal(FieldSchema field) => field.DataType == DataType.VarChar
        ? null
        : $"Rerank model only supports varchar input field, but got {field.DataType} field '{field.Name}'";
}

/// <summary>
/// Milvus 2.6's decay reranker (function_score with reranker "decay"): each hit's score, made larger-is-better
/// (COSINE, IP and BM25 as they are, distances as 1 − 2·atan(d)/π) and the best over a hybrid search's searches,
/// times a factor that falls from 1 with the distance of the hit's <see cref="InputField"/> value from
/// <see cref="Origin"/> beyond <see cref="Offset"/>, reaching <see cref="Decay"/> at <see cref="Scale"/>
/// (gauss and exp keep falling towards 0; linear stops at <see cref="Decay"/>).
/// </summary>
public sealed record DecayRanker(DecayCurve Curve, string InputField, double Origin, double Scale, double Offset = 0, double Decay = 0.5)
    : FieldRanker(InputField)
{
    protected override string Kind => "decay";

    /// <summary>The decay of curve <paramref name="function"/> (gauss, exp or linear), its parameters checked as Milvus checks them.</summary>
    public static DecayRanker Of(string function, string inputField, double origin, double scale, double offset, double decay)
    {
        var curve = function switch
        {
            "gauss" => DecayCurve.Gauss,
            "exp" => DecayCurve.Exp,
            "linear" => DecayCurve.Linear,
            _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"Invalid decay function: '{function}', only support [gauss,linear,exp]"),
        };
        var ranker = new DecayRanker(curve, inputField, origin, scale, offset, decay);
        return ranker switch
        {
            { Scale: <= 0 } => throw new MilvusException(ErrorCode.ParameterInvalid, $"Decay function param: scale must > 0, but got {ranker.Scale}"),
            { Offset: < 0 } => throw new MilvusException(ErrorCode.ParameterInvalid, $"Decay function param: offset must >= 0, but got {ranker.Offset}"),
            { Decay: <= 0 or >= 1 } => throw new MilvusException(ErrorCode.ParameterInvalid, $"Decay function param: decay must 0 < decay < 1, but got {ranker.Decay}"),
            _ => ranker,
        };
    }

    public override float Score(int search, int rank, float score, MetricType metric) => metric switch
    {
        MetricType.Cosine or MetricType.IP or MetricType.Bm25 => score,
        _ => 1 - 2 * (float)Math.Atan(score) / MathF.PI,
    };

    public float Factor(double value)
    {
        var distance = Math.Max(0, Math.Abs(value - Origin) - Offset);
        return (float)(Curve switch
        {
            DecayCurve.Gauss => Math.Exp(distance * distance * Math.Log(Decay) / (Scale * Scale)),
            DecayCurve.Exp => Math.Exp(Math.Log(Decay) / Scale * distance),
            _ => Math.Max(Decay, 1 - (1 - Decay) / Scale * distance),
        });
    }

    /// <summary>The factor reads numbers.</summary>
    protected override string? Refusal(FieldSchema field) => field.DataType.IsNumeric()
        ? null
        : $"Decay rerank: unsupported input field type:{field.DataType}, only support numberic field";

    /// <summary>A hit's value of the input field; a null reads 0.</summary>
    public static double NumericValue(Column column, int row) => column.IsNull(row) ? 0 : column switch
    {
        ScalarColumn<int> ints => ints.Values[row],
        ScalarColumn<long> longs => longs.Values[row],
        ScalarColumn<float> floats => floats.Values[row],
        ScalarColumn<double> doubles => doubles.Values[row],
        _ => throw new MilvusException(ErrorCode.ServiceInternal, $"a {column.Type} column holds no numbers"),
    };
}
