namespace Milvus.Akka.Text.Jieba;

/// <summary>
/// jieba's word frequencies: every word with its count, and every prefix of a word (count 0) so that the segmenter
/// can stop extending a fragment as soon as no word starts with it. The default dictionary is jieba's own (349,046
/// words, the one Milvus's jieba tokenizer embeds), loaded once on first use; a tokenizer's <c>dict</c> words lie
/// over it (or over nothing without <c>_default_</c>) without changing it. Read-only once built, so thread-safe.
/// </summary>
internal sealed class JiebaDictionary
{
    private const string DictionaryResource = "Milvus.Akka.Text.jieba.dict.txt";

    private static readonly Lazy<JiebaDictionary> DefaultDictionary = new(LoadDefault);

    private readonly JiebaDictionary? _base;
    private readonly Dictionary<string, long> _entries;
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private JiebaDictionary(JiebaDictionary? @base, Dictionary<string, long> entries, long total)
    {
        _base = @base;
        _entries = entries;
        _lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        Total = total;
    }

    /// <summary>jieba's default dictionary.</summary>
    public static JiebaDictionary Default => DefaultDictionary.Value;

    /// <summary>The sum of all word counts: a word's probability is its count over this.</summary>
    public long Total { get; private set; }

    /// <summary>
    /// A dictionary of <paramref name="words"/> over the default one (or over none), each given the count jieba's
    /// <c>add_word</c> suggests: just enough that the segmenter keeps the word whole.
    /// </summary>
    public static JiebaDictionary WithWords(bool useDefault, IEnumerable<string> words)
    {
        var @base = useDefault ? Default : null;
        var dictionary = new JiebaDictionary(@base, new Dictionary<string, long>(StringComparer.Ordinal), @base?.Total ?? 0);
        foreach (var word in words)
        {
            if (word.Length > 0)
            {
                dictionary.Add(word, dictionary.SuggestFrequency(word));
            }
        }

        return dictionary;
    }

    /// <summary>The word's count: above 0 for a word, 0 for a prefix of words only, -1 for neither.</summary>
    public long Frequency(ReadOnlySpan<char> fragment)
    {
        if (_lookup.TryGetValue(fragment, out var count) && count > 0)
        {
            return count;
        }

        var below = _base?.Frequency(fragment) ?? -1;
        return below >= 0 ? below : _lookup.ContainsKey(fragment) ? 0 : -1;
    }

    public bool IsWord(ReadOnlySpan<char> fragment) => Frequency(fragment) > 0;

    private void Add(string word, long frequency)
    {
        var old = Frequency(word);
        Total += frequency - Math.Max(old, 0);
        _entries[word] = frequency;
        AddPrefixes(_entries, word);
    }

    /// <summary>
    /// jieba's <c>suggest_freq</c>: the count that makes the word as likely as the product of the pieces the
    /// dictionary cuts it into (without HMM), plus one, and never less than its current count.
    /// </summary>
    private long SuggestFrequency(string word)
    {
        if (Total == 0)
        {
            return 1;
        }

        var logTotal = Math.Log(Total);
        var logFrequency = 0.0;
        foreach (var token in new JiebaSegmenter(this, JiebaMode.Exact, hmm: false).Segment(word))
        {
            logFrequency += Math.Log(Math.Max(Frequency(word.AsSpan(token.Start, token.End - token.Start)), 1)) - logTotal;
        }

        var suggested = Math.Exp(logFrequency + logTotal);
        return Math.Max(suggested >= long.MaxValue ? long.MaxValue : (long)suggested + 1, Math.Max(Frequency(word), 1));
    }

    private static JiebaDictionary LoadDefault()
    {
        using var reader = new StreamReader(EmbeddedResources.Open(DictionaryResource));
        var entries = new Dictionary<string, long>(600_000, StringComparer.Ordinal);
        long total = 0;
        // Each line: word, count, part-of-speech tag (unused here).
        while (reader.ReadLine() is { } line)
        {
            var fields = line.AsSpan().Trim();
            var space = fields.IndexOf(' ');
            if (fields.IsEmpty)
            {
                continue;
            }

            var word = (space < 0 ? fields : fields[..space]).ToString();
            var rest = space < 0 ? [] : fields[(space + 1)..];
            var end = rest.IndexOf(' ');
            var count = long.TryParse(end < 0 ? rest : rest[..end], out var parsed) ? parsed : 0;
            entries[word] = count;
            total += count;
            AddPrefixes(entries, word);
        }

        return new JiebaDictionary(null, entries, total);
    }

    /// <summary>Every proper prefix of the word, cut at character (code point) boundaries, as a 0-count entry.</summary>
    private static void AddPrefixes(Dictionary<string, long> entries, string word)
    {
        var lookup = entries.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var end = char.IsHighSurrogate(word[0]) && word.Length > 1 ? 2 : 1; end < word.Length; end += char.IsHighSurrogate(word[end]) && end + 1 < word.Length ? 2 : 1)
        {
            lookup.TryAdd(word.AsSpan(0, end), 0);
        }
    }
}
