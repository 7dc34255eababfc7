namespace Milvus.Akka.Text.Tests;

/// <summary>
/// The icu tokenizer over the node's ICU library (tests/setup/services.sh installs it where it is missing): every
/// segment between word boundaries is a token, as Milvus's icu tokenizer gives them.
/// </summary>
public sealed class IcuTokenizerTests
{
    private static List<AnalyzedToken> Tokens(string analyzerParams, string text) => AnalyzerParams.Parse(analyzerParams).Tokens(text);

    [Fact]
    public void Words_spaces_and_punctuation_are_each_a_segment_positioned_at_their_first_character()
    {
        var tokens = Tokens("""{"tokenizer": "icu"}""", "Don't stop, 3.14!");
        Assert.Equal(["Don't", " ", "stop", ",", " ", "3.14", "!"], tokens.Select(t => t.Term));
        Assert.Equal([0, 5, 6, 10, 11, 12, 16], tokens.Select(t => t.Position));
        Assert.All(tokens, t => Assert.Equal(t.Term, "Don't stop, 3.14!"[t.Start..t.End]));
    }

    [Fact]
    public void Chinese_and_japanese_are_cut_by_icus_dictionary()
    {
        Assert.Equal(["中文", "分词", "测试"], Tokens("""{"tokenizer": "icu"}""", "中文分词测试").Select(t => t.Term));
        Assert.Equal(["千", "と", "千尋", "の", "神隠し"], Tokens("""{"tokenizer": "icu"}""", "千と千尋の神隠し").Select(t => t.Term));
        Assert.Equal(["ภาษา", "ไทย"], Tokens("""{"tokenizer": "icu"}""", "ภาษาไทย").Select(t => t.Term));
    }

    [Fact]
    public void A_character_beyond_the_basic_plane_counts_once_in_positions()
    {
        var tokens = Tokens("""{"tokenizer": "icu"}""", "😀 ok");
        Assert.Equal([("😀", 0, 2, 0), (" ", 2, 3, 1), ("ok", 3, 5, 2)], tokens.Select(t => (t.Term, t.Start, t.End, t.Position)));
    }

    [Fact]
    public void Filters_apply_to_icu_segments()
    {
        // Spaces stay tokens, as in Milvus; removepunct drops the punctuation, the stop filter the listed words.
        var tokens = Tokens("""{"tokenizer": "icu", "filter": ["lowercase", "removepunct", {"type": "stop", "stop_words": ["of", "the", " "]}]}""",
            "The Lord of the Rings, 神隠し");
        Assert.Equal(["lord", "rings", "神隠し"], tokens.Select(t => t.Term));
        Assert.Equal([4, 16, 23], tokens.Select(t => t.Position));
    }
}
