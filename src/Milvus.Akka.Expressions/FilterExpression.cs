using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Binding;
using Milvus.Akka.Expressions.Evaluation;
using Milvus.Akka.Expressions.Syntax;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions;

/// <summary>
/// A Milvus boolean filter (Search <c>filter</c>, Query and Delete <c>expr</c>), parsed and type-checked once against a
/// collection schema, then evaluated over any number of row batches into bitsets. Immutable and thread-safe.
/// </summary>
public sealed class FilterExpression
{
    private readonly PredicateNode _root;
    private readonly IReadOnlyList<object>? _primaryKeys;
    private readonly IReadOnlyList<object>? _partitionKeys;

    /// <summary>How much of the expression an error message quotes: a refused megabyte filter is not echoed back whole.</summary>
    private const int QuotedLength = 200;

    private FilterExpression(PredicateNode root, IReadOnlySet<long> referencedFieldIds, IReadOnlyList<object>? primaryKeys,
        IReadOnlyList<object>? partitionKeys)
    {
        _root = root;
        ReferencedFieldIds = referencedFieldIds;
        _primaryKeys = primaryKeys;
        _partitionKeys = partitionKeys;
    }

    /// <summary>The field ids whose columns evaluation reads (the dynamic field's id for dynamic keys).</summary>
    public IReadOnlySet<long> ReferencedFieldIds { get; }

    /// <summary>
    /// Parses <paramref name="expr"/> and resolves it against <paramref name="schema"/>. Placeholders <c>{name}</c> take
    /// their values from <paramref name="templateValues"/> (numbers, bools, strings, or enumerables of those for lists).
    /// <paramref name="limits"/> bound its length, nesting and list sizes (default <see cref="FilterLimits.Internal"/>).
    /// Timestamptz constants without an offset are read in <paramref name="timezone"/> (default UTC).
    /// </summary>
    /// <exception cref="MilvusException">
    /// ParameterInvalid for syntax, name and type errors and for a filter past a limit (the message quotes the expression
    /// and names the problem and its 0-based position); OperationNotSupported for Milvus features this engine does not evaluate.
    /// </exception>
    public static FilterExpression Parse(string expr, CollectionSchema schema, IReadOnlyDictionary<string, object?>? templateValues = null,
        FilterLimits? limits = null, TimeZoneInfo? timezone = null)
    {
        ArgumentNullException.ThrowIfNull(expr);
        ArgumentNullException.ThrowIfNull(schema);
        timezone ??= TimeZoneInfo.Utc;
        try
        {
            var syntax = Parser.Parse(expr, templateValues, limits ?? FilterLimits.Internal);
            var binder = new Binder(schema, timezone);
            var root = binder.BindPredicate(syntax);
            return new FilterExpression(root, binder.ReferencedFieldIds, binder.PrimaryKeys(syntax),
                schema.PartitionKey is { } partitionKey ? binder.RequiredValues(syntax, partitionKey) : null);
        }
        catch (ExpressionError error)
        {
            throw new MilvusException(error.Code, $"cannot parse expression \"{Quote(expr)}\": {error.Message} at position {error.Position}", error);
        }
    }

    /// <summary>
    /// A JSON path as a scalar index's <c>json_path</c> names it, e.g. <c>meta["a"]["b"]</c> (or a dynamic key):
    /// the JSON field and the steps inside it (member names as strings, array positions as longs).
    /// </summary>
    /// <exception cref="MilvusException">ParameterInvalid when the text is not a path into a JSON field of the schema.</exception>
    public static (FieldSchema Field, IReadOnlyList<object> Path) ParseJsonPath(string jsonPath, CollectionSchema schema)
    {
        ArgumentNullException.ThrowIfNull(jsonPath);
        ArgumentNullException.ThrowIfNull(schema);
        try
        {
            if (new Binder(schema, TimeZoneInfo.Utc).BindValue(Parser.Parse(jsonPath, null, FilterLimits.Internal)) is JsonPathNode { Path.Count: > 0 } path)
            {
                return (path.Field, path.Path);
            }
        }
        catch (ExpressionError error)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"json_path \"{Quote(jsonPath)}\" is not a JSON path: {error.Message} at position {error.Position}", error);
        }

        throw new MilvusException(ErrorCode.ParameterInvalid, $"json_path \"{Quote(jsonPath)}\" is not a path into a JSON field, e.g. field[\"key\"]");
    }

    /// <summary>This filter as a plan carries it to other nodes: the bound tree, not the text (see <see cref="FilterPlan"/>).</summary>
    internal Plan.FilterPlan ToPlan()
    {
        var plan = new Plan.FilterPlan { FormatVersion = PlanFormatVersion, Root = _root.ToPlan(), PrimaryKeys = ToKeys(_primaryKeys), PartitionKeys = ToKeys(_partitionKeys) };
        plan.ReferencedFieldIds.AddRange(ReferencedFieldIds);
        return plan;
    }

    /// <summary>The filter a plan carries, rebuilt against <paramref name="schema"/> without parsing anything.</summary>
    /// <exception cref="InvalidDataException">The plan is of a newer format, or does not fit the schema.</exception>
    internal static FilterExpression FromPlan(Plan.FilterPlan plan, CollectionSchema schema)
    {
        if (plan.FormatVersion > PlanFormatVersion)
        {
            throw new InvalidDataException($"the filter plan is of format version {plan.FormatVersion}; this node reads up to {PlanFormatVersion}");
        }

        var root = new PlanBinder(schema).Predicate(plan.Root ?? throw new InvalidDataException("the filter plan has no predicate"));
        return new FilterExpression(root, plan.ReferencedFieldIds.ToHashSet(), FromKeys(plan.PrimaryKeys), FromKeys(plan.PartitionKeys));
    }

    private const uint PlanFormatVersion = 1;

    private static Plan.Keys? ToKeys(IReadOnlyList<object>? keys)
    {
        if (keys is null)
        {
            return null;
        }

        var encoded = new Plan.Keys();
        encoded.Integers.AddRange(keys.OfType<long>());
        encoded.Strings.AddRange(keys.OfType<string>());
        return encoded;
    }

    private static IReadOnlyList<object>? FromKeys(Plan.Keys? keys) => keys is null ? null : [.. keys.Integers.Cast<object>(), .. keys.Strings];

    private static string Quote(string expr) => expr.Length <= QuotedLength ? expr : $"{expr[..QuotedLength]}… ({expr.Length} characters)";

    /// <summary>
    /// Bit i is set when row i matches. Rows where the filter is unknown (it compares a null) do not match.
    /// <paramref name="indexes"/>, built over exactly these rows, answer the predicates they cover (equality, ranges,
    /// <c>in</c>, prefix <c>like</c>, <c>array_contains*</c>) with the same result a scan gives; the rest scan.
    /// </summary>
    public Bitset Evaluate(RowBatch rows, IScalarIndexes? indexes = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var context = new EvaluationContext(rows, indexes);
        return _root.Evaluate(context).True;
    }

    /// <summary>
    /// Whether a query with this filter answers which struct elements matched: the filter is an
    /// <c>element_filter(...)</c>, or an <c>and</c> ending with one (Milvus's element-level query).
    /// </summary>
    public bool IsElementLevel => ElementLevelPredicate is not null;

    private ElementMatchPredicate? ElementLevelPredicate => _root switch
    {
        ElementMatchPredicate { ElementLevel: true } element => element,
        LogicalPredicate { Operator: LogicalOperator.And, Operands: [.., ElementMatchPredicate { ElementLevel: true } last] } => last,
        _ => null,
    };

    /// <summary>
    /// The struct elements of <paramref name="rows"/> (numbered row after row, element after element) that the filter's
    /// <c>element_filter</c> on struct field <paramref name="structFieldId"/> matches, or null when the filter is not an
    /// element-level one on that struct: an element-level search scores only those elements, as Milvus does.
    /// </summary>
    public Bitset? MatchingElements(RowBatch rows, long structFieldId) =>
        ElementLevelPredicate is { } element && element.StructFieldId == structFieldId ? element.MatchingElements(rows) : null;

    /// <summary>
    /// For each of <paramref name="picked"/> rows of <paramref name="rows"/>, the positions of the struct elements the
    /// filter's <c>element_filter</c> matched (see <see cref="IsElementLevel"/>).
    /// </summary>
    public int[][] MatchedElements(RowBatch rows, ReadOnlySpan<int> picked) =>
        (ElementLevelPredicate ?? throw new InvalidOperationException("the filter is not an element-level one")).MatchedElements(rows, picked);

    /// <summary>
    /// The primary keys (long or string, distinct, in order of appearance) when the whole filter is <c>pk in [..]</c>,
    /// <c>pk == x</c> or an <c>or</c> of those: the delete-by-key fast path and partition pruning. Otherwise null.
    /// </summary>
    public IReadOnlyList<object>? TryGetPrimaryKeyList() => _primaryKeys;

    /// <summary>
    /// The partition-key values (long or string, distinct) every matching row has, when the filter pins the collection's
    /// partition key (<c>key == v</c>, <c>key in [..]</c>, an <c>or</c> of those, or an <c>and</c> with one of those):
    /// the partitions (hash buckets) a read must search. Otherwise null.
    /// </summary>
    public IReadOnlyList<object>? TryGetPartitionKeyValues() => _partitionKeys;
}
