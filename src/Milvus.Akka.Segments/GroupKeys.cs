using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Segments;

/// <summary>
/// The group a row belongs to in a grouping: its grouping fields' values, compared by value, a null value being a value
/// of its own. One field's key is the value itself; several fields' key a <see cref="CompositeKey"/>.
/// </summary>
public static class GroupKeys
{
    /// <summary>Reads the group key of a row of <paramref name="fields"/>, which hold every grouping field's column.</summary>
    public static Func<int, object> Reader(RowBatch fields, ImmutableArray<long> fieldIds) => Reader([.. fieldIds.Select(id => fields[id])]);

    /// <summary>Reads the group key of a row of the grouping fields' <paramref name="columns"/>, in key order.</summary>
    public static Func<int, object> Reader(IReadOnlyList<Column> columns)
    {
        if (columns.Count == 1)
        {
            var column = columns[0];
            return row => column.GetValue(row) ?? Null;
        }

        return row =>
        {
            var values = new object?[columns.Count];
            for (var i = 0; i < columns.Count; i++)
            {
                values[i] = columns[i].GetValue(row);
            }

            return new CompositeKey(values);
        };
    }

    /// <summary>Stands for a null value of a one-field key.</summary>
    private static readonly object Null = new();

    /// <summary>The values of several grouping fields, equal when every value is.</summary>
    private sealed class CompositeKey(object?[] values) : IEquatable<CompositeKey>
    {
        private readonly object?[] _values = values;

        public bool Equals(CompositeKey? other)
        {
            if (other is null || other._values.Length != _values.Length)
            {
                return false;
            }

            for (var i = 0; i < _values.Length; i++)
            {
                if (!Equals(_values[i], other._values[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as CompositeKey);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var value in _values)
            {
                hash.Add(value);
            }

            return hash.ToHashCode();
        }
    }
}
