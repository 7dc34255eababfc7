namespace Milvus.Akka.Text.Tests;

/// <summary>
/// Lexical highlighting against the outputs Milvus's Text Highlighter guide documents for its sample documents, and
/// the cases it describes in words: rotating tags, leading context, fragment sizes and counts in characters.
/// </summary>
public sealed class HighlightingTests
{
    private const string First = "my first test doc. Milvus is an open-source vector database built for GenAI applications.";

    private const string Second = "my second test doc. Milvus is an open-source vector database that suits AI applications "
        + "of every size from running a demo chatbot to building web-scale search.";

    private static readonly HighlightOptions Braces = new(["{"], ["}"]);

    private static List<string> Highlight(string text, string query, HighlightOptions? options = null) =>
        Highlighting.Fragments(Analyzer.Standard, text, Highlighting.Terms(Analyzer.Standard, query), options ?? Braces);

    [Fact]
    public void A_fragment_starts_at_the_first_match_and_runs_a_hundred_characters_by_default()
    {
        Assert.Equal(["{test} doc"], Highlight("my first test doc", "test"));
        Assert.Equal(["{test} doc. Milvus is an open-source vector database built for GenAI applications."], Highlight(First, "test"));
        Assert.Equal(["{test} doc. Milvus is an open-source vector database that suits AI applications of every size from run"], Highlight(Second, "test"));
    }

    [Fact]
    public void Every_token_among_the_terms_is_wrapped_whichever_query_it_came_from()
    {
        var terms = Highlighting.Terms(Analyzer.Standard, "test");
        terms.UnionWith(Highlighting.Terms(Analyzer.Standard, "my doc"));

        Assert.Equal(["{my} second {test} {doc}"], Highlighting.Fragments(Analyzer.Standard, "my second test doc", terms, Braces));
        Assert.Equal(["{my} second {test} {doc}. Milvus is an open-source vector database that suits AI applications of every siz"],
            Highlighting.Fragments(Analyzer.Standard, Second, terms, Braces));
    }

    [Fact]
    public void An_offset_keeps_leading_context_and_a_size_shortens_the_fragment()
    {
        var options = Braces with { FragmentOffset = 20, FragmentSize = 60 };

        Assert.Equal(["my first test doc. {Milvus} is an open-source vector database "], Highlight(First, "Milvus", options));
        Assert.Equal(["my second test doc. {Milvus} is an open-source vector database"], Highlight(Second, "Milvus", options));
    }

    [Fact]
    public void Matches_beyond_a_fragment_open_new_fragments_up_to_the_limit_and_tags_rotate_within_each()
    {
        var text = "apple pie and apple juice. " + new string('x', 120) + " apple cider, apple tart. " + new string('y', 120) + " apple";
        var tags = new HighlightOptions(["<b>", "<i>"], ["</b>", "</i>"], FragmentSize: 20);

        var fragments = Highlight(text, "apple", tags);

        Assert.Equal(["<b>apple</b> pie and <i>apple</i> ", "<b>apple</b> cider, <i>apple</i> t", "<b>apple</b>"], fragments);
        Assert.Equal(fragments.Take(2), Highlight(text, "apple", tags with { NumOfFragments = 2 }));
        Assert.Empty(Highlight(text, "apple", tags with { NumOfFragments = 0 }));
        Assert.Empty(Highlight(text, "pear", tags));
    }

    [Fact]
    public void Sizes_and_offsets_count_characters_not_utf16_units()
    {
        // Each emoji is two UTF-16 units but one character: eight characters of context reach back to the last emoji.
        var fragments = Highlight("😀😀😀 crème brûlée", "brûlée", Braces with { FragmentOffset = 8 });

        Assert.Equal(["😀 crème {brûlée}"], fragments);
    }
}
