using Milvus.Akka.Index.Persistence;

namespace Milvus.Akka.Index;

/// <summary>FLAT: exact search over the raw (for COSINE, normalised) vectors. The oracle for every other index.</summary>
internal sealed class FlatIndex : FloatIndexBase
{
    private readonly FloatRows _rows;

    public FlatIndex(IndexSpec spec, FloatRows rows)
        : base(spec, rows.Dim)
    {
        _rows = rows;
    }

    public override int Count => _rows.Count;

    public static FlatIndex Read(IndexSpec spec, int dim, int count, ref IndexFileReader reader) =>
        new(spec, new FloatRows(spec.Metric, dim, reader.ReadArray<float>((long)count * dim), count));

    protected override void SearchOne(ReadOnlySpan<float> query, int width, in QueryFilter filter, ref TopK top) =>
        _rows.Scan(query, filter, ref top);

    protected override void WritePayload(IndexFileWriter writer) => writer.WriteArray<float>(_rows.Data.AsSpan(0, _rows.Count * _rows.Dim));
}
