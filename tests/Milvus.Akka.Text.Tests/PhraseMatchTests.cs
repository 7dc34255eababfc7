namespace Milvus.Akka.Text.Tests;

public sealed class PhraseMatchTests
{
    private static bool Phrase(string text, string phrase, int slop) =>
        new PhraseMatchQuery(Analyzer.Standard, phrase, slop).CreateMatcher().Matches(text);

    [Fact]
    public void Slop_counts_moves_as_milvus_documents_them()
    {
        Assert.True(Phrase("machine learning boosts efficiency", "machine learning", 0));
        Assert.False(Phrase("machine deep learning", "machine learning", 0));
        Assert.True(Phrase("machine deep learning", "machine learning", 1));
        Assert.False(Phrase("learning machine", "machine learning", 1));
        Assert.True(Phrase("learning machine", "machine learning", 2));
        Assert.False(Phrase("a b", "a a", 5));
        Assert.True(Phrase("a x a", "a a", 1));
        Assert.False(Phrase("anything", "", 3));
    }

    [Theory]
    [InlineData("machine learning boosts efficiency", "machine learning", 0)]
    [InlineData("machine deep learning", "machine learning", 1)]
    [InlineData("learning machine", "machine learning", 2)]
    [InlineData("a x a", "a a", 1)]
    [InlineData("c x x b x x x a", "a b c", 9)]
    [InlineData("the quick brown fox jumps", "fox quick", 3)]
    public void The_least_slop_is_the_smallest_at_which_the_phrase_matches(string text, string phrase, int least)
    {
        var matcher = new PhraseMatchQuery(Analyzer.Standard, phrase, slop: 0).CreateMatcher();
        Assert.Equal(least, matcher.LeastSlop(text));
        Assert.True(Phrase(text, phrase, least));
        Assert.True(least == 0 || !Phrase(text, phrase, least - 1));
    }

    [Fact]
    public void A_phrase_repeating_a_word_is_matched_without_trying_every_assignment()
    {
        // Eleven a's, fifty b's, an a: twelve a's fit only in a window from the first a to the last (slop 50). Trying
        // assignments one by one took minutes here (11! ways to fail in each narrower window).
        var text = string.Join(' ', [.. Enumerable.Repeat("a", 11), .. Enumerable.Repeat("b", 50), "a"]);
        var phrase = string.Join(' ', Enumerable.Repeat("a", 12));

        Assert.Equal(50, new PhraseMatchQuery(Analyzer.Standard, phrase, slop: 0).CreateMatcher().LeastSlop(text));
        Assert.False(Phrase(text, phrase, 49));
        Assert.True(Phrase(text, phrase, 50));
    }

    [Fact]
    public void Matching_agrees_with_trying_every_assignment_on_small_random_texts()
    {
        var random = new Random(20261206);
        string[] words = ["a", "b", "c"];
        for (var round = 0; round < 2000; round++)
        {
            var phrase = Enumerable.Range(0, random.Next(1, 5)).Select(_ => words[random.Next(words.Length)]).ToArray();
            var text = Enumerable.Range(0, random.Next(0, 9)).Select(_ => words[random.Next(words.Length)]).ToArray();
            var slop = random.Next(0, 5);
            Assert.True(BruteForce(text, phrase, slop) == Phrase(string.Join(' ', text), string.Join(' ', phrase), slop),
                $"'{string.Join(' ', phrase)}' in '{string.Join(' ', text)}' at slop {slop}");
        }
    }

    /// <summary>The definition: distinct text positions, one per phrase token, whose shifts from the phrase's positions span at most slop.</summary>
    private static bool BruteForce(string[] text, string[] phrase, int slop)
    {
        return Assign(0, [], int.MaxValue, int.MinValue);

        bool Assign(int token, HashSet<int> taken, int low, int high)
        {
            if (token == phrase.Length)
            {
                return high - low <= slop;
            }

            for (var position = 0; position < text.Length; position++)
            {
                if (text[position] == phrase[token] && taken.Add(position))
                {
                    var shift = position - token;
                    var fits = Assign(token + 1, taken, Math.Min(low, shift), Math.Max(high, shift));
                    taken.Remove(position);
                    if (fits)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    [Theory]
    [InlineData("a b", "a a")]
    [InlineData("machine", "machine learning")]
    [InlineData("anything", "")]
    public void No_slop_matches_a_text_missing_a_token(string text, string phrase) =>
        Assert.Null(new PhraseMatchQuery(Analyzer.Standard, phrase, slop: 0).CreateMatcher().LeastSlop(text));

    [Fact]
    public void Text_match_needs_any_token()
    {
        var query = new TextMatchQuery(Analyzer.Standard, "Apple, PEAR");
        Assert.True(query.Matches("I like pear"));
        Assert.True(query.Matches("apple pie"));
        Assert.False(query.Matches("pineapple"));
        Assert.False(new TextMatchQuery(Analyzer.Standard, "?!").Matches("anything ?!"));
    }
}
