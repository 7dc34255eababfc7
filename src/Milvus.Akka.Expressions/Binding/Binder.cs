using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Evaluation;
using Milvus.Akka.Expressions.Syntax;
using Milvus.Akka.Spatial;
using Milvus.Akka.Text;

namespace Milvus.Akka.Expressions.Binding;

/// <summary>
/// Resolves the parse tree against a collection schema: names to fields (unknown names to dynamic keys when the
/// collection has a dynamic field), types checked, constants folded, and each predicate given its fastest evaluator.
/// Timestamptz constants without an offset are read in <paramref name="timezone"/> (the collection's, as Milvus does).
/// The condition of an <c>element_filter</c> or <c>MATCH_*</c> is bound by a binder of its own over the struct's
/// element fields (<paramref name="elementScope"/>), where <c>$[name]</c> names them and plain names are refused.
/// </summary>
internal sealed class Binder(CollectionSchema schema, TimeZoneInfo timezone, bool elementScope = false)
{
    /// <summary>Milvus's struct-element operators, by lower-case name.</summary>
    private static readonly Dictionary<string, ElementMatchMode> ElementMatchFunctions = new()
    {
        ["element_filter"] = ElementMatchMode.MatchAny,
        ["match_any"] = ElementMatchMode.MatchAny,
        ["match_all"] = ElementMatchMode.MatchAll,
        ["match_least"] = ElementMatchMode.MatchLeast,
        ["match_most"] = ElementMatchMode.MatchMost,
        ["match_exact"] = ElementMatchMode.MatchExact,
    };

    /// <summary>Milvus functions this engine parses but does not evaluate.</summary>
    private static readonly string[] UnsupportedFunctions = ["random_sample"];

    /// <summary>Milvus's geometry operators (Milvus 2.6.4+), by lower-case name.</summary>
    private static readonly Dictionary<string, SpatialOperator> SpatialFunctions = new()
    {
        ["st_equals"] = SpatialOperator.Equals,
        ["st_touches"] = SpatialOperator.Touches,
        ["st_overlaps"] = SpatialOperator.Overlaps,
        ["st_crosses"] = SpatialOperator.Crosses,
        ["st_contains"] = SpatialOperator.Contains,
        ["st_intersects"] = SpatialOperator.Intersects,
        ["st_within"] = SpatialOperator.Within,
        ["st_dwithin"] = SpatialOperator.DWithin,
        ["st_isvalid"] = SpatialOperator.IsValid,
    };

    private readonly HashSet<long> _referencedFieldIds = [];

    public IReadOnlySet<long> ReferencedFieldIds => _referencedFieldIds;

    public PredicateNode BindPredicate(SyntaxNode node) => node switch
    {
        LogicalSyntax logical => new LogicalPredicate(logical.Operator, [.. logical.Operands.Select(BindPredicate)]),
        UnarySyntax { Operator: UnaryOperator.Not } not => BindPredicate(not.Operand) switch
        {
            ConstantPredicate constant => new ConstantPredicate(!constant.Value),
            var operand => new NotPredicate(operand),
        },
        CompareSyntax compare => BindCompare(compare),
        InSyntax @in => BindIn(@in),
        LikeSyntax like => BindLike(like),
        IsNullSyntax isNull => new IsNullPredicate(BindNullTested(isNull.Value), isNull.Negated),
        ExistsSyntax exists => BindValue(exists.Value) is JsonPathNode { Path.Count: > 0 } path
            ? new ExistsPredicate(path)
            : throw Error("'exists' needs a JSON path such as j[\"key\"] or a dynamic key", exists.Position),
        CallSyntax call => BindCallPredicate(call),
        LiteralSyntax { Value: bool value } => new ConstantPredicate(value),
        _ => BindBareValue(node),
    };

    /// <summary>
    /// The primary keys named when the whole filter is <c>pk in [..]</c>, <c>pk == x</c>, or an <c>or</c> of those
    /// (distinct, in order of appearance); otherwise null.
    /// </summary>
    public IReadOnlyList<object>? PrimaryKeys(SyntaxNode root)
    {
        var keys = new List<object>();
        return CollectKeys(root, schema.PrimaryKey, keys, throughAnd: false) ? keys.Distinct().ToList() : null;
    }

    /// <summary>
    /// The values of <paramref name="field"/> a row must have to match the filter, when the filter says so: it is
    /// <c>field in [..]</c>, <c>field == x</c>, an <c>or</c> of those, or an <c>and</c> with one of those among its
    /// operands. Otherwise null (any value may match).
    /// </summary>
    public IReadOnlyList<object>? RequiredValues(SyntaxNode root, FieldSchema field)
    {
        var values = new List<object>();
        return CollectKeys(root, field, values, throughAnd: true) ? values.Distinct().ToList() : null;
    }

    private bool CollectKeys(SyntaxNode node, FieldSchema field, List<object> keys, bool throughAnd)
    {
        switch (node)
        {
            case LogicalSyntax { Operator: LogicalOperator.Or } or:
                return or.Operands.All(operand => CollectKeys(operand, field, keys, throughAnd));
            case LogicalSyntax { Operator: LogicalOperator.And } conjunction when throughAnd:
                // Any operand that pins the field pins the conjunction; the first one is enough.
                foreach (var operand in conjunction.Operands)
                {
                    var pinned = new List<object>();
                    if (CollectKeys(operand, field, pinned, throughAnd))
                    {
                        keys.AddRange(pinned);
                        return true;
                    }
                }

                return false;
            case InSyntax { Negated: false, Value: IdentifierSyntax name, List: ListSyntax list } when name.Name == field.Name:
                foreach (var item in list.Items)
                {
                    if (!TryKey(item, field, keys))
                    {
                        return false;
                    }
                }

                return true;
            case CompareSyntax { Operators: [CompareOperator.Equal], Operands: [var left, var right] }:
                return left is IdentifierSyntax leftName && leftName.Name == field.Name ? TryKey(right, field, keys)
                    : right is IdentifierSyntax rightName && rightName.Name == field.Name && TryKey(left, field, keys);
            default:
                return false;
        }
    }

    private bool TryKey(SyntaxNode node, FieldSchema field, List<object> keys)
    {
        var value = BindValue(node) is ConstantNode constant ? constant.Value : Value.Missing;
        switch (value.Kind)
        {
            case ValueKind.Int when field.DataType == DataType.Int64:
                keys.Add(value.Integer);
                return true;
            case ValueKind.String when field.DataType.IsString():
                keys.Add(value.AsString);
                return true;
            default:
                return false;
        }
    }

    private PredicateNode BindBareValue(SyntaxNode node)
    {
        var value = BindValue(node);
        return value switch
        {
            BoolColumnNode column => new BoolColumnPredicate(column, expected: true),
            { Type: ExprType.Bool or ExprType.Json } => new RowCompare(value, CompareOperator.Equal, new ConstantNode(Value.FromBool(true))),
            _ => throw Error($"{value.Description} is not a condition; compare it with something", node.Position),
        };
    }

    private PredicateNode BindCompare(CompareSyntax compare)
    {
        var shifts = new long[compare.Operands.Count];
        var operands = compare.Operands.Select((operand, i) => BindValue(WithoutInterval(operand, out shifts[i]))).ToList();
        ToInstants(compare.Operands, operands);
        if (shifts.Any(shift => shift != 0))
        {
            MoveIntervals(operands, shifts, compare.Position);
        }

        if (compare.Operators.Count == 1)
        {
            return MakeCompare(operands[0], compare.Operators[0], operands[1], compare.Position);
        }

        var (first, second) = (compare.Operators[0], compare.Operators[1]);
        var ascending = first is CompareOperator.Less or CompareOperator.LessOrEqual && second is CompareOperator.Less or CompareOperator.LessOrEqual;
        var descending = first is CompareOperator.Greater or CompareOperator.GreaterOrEqual && second is CompareOperator.Greater or CompareOperator.GreaterOrEqual;
        if (compare.Operators.Count > 2 || !(ascending || descending))
        {
            throw Error("a chained range takes two operators pointing the same way, e.g. 1 < a <= 5 or 10 > a >= 1", compare.Position);
        }

        return new LogicalPredicate(LogicalOperator.And, [
            MakeCompare(operands[0], first, operands[1], compare.Position),
            MakeCompare(operands[1], second, operands[2], compare.Position)]);
    }

    private PredicateNode MakeCompare(ValueNode left, CompareOperator op, ValueNode right, int position)
    {
        CheckComparable(left, op, right, position);
        if (left is ConstantNode a && right is ConstantNode b)
        {
            return new ConstantPredicate(Value.Compare(a.Value, op, b.Value) == true);
        }

        if (left is ConstantNode)
        {
            (left, right, op) = (right, left, op.Mirror());
        }

        switch (left, right)
        {
            case (BoolColumnNode column, ConstantNode { Value.Kind: ValueKind.Bool } constant):
                return new BoolColumnPredicate(column, constant.Value.AsBool == (op == CompareOperator.Equal));
            case (StringColumnNode column, ConstantNode { Value.Kind: ValueKind.String } constant):
                return new StringColumnCompare(column, op, constant.Value.AsString);
        }

        if (left.IsNumeric && right.IsNumeric && left.IsVector && (right.IsVector || right is ConstantNode))
        {
            var fast = (left as INumericColumn)?.TryCompare(op, right);
            return fast ?? new VectorCompare(left, op, right);
        }

        return new RowCompare(left, op, right);
    }

    private static bool IsTimestamptz(ValueNode node) => node is FieldNode { Field.DataType: DataType.Timestamptz };

    /// <summary>
    /// Constants compared with a Timestamptz field become instants (UTC microseconds): <c>ISO '...'</c> or a plain
    /// string in ISO 8601; a string without an offset is read in the binder's time zone. A number is refused: it has no unit.
    /// </summary>
    private void ToInstants(IReadOnlyList<SyntaxNode> syntax, List<ValueNode> operands)
    {
        if (!operands.Any(IsTimestamptz))
        {
            return;
        }

        for (var i = 0; i < operands.Count; i++)
        {
            if (operands[i] is ConstantNode)
            {
                operands[i] = new ConstantNode(Value.FromInt(Instant(syntax[i])));
            }
        }
    }

    private long Instant(SyntaxNode node) => node switch
    {
        IsoTimeSyntax iso => Instant(iso.Text, iso.Position),
        LiteralSyntax { Value: string text } => Instant(text, node.Position),
        _ => throw Error("a Timestamptz field is compared with timestamps such as ISO '2025-01-03T00:00:00+08:00'", node.Position),
    };

    private long Instant(string text, int position)
    {
        try
        {
            return Timestamptz.Parse(text, timezone);
        }
        catch (MilvusException e)
        {
            throw new ExpressionError(e.Message, position, e.Code);
        }
    }

    /// <summary><c>field + INTERVAL 'P1D'</c> as the field, with the interval's microseconds (negated for <c>-</c>) in <paramref name="shift"/>.</summary>
    private static SyntaxNode WithoutInterval(SyntaxNode node, out long shift)
    {
        shift = 0;
        if (node is not BinarySyntax { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Right: IntervalSyntax interval } arithmetic)
        {
            return node;
        }

        try
        {
            shift = Timestamptz.ParseInterval(interval.Text);
        }
        catch (MilvusException e)
        {
            throw new ExpressionError(e.Message, interval.Position, e.Code);
        }

        shift = arithmetic.Operator == BinaryOperator.Add ? shift : -shift;
        return arithmetic.Left;
    }

    /// <summary>
    /// <c>tsz + d op c</c> is <c>tsz op c - d</c>: the intervals move onto the constant, so the comparison stays a
    /// plain one on the stored microseconds (and a scalar index on the field still answers it).
    /// </summary>
    private static void MoveIntervals(List<ValueNode> operands, long[] shifts, int position)
    {
        var constant = operands.FindIndex(o => o is ConstantNode);
        var column = operands.FindIndex(IsTimestamptz);
        if (operands.Count != 2 || constant < 0 || column < 0)
        {
            throw Error("INTERVAL arithmetic takes the form field + INTERVAL 'P1D' compared with ISO '...', on a Timestamptz field", position);
        }

        var instant = ((ConstantNode)operands[constant]).Value.Integer;
        operands[constant] = new ConstantNode(Value.FromInt(checked(instant + shifts[constant] - shifts[column])));
    }

    private static void CheckComparable(ValueNode left, CompareOperator op, ValueNode right, int position)
    {
        if (left.Type == ExprType.Array || right.Type == ExprType.Array)
        {
            var array = left.Type == ExprType.Array ? left : right;
            throw Error($"{array.Description} cannot be compared as a whole; use arr[i], array_length or array_contains*", position);
        }

        var comparable = left.Type == ExprType.Json || right.Type == ExprType.Json
            || (left.IsNumeric && right.IsNumeric)
            || (left.Type == ExprType.String && right.Type == ExprType.String)
            || (left.Type == ExprType.Bool && right.Type == ExprType.Bool);
        if (!comparable)
        {
            throw Error($"cannot compare {left.Description} with {right.Description}", position);
        }

        if (left.Type == ExprType.Bool && right.Type == ExprType.Bool && op is not (CompareOperator.Equal or CompareOperator.NotEqual))
        {
            throw Error($"booleans can only be compared with == and !=, not {op.Symbol()}", position);
        }
    }

    private PredicateNode BindIn(InSyntax @in)
    {
        var value = BindValue(@in.Value);
        var constants = IsTimestamptz(value) && @in.List is ListSyntax times
            ? times.Items.Select(item => Value.FromInt(Instant(item))).ToList()
            : BindConstantList(@in.List, "'in'");
        if (value.Type == ExprType.Array)
        {
            throw Error($"{value.Description} cannot be tested with 'in'; use array_contains_any", @in.Position);
        }

        foreach (var constant in constants)
        {
            CheckComparable(value, CompareOperator.Equal, new ConstantNode(constant), @in.Position);
        }

        PredicateNode membership = value is INumericColumn column ? column.In(constants) : new RowIn(value, constants);
        return @in.Negated ? new NotPredicate(membership) : membership;
    }

    private PredicateNode BindLike(LikeSyntax like)
    {
        var value = BindValue(like.Value);
        if (value.Type is not (ExprType.String or ExprType.Json))
        {
            throw Error($"'like' applies to VarChar and JSON values, not to {value.Description}", like.Position);
        }

        if (BindValue(like.Pattern) is not ConstantNode { Value.Kind: ValueKind.String } pattern)
        {
            throw Error("'like' needs a string pattern, e.g. name like \"ab%\"", like.Pattern.Position);
        }

        try
        {
            return new LikePredicate(value, new LikePattern(pattern.Value.AsString));
        }
        catch (NotSupportedException)
        {
            // The non-backtracking regex refuses a pattern whose automaton would be too large (thousands of wildcards).
            throw Error("the 'like' pattern has too many wildcards", like.Pattern.Position);
        }
    }

    private PredicateNode BindCallPredicate(CallSyntax call)
    {
        var name = call.Name.ToLowerInvariant();
        switch (name)
        {
            case "text_match":
                return BindTextMatch(call);
            case "phrase_match":
                return BindPhraseMatch(call);
            case var spatial when SpatialFunctions.TryGetValue(spatial, out var op):
                return BindSpatial(call, op);
            case var element when ElementMatchFunctions.TryGetValue(element, out var matchMode):
                return BindElementMatch(call, matchMode, elementLevel: element == "element_filter");
        }

        var mode = name switch
        {
            "json_contains" or "array_contains" => ContainsMode.One,
            "json_contains_all" or "array_contains_all" => ContainsMode.All,
            "json_contains_any" or "array_contains_any" => ContainsMode.Any,
            "array_length" => throw Error("array_length(...) is a number, not a condition; compare it, e.g. array_length(x) == 3", call.Position),
            _ => throw UnknownFunction(call),
        };
        ExpectArguments(call, 2);
        var target = BindValue(call.Arguments[0]);
        if (target.Type is not (ExprType.Array or ExprType.Json))
        {
            throw Error($"{call.Name} needs an array field or a JSON value as its first argument, not {target.Description}", call.Position);
        }

        IReadOnlyList<Value> values;
        if (mode == ContainsMode.One)
        {
            values = call.Arguments[1] is not ListSyntax && BindValue(call.Arguments[1]) is ConstantNode constant
                ? [constant.Value]
                : throw Error($"{call.Name} takes a constant as its second argument; for a list use {name}_all or {name}_any", call.Arguments[1].Position);
        }
        else
        {
            values = BindConstantList(call.Arguments[1], call.Name);
        }

        if (target is ArrayColumnNode array)
        {
            var element = new ArrayElementNode(array, 0);
            foreach (var value in values)
            {
                CheckComparable(element, CompareOperator.Equal, new ConstantNode(value), call.Position);
            }
        }

        return new ContainsPredicate(target, mode, values);
    }

    /// <summary>
    /// <c>element_filter(s, cond)</c>, <c>MATCH_ANY / MATCH_ALL(s, cond)</c>, <c>MATCH_LEAST / MOST / EXACT(s, cond, k)</c>:
    /// <c>cond</c> tests one element of the array-of-struct field <c>s</c> through <c>$[field]</c>.
    /// </summary>
    private PredicateNode BindElementMatch(CallSyntax call, ElementMatchMode mode, bool elementLevel)
    {
        var counted = mode is ElementMatchMode.MatchLeast or ElementMatchMode.MatchMost or ElementMatchMode.MatchExact;
        ExpectArguments(call, counted ? 3 : 2);
        if (elementScope)
        {
            throw Error($"{call.Name} cannot be nested in another struct condition", call.Position);
        }

        var structField = call.Arguments[0] is IdentifierSyntax name && schema.FindStruct(name.Name) is { } found
            ? found
            : throw Error($"{call.Name} needs an array-of-struct field as its first argument", call.Arguments[0].Position);
        var count = 0;
        if (counted)
        {
            count = call.Arguments[2] is LiteralSyntax { Value: long k } && k is >= 0 and <= int.MaxValue
                ? (int)k
                : throw Error($"{call.Name} takes a count of elements (a non-negative integer) as its third argument", call.Arguments[2].Position);
        }

        var elements = ElementMatchPredicate.ElementSchema(schema, structField);
        var inner = new Binder(elements, timezone, elementScope: true);
        var condition = inner.BindPredicate(call.Arguments[1]);
        if (inner.ReferencedFieldIds.Count == 0)
        {
            throw Error($"the condition of {call.Name} must test a field of struct \"{structField.Name}\" through $[field]", call.Arguments[1].Position);
        }

        _referencedFieldIds.UnionWith(inner.ReferencedFieldIds);
        return new ElementMatchPredicate(structField, elements, condition, mode, count, elementLevel);
    }

    /// <summary><c>TEXT_MATCH(field, 'words')</c>: rows holding any of the words' tokens.</summary>
    private PredicateNode BindTextMatch(CallSyntax call)
    {
        ExpectArguments(call, 2);
        var (column, analyzer) = BindMatchField(call);
        return new TextMatchPredicate(column, analyzer, MatchText(call));
    }

    /// <summary><c>PHRASE_MATCH(field, 'phrase'[, slop])</c>: rows holding the phrase's tokens within <c>slop</c> moves.</summary>
    private PredicateNode BindPhraseMatch(CallSyntax call)
    {
        if (call.Arguments.Count is not (2 or 3))
        {
            throw Error($"{call.Name} takes a field, a phrase and an optional slop, got {call.Arguments.Count} arguments", call.Position);
        }

        var (column, analyzer) = BindMatchField(call);
        var slop = 0L;
        if (call.Arguments.Count == 3 && (BindValue(call.Arguments[2]) is not ConstantNode { Value.Kind: ValueKind.Int } constant
            || (slop = constant.Value.Integer) is < 0 or > int.MaxValue))
        {
            throw Error($"the slop of {call.Name} must be a non-negative integer", call.Arguments[2].Position);
        }

        return new PhraseMatchPredicate(column, analyzer, MatchText(call), (int)slop);
    }

    /// <summary>The VarChar field a match function reads; Milvus requires <c>enable_match</c> on it.</summary>
    private (StringColumnNode Column, Analyzer Analyzer) BindMatchField(CallSyntax call)
    {
        if (call.Arguments[0] is not IdentifierSyntax identifier || schema.FindField(identifier.Name) is not { } field)
        {
            throw Error($"the first argument of {call.Name} must be a VarChar field of the collection", call.Arguments[0].Position);
        }

        if (field.DataType is not (DataType.VarChar or DataType.String) || !AnalyzerParams.IsOn(field, AnalyzerParams.EnableMatchKey))
        {
            throw Error($"field \"{field.Name}\" does not enable match", call.Arguments[0].Position);
        }

        try
        {
            return ((StringColumnNode)ResolveName(field.Name, identifier.Position), AnalyzerParams.ForField(field));
        }
        catch (MilvusException e)
        {
            throw new ExpressionError($"the analyzer of field \"{field.Name}\": {e.Message}", call.Position, e.Code);
        }
    }

    /// <summary>
    /// <c>ST_OP(geo_field, 'wkt')</c>, <c>ST_DWITHIN(geo_field, 'POINT (lon lat)', meters)</c> or <c>ST_ISVALID(geo_field)</c>.
    /// The literal is parsed once here; as in Milvus, the name is written all in capitals or all in lower case.
    /// </summary>
    private PredicateNode BindSpatial(CallSyntax call, SpatialOperator op)
    {
        if (call.Name != call.Name.ToUpperInvariant() && call.Name != call.Name.ToLowerInvariant())
        {
            throw Error($"{call.Name}: write a geometry operator all in capitals or all in lower case", call.Position);
        }

        ExpectArguments(call, op switch { SpatialOperator.IsValid => 1, SpatialOperator.DWithin => 3, _ => 2 });
        if (call.Arguments[0] is not IdentifierSyntax identifier || schema.FindField(identifier.Name) is not { DataType: DataType.Geometry } field)
        {
            throw Error($"the first argument of {call.Name} must be a Geometry field of the collection", call.Arguments[0].Position);
        }

        var column = (GeometryColumnNode)ResolveName(field.Name, identifier.Position);
        if (op == SpatialOperator.IsValid)
        {
            return new SpatialFilter(column, SpatialOperator.IsValid, "", 0);
        }

        var wkt = BindValue(call.Arguments[1]) is ConstantNode { Value.Kind: ValueKind.String } text
            ? text.Value.AsString
            : throw Error($"the second argument of {call.Name} must be a WKT string, e.g. 'POINT (1 2)'", call.Arguments[1].Position);
        var distance = 0.0;
        if (op == SpatialOperator.DWithin)
        {
            distance = BindValue(call.Arguments[2]) switch
            {
                ConstantNode { Value.Kind: ValueKind.Int } meters => meters.Value.Integer,
                ConstantNode { Value.Kind: ValueKind.Float } meters => meters.Value.Number,
                _ => throw Error($"the distance of {call.Name} must be a number of meters", call.Arguments[2].Position),
            };
        }

        try
        {
            return new SpatialFilter(column, op, wkt, distance);
        }
        catch (MilvusException e)
        {
            throw new ExpressionError(e.Message, call.Arguments[1].Position, e.Code);
        }
    }

    private string MatchText(CallSyntax call) => BindValue(call.Arguments[1]) is ConstantNode { Value.Kind: ValueKind.String } text
        ? text.Value.AsString
        : throw Error($"the second argument of {call.Name} must be a string", call.Arguments[1].Position);

    public ValueNode BindValue(SyntaxNode node) => node switch
    {
        LiteralSyntax literal => new ConstantNode(Value.FromLiteral(literal.Value)),
        IsoTimeSyntax iso => new ConstantNode(Value.FromInt(Instant(iso.Text, iso.Position))),
        IntervalSyntax interval => throw Error("INTERVAL '...' may only be added to or subtracted from a Timestamptz field in a comparison", interval.Position),
        IdentifierSyntax identifier => elementScope
            ? throw Error($"inside a struct condition fields are named $[{identifier.Name}]; \"{identifier.Name}\" is not one", identifier.Position)
            : ResolveName(identifier.Name, identifier.Position),
        ElementFieldSyntax element => elementScope
            ? ResolveName(element.Name, element.Position)
            : throw Error($"$[{element.Name}] names a struct element's field: use it inside element_filter(...) or MATCH_*(...)", element.Position),
        IndexSyntax index => BindIndex(index),
        UnarySyntax { Operator: UnaryOperator.Negate } negate => BindNegate(negate),
        BinarySyntax arithmetic => BindArithmetic(arithmetic),
        CallSyntax call when call.Name.Equals("array_length", StringComparison.OrdinalIgnoreCase) => BindArrayLength(call),
        CallSyntax call when IsCondition(call) => throw Error($"{call.Name}(...) is a condition, not a value", call.Position),
        CallSyntax call => throw UnknownFunction(call),
        ListSyntax list => throw Error("a list is only allowed after 'in' or as a function argument", list.Position),
        _ => throw Error("a condition cannot be used as a value", node.Position),
    };

    private static bool IsCondition(CallSyntax call) => call.Name.ToLowerInvariant() is
        "json_contains" or "json_contains_all" or "json_contains_any" or "array_contains" or "array_contains_all" or "array_contains_any"
        or "text_match" or "phrase_match" || SpatialFunctions.ContainsKey(call.Name.ToLowerInvariant())
        || ElementMatchFunctions.ContainsKey(call.Name.ToLowerInvariant());

    private ValueNode ResolveName(string name, int position)
    {
        var field = schema.FindField(name);
        if (field is null)
        {
            if (schema.EnableDynamicField && schema.DynamicField is { } dynamic)
            {
                Reference(dynamic);
                return new JsonPathNode(dynamic, [name]);
            }

            throw Error($"field \"{name}\" does not exist in collection \"{schema.Name}\"", position);
        }

        Reference(field);
        return FieldNode.For(field) ?? throw Error($"field \"{name}\" of type {field.DataType} cannot be used in a filter", position);
    }

    /// <summary>What <c>is null</c> tests: any value, or a vector field (Milvus 3.0's nullable vectors), which nothing else may read.</summary>
    private ValueNode BindNullTested(SyntaxNode value)
    {
        if (value is IdentifierSyntax identifier && schema.FindField(identifier.Name) is { } field && field.DataType.IsVector())
        {
            Reference(field);
            return new VectorPresenceNode(field);
        }

        return BindValue(value);
    }

    private void Reference(FieldSchema field) => _referencedFieldIds.Add(field.FieldId);

    private ValueNode BindIndex(IndexSyntax index)
    {
        var keys = new List<object>();
        SyntaxNode target = index;
        while (target is IndexSyntax step)
        {
            keys.Insert(0, step.Key);
            target = step.Target;
        }

        if (target is not IdentifierSyntax identifier)
        {
            throw Error("only fields can be indexed with [..]", index.Position);
        }

        switch (ResolveName(identifier.Name, identifier.Position))
        {
            case JsonPathNode json:
                return new JsonPathNode(json.Field, [.. json.Path, .. keys]);
            case ArrayColumnNode array when keys is [long position]:
                return position is >= 0 and <= int.MaxValue
                    ? new ArrayElementNode(array, (int)position)
                    : throw Error($"array index {position} is out of range", index.Position);
            case ArrayColumnNode array:
                throw Error($"{array.Description} takes a single integer index, e.g. {identifier.Name}[0]", index.Position);
            case var other:
                throw Error($"{other.Description} cannot be indexed with [..]", index.Position);
        }
    }

    private ValueNode BindArrayLength(CallSyntax call)
    {
        ExpectArguments(call, 1);
        var target = BindValue(call.Arguments[0]);
        return target.Type is ExprType.Array or ExprType.Json
            ? new ArrayLengthNode(target)
            : throw Error($"array_length needs an array field or a JSON value, not {target.Description}", call.Position);
    }

    private ValueNode BindNegate(UnarySyntax negate)
    {
        var operand = BindValue(negate.Operand);
        if (!operand.IsNumeric && operand.Type != ExprType.Json)
        {
            throw Error($"cannot negate {operand.Description}", negate.Position);
        }

        return operand is ConstantNode constant
            ? new ConstantNode(constant.Value.Kind == ValueKind.Int ? Value.FromInt(unchecked(-constant.Value.Integer)) : Value.FromFloat(-constant.Value.Number))
            : new NegateNode(operand);
    }

    private ValueNode BindArithmetic(BinarySyntax arithmetic)
    {
        var op = arithmetic.Operator switch
        {
            BinaryOperator.Add => ArithmeticOperator.Add,
            BinaryOperator.Subtract => ArithmeticOperator.Subtract,
            BinaryOperator.Multiply => ArithmeticOperator.Multiply,
            BinaryOperator.Divide => ArithmeticOperator.Divide,
            BinaryOperator.Modulo => ArithmeticOperator.Modulo,
            _ => ArithmeticOperator.Power,
        };
        var left = BindValue(arithmetic.Left);
        var right = BindValue(arithmetic.Right);
        foreach (var operand in (ValueNode[])[left, right])
        {
            if (!operand.IsNumeric && operand.Type != ExprType.Json)
            {
                throw Error($"arithmetic needs numbers, but {operand.Description} is not a number", arithmetic.Position);
            }

            if (IsTimestamptz(operand))
            {
                throw Error($"{operand.Description} takes only + or - INTERVAL '...' in a comparison with ISO '...'", arithmetic.Position);
            }
        }

        if (op is ArithmeticOperator.Divide or ArithmeticOperator.Modulo && right is ConstantNode { Value: { Kind: ValueKind.Int, Integer: 0 } })
        {
            throw Error("division by zero", arithmetic.Position);
        }

        return left is ConstantNode a && right is ConstantNode b
            ? new ConstantNode(ArithmeticNode.Apply(op, a.Value, b.Value))
            : new ArithmeticNode(op, left, right);
    }

    private List<Value> BindConstantList(SyntaxNode node, string context)
    {
        if (node is not ListSyntax list)
        {
            throw Error($"{context} needs a list of constants such as [1, 2, 3]", node.Position);
        }

        return list.Items.Select(item => BindValue(item) is ConstantNode constant
            ? constant.Value
            : throw Error($"the list of {context} may hold only constants", item.Position)).ToList();
    }

    private static void ExpectArguments(CallSyntax call, int count)
    {
        if (call.Arguments.Count != count)
        {
            throw Error($"{call.Name} takes {count} argument{(count == 1 ? "" : "s")}, got {call.Arguments.Count}", call.Position);
        }
    }

    private static ExpressionError UnknownFunction(CallSyntax call)
    {
        var name = call.Name.ToLowerInvariant();
        return UnsupportedFunctions.Contains(name) || name.StartsWith("st_", StringComparison.Ordinal)
            ? new ExpressionError($"{call.Name.ToUpperInvariant()} is not supported by this server", call.Position, ErrorCode.OperationNotSupported)
            : Error($"unknown function {call.Name}", call.Position);
    }

    private static ExpressionError Error(string problem, int position) => new(problem, position);
}
