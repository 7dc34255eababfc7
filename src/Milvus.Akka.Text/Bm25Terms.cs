namespace Milvus.Akka.Text;

/// <summary>
/// What a BM25 function makes of a text, as Milvus does: each token after the analyzer becomes the dimension
/// <see cref="TokenHash.Of"/> (a stable 32-bit term id) with its frequency in the text as the value, so a document's
/// length (its token count) is the sum of its values. Tokens whose hashes collide count as one term, as in Milvus.
/// </summary>
public static class Bm25Terms
{
    /// <summary>The distinct terms of a text with how often each occurs, term ids increasing; empty for null or token-less text.</summary>
    public static SortedDictionary<uint, int> Count(Analyzer analyzer, string? text)
    {
        var sink = new CountingSink(new SortedDictionary<uint, int>());
        if (!string.IsNullOrEmpty(text))
        {
            analyzer.Analyze(text, ref sink);
        }

        return sink.Counts;
    }

    private readonly struct CountingSink(SortedDictionary<uint, int> counts) : ITokenSink
    {
        public SortedDictionary<uint, int> Counts => counts;

        public bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position)
        {
            var id = TokenHash.Of(term);
            counts[id] = counts.GetValueOrDefault(id) + 1;
            return true;
        }
    }
}
