using Milvus.Akka.Common;
using Milvus.Akka.Text;
using Plan = Milvus.Akka.Expressions.Formats;

namespace Milvus.Akka.Expressions.Evaluation;

/// <summary>
/// <c>TEXT_MATCH</c> over a VarChar column: the union of the query tokens' rows in the column's token index, or, on a
/// column without one yet (see <see cref="TokenIndexCache"/>), each row analyzed until a query token appears (no
/// per-token allocation). Null rows are unknown.
/// </summary>
internal sealed class TextMatchPredicate(StringColumnNode column, Analyzer analyzer, string words) : PredicateNode
{
    private readonly TextMatchQuery _query = new(analyzer, words);

    public override Truth Evaluate(EvaluationContext context)
    {
        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        if (_query.Terms.Count > 0)
        {
            if (TokenIndexCache.TryGet(values, analyzer) is { } index)
            {
                foreach (var term in _query.Terms)
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
                    if (values[row] is { } text && _query.Matches(text))
                    {
                        matches[row] = true;
                    }
                }
            }
        }

        return Truth.FromMatches(matches, context.Validity(column.Field));
    }

    public override Plan.Predicate ToPlan() => new() { TextMatch = new Plan.TextMatch { FieldId = column.Field.FieldId, Words = words } };
}

/// <summary>
/// <c>PHRASE_MATCH</c> over a VarChar column, one matcher (and its buffers) per evaluation. With a token index only
/// the rows holding the phrase's rarest token are analyzed.
/// </summary>
internal sealed class PhraseMatchPredicate(StringColumnNode column, Analyzer analyzer, string phrase, int slop) : PredicateNode
{
    private readonly PhraseMatchQuery _query = new(analyzer, phrase, slop);

    public override Truth Evaluate(EvaluationContext context)
    {
        var values = context.Column<StringColumn>(column.Field).Values;
        var matches = new Bitset(values.Length);
        if (_query.Length > 0)
        {
            var matcher = _query.CreateMatcher();
            if (TokenIndexCache.TryGet(values, analyzer) is { } index)
            {
                var rarest = _query.Terms.MinBy(term => index.Rows(term).Length)!;
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

    public override Plan.Predicate ToPlan() =>
        new() { PhraseMatch = new Plan.PhraseMatch { FieldId = column.Field.FieldId, Phrase = phrase, Slop = slop } };
}
