using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index.Binary;

/// <summary>BIN_FLAT: exact HAMMING or JACCARD search over packed binary vectors.</summary>
internal sealed class BinFlatIndex(IndexSpec spec, int dim, BinaryRows rows) : IndexBase<byte>(spec, dim, dim / 8), IBinaryVectorIndex
{
    public override int Count => rows.Count;

    public static BinFlatIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader) =>
        new(spec, dim, new BinaryRows(spec.Metric, dim / 8, reader.ReadArray<byte>((long)count * (dim / 8)), count));

    protected override void SearchOne(ReadOnlySpan<byte> query, int width, in QueryFilter filter, ref TopK top) =>
        rows.Scan(query, filter, ref top);

    protected override void WritePayload(IndexFileWriter writer) => writer.WriteArray<byte>(rows.Data);
}
