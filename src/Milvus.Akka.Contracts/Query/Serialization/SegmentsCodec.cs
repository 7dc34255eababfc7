using System.Collections.Immutable;
using Google.Protobuf;
using Milvus.Akka.Cluster.Wire;
using Milvus.Akka.Common;
using Milvus.Akka.Expressions;
using Milvus.Akka.Index.Sparse;
using Milvus.Akka.Segments;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Query.Serialization;

/// <summary>
/// Protobuf encodings of the read path's building blocks (search and query plans, hits and rows), shared by the
/// query-node and streaming-shard serializers. Vectors, scores, offsets and timestamps travel as raw byte blocks; a
/// plan's filter as its bound tree (<see cref="FilterPlan.Encoded"/>, Milvus.Akka.Expressions' filter_plan.proto).
/// </summary>
public static class SegmentsCodec
{
    public static ByteString Encode(SearchPlan plan) => ToBytes(o =>
    {
        WriteInt64(o, 1, plan.CollectionId);
        WriteInt64(o, 2, plan.FieldId);
        WriteInt64(o, 3, (long)plan.Metric);
        WriteInt64(o, 4, plan.TopK);
        WriteInt64(o, 5, plan.Nq);
        WriteRawArray(o, 6, plan.Queries);
        WriteFilter(o, 19, plan.Filter);
        WriteMap(o, 8, plan.Params);
        WriteRawSpan(o, 9, plan.PartitionIds.AsSpan());
        WriteUInt64(o, 10, plan.ReadTimestamp);
        WriteNullableFloat(o, 11, plan.Radius);
        WriteNullableFloat(o, 12, plan.RangeFilter);
        WriteRawSpan(o, 13, plan.OutputFieldIds.AsSpan());
        foreach (var query in plan.RawQueries ?? [])
        {
            WriteBytes(o, 14, query);
        }

        if (plan.Grouping is { } grouping)
        {
            WriteMessage(o, 15, g =>
            {
                // Field 1 keeps a one-field grouping readable by nodes that know no composite keys.
                WriteInt64(g, 1, grouping.FieldIds[0]);
                WriteInt64(g, 2, grouping.Size);
                WriteBool(g, 3, grouping.Strict);
                if (grouping.FieldIds.Length > 1)
                {
                    WriteRawSpan(g, 4, grouping.FieldIds.AsSpan());
                }
            });
        }

        WriteUInt64(o, 16, plan.ExpiredBefore);
        if (plan.Bm25 is { } bm25)
        {
            WriteRawArray(o, 17, new[] { bm25.K1, bm25.B, bm25.AverageDocLength });
        }

        WriteBool(o, 20, plan.IgnoreGrowing);
        if (plan.Boost is { } boost)
        {
            WriteMessage(o, 21, b => Write(b, boost));
        }

        if (plan.QueryLengths is { } lengths)
        {
            WriteRawArray(o, 22, lengths);
        }
    });

    private static void Write(CodedOutputStream o, SearchBoost boost)
    {
        foreach (var scorer in boost.Scorers)
        {
            WriteMessage(o, 1, s =>
            {
                WriteFilter(s, 1, scorer.Filter);
                WriteNullableFloat(s, 2, scorer.Weight);
                if (scorer.Random is { } random)
                {
                    WriteMessage(s, 3, r =>
                    {
                        WriteInt64(r, 1, random.Seed);
                        WriteNullableInt64(r, 2, random.FieldId);
                    });
                }
            });
        }

        WriteInt64(o, 2, (long)boost.Mode);
        WriteInt64(o, 3, (long)boost.FunctionMode);
    }

    private static SearchBoost DecodeBoost(WireFields f) => new(
        [.. f.RepeatedBytes(1).Select(bytes => WireFields.Parse(bytes)).Select(s => new BoostScorer(ReadFilter(s, 1), s.Float(2),
            s.Has(3) ? DecodeBoostRandom(WireFields.Parse(s.Bytes(3))) : null))],
        BoostCombinationOf(f.Int32(2)), BoostCombinationOf(f.Int32(3)));

    private static BoostRandom DecodeBoostRandom(WireFields f) => new(f.Int64(1), f.NullableInt64(2));

    private static BoostCombination BoostCombinationOf(int value) => Enum.IsDefined((BoostCombination)value)
        ? (BoostCombination)value
        : throw new InvalidDataException($"boost combination {value} is not one this node knows (0 multiply, 1 sum)");

    public static SearchPlan DecodeSearchPlan(ByteString bytes)
    {
        var f = WireFields.Parse(bytes);
        return new SearchPlan(f.Int64(1), f.Int64(2), (MetricType)f.Int32(3), f.Int32(4), f.Int32(5), f.RawArray<float>(6),
            ReadFilter(f, 19, textField: 7), f.Map(8), f.RawImmutableArray<long>(9), f.UInt64(10), f.NullableFloat(11), f.NullableFloat(12),
            f.RawImmutableArray<long>(13), RawQueries: f.Has(14) ? [.. f.RepeatedBytes(14).Select(q => q.ToByteArray())] : null,
            Grouping: f.Has(15) ? DecodeGrouping(WireFields.Parse(f.Bytes(15))) : null, ExpiredBefore: f.UInt64(16),
            Bm25: f.Has(17) ? DecodeBm25(f.RawArray<float>(17)) : null, IgnoreGrowing: f.Bool(20),
            Boost: f.Has(21) ? DecodeBoost(WireFields.Parse(f.Bytes(21))) : null, QueryLengths: f.Has(22) ? f.RawArray<int>(22) : null);
    }

    private static void WriteFilter(CodedOutputStream o, int field, FilterPlan? filter)
    {
        if (filter is not null)
        {
            WriteBytes(o, field, filter.Encoded);
        }
    }

    /// <summary>
    /// The plan's bound filter. Plans used to carry the filter's text in <paramref name="textField"/>: one from a node
    /// that still does is refused, never searched without its filter.
    /// </summary>
    private static FilterPlan? ReadFilter(WireFields f, int field, int textField) =>
        f.Has(textField) ? throw new InvalidDataException("the plan carries its filter as text, as nodes of an earlier version sent it; upgrade every node")
        : ReadFilter(f, field);

    private static FilterPlan? ReadFilter(WireFields f, int field) => f.Has(field) ? FilterPlan.FromEncoded(f.Bytes(field).ToByteArray()) : null;

    private static Bm25Scoring DecodeBm25(float[] values) => values.Length == 3
        ? new Bm25Scoring(values[0], values[1], values[2])
        : throw new InvalidDataException($"BM25 scoring holds {values.Length} numbers, expected k1, b and the average document length");

    public static ByteString Encode(Bm25StatsPlan plan) => ToBytes(o =>
    {
        WriteInt64(o, 1, plan.CollectionId);
        WriteInt64(o, 2, plan.FieldId);
        WriteRawArray(o, 3, plan.Terms);
        WriteUInt64(o, 4, plan.ReadTimestamp);
        WriteUInt64(o, 5, plan.ExpiredBefore);
    });

    public static Bm25StatsPlan DecodeBm25StatsPlan(ByteString bytes)
    {
        var f = WireFields.Parse(bytes);
        return new Bm25StatsPlan(f.Int64(1), f.Int64(2), f.RawArray<uint>(3), f.UInt64(4), f.UInt64(5));
    }

    public static void Write(CodedOutputStream o, Bm25Stats stats)
    {
        WriteInt64(o, 1, stats.Documents);
        WriteRawArray(o, 2, new[] { stats.TotalLength });
        WriteRawArray(o, 3, stats.DocumentFrequencies);
    }

    public static Bm25Stats ReadBm25Stats(WireFields f) =>
        new(f.Int64(1), f.RawArray<double>(2) is [var length] ? length : 0, f.RawArray<long>(3));

    private static SearchGrouping DecodeGrouping(WireFields g) =>
        new(g.Has(4) ? g.RawImmutableArray<long>(4) : [g.Int64(1)], g.Int32(2), g.Bool(3));

    public static ByteString Encode(QueryPlan plan) => ToBytes(o =>
    {
        WriteInt64(o, 1, plan.CollectionId);
        WriteFilter(o, 11, plan.Filter);
        WriteRawSpan(o, 3, plan.OutputFieldIds.AsSpan());
        WriteRawSpan(o, 4, plan.PartitionIds.AsSpan());
        WriteUInt64(o, 5, plan.ReadTimestamp);
        WriteNullableInt64(o, 6, plan.Limit);
        WriteBool(o, 7, plan.CountOnly);
        if (plan.PrimaryKeys is { } keys)
        {
            WriteEncoded(o, 8, EncodeColumn(keys));
        }

        WriteUInt64(o, 9, plan.ExpiredBefore);
        WriteBool(o, 13, plan.IgnoreGrowing);
        WriteBool(o, 14, plan.IncludeDeleted);
        if (plan.Aggregation is { } aggregation)
        {
            WriteMessage(o, 15, a =>
            {
                WriteRawSpan(a, 1, aggregation.GroupBy.AsSpan());
                foreach (var spec in aggregation.Aggregates)
                {
                    WriteMessage(a, 2, m =>
                    {
                        WriteInt64(m, 1, (long)spec.Op);
                        WriteInt64(m, 2, spec.FieldId);
                    });
                }
            });
        }
        foreach (var key in plan.OrderBy)
        {
            WriteMessage(o, 12, k =>
            {
                WriteInt64(k, 1, key.FieldId);
                WriteBool(k, 2, key.Descending);
                WriteBool(k, 3, key.NullsFirst);
                foreach (var step in key.JsonPath)
                {
                    WriteMessage(k, 4, p =>
                    {
                        // A member is written even when empty: the oneof tells it from position 0.
                        if (step is string member)
                        {
                            WriteBytes(p, 1, System.Text.Encoding.UTF8.GetBytes(member));
                        }
                        else
                        {
                            WriteInt64(p, 2, (long)step);
                        }
                    });
                }
            });
        }
    });

    public static QueryPlan DecodeQueryPlan(ByteString bytes)
    {
        var f = WireFields.Parse(bytes);
        return new QueryPlan(f.Int64(1), ReadFilter(f, 11, textField: 2), f.RawImmutableArray<long>(3), f.RawImmutableArray<long>(4), f.UInt64(5),
            f.NullableInt64(6) is { } limit ? checked((int)limit) : null, f.Bool(7), f.Has(8) ? DecodeColumn(f.Bytes(8)) : null,
            ExpiredBefore: f.UInt64(9), OrderBy: [.. f.RepeatedBytes(12).Select(k => DecodeOrderKey(WireFields.Parse(k)))], IgnoreGrowing: f.Bool(13),
            IncludeDeleted: f.Bool(14), Aggregation: f.Has(15) ? DecodeAggregation(WireFields.Parse(f.Bytes(15))) : null);
    }

    private static AggregationPlan DecodeAggregation(WireFields a)
    {
        var specs = a.RepeatedBytes(2).Select(WireFields.Parse).Select(m => new AggregateSpec((AggregateOp)m.Int32(1), m.Int64(2))).ToImmutableArray();
        return specs.Any(s => !Enum.IsDefined(s.Op))
            ? throw new InvalidDataException($"unknown aggregate operator in {string.Join(", ", specs.Select(s => (int)s.Op))}")
            : new AggregationPlan(a.RawImmutableArray<long>(1), specs);
    }

    private static OrderKey DecodeOrderKey(WireFields k) => new(k.Int64(1), k.Bool(2), k.Bool(3))
    {
        JsonPath = [.. k.RepeatedBytes(4).Select(WireFields.Parse).Select(p => p.Has(1) ? p.String(1) : (object)p.Int64(2))],
    };

    public static void Write(CodedOutputStream o, SearchHits hits)
    {
        WriteInt64(o, 1, hits.Nq);
        WriteRawArray(o, 2, hits.Offsets);
        WriteEncoded(o, 3, EncodeColumn(hits.Pks));
        WriteRawArray(o, 4, hits.Scores);
        if (hits.Fields is { } fields)
        {
            WriteEncoded(o, 5, EncodeRowBatch(fields));
        }

        WriteInt64(o, 6, hits.SearchedRows);
    }

    public static SearchHits ReadSearchHits(WireFields f) =>
        new(f.Int32(1), f.RawArray<int>(2), DecodeColumn(f.Required(3, "hit primary keys")), f.RawArray<float>(4),
            f.Has(5) ? DecodeRowBatch(f.Bytes(5)) : null) { SearchedRows = f.Int64(6) };

    public static void Write(CodedOutputStream o, QueryRows rows)
    {
        WriteEncoded(o, 1, EncodeColumn(rows.Pks));
        WriteRawArray(o, 2, rows.Timestamps);
        WriteEncoded(o, 3, EncodeRowBatch(rows.Fields));
        WriteInt64(o, 4, rows.Count);
    }

    public static QueryRows ReadQueryRows(WireFields f) =>
        new(DecodeColumn(f.Required(1, "row primary keys")), f.RawArray<ulong>(2), DecodeRowBatch(f.Bytes(3)), f.Int64(4));
}
