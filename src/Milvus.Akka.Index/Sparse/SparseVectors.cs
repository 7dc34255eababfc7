using System.Buffers.Binary;
using Milvus.Akka.Common;

namespace Milvus.Akka.Index.Sparse;

/// <summary>
/// Sparse float vectors in Milvus's wire form: one row is (uint32 index, float32 value) little-endian pairs,
/// indices strictly increasing. Only IP applies; rows sharing no index with the query are no match.
/// </summary>
public static class SparseVectors
{
    public const int PairBytes = 8;

    /// <summary>The largest index Milvus allows (2³² − 2); 2³² − 1 is reserved.</summary>
    public const uint MaxIndex = uint.MaxValue - 1;

    public static int Length(ReadOnlySpan<byte> row) => row.Length / PairBytes;

    public static uint Index(ReadOnlySpan<byte> row, int i) => BinaryPrimitives.ReadUInt32LittleEndian(row[(i * PairBytes)..]);

    public static float Value(ReadOnlySpan<byte> row, int i) => BinaryPrimitives.ReadSingleLittleEndian(row[((i * PairBytes) + 4)..]);

    /// <summary>A row of the given (index, value) pairs, which must come with increasing indices.</summary>
    public static byte[] Row(IReadOnlyCollection<KeyValuePair<uint, float>> pairs)
    {
        var row = new byte[pairs.Count * PairBytes];
        var offset = 0;
        foreach (var (index, value) in pairs)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(row.AsSpan(offset), index);
            BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(offset + 4), value);
            offset += PairBytes;
        }

        return row;
    }

    /// <summary>Throws ParameterInvalid unless <paramref name="row"/> is well formed: whole pairs, increasing indices below 2³² − 1, finite values.</summary>
    public static void Validate(ReadOnlySpan<byte> row, string what)
    {
        if (row.Length % PairBytes != 0)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"{what}: a sparse vector row of {row.Length} bytes is not a whole number of (index, value) pairs");
        }

        var previous = -1L;
        for (var i = 0; i < Length(row); i++)
        {
            var index = Index(row, i);
            if (index > MaxIndex)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{what}: sparse vector index {index} is out of range [0, {MaxIndex}]");
            }

            if (index <= previous)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{what}: sparse vector indices must be strictly increasing, got {index} after {previous}");
            }

            if (!float.IsFinite(Value(row, i)))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"{what}: sparse vector value at index {index} is not a finite number");
            }

            previous = index;
        }
    }

    /// <summary>The inner product of two rows and whether they share an index (a merge of the two sorted index lists).</summary>
    public static (float Dot, bool Overlaps) Dot(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int i = 0, j = 0, na = Length(a), nb = Length(b);
        var dot = 0f;
        var overlaps = false;
        while (i < na && j < nb)
        {
            var ia = Index(a, i);
            var ib = Index(b, j);
            if (ia == ib)
            {
                dot += Value(a, i++) * Value(b, j++);
                overlaps = true;
            }
            else if (ia < ib)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return (dot, overlaps);
    }

    /// <summary>One past the largest index of any row: Milvus's dim of a sparse field's data.</summary>
    public static long Dim(IEnumerable<byte[]> rows)
    {
        long dim = 0;
        foreach (var row in rows)
        {
            var n = Length(row);
            if (n > 0)
            {
                dim = Math.Max(dim, Index(row, n - 1) + 1L);
            }
        }

        return dim;
    }
}
