namespace Milvus.Akka.Text.Tests;

public sealed class EnglishStemmerTests
{
    /// <summary>Words and their Porter2 stems, worked through the algorithm's steps by hand.</summary>
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "tie")]
    [InlineData("cries", "cri")]
    [InlineData("gas", "gas")]
    [InlineData("gaps", "gap")]
    [InlineData("kiwis", "kiwi")]
    [InlineData("agreed", "agre")]
    [InlineData("bleed", "bleed")]
    [InlineData("hopping", "hop")]
    [InlineData("hoping", "hope")]
    [InlineData("luxuriating", "luxuri")]
    [InlineData("cry", "cri")]
    [InlineData("by", "by")]
    [InlineData("say", "say")]
    [InlineData("constancy", "constanc")]
    [InlineData("consolatory", "consolatori")]
    [InlineData("consistently", "consist")]
    [InlineData("knightly", "knight")]
    [InlineData("knitting", "knit")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("generously", "generous")]
    [InlineData("generalization", "general")]
    [InlineData("skies", "sky")]
    [InlineData("news", "news")]
    [InlineData("succeeding", "succeed")]
    [InlineData("inning", "inning")]
    [InlineData("youth", "youth")]
    [InlineData("'quoted's", "quot")]
    public void Stems_english_words(string word, string stem)
    {
        var buffer = word.ToCharArray();
        var length = buffer.Length;
        Assert.True(EnglishStemmer.Instance.Apply(buffer, ref length));
        Assert.Equal(stem, new string(buffer, 0, length));
    }
}
