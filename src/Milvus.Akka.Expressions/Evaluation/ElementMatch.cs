using System.Collections.Immutable;
using Milvus.Akka.Common;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>How many of a row's struct elements must match (Milvus's MATCH_* operators; element_filter is any).</summary>
internal enum ElementMatchMode
{
    MatchAny,
    MatchAll,
    MatchLeast,
    MatchMost,
    MatchExact,
}

/// <summary>
/// <c>element_filter(s, pred)</c> and <c>MATCH_ANY / ALL / LEAST / MOST / EXACT(s, pred[, k])</c>: <paramref name="predicate"/>,
/// bound against <see cref="ElementSchema"/>, is evaluated over the struct's elements laid out one per row (each
/// scalar sub-field's arrays concatenated), and a row matches by how many of its elements did. Struct elements are
/// never null, so the result is never unknown.
/// </summary>
internal sealed class ElementMatchPredicate(StructFieldSchema structField, CollectionSchema elementSchema, PredicateNode predicate,
    ElementMatchMode mode, int count, bool elementLevel) : PredicateNode
{
    public bool ElementLevel { get; } = elementLevel;

    public long StructFieldId => structField.FieldId;

    /// <summary>
    /// The fields a condition on a struct's elements reads: its scalar sub-fields under their names within the struct
    /// (<c>$[name]</c>), each of the type of its elements, with the sub-field's id.
    /// </summary>
    public static CollectionSchema ElementSchema(CollectionSchema schema, StructFieldSchema structField) => new()
    {
        Name = structField.Name,
        Fields = [.. schema.SubFields(structField.FieldId).Where(f => f.DataType == DataType.Array)
            .Select(f => f.ElementField with { Name = f.ShortName, StructFieldId = 0 })],
    };

    public override Truth Evaluate(EvaluationContext context)
    {
        var (elements, starts) = Explode(context.Rows);
        var matches = Matches(elements);
        var result = new Bitset(context.RowCount);
        for (var row = 0; row < context.RowCount; row++)
        {
            var matched = 0;
            for (var element = starts[row]; element < starts[row + 1]; element++)
            {
                matched += matches[element] ? 1 : 0;
            }

            var total = starts[row + 1] - starts[row];
            result[row] = mode switch
            {
                ElementMatchMode.MatchAny => matched > 0,
                ElementMatchMode.MatchAll => matched == total,
                ElementMatchMode.MatchLeast => matched >= count,
                ElementMatchMode.MatchMost => matched <= count,
                _ => matched == count,
            };
        }

        return new Truth(result, null);
    }

    /// <summary>The matching elements of all <paramref name="rows"/>, numbered row after row, element after element.</summary>
    public Bitset MatchingElements(RowBatch rows) => Matches(Explode(rows).Elements);

    /// <summary>For each of <paramref name="picked"/> rows of <paramref name="rows"/>, the positions of its elements that match.</summary>
    public int[][] MatchedElements(RowBatch rows, ReadOnlySpan<int> picked)
    {
        var (elements, starts) = Explode(rows);
        var matches = Matches(elements);
        var result = new int[picked.Length][];
        for (var i = 0; i < picked.Length; i++)
        {
            var (first, end) = (starts[picked[i]], starts[picked[i] + 1]);
            result[i] = [.. Enumerable.Range(0, end - first).Where(e => matches[first + e])];
        }

        return result;
    }

    public override Plan.Predicate ToPlan() => new()
    {
        ElementMatch = new Plan.ElementMatch
        {
            StructFieldId = structField.FieldId,
            Mode = (Plan.ElementMatchMode)mode,
            Count = count,
            Predicate = predicate.ToPlan(),
            ElementLevel = ElementLevel,
        },
    };

    private Bitset Matches(RowBatch elements)
    {
        using var context = new EvaluationContext(elements);
        return predicate.Evaluate(context).True;
    }

    /// <summary>The struct's elements one per row (the sub-fields the batch holds), and where each row's elements start.</summary>
    private (RowBatch Elements, int[] Starts) Explode(RowBatch rows)
    {
        var columns = elementSchema.Fields.Where(f => rows.Columns.ContainsKey(f.FieldId))
            .Select(f => (f.FieldId, Column: (ArrayColumn)rows[f.FieldId])).ToList();
        if (columns.Count == 0)
        {
            throw new MilvusException(ErrorCode.ServiceInternal, $"the filter reads struct field \"{structField.Name}\" but the batch has none of its fields");
        }

        var starts = new int[rows.RowCount + 1];
        for (var row = 0; row < rows.RowCount; row++)
        {
            starts[row + 1] = starts[row] + (columns[0].Column.Values[row]?.Length ?? 0);
        }

        return (new RowBatch(columns.ToDictionary(c => c.FieldId, c => c.Column.Elements()).ToImmutableDictionary()), starts);
    }
}
