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
