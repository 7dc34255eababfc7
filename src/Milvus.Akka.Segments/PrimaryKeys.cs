using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>Helpers for primary-key columns, which are Int64 (<c>ScalarColumn&lt;long&gt;</c>) or VarChar (<see cref="StringColumn"/>).</summary>
public static class PrimaryKeys
{
    public static Column EmptyColumn(DataType pkType) => pkType == DataType.Int64
        ? new ScalarColumn<long>(DataType.Int64, [])
        : new StringColumn([]);

    public static void CheckType(DataType pkType)
    {
        if (pkType is not (DataType.Int64 or DataType.VarChar))
        {
            throw new MilvusException(ErrorCode.CollectionIllegalSchema, $"primary key must be Int64 or VarChar, not {pkType}");
        }
    }

    /// <summary>Compares the keys at two positions of (possibly different) pk columns of the same type.</summary>
    public static int Compare(Column a, int i, Column b, int j) => a is ScalarColumn<long> la
        ? la.Values[i].CompareTo(((ScalarColumn<long>)b).Values[j])
        : string.CompareOrdinal(((StringColumn)a).Values[i], ((StringColumn)b).Values[j]);

    /// <summary>Concatenates the picked (column, row) pairs into one pk column.</summary>
    public static Column Pick(DataType pkType, IReadOnlyList<Column> sources, ReadOnlySpan<(int Source, int Row)> picks)
    {
        if (pkType == DataType.Int64)
        {
            var values = new long[picks.Length];
            for (var i = 0; i < picks.Length; i++)
            {
                values[i] = ((ScalarColumn<long>)sources[picks[i].Source]).Values[picks[i].Row];
            }

            return new ScalarColumn<long>(DataType.Int64, values);
        }

        var strings = new string[picks.Length];
        for (var i = 0; i < picks.Length; i++)
        {
            strings[i] = ((StringColumn)sources[picks[i].Source]).Values[picks[i].Row];
        }

        return new StringColumn(strings);
    }

    /// <summary>Bit i is set when the key at row i of <paramref name="pks"/> is one of <paramref name="keys"/>.</summary>
    public static Bitset Membership(Column pks, Column keys)
    {
        var members = new Bitset(pks.Count);
        if (pks is ScalarColumn<long> longs)
        {
            var wanted = ((ScalarColumn<long>)keys).Values.ToHashSet();
            for (var row = 0; row < longs.Values.Length; row++)
            {
                members[row] = wanted.Contains(longs.Values[row]);
            }
        }
        else
        {
            var wanted = ((StringColumn)keys).Values.ToHashSet(StringComparer.Ordinal);
            var strings = ((StringColumn)pks).Values;
            for (var row = 0; row < strings.Length; row++)
            {
                members[row] = wanted.Contains(strings[row]);
            }
        }

        return members;
    }
}
