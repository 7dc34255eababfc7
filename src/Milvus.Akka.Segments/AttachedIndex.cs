using Milvus.Akka.Common;
using Milvus.Akka.Index;

namespace Milvus.Akka.Segments;

/// <summary>
/// A vector index attached to a segment, and the segment row of each of its entries. The index of a nullable field
/// holds only the rows with a vector, in row order (as Milvus's does): a graph built over the zero vectors standing in
/// for nulls collapses into one clique that a filtered HNSW search cannot leave, so it found no valid neighbour at all.
/// The index of a struct's vectors holds their elements, row after row: each entry is one struct element of a row.
/// </summary>
internal sealed class AttachedIndex
{
    private readonly int[]? _rowOfEntry;

    private AttachedIndex(IFieldIndex index, int[]? rowOfEntry, int[]? elementOfEntry = null)
    {
        Index = index;
        _rowOfEntry = rowOfEntry;
        ElementOfEntry = elementOfEntry;
    }

    public IFieldIndex Index { get; }

    /// <summary>Entries in the index: the segment's rows, or only those with a vector, or a struct field's elements.</summary>
    public int Count => Index.Count;

    /// <summary>The index of a struct's vectors: the position in its row of each entry's element; null for other indexes.</summary>
    public int[]? ElementOfEntry { get; }

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

    /// <summary>Pairs the index of a struct's vectors with their column: it must hold exactly their elements, row after row.</summary>
    public static AttachedIndex OfElements(IFieldIndex index, VectorArrayColumn lists, string segment)
    {
        var starts = lists.ElementStarts();
        if (starts[^1] != index.Count)
        {
            throw new InvalidOperationException($"the vector index covers {index.Count} struct elements, segment {segment} has {starts[^1]}");
        }

        var rows = new int[index.Count];
        var elements = new int[index.Count];
        for (var row = 0; row < lists.Count; row++)
        {
            for (var entry = starts[row]; entry < starts[row + 1]; entry++)
            {
                rows[entry] = row;
                elements[entry] = entry - starts[row];
            }
        }

        return new AttachedIndex(index, rows, elements);
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
