using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Segments;

/// <summary>
/// A vector index attached to a segment, and the segment row of each of its entries. The index of a nullable field
/// holds only the rows with a vector, in row order (as Milvus's does): a graph built over the zero vectors standing in
/// for nulls collapses into one clique that a filtered HNSW search cannot leave, so it found no valid neighbour at all.
/// </summary>
internal sealed class AttachedIndex
{
    private readonly int[]? _rowOfEntry;

    private AttachedIndex(IFieldIndex index, int[]? rowOfEntry)
    {
        Index = index;
        _rowOfEntry = rowOfEntry;
    }

    public IFieldIndex Index { get; }

    /// <summary>Entries in the index: the segment's rows, or only those with a vector.</summary>
    public int Count => Index.Count;

    /// <summary>
    /// Pairs <paramref name="index"/> with the segment's vector column: an index over every row needs no map; one over
    /// fewer rows must cover exactly the rows with a vector.
    /// </summary>
    public static AttachedIndex Of(IFieldIndex index, int rowCount, Func<Column> vectors, string segment)
    {
        if (index.Count == rowCount)
        {
            return new AttachedIndex(index, null);
        }

        var validRows = vectors().ValidRows;
        if (validRows is null || validRows.PopCount() != index.Count)
        {
            throw new InvalidOperationException(
                $"the vector index covers {index.Count} rows, segment {segment} has {rowCount} ({validRows?.PopCount() ?? rowCount} with a vector)");
        }

        return new AttachedIndex(index, validRows.SetBits());
    }

    /// <summary>The allow-list over the index's entries for one over the segment's rows; null stays null (all allowed).</summary>
    public Bitset? EntriesAllowed(Bitset? rows)
    {
        if (rows is null || _rowOfEntry is null)
        {
            return rows;
        }

        var entries = new Bitset(_rowOfEntry.Length);
        for (var entry = 0; entry < _rowOfEntry.Length; entry++)
        {
            entries[entry] = rows[_rowOfEntry[entry]];
        }

        return entries;
    }

    /// <summary>Turns the entries a search returned into segment rows in place (-1, an unused slot, stays).</summary>
    public void ToRows(Span<int> offsets)
    {
        if (_rowOfEntry is null)
        {
            return;
        }

        foreach (ref var offset in offsets)
        {
            if (offset >= 0)
            {
                offset = _rowOfEntry[offset];
            }
        }
    }
}
