using Akka.Actor;
using Google.Protobuf;
using Milvus.Akka.Cluster.Serialization;
using Milvus.Akka.Query.Serialization;
using static Milvus.Akka.Cluster.Wire.WireCodec;

namespace Milvus.Akka.Streaming.Serialization;

/// <summary>
/// Wire format of every <see cref="IShardMessage"/>: the proxy's writes, reads and flushes routed to a streaming
/// shard, and the shard's acknowledgements. Inserted rows travel as one encoded <see cref="Common.RowBatch"/>.
/// </summary>
public sealed class ShardMessageSerializer : WireSerializer
{
    public ShardMessageSerializer(ExtendedActorSystem system) : base(system)
    {
        // An upsert has the layout of an insert: rows for one partition; the shard replaces their keys.
        Register<InsertRows>("ir1", (o, m) => WriteRows(o, m.ShardName, m.PartitionId, m.Rows, m.Timestamp, m.RequestId),
            f => new InsertRows(f.String(1), f.Int64(2), DecodeRowBatch(f.Required(3, "rows")), f.UInt64(4), f.String(5)));
        Register<UpsertRows>("ur1", (o, m) => WriteRows(o, m.ShardName, m.PartitionId, m.Rows, m.Timestamp, m.RequestId),
            f => new UpsertRows(f.String(1), f.Int64(2), DecodeRowBatch(f.Required(3, "rows")), f.UInt64(4), f.String(5)));
        Register<InsertAck>("ia1", (o, m) => WriteUInt64(o, 1, m.Timestamp), f => new InsertAck(f.UInt64(1)));
        Register<DeleteRows>("dr1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, EncodeColumn(m.Pks));
                WriteUInt64(o, 3, m.Timestamp);
                WriteString(o, 4, m.RequestId);
            },
            f => new DeleteRows(f.String(1), DecodeColumn(f.Required(2, "primary keys")), f.UInt64(3), f.String(4)));
        Register<DeleteAck>("da1", (o, m) => WriteUInt64(o, 1, m.Timestamp), f => new DeleteAck(f.UInt64(1)));
        Register<SearchShard>("ss1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, SegmentsCodec.Encode(m.Plan));
            },
            f => new SearchShard(f.String(1), SegmentsCodec.DecodeSearchPlan(f.Required(2, "search plan"))));
        Register<Bm25StatsShard>("bss1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, SegmentsCodec.Encode(m.Plan));
            },
            f => new Bm25StatsShard(f.String(1), SegmentsCodec.DecodeBm25StatsPlan(f.Required(2, "BM25 statistics plan"))));
        Register<QueryShard>("qs1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteEncoded(o, 2, SegmentsCodec.Encode(m.Plan));
            },
            f => new QueryShard(f.String(1), SegmentsCodec.DecodeQueryPlan(f.Required(2, "query plan"))));
        Register<FlushShard>("fs1", (o, m) => WriteString(o, 1, m.ShardName), f => new FlushShard(f.String(1)));
        Register<ShardFlushed>("sfl1",
            (o, m) =>
            {
                WriteRawSpan(o, 1, m.SegmentIds.AsSpan());
                WriteUInt64(o, 2, m.FlushTimestamp);
            },
            f => new ShardFlushed(f.RawImmutableArray<long>(1), f.UInt64(2)));
        Register<SealShard>("ssl1", (o, m) => WriteString(o, 1, m.ShardName), f => new SealShard(f.String(1)));
        Register<GetShardFlushState>("gsf1",
            (o, m) =>
            {
                WriteString(o, 1, m.ShardName);
                WriteRawSpan(o, 2, m.SegmentIds.AsSpan());
            },
            f => new GetShardFlushState(f.String(1), f.RawImmutableArray<long>(2)));
        Register<ShardFlushState>("sfs1", (o, m) => WriteRawSpan(o, 1, m.Unflushed.AsSpan()), f => new ShardFlushState(f.RawImmutableArray<long>(1)));
        Register<GetShardDeletes>("gsd1", (o, m) => WriteString(o, 1, m.ShardName), f => new GetShardDeletes(f.String(1)));
        Register<ShardDeletes>("sdl1",
            (o, m) =>
            {
                WriteEncoded(o, 1, EncodeColumn(m.Pks));
                WriteRawArray(o, 2, m.Timestamps);
            },
            f => new ShardDeletes(DecodeColumn(f.Required(1, "deleted primary keys")), f.RawArray<ulong>(2)));
        Register<DescribeDeleteBuffer>("ddb1", (o, m) => WriteString(o, 1, m.ShardName), f => new DescribeDeleteBuffer(f.String(1)));
        Register<DeleteBufferDescribed>("dbd1",
            (o, m) =>
            {
                WriteInt64(o, 1, m.Deletes);
                WriteInt64(o, 2, m.Rows);
                WriteUInt64(o, 3, m.Watermark);
            },
            f => new DeleteBufferDescribed(f.Int32(1), f.Int64(2), f.UInt64(3)));
    }

    public override int Identifier => 405;

    private static void WriteRows(CodedOutputStream o, string shardName, long partitionId, Common.RowBatch rows, ulong timestamp, string requestId)
    {
        WriteString(o, 1, shardName);
        WriteInt64(o, 2, partitionId);
        WriteEncoded(o, 3, EncodeRowBatch(rows));
        WriteUInt64(o, 4, timestamp);
        WriteString(o, 5, requestId);
    }
}
