using Milvus.Akka.Common;

namespace Milvus.Akka.Proxy;

/// <summary>An upsert's operator on one Array field (Milvus's field_ops): the sent elements join or leave the stored array.</summary>
public enum ArrayUpdate
{
    /// <summary>The sent elements after the stored ones, duplicates and order kept.</summary>
    Append,

    /// <summary>Every stored element equal to a sent one removed (floats compared as IEEE values: NaN matches nothing).</summary>
    Remove,
}

/// <summary>Milvus's ARRAY_APPEND and ARRAY_REMOVE partial updates, row by row; pure.</summary>
public static class ArrayUpdates
{
    /// <summary>Refuses an operator on a field that is not an Array, is the primary key, or is not in the request.</summary>
    public static void Check(CollectionSchema schema, IReadOnlyDictionary<string, ArrayUpdate> updates, IReadOnlyDictionary<string, Column> columns)
    {
        foreach (var (name, update) in updates)
        {
            var field = schema.FindField(name) ?? throw new MilvusException(ErrorCode.ParameterInvalid, $"field {name} does not exist in collection {schema.Name}");
            if (field.IsPrimaryKey)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"field \"{name}\" is the primary key and cannot carry a partial-update op");
            }

            if (field.DataType != DataType.Array)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"op {OpName(update)} requires Array field, but field \"{name}\" is {field.DataType}");
            }

            if (!columns.ContainsKey(name))
            {
                throw new MilvusException(ErrorCode.ParameterInvalid, $"partial-update op targets field \"{name}\" not present in fields_data");
            }
        }
    }

    /// <summary>
    /// Row i of the result is stored row i updated by sent row i. A null stored row counts as empty; a null sent row
    /// leaves the stored one as it is. An append beyond the field's max_capacity is refused.
    /// </summary>
    public static ArrayColumn Apply(FieldSchema field, ArrayUpdate update, ArrayColumn stored, ArrayColumn sent)
    {
        var capacity = field.MaxCapacity;
        var values = new Array[stored.Count];
        var validity = new bool[stored.Count];
        for (var row = 0; row < values.Length; row++)
        {
            if (sent.IsNull(row))
            {
                values[row] = stored.Values[row];
                validity[row] = !stored.IsNull(row);
                continue;
            }

            var current = stored.IsNull(row) ? Array.CreateInstance(sent.Values[row].GetType().GetElementType()!, 0) : stored.Values[row];
            values[row] = update == ArrayUpdate.Append ? Appended(current, sent.Values[row]) : Removed(current, sent.Values[row]);
            validity[row] = true;
            if (values[row].Length > capacity)
            {
                throw new MilvusException(ErrorCode.ParameterInvalid,
                    $"appending to field \"{field.Name}\" would give a row {values[row].Length} elements, more than its max_capacity {capacity}");
            }
        }

        return new ArrayColumn(stored.ElementType, values, validity.All(v => v) ? null : validity);
    }

    private static string OpName(ArrayUpdate update) => update == ArrayUpdate.Append ? "ARRAY_APPEND" : "ARRAY_REMOVE";

    private static Array Appended(Array current, Array sent)
    {
        var result = Array.CreateInstance(current.GetType().GetElementType()!, current.Length + sent.Length);
        Array.Copy(current, result, current.Length);
        Array.Copy(sent, 0, result, current.Length, sent.Length);
        return result;
    }

    private static Array Removed(Array current, Array sent) => (current, sent) switch
    {
        (float[] c, float[] s) => Array.FindAll(c, x => !Array.Exists(s, y => y == x)),
        (double[] c, double[] s) => Array.FindAll(c, x => !Array.Exists(s, y => y == x)),
        (bool[] c, bool[] s) => Array.FindAll(c, x => Array.IndexOf(s, x) < 0),
        (int[] c, int[] s) => Array.FindAll(c, x => Array.IndexOf(s, x) < 0),
        (long[] c, long[] s) => Array.FindAll(c, x => Array.IndexOf(s, x) < 0),
        (string[] c, string[] s) => Array.FindAll(c, x => Array.IndexOf(s, x) < 0),
        _ => throw new MilvusException(ErrorCode.ParameterInvalid, $"the sent {sent.GetType().Name} elements do not match the stored {current.GetType().Name}"),
    };
}
