using System.Runtime.CompilerServices;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Binary;

/// <summary>
/// Packed binary rows (dim/8 bytes each) with HAMMING, JACCARD or MHJACCARD distance (the MinHash similarity negated,
/// so smaller is better as for the others); the exact scan of the binary indexes.
/// </summary>
internal sealed class BinaryRows(MetricType metric, int rowBytes, byte[] data, int count)
{
    public int RowBytes { get; } = rowBytes;

    public int Count { get; } = count;

    public byte[] Data { get; } = data;

    public ReadOnlySpan<byte> Row(int id) => new(Data, id * RowBytes, RowBytes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Distance(ReadOnlySpan<byte> query, ReadOnlySpan<byte> row) =>
        metric switch
        {
            MetricType.Hamming => Distances.Hamming(query, row),
            MetricType.MhJaccard => -Distances.MhJaccard(query, row),
            _ => Distances.Jaccard(query, row),
        };

    public void Scan(ReadOnlySpan<byte> query, in QueryFilter filter, ref TopK top)
    {
        if (filter.IsRestricted)
        {
            foreach (var id in filter.Allow!)
            {
                Offer(query, id, filter, ref top);
            }

            return;
        }

        for (var id = 0; id < Count; id++)
        {
            Offer(query, id, filter, ref top);
        }
    }

    private void Offer(ReadOnlySpan<byte> query, int id, in QueryFilter filter, ref TopK top)
    {
        var distance = Distance(query, Row(id));
        if (filter.InRange(distance))
        {
            top.Push(id, distance);
        }
    }
}
