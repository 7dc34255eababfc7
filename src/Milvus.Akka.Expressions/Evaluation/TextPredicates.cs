using Milvus.Akka.Common;
using Milvus.Akka.Text;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// <c>TEXT_MATCH</c> over a VarChar column: the union of the query tokens' rows in the column's token index, or, on a
/// column without one yet (see <see cref="TokenIndexCache"/>), each row analyzed until a query token appears (no
/// per-token allocation). Null rows are unknown.
/// </summary>
internal sealed class TextMatchPredicate(StringColumnNode column, Analyzer analyzer, TextMatchQuery query) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        if (query.Terms.Count > 0)
        {
            if (TokenIndexCache.TryGet(values, analyzer) is { } index)
            {
                foreach (var term in query.Terms)
                {
                    foreach (var row in index.Rows(term))
                    {
                        matches[row] = true;
                    }
                }
            }
            else
            {
                for (var row = 0; row < values.Length; row++)
                {
                    if (values[row] is { } text && query.Matches(text))
                    {
                        matches[row] = true;
                    }
                }
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }
}

/// <summary>
/// <c>PHRASE_MATCH</c> over a VarChar column, one matcher (and its buffers) per evaluation. With a token index only
/// the rows holding the phrase's rarest token are analyzed.
/// </summary>
internal sealed class PhraseMatchPredicate(StringColumnNode column, Analyzer analyzer, PhraseMatchQuery query) : PredicateNode
{
    public override Truth Evaluate(EvaluationContext context)
    {
        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        if (query.Length > 0)
        {
            var matcher = query.CreateMatcher();
            if (TokenIndexCache.TryGet(values, analyzer) is { } index)
            {
                var rarest = query.Terms.MinBy(term => index.Rows(term).Length)!;
                foreach (var row in index.Rows(rarest))
                {
                    matches[row] = matcher.Matches(values[row]);
                }
            }
            else
            {
                for (var row = 0; row < values.Length; row++)
                {
                    if (values[row] is { } text && matcher.Matches(text))
                    {
                        matches[row] = true;
                    }
                }
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }
}
