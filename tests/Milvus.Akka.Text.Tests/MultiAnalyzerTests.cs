using Milvus.Akka.Common;

namespace Milvus.Akka.Text.Tests;

public sealed class MultiAnalyzerTests
{
    private const string Params =
        """{"by_field": "lang", "analyzers": {"english": {"type": "english"}, "chinese": {"type": "chinese"}, "default": {"tokenizer": "whitespace"}}, "alias": {"en": "english", "cn": "chinese"}}""";

    private static string[] Terms(Analyzer analyzer, string text) => [.. analyzer.Tokens(text).Select(t => t.Term)];

    [Fact]
    public void A_name_picks_its_analyzer_through_the_alias_and_anything_else_the_default()
    {
        var multi = MultiAnalyzer.Parse(Params);
        Assert.Equal("lang", multi.ByField);
        Assert.Equal(["run", "dog"], Terms(multi.Resolve("english"), "Running dogs"));
        Assert.Equal(["run", "dog"], Terms(multi.Resolve("en"), "Running dogs"));
        Assert.Equal(["数据", "据库", "数据库"], Terms(multi.Resolve("cn"), "数据库"));
        Assert.Equal(["Running", "dogs"], Terms(multi.Resolve("fr"), "Running dogs"));
        Assert.Equal(["Running", "dogs"], Terms(multi.Resolve(null), "Running dogs"));
        // Parsed once for its params and shared.
        Assert.Same(multi, MultiAnalyzer.Parse(Params));
        // Names are case-sensitive, as Milvus's map lookups.
        Assert.Same(multi.Resolve("default"), multi.Resolve("English"));
    }

    [Fact]
    public void A_field_with_multi_language_analyzers_has_no_single_analyzer()
    {
        var field = new FieldSchema
        {
            FieldId = 101, Name = "text", DataType = DataType.VarChar,
            TypeParams = System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add(MultiAnalyzer.Key, Params).Add("enable_analyzer", "true"),
        };
        Assert.Equal(ErrorCode.OperationNotSupported, Assert.Throws<MilvusException>(() => AnalyzerParams.ForField(field)).Code);
        Assert.Equal(["run"], Terms(AnalyzerParams.ForField(field, "en"), "running"));
        Assert.Equal(["running"], Terms(AnalyzerParams.ForField(field, null), "running"));
    }

    [Theory]
    [InlineData("[]", ErrorCode.ParameterInvalid, "JSON object")]
    [InlineData("""{"analyzers": {"default": {}}}""", ErrorCode.ParameterInvalid, "must set by_field")]
    [InlineData("""{"by_field": 3, "analyzers": {"default": {}}}""", ErrorCode.ParameterInvalid, "by_field must be string")]
    [InlineData("""{"by_field": "lang"}""", ErrorCode.ParameterInvalid, "must set analyzers")]
    [InlineData("""{"by_field": "lang", "analyzers": []}""", ErrorCode.ParameterInvalid, "map of analyzer name")]
    [InlineData("""{"by_field": "lang", "analyzers": {"en": {"type": "english"}}}""", ErrorCode.ParameterInvalid, "must set default analyzer")]
    [InlineData("""{"by_field": "lang", "analyzers": {"default": {}}, "alias": ["en"]}""", ErrorCode.ParameterInvalid, "alias must be string map")]
    [InlineData("""{"by_field": "lang", "analyzers": {"default": {"tokenizer": {"type": "lindera", "dict_kind": "ipadic"}}}}""", ErrorCode.OperationNotSupported, "analyzer default params invalid")]
    public void Malformed_params_are_refused_with_milvus_messages(string json, ErrorCode code, string message)
    {
        var error = Assert.Throws<MilvusException>(() => MultiAnalyzer.Parse(json));
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message);
    }
}
