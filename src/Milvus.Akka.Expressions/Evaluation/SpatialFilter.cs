using Milvus.Akka.Common;
using Milvus.Akka.Spatial;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// An ST_* function over a Geometry column: each row's WKB is tested by the predicate, which holds the literal parsed
/// and prepared once for the whole filter (see <see cref="SpatialPredicate"/> for the per-row fast paths). Null rows are
/// unknown, as in Milvus. An RTREE index on the field is recorded but not built: the scan answers the same.
/// <paramref name="wkt"/> is the literal as written (none for ST_ISVALID), <paramref name="distance"/> ST_DWITHIN's meters.
/// </summary>
internal sealed class SpatialFilter(GeometryColumnNode column, SpatialOperator op, string wkt, double distance) : PredicateNode
{
    private readonly SpatialPredicate _predicate = op == SpatialOperator.IsValid ? SpatialPredicate.IsValid() : SpatialPredicate.Create(op, wkt, distance);

    public override Truth Evaluate(EvaluationContext context)
    {
        var geometry = context.Column<GeometryColumn>(column.Field);
        var matches = new Bitset(geometry.Count);
        for (var row = 0; row < geometry.Count; row++)
        {
            if (!geometry.IsNull(row) && _predicate.Matches(geometry.Values[row]))
            {
                matches[row] = true;
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }

    public override Plan.Predicate ToPlan() =>
        new() { Spatial = new Plan.Spatial { FieldId = column.Field.FieldId, Operator = (Plan.SpatialOperator)op, Wkt = wkt, Distance = distance } };
}
