using Akka.Actor;
using Milvus.Akka.Cluster.Serialization;
using Milvus.Akka.Cluster.Wire;
using Milvus.Akka.Coordinator;
using Milvus.Akka.Segments;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Query.Serialization;

/// <summary>
/// Wire format of every <see cref="IQueryNodeMessage"/> and of the read replies <see cref="SearchHits"/> and
/// <see cref="QueryRows"/>, which query nodes and shards both send. Segment data itself never travels here: a query
/// node reads it from object storage.
/// </summary>
public sealed class QueryNodeMessageSerializer : WireSerializer
{
    public QueryNodeMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        Register<LoadSegment>("ls1",
            (o, m) =>
            {
                WriteEncoded(o, 1, CatalogCodec.Encode(m.Segment));
                WriteEncoded(o, 2, SchemaCodec.Encode(m.Schema));
                WriteEncoded(o, 3, EncodeColumn(m.DeletedPks));
                WriteRawArray(o, 4, m.DeleteTimestamps);
            },
            f => new LoadSegment(CatalogCodec.DecodeSegment(f.Required(1, "segment")), SchemaCodec.Decode(f.Required(2, "collection schema")),
                DecodeColumn(f.Required(3, "deleted primary keys")), f.RawArray<ulong>(4)));
        Register<SegmentLoaded>("sld1", (o, m) => WriteInt64(o, 1, m.SegmentId), f => new SegmentLoaded(f.Int64(1)));
        Register<WidenCollectionSchema>("wcs1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.CollectionId);
                WriteEncoded(o, 2, SchemaCodec.Encode(m.Schema));
            },
            f => new WidenCollectionSchema(f.Int64(1), SchemaCodec.Decode(f.Required(2, "collection schema"))));
        Register<SegmentLoadFailed>("slf1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.SegmentId);
                WriteString(o, 2, m.Reason);
            },
            f => new SegmentLoadFailed(f.Int64(1), f.String(2)));
        Register<ApplyDeletes>("apd1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, EncodeColumn(m.Pks));
                WriteUInt64(o, 3, m.Timestamp);
            },
            f => new ApplyDeletes(f.String(1), DecodeColumn(f.Required(2, "deleted primary keys")), f.UInt64(3)));
        Register<SearchSegments>("ssg1",
            (o, m) =>
            {
                WriteEncoded(o, 1, SegmentsCodec.Encode(m.Plan));
                WriteRawSpan(o, 2, m.SegmentIds.AsSpan());
            },
            f => new SearchSegments(SegmentsCodec.DecodeSearchPlan(f.Required(1, "search plan")), f.RawImmutableArray<long>(2)));
        Register<QuerySegments>("qsg1",
            (o, m) =>
            {
                WriteEncoded(o, 1, SegmentsCodec.Encode(m.Plan));
                WriteRawSpan(o, 2, m.SegmentIds.AsSpan());
            },
            f => new QuerySegments(SegmentsCodec.DecodeQueryPlan(f.Required(1, "query plan")), f.RawImmutableArray<long>(2)));
        Register<Bm25StatsSegments>("bsg1",
            (o, m) =>
            {
                WriteEncoded(o, 1, SegmentsCodec.Encode(m.Plan));
                WriteRawSpan(o, 2, m.SegmentIds.AsSpan());
            },
            f => new Bm25StatsSegments(SegmentsCodec.DecodeBm25StatsPlan(f.Required(1, "BM25 statistics plan")), f.RawImmutableArray<long>(2)));
        Register<Bm25Stats>("bst1", SegmentsCodec.Write, SegmentsCodec.ReadBm25Stats);
        Register<SearchHits>("sh1", SegmentsCodec.Write, SegmentsCodec.ReadSearchHits);
        Register<QueryRows>("qr1", SegmentsCodec.Write, SegmentsCodec.ReadQueryRows);
    }

    public override int Identifier => 404;
}
