using Milvus.Akka.Common;
using Milvus.Akka.Expressions.Evaluation;
using Milvus.Akka.Expressions.Syntax;
using Milvus.Akka.Spatial;
using Milvus.Akka.Text;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Binding;

/// <summary>
/// Rebuilds a bound filter from its plan (see <c>Formats/filter_plan.proto</c>) against a collection schema: every
/// node the proxy's <see cref="Binder"/> picked, with its field looked up by id. Nothing is parsed or type-checked; a
/// plan that does not fit the schema (a field id it lacks, or a field whose type cannot take the evaluator the plan
/// names) is refused with InvalidDataException.
/// </summary>
internal sealed class PlanBinder(CollectionSchema schema)
{
    public PredicateNode Predicate(Plan.Predicate predicate) => predicate.KindCase switch
    {
        Plan.Predicate.KindOneofCase.Constant => new ConstantPredicate(predicate.Constant),
        Plan.Predicate.KindOneofCase.Logical => predicate.Logical.Operands.Count > 0
            ? new LogicalPredicate((LogicalOperator)predicate.Logical.Operator, [.. predicate.Logical.Operands.Select(Predicate)])
            : throw new InvalidDataException("a filter plan holds an and / or without operands"),
        Plan.Predicate.KindOneofCase.Not => new NotPredicate(Predicate(predicate.Not)),
        Plan.Predicate.KindOneofCase.Compare => Compare(predicate.Compare),
        Plan.Predicate.KindOneofCase.BoolField => new BoolColumnPredicate(Column<BoolColumnNode>(predicate.BoolField.FieldId), predicate.BoolField.Expected),
        Plan.Predicate.KindOneofCase.In => predicate.In.ByColumn
            ? As<INumericColumn>(Operand(predicate.In.Value), "a numeric field").In(PlanConstants.ToValues(predicate.In.Constants))
            : new RowIn(Operand(predicate.In.Value), PlanConstants.ToValues(predicate.In.Constants)),
        Plan.Predicate.KindOneofCase.Like => new LikePredicate(Operand(predicate.Like.Value), new LikePattern(predicate.Like.Pattern)),
        Plan.Predicate.KindOneofCase.IsNull => new IsNullPredicate(NullTested(predicate.IsNull.Value), predicate.IsNull.Negated),
        Plan.Predicate.KindOneofCase.Exists => new ExistsPredicate(As<JsonPathNode>(Operand(predicate.Exists), "a JSON path")),
        Plan.Predicate.KindOneofCase.Contains => new ContainsPredicate(Operand(predicate.Contains.Target), (ContainsMode)predicate.Contains.Mode,
            PlanConstants.ToValues(predicate.Contains.Constants)),
        Plan.Predicate.KindOneofCase.Spatial => new SpatialFilter(Column<GeometryColumnNode>(predicate.Spatial.FieldId),
            (SpatialOperator)predicate.Spatial.Operator, predicate.Spatial.Wkt, predicate.Spatial.Distance),
        Plan.Predicate.KindOneofCase.TextMatch => new TextMatchPredicate(Column<StringColumnNode>(predicate.TextMatch.FieldId),
            AnalyzerOf(predicate.TextMatch.FieldId), predicate.TextMatch.Words),
        Plan.Predicate.KindOneofCase.PhraseMatch => new PhraseMatchPredicate(Column<StringColumnNode>(predicate.PhraseMatch.FieldId),
            AnalyzerOf(predicate.PhraseMatch.FieldId), predicate.PhraseMatch.Phrase, predicate.PhraseMatch.Slop),
        Plan.Predicate.KindOneofCase.ElementMatch => ElementMatch(predicate.ElementMatch),
        _ => throw new InvalidDataException("a filter plan holds a predicate of a kind this node does not know"),
    };

    private ElementMatchPredicate ElementMatch(Plan.ElementMatch match)
    {
        var structField = schema.FindStruct(match.StructFieldId)
            ?? throw new InvalidDataException($"a filter plan reads struct field {match.StructFieldId}, which collection \"{schema.Name}\" does not have");
        var elements = ElementMatchPredicate.ElementSchema(schema, structField);
        return Enum.IsDefined((ElementMatchMode)match.Mode)
            ? new ElementMatchPredicate(structField, elements, new PlanBinder(elements).Predicate(match.Predicate), (ElementMatchMode)match.Mode, match.Count, match.ElementLevel)
            : throw new InvalidDataException("a filter plan holds an element match of a mode this node does not know");
    }

    private PredicateNode Compare(Plan.Compare compare)
    {
        var (left, op, right) = (Operand(compare.Left), (CompareOperator)compare.Operator, Operand(compare.Right));
        return compare.Evaluator switch
        {
            Plan.CompareEvaluator.Column => As<INumericColumn>(left, "a numeric field").TryCompare(op, right)
                ?? throw new InvalidDataException($"a filter plan compares {left.Description} with {right.Description} column by column"),
            Plan.CompareEvaluator.Vector => new VectorCompare(left, op, right),
            Plan.CompareEvaluator.StringColumn => new StringColumnCompare(As<StringColumnNode>(left, "a VarChar field"), op,
                As<ConstantNode>(right, "a string").Value is { Kind: ValueKind.String } text ? text.AsString
                    : throw new InvalidDataException("a filter plan compares a VarChar field with a constant that is not a string")),
            Plan.CompareEvaluator.Row => new RowCompare(left, op, right),
            _ => throw new InvalidDataException("a filter plan holds a comparison of a kind this node does not know"),
        };
    }

    private ValueNode Operand(Plan.Operand operand) => operand.KindCase switch
    {
        Plan.Operand.KindOneofCase.Constant => new ConstantNode(PlanConstants.ToValue(operand.Constant)),
        Plan.Operand.KindOneofCase.FieldId => Column(operand.FieldId),
        Plan.Operand.KindOneofCase.JsonPath => new JsonPathNode(Field(operand.JsonPath.FieldId, DataType.Json),
            [.. operand.JsonPath.Steps.Select(step => step.KindCase == Plan.PathStep.KindOneofCase.Member ? (object)step.Member : step.Position)]),
        Plan.Operand.KindOneofCase.ArrayElement => new ArrayElementNode(Column<ArrayColumnNode>(operand.ArrayElement.FieldId), operand.ArrayElement.Index),
        Plan.Operand.KindOneofCase.ArrayLength => new ArrayLengthNode(Operand(operand.ArrayLength)),
        Plan.Operand.KindOneofCase.Arithmetic => new ArithmeticNode((ArithmeticOperator)operand.Arithmetic.Operator,
            Operand(operand.Arithmetic.Left), Operand(operand.Arithmetic.Right)),
        Plan.Operand.KindOneofCase.Negate => new NegateNode(Operand(operand.Negate)),
        _ => throw new InvalidDataException("a filter plan holds a value of a kind this node does not know"),
    };

    private FieldSchema Field(long fieldId, DataType? type = null) =>
        schema.FindField(fieldId) is { } field && (type is null || field.DataType == type)
            ? field
            : throw new InvalidDataException($"a filter plan reads field {fieldId}, which collection \"{schema.Name}\" does not have{(type is null ? "" : $" as a {type} field")}");

    private ValueNode NullTested(Plan.Operand operand) =>
        operand.KindCase == Plan.Operand.KindOneofCase.FieldId && Field(operand.FieldId) is { } field && field.DataType.IsVector()
            ? new VectorPresenceNode(field)
            : Operand(operand);

    private FieldNode Column(long fieldId) => FieldNode.For(Field(fieldId))
        ?? throw new InvalidDataException($"a filter plan reads field {fieldId}, whose type no filter reads");

    private T Column<T>(long fieldId) where T : FieldNode => As<T>(Column(fieldId), typeof(T).Name);

    private Analyzer AnalyzerOf(long fieldId) => AnalyzerParams.ForField(Field(fieldId));

    private static T As<T>(ValueNode node, string expected) where T : class =>
        node as T ?? throw new InvalidDataException($"a filter plan uses {node.Description} where it needs {expected}");
}
