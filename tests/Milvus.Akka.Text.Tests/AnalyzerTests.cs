using Milvus.Akka.Common;

namespace Milvus.Akka.Text.Tests;

public sealed class AnalyzerTests
{
    private static string[] Terms(string analyzerParams, string text) =>
        [.. AnalyzerParams.Parse(analyzerParams).Tokens(text).Select(t => t.Term)];

    [Fact]
    public void Standard_tokenizer_splits_on_word_boundaries_and_drops_punctuation()
    {
        Assert.Equal(["Would", "you", "like", "to", "eat", "an", "apple"], Terms("""{"tokenizer": "standard"}""", "Would you like to eat an apple?"));
        Assert.Equal(["I", "like", "apple"], Terms("""{"tokenizer": "standard"}""", "I like apple"));
    }

    [Theory]
    [InlineData("don't stop", new[] { "don't", "stop" })]
    [InlineData("pi is 3.14, e is 2,718", new[] { "pi", "is", "3.14", "e", "is", "2,718" })]
    [InlineData("U.S.A. and snake_case_name", new[] { "U.S.A", "and", "snake_case_name" })]
    [InlineData("a.b end. ___ --", new[] { "a.b", "end" })]
    [InlineData("中文分词", new[] { "中", "文", "分", "词" })]
    [InlineData("カタカナ語 abc123def", new[] { "カタカナ", "語", "abc123def" })]
    [InlineData("café naïve 🙂 x", new[] { "café", "naïve", "x" })]
    [InlineData("", new string[0])]
    public void Standard_tokenizer_follows_the_unicode_word_rules(string text, string[] expected) =>
        Assert.Equal(expected, Terms("""{"tokenizer": "standard"}""", text));

    [Fact]
    public void Whitespace_tokenizer_keeps_punctuation()
    {
        Assert.Equal(["Hello,", "World!", "a-b"], Terms("""{"tokenizer": "whitespace"}""", " Hello,\tWorld!\n a-b "));
    }

    [Fact]
    public void Default_analyzer_is_standard_with_lowercase()
    {
        Assert.Equal(["the", "quick", "fox"], Terms("", "The QUICK Fox"));
        Assert.Equal(["the", "quick", "fox"], Terms("""{"type": "standard"}""", "The QUICK Fox"));
        Assert.Equal(["ǆemal", "straße", "𐐨"], Terms("""{"type": "standard"}""", "ǄEMAL STRAßE 𐐀"));
    }

    [Fact]
    public void Stop_filter_drops_listed_words_and_keeps_positions()
    {
        var analyzer = AnalyzerParams.Parse("""{"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": ["_english_", "fox"]}]}""");
        var tokens = analyzer.Tokens("The quick brown Fox is on the run");
        Assert.Equal(["quick", "brown", "run"], tokens.Select(t => t.Term));
        Assert.Equal([1, 2, 7], tokens.Select(t => t.Position));
        Assert.Equal([4, 10, 30], tokens.Select(t => t.Start));

        // Without lowercase first, the stop list compares the original case.
        Assert.Equal(["The", "quick"], Terms("""{"tokenizer": "standard", "filter": [{"type": "stop", "stop_words": ["the"]}]}""", "The quick the"));
        Assert.Equal(["a", "fox"], Terms("""{"type": "standard", "stop_words": ["the", "quick"]}""", "A the quick fox"));
    }

    [Fact]
    public void A_built_in_analyzer_is_its_type_and_stop_words_whatever_else_the_params_hold()
    {
        // As Milvus: pymilvus's own examples send a filter list beside the type.
        Assert.Equal(["a", "fox"], Terms("""{"type": "standard", "filter": ["asciifolding", {"type": "length", "max": 1}], "tokenizer": "whitespace", "unknown": 1, "stop_words": ["the"]}""",
            "A the fox"));
        Assert.Equal(["run", "fox"], Terms("""{"type": "english", "filter": ["uppercase"]}""", "Running the foxes"));
    }

    [Fact]
    public void Length_filter_drops_long_tokens()
    {
        Assert.Equal(["ab", "abcd"], Terms("""{"tokenizer": "standard", "filter": [{"type": "length", "max": 4}]}""", "ab abcde abcd"));
    }

    [Fact]
    public void Character_class_filters_drop_tokens_with_a_character_outside_their_class()
    {
        const string Text = "hello, world café 42 x_y 中文 mixed中文 ABC 漢字 𠀀字";
        Assert.Equal(["world", "42", "ABC"], Terms("""{"tokenizer": "whitespace", "filter": ["alphanumonly"]}""", Text));
        Assert.Equal(["中文", "漢字", "𠀀字"], Terms("""{"tokenizer": "whitespace", "filter": ["cncharonly"]}""", Text));
        Assert.Equal(["world", "42", "中文", "mixed中文", "ABC", "漢字", "𠀀字"], Terms("""{"tokenizer": "whitespace", "filter": [{"type": "cnalphanumonly"}]}""", Text));
    }

    [Fact]
    public void Removepunct_drops_tokens_made_only_of_punctuation()
    {
        Assert.Equal(["hello", "wor.ld", "#1"], Terms("""{"tokenizer": "whitespace", "filter": ["removepunct"]}""", "hello , ... wor.ld !? $ #1 « »"));
    }

    [Fact]
    public void Asciifolding_replaces_characters_by_their_ascii_spelling_and_keeps_the_others()
    {
        const string Text = "Crème Brûlée Straße ÆSIR ﬁne Ｆｕｌｌ 𝐁old naïve Łódź Þór 東京 Привет";
        Assert.Equal(["creme", "brulee", "strasse", "aesir", "fine", "full", "bold", "naive", "lodz", "thor", "東", "京", "привет"],
            Terms("""{"tokenizer": "standard", "filter": ["asciifolding", "lowercase"]}""", Text));
        // Lowercase first, as Milvus's examples chain them: the same terms, but for the math bold B, which has no lowercase.
        Assert.Equal(["creme", "brulee", "strasse", "aesir", "fine", "full", "Bold"],
            Terms("""{"tokenizer": "standard", "filter": ["lowercase", {"type": "asciifolding"}]}""", Text).Take(7));
        Assert.Equal(["\"quoted\"", "it's", "a-b", "x2"], Terms("""{"tokenizer": "whitespace", "filter": ["asciifolding"]}""", "“quoted” it’s a–b x²"));
        // A token that doubles (ß → ss) beyond the stack buffer, and a character folding to more than four keeps itself.
        var longToken = new string('ß', 300);
        Assert.Equal([new string('s', 600), "\uFDFD"], Terms("""{"tokenizer": "whitespace", "filter": ["asciifolding"]}""", longToken + " \uFDFD"));
    }

    [Fact]
    public void Regex_filter_keeps_the_tokens_its_expression_matches()
    {
        Assert.Equal(["apple", "pear"], Terms("""{"tokenizer": "standard", "filter": ["lowercase", {"type": "regex", "expr": "^[a-z]+$"}]}""", "Apple pear2 PEAR 42"));
        Assert.Equal(["pear2", "42"], Terms("""{"tokenizer": "standard", "filter": [{"type": "regex", "expr": "[0-9]"}]}""", "Apple pear2 PEAR 42"));
        // Expressions needing backtracking are refused rather than risked on every write.
        var lookbehind = Assert.Throws<MilvusException>(() => AnalyzerParams.Parse("""{"tokenizer": "standard", "filter": [{"type": "regex", "expr": "(?<=a)b"}]}"""));
        Assert.Equal(ErrorCode.ParameterInvalid, lookbehind.Code);
        Assert.Contains("regex filter's expr", lookbehind.Message);
    }

    [Fact]
    public void Stop_word_lists_are_expanded_by_their_milvus_names()
    {
        Assert.Equal(["chat", "souris"], Terms("""{"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": ["_french_"]}]}""", "Le chat et la souris"));
        Assert.Equal(["hund", "katze"], Terms("""{"type": "standard", "stop_words": ["_german_"]}""", "Der Hund und die Katze"));
        Assert.Equal(["gato", "ratón"], Terms("""{"type": "standard", "stop_words": ["_spanish_", "_swedish_"]}""", "El gato y el ratón och"));
        Assert.Equal(["数据", "据库", "数据库"], Terms("""{"type": "chinese", "stop_words": ["_chinese_"]}""", "我们的数据库"));
        // A name that is no list is a word like any other, as in Milvus.
        Assert.Equal(["x"], Terms("""{"type": "standard", "stop_words": ["_klingon_", "y"]}""", "_klingon_ x y"));
    }

    [Fact]
    public void English_analyzer_stems_and_drops_english_stop_words()
    {
        Assert.Equal(["appl", "run", "quick", "fox"], Terms("""{"type": "english"}""", "The apples are running quickly; a fox"));
        Assert.Equal(Terms("""{"type": "english"}""", "apple"), Terms("""{"type": "english"}""", "Apples"));
        Assert.Equal(["run"], Terms("""{"tokenizer": "standard", "filter": ["lowercase", {"type": "stemmer", "language": "english"}]}""", "Running"));
    }

    [Theory]
    [InlineData("""{"type": "japanese"}""", "analyzer type 'japanese'")]
    [InlineData("""{"tokenizer": {"type": "lindera", "dict_kind": "ipadic"}}""", "tokenizer 'lindera'")]
    [InlineData("""{"tokenizer": "standard", "filter": [{"type": "stemmer", "language": "french"}]}""", "stemmer language 'french'")]
    public void Analyzers_this_engine_does_not_run_are_not_supported(string json, string named)
    {
        var error = Assert.Throws<MilvusException>(() => AnalyzerParams.Parse(json));
        Assert.Equal(ErrorCode.OperationNotSupported, error.Code);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1]")]
    [InlineData("""{"tokenizer": "standard", "filter": "lowercase"}""")]
    [InlineData("""{"tokenizer": "standard", "filter": [{"type": "stop"}]}""")]
    [InlineData("""{"tokenizer": "standard", "filter": [{"type": "length", "max": -1}]}""")]
    [InlineData("""{"type": "standard", "stop_words": "the"}""")]
    [InlineData("""{"filter": ["lowercase"]}""")]
    [InlineData("""{"tokenizer": "standard", "filter": [{"type": "regex"}]}""")]
    [InlineData("""{"tokenizer": "standard", "filter": [{"type": "regex", "expr": "[unclosed"}]}""")]
    public void Malformed_params_are_invalid(string json)
    {
        Assert.Equal(ErrorCode.ParameterInvalid, Assert.Throws<MilvusException>(() => AnalyzerParams.Parse(json)).Code);
    }

    [Theory]
    [InlineData("", 0u)]
    [InlineData("hello", 0x248bfa47u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x2e4ff723u)]
    public void Token_hash_is_murmur3_32_with_seed_0(string token, uint expected) => Assert.Equal(expected, TokenHash.Of(token));
}
