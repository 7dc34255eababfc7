using System.Text.Json;
using Milvus.Akka.Common;
using Milvus.Akka.Text.Jieba;

namespace Milvus.Akka.Text.Tests;

/// <summary>
/// The jieba tokenizer and the chinese analyzer. The expected cuts are jieba's own documented examples (its README
/// and jieba-rs's tests), which Python jieba 0.42 gives too.
/// </summary>
public sealed class JiebaTests
{
    private static string[] Terms(string analyzerParams, string text) =>
        [.. AnalyzerParams.Parse(analyzerParams).Tokens(text).Select(t => t.Term)];

    [Fact]
    public void Search_mode_adds_the_dictionary_words_inside_longer_words_before_them()
    {
        var tokens = AnalyzerParams.Parse("""{"tokenizer": "jieba"}""").Tokens("小明硕士毕业于中国科学院计算所，后在日本京都大学深造");
        Assert.Equal(
            ["小明", "硕士", "毕业", "于", "中国", "科学", "学院", "科学院", "中国科学院", "计算", "计算所", "，", "后", "在", "日本", "京都", "大学", "日本京都大学", "深造"],
            tokens.Select(t => t.Term));
        // Positions are the character index where a token starts (as Milvus's jieba tokenizer): sub-words share
        // their word's characters.
        Assert.Equal([0, 2, 4, 6, 7, 9, 10, 9, 7, 12, 12, 15, 16, 17, 18, 20, 22, 18, 24], tokens.Select(t => t.Position));
        Assert.All(tokens, t => Assert.Equal(t.Term, "小明硕士毕业于中国科学院计算所，后在日本京都大学深造"[t.Start..t.End]));
    }

    [Fact]
    public void Exact_mode_cuts_once_and_the_hmm_finds_words_the_dictionary_lacks()
    {
        Assert.Equal(["我", "来到", "北京", "清华大学"], Terms("""{"tokenizer": {"type": "jieba", "mode": "exact"}}""", "我来到北京清华大学"));
        // 杭研 is in no dictionary: the HMM joins it; without the HMM it stays two characters.
        Assert.Equal(["他", "来到", "了", "网易", "杭研", "大厦"], Terms("""{"tokenizer": {"type": "jieba", "mode": "exact"}}""", "他来到了网易杭研大厦"));
        Assert.Equal(["他", "来到", "了", "网易", "杭", "研", "大厦"], Terms("""{"tokenizer": {"type": "jieba", "mode": "exact", "hmm": false}}""", "他来到了网易杭研大厦"));
        Assert.Equal(["小明", "硕士", "毕业于", "中国", "科学院", "计算", "所"], CutUnknown("小明硕士毕业于中国科学院计算所"));
    }

    [Fact]
    public void Text_between_runs_is_one_token_a_character_and_ascii_words_stay_whole()
    {
        var tokens = AnalyzerParams.Parse("""{"tokenizer": {"type": "jieba", "mode": "exact"}}""").Tokens("用Milvus 2.6存3.14%的数据！\r\nOK");
        Assert.Equal(["用", "Milvus", " ", "2.6", "存", "3.14%", "的", "数据", "！", "\r\n", "OK"], tokens.Select(t => t.Term));
        // "\r\n" is one token of two characters.
        Assert.Equal([0, 1, 7, 8, 11, 12, 17, 18, 20, 21, 23], tokens.Select(t => t.Position));
    }

    [Fact]
    public void Characters_beyond_the_basic_plane_count_once_in_positions()
    {
        var tokens = AnalyzerParams.Parse("""{"tokenizer": {"type": "jieba", "mode": "exact"}}""").Tokens("😀中文");
        Assert.Equal([("😀", 0, 2, 0), ("中文", 2, 4, 1)], tokens.Select(t => (t.Term, t.Start, t.End, t.Position)));
    }

    [Fact]
    public void Dict_words_are_kept_whole_over_the_default_dictionary_or_alone()
    {
        Assert.Equal(["milvus", "结巴", "分词器", "中文", "测试"], Terms("""{"tokenizer": {"type": "jieba", "mode": "exact"}}""", "milvus结巴分词器中文测试"));
        Assert.Equal(["milvus", "结巴分词器", "中文", "测试"],
            Terms("""{"tokenizer": {"type": "jieba", "dict": ["_default_", "结巴分词器"], "mode": "exact"}}""", "milvus结巴分词器中文测试"));
        // Without "_default_" only the given words are known; the rest are single characters (no HMM).
        Assert.Equal(["milvus", "结巴分词器", "中", "文", "测", "试"],
            Terms("""{"tokenizer": {"type": "jieba", "dict": ["结巴分词器"], "mode": "exact", "hmm": false}}""", "milvus结巴分词器中文测试"));
        // An analyzer is built once for its params (its dictionary of added words with it) and shared.
        const string Added = """{"tokenizer": {"type": "jieba", "dict": ["_default_", "结巴分词器"], "mode": "exact"}}""";
        Assert.Same(AnalyzerParams.Parse(Added), AnalyzerParams.Parse(Added));
        Assert.NotSame(AnalyzerParams.Parse(Added), AnalyzerParams.Parse(Added.Replace("exact", "search")));
        // The added words do not leak into the default dictionary other analyzers use.
        Assert.Equal(["结巴", "分词器"], Terms("""{"tokenizer": {"type": "jieba", "mode": "exact"}}""", "结巴分词器"));
    }

    [Fact]
    public void Chinese_analyzer_is_jieba_keeping_letters_digits_and_ideographs_with_optional_stop_words()
    {
        Assert.Equal(["系统", "安全", "系统安全", "lxyz", "密码"], Terms("""{"type": "chinese"}""", "系统安全;,'';lxyz密码"));
        // Not lowercased, as Milvus's chinese analyzer.
        Assert.Equal(["Milvus", "数据", "据库", "数据库"], Terms("""{"type": "chinese", "stop_words": ["的"]}""", "Milvus的数据库"));
    }

    [Fact]
    public void Filters_apply_to_jieba_tokens()
    {
        Assert.Equal(["milvus", "数据库"], Terms("""{"tokenizer": {"type": "jieba", "mode": "exact"}, "filter": ["lowercase", "removepunct"]}""", "Milvus，数据库"));
    }

    [Theory]
    [InlineData("""{"tokenizer": {"type": "jieba", "mode": "fast"}}""", "mode must be")]
    [InlineData("""{"tokenizer": {"type": "jieba", "hmm": "yes"}}""", "hmm must be a boolean")]
    [InlineData("""{"tokenizer": {"type": "jieba", "dict": "_default_"}}""", "must be a list of strings")]
    [InlineData("""{"tokenizer": {"type": "jieba", "dict": ["_default_", "_extend_default_"]}}""", "only set one system dict")]
    public void Malformed_jieba_params_are_invalid(string json, string problem)
    {
        var error = Assert.Throws<MilvusException>(() => AnalyzerParams.Parse(json));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(problem, error.Message);
    }

    [Theory]
    [InlineData("""{"tokenizer": {"type": "jieba", "dict": ["_extend_default_"]}}""", "_extend_default_")]
    [InlineData("""{"tokenizer": {"type": "jieba", "extra_dict_file": {"type": "remote", "path": "s3://b/d.txt"}}}""", "extra_dict_file")]
    public void Jieba_dictionaries_this_engine_does_not_have_are_not_supported(string json, string named)
    {
        var error = Assert.Throws<MilvusException>(() => AnalyzerParams.Parse(json));
        Assert.Equal(ErrorCode.OperationNotSupported, error.Code);
        Assert.Contains(named, error.Message);
    }

    /// <summary>Python jieba 0.42's tokens of 250 generated texts in each mode × HMM (JiebaGolden/generate.py).</summary>
    [Fact]
    public void Cuts_equal_python_jiebas_on_generated_texts()
    {
        var analyzers = new Dictionary<(string, bool), Analyzer>();
        var cases = 0;
        foreach (var line in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "JiebaGolden", "jieba-golden.jsonl")))
        {
            using var golden = JsonDocument.Parse(line);
            var root = golden.RootElement;
            var (mode, hmm) = (root.GetProperty("mode").GetString()!, root.GetProperty("hmm").GetBoolean());
            if (!analyzers.TryGetValue((mode, hmm), out var analyzer))
            {
                analyzer = analyzers[(mode, hmm)] = AnalyzerParams.Parse(
                    $$$"""{"tokenizer": {"type": "jieba", "mode": "{{{mode}}}", "hmm": {{{(hmm ? "true" : "false")}}}}}""");
            }

            var expected = root.GetProperty("tokens").EnumerateArray().Select(t => (t[0].GetString()!, t[1].GetInt32()));
            var text = root.GetProperty("text").GetString()!;
            Assert.True(expected.SequenceEqual(analyzer.Tokens(text).Select(t => (t.Term, t.Position))), $"{mode}, hmm {hmm}: {text}");
            cases++;
        }

        Assert.Equal(1000, cases);
    }

    private static string[] CutUnknown(string text)
    {
        var words = new List<(int Start, int End)>();
        JiebaHmm.Cut(text, 0, text.Length, words);
        return [.. words.Select(w => text[w.Start..w.End])];
    }
}
