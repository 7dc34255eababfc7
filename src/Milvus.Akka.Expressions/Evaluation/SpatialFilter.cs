using Milvus.Akka.Common;
using Milvus.Akka.Spatial;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// An ST_* function over a Geometry column: each row's WKB is tested by the predicate, which holds the literal parsed
/// and prepared once for the whole filter (see <see cref="SpatialPredicate"/> for the per-row fast paths). Null rows are
/// unknown, as in Milvus. An RTREE index on the field is recorded but not built: the scan answers the same.
/// </summary>
internal sealed class SpatialFilter(GeometryColumnNode column, SpatialPredicate predicate) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        var geometry = context.Column<GeometryColumn>(column.Field);
        var matches = new Bitset(geometry.Count);
        for (var row = 0; row < geometry.Count; row++)
        {
            if (!geometry.IsNull(row) && predicate.Matches(geometry.Values[row]))
            {
                matches[row] = true;
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }
}
