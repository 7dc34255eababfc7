using System.Collections.Frozen;

namespace Milvus.Akka.Text;

/// <summary>
/// <c>TEXT_MATCH(field, 'words')</c>: the query is analyzed with the field's analyzer and a text matches when it holds
/// any of the query's tokens. Immutable and thread-safe.
/// </summary>
public sealed class TextMatchQuery
{
    private readonly Analyzer _analyzer;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public TextMatchQuery(Analyzer analyzer, string query)
    {
        _analyzer = analyzer;
        Terms = analyzer.Tokens(query).Select(t => t.Term).ToFrozenSet(StringComparer.Ordinal);
        _lookup = Terms.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The distinct query tokens; a query without tokens matches nothing.</summary>
    public FrozenSet<string> Terms { get; }

    public bool Matches(ReadOnlySpan<char> text)
    {
        if (Terms.Count == 0)
        {
            return false;
        }

        var sink = new AnyTermSink(_lookup);
        _analyzer.Analyze(text, ref sink);
        return sink.Found;
    }

    private ref struct AnyTermSink(FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> lookup) : ITokenSink
    {
        public bool Found { get; private set; }

        public bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position)
        {
            Found = lookup.Contains(term);
            return !Found;
        }
    }
}

/// <summary>
/// <c>PHRASE_MATCH(field, 'phrase', slop)</c>: the phrase's tokens must occur in the text at distinct positions whose
/// offsets from the phrase's own positions differ by at most <c>slop</c>, so slop 0 is the exact phrase, slop 1
/// allows one word in between, and slop 2 also allows two words swapped (as Milvus documents it). Immutable and
/// thread-safe; rows are matched through a <see cref="Matcher"/>, which holds the scratch buffers of one thread.
/// </summary>
public sealed class PhraseMatchQuery
{
    private readonly Analyzer _analyzer;
    private readonly FrozenDictionary<string, int> _termIds;

    /// <summary>Per term id: the positions of its tokens relative to the phrase's first token, ascending.</summary>
    private readonly int[][] _offsets;

    public PhraseMatchQuery(Analyzer analyzer, string phrase, int slop)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slop);
        _analyzer = analyzer;
        Slop = slop;
        var tokens = analyzer.Tokens(phrase);
        _termIds = tokens.Select(t => t.Term).Distinct(StringComparer.Ordinal).Select((term, id) => (term, id))
            .ToFrozenDictionary(p => p.term, p => p.id, StringComparer.Ordinal);
        _offsets = new int[_termIds.Count][];
        foreach (var group in tokens.GroupBy(t => _termIds[t.Term]))
        {
            _offsets[group.Key] = [.. group.Select(t => t.Position - tokens[0].Position).Order()];
        }

        Length = tokens.Count;
    }

    public int Slop { get; }

    /// <summary>The phrase's distinct tokens: a matching text holds every one.</summary>
    public IEnumerable<string> Terms => _termIds.Keys;

    /// <summary>The phrase's tokens in order; an empty phrase matches nothing.</summary>
    public int Length { get; }

    public Matcher CreateMatcher() => new(this);

    /// <summary>Matches texts one at a time, reusing its buffers; not thread-safe.</summary>
    public sealed class Matcher
    {
        private readonly PhraseMatchQuery _query;
        private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly List<int>[] _positions;
        private readonly List<int> _starts = [];

        internal Matcher(PhraseMatchQuery query)
        {
            _query = query;
            _lookup = query._termIds.GetAlternateLookup<ReadOnlySpan<char>>();
            _positions = [.. Enumerable.Range(0, query._termIds.Count).Select(_ => new List<int>())];
        }

        public bool Matches(ReadOnlySpan<char> text) =>
            _query.Length > 0 && Collect(text) && MatchesWithin(_query.Slop);

        /// <summary>
        /// The least slop at which the phrase matches <paramref name="text"/> (Milvus's ComputePhraseMatchSlop), whatever
        /// this query's own slop; null when none does (a phrase token missing, or fewer of a repeated one than it needs).
        /// </summary>
        public int? LeastSlop(ReadOnlySpan<char> text)
        {
            if (_query.Length == 0 || !Collect(text))
            {
                return null;
            }

            // A window from the lowest adjusted position to the highest holds every one.
            var high = _starts[^1] - _starts[0];
            if (!MatchesWithin(high))
            {
                return null;
            }

            var low = 0;
            while (low < high)
            {
                var middle = low + (high - low) / 2;
                if (MatchesWithin(middle))
                {
                    high = middle;
                }
                else
                {
                    low = middle + 1;
                }
            }

            return low;
        }

        /// <summary>
        /// The positions of the phrase's terms in <paramref name="text"/>, and the windows' possible low ends: each phrase
        /// token's adjusted positions (a text position of its term minus the token's offset in the phrase), sorted, the
        /// same whatever the slop. False when a term is missing.
        /// </summary>
        private bool Collect(ReadOnlySpan<char> text)
        {
            foreach (var list in _positions)
            {
                list.Clear();
            }

            var sink = new PositionSink(_lookup, _positions);
            _query._analyzer.Analyze(text, ref sink);
            _starts.Clear();
            for (var term = 0; term < _positions.Length; term++)
            {
                if (_positions[term].Count == 0)
                {
                    return false;
                }

                foreach (var offset in _query._offsets[term])
                {
                    foreach (var position in _positions[term])
                    {
                        _starts.Add(position - offset);
                    }
                }
            }

            _starts.Sort();
            return true;
        }

        /// <summary>
        /// Tries every window [w, w + slop] whose low end is one of the starts <see cref="Collect"/> found (a minimal window
        /// always starts at one) and asks whether each token can take a distinct text position of its term inside it.
        /// </summary>
        private bool MatchesWithin(int slop)
        {
            for (var i = 0; i < _starts.Count; i++)
            {
                if ((i == 0 || _starts[i] != _starts[i - 1]) && Fits(_starts[i], slop))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Whether every phrase token takes a distinct position of its term in [low + offset, low + slop + offset]. Tokens
        /// of different terms never compete for a position; those of one term have intervals of one width, so taking, in
        /// offset order, the first free position each interval holds finds an assignment whenever one exists — in linear
        /// time, where trying assignments one by one took exponential time on phrases repeating a word.
        /// </summary>
        private bool Fits(int low, int slop)
        {
            for (var term = 0; term < _query._offsets.Length; term++)
            {
                var candidates = _positions[term];
                var next = 0;
                foreach (var offset in _query._offsets[term])
                {
                    while (next < candidates.Count && candidates[next] < low + offset)
                    {
                        next++;
                    }

                    if (next == candidates.Count || candidates[next] > low + slop + offset)
                    {
                        return false;
                    }

                    next++;
                }
            }

            return true;
        }
    }

    private readonly ref struct PositionSink(FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup, List<int>[] positions) : ITokenSink
    {
        public bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position)
        {
            if (lookup.TryGetValue(term, out var id))
            {
                positions[id].Add(position);
            }

            return true;
        }
    }
}
