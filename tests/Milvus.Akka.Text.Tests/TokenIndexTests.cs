namespace Milvus.Akka.Text.Tests;

public sealed class TokenIndexTests
{
    [Fact]
    public void Index_lists_each_rows_tokens_once_in_row_order()
    {
        string[] texts = ["Red apple, red tree", "", "green APPLE", "tree"];
        var index = TokenIndex.Build(Analyzer.Standard, texts);
        Assert.Equal([0, 2], index.Rows("apple").ToArray());
        Assert.Equal([0], index.Rows("red").ToArray());
        Assert.Equal([0, 3], index.Rows("tree").ToArray());
        Assert.True(index.Rows("Apple").IsEmpty);
        Assert.Equal(4, index.TermCount);
    }

    [Fact]
    public void Cache_indexes_a_column_on_its_second_read_per_analyzer()
    {
        string[] texts = ["a b", "b c"];
        var english = AnalyzerParams.Parse("""{"type": "english"}""");
        Assert.Null(TokenIndexCache.TryGet(texts, Analyzer.Standard));
        var index = TokenIndexCache.TryGet(texts, Analyzer.Standard);
        Assert.NotNull(index);
        Assert.Same(index, TokenIndexCache.TryGet(texts, Analyzer.Standard));
        Assert.Null(TokenIndexCache.TryGet(texts, english));
        Assert.Null(TokenIndexCache.TryGet(["a b", "b c"], Analyzer.Standard));
    }
}
