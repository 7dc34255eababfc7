using System.Collections.Immutable;
using System.Globalization;
using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Grpc.Protocol.Common;
using Milvus.Akka.Grpc.Protocol.Schema;
using FieldSchema = Milvus.Akka.Common.FieldSchema;

namespace Milvus.Akka.Proxy.Grpc;

/// <summary>Milvus 3.0's search aggregation on the wire: the request's spec in, each query's buckets out.</summary>
public sealed partial class MilvusGrpcService
{
    /// <summary>The levels of a search_aggregation spec, root first (a level's sub_aggregation follows it).</summary>
    private static ImmutableArray<SearchAggregationLevel> AggregationLevels(SearchAggregationSpec? spec)
    {
        var levels = ImmutableArray.CreateBuilder<SearchAggregationLevel>();
        // One level past the limit is enough for the binding to refuse the nesting.
        for (var level = spec; level is not null && levels.Count <= SearchAggregator.MaxLevels; level = level.SubAggregation)
        {
            levels.Add(new SearchAggregationLevel(
                [.. level.Fields],
                level.Size,
                [.. level.Metrics.Select(m => new AggregationMetricRequest(m.Key, m.Value?.Op ?? "", m.Value?.FieldName ?? ""))],
                [.. level.Order.Select(o => new BucketOrderRequest(o.Key, o.Direction))],
                level.TopHits is { } topHits
                    ? new TopHitsRequest(topHits.Size, [.. topHits.Sort.Select(s => new TopHitsSortRequest(s.FieldName, s.Direction, s.NullFirst))])
                    : null,
                level.SearchSize));
        }

        return levels.ToImmutable();
    }

    /// <summary>A search aggregation's answer: every query's buckets one after another, agg_topks counting each query's.</summary>
    private static void AddBuckets(SearchResultData data, ImmutableArray<ImmutableArray<AggregationBucket>> buckets)
    {
        foreach (var perQuery in buckets)
        {
            data.AggTopks.Add(perQuery.Length);
            data.AggBuckets.Add(perQuery.Select(ToProto));
        }
    }

    private static AggBucket ToProto(AggregationBucket bucket)
    {
        var proto = new AggBucket { Count = bucket.Count };
        proto.Key.Add(bucket.Key.Select(k => KeyEntry(k.Field, k.Value)));
        foreach (var (alias, value) in bucket.Metrics)
        {
            // As Milvus: a metric without a value (no non-null input) is left out.
            if (value is not null)
            {
                proto.Metrics[alias] = Metric(value);
            }
        }

        proto.Hits.Add(bucket.Hits.Select(Hit));
        proto.SubGroups.Add(bucket.SubGroups.Select(ToProto));
        return proto;
    }

    private static BucketKeyEntry KeyEntry(FieldSchema field, object? value)
    {
        var entry = new BucketKeyEntry { FieldId = field.FieldId, FieldName = field.Name };
        switch (value)
        {
            case null:
                break;
            case string text:
                entry.StringVal = text;
                break;
            case bool flag:
                entry.BoolVal = flag;
                break;
            default:
                entry.IntVal = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                break;
        }

        return entry;
    }

    private static MetricValue Metric(object value) => value switch
    {
        string text => new MetricValue { StringVal = text },
        bool flag => new MetricValue { BoolVal = flag },
        float or double => new MetricValue { DoubleVal = Convert.ToDouble(value, CultureInfo.InvariantCulture) },
        _ => new MetricValue { IntVal = Convert.ToInt64(value, CultureInfo.InvariantCulture) },
    };

    private static AggHit Hit(AggregationHit hit)
    {
        var proto = new AggHit { Score = hit.Score };
        if (hit.Pk is long id)
        {
            proto.IntPk = id;
        }
        else
        {
            proto.StrPk = (string)hit.Pk;
        }

        foreach (var (field, value) in hit.Fields)
        {
            var entry = new AggHitField { FieldId = field.FieldId, FieldName = field.Name };
            switch (value)
            {
                case null:
                    break;
                case string text:
                    entry.StringVal = text;
                    break;
                case bool flag:
                    entry.BoolVal = flag;
                    break;
                case float single:
                    entry.FloatVal = single;
                    break;
                case double number:
                    entry.DoubleVal = number;
                    break;
                case byte[] bytes:
                    entry.BytesVal = ByteString.CopyFrom(bytes);
                    break;
                case sbyte or short or int or long:
                    entry.IntVal = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    // As Milvus: a value of no scalar kind (a vector, an array) is shown as text.
                    entry.StringVal = FormatValue(value);
                    break;
            }

            proto.Fields.Add(entry);
        }

        return proto;
    }

    private static string FormatValue(object value) => value switch
    {
        System.Collections.IEnumerable items => "[" + string.Join(' ', items.Cast<object?>().Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
