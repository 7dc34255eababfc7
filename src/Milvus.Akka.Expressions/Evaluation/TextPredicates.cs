using Milvus.Akka.Common;
using Milvus.Akka.Text;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// <c>TEXT_MATCH</c> over a VarChar column: each row is analyzed with the field's analyzer until one of the query's
/// tokens appears (no per-token allocation). Null rows are unknown.
/// </summary>
internal sealed class TextMatchPredicate(StringColumnNode column, TextMatchQuery query) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        if (query.Terms.Count > 0)
        {
            for (var row = 0; row < values.Length; row++)
            {
                if (values[row] is { } text && query.Matches(text))
                {
                    matches[row] = true;
                }
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }
}

/// <summary><c>PHRASE_MATCH</c> over a VarChar column, one matcher (and its buffers) per evaluation.</summary>
internal sealed class PhraseMatchPredicate(StringColumnNode column, PhraseMatchQuery query) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        if (query.Length > 0)
        {
            var matcher = query.CreateMatcher();
            for (var row = 0; row < values.Length; row++)
            {
                if (values[row] is { } text && matcher.Matches(text))
                {
                    matches[row] = true;
                }
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }
}
