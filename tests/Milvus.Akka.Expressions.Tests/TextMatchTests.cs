using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Milvus.Akka.Common;
using Xunit;

namespace Milvus.Akka.Expressions.Tests;

/// <summary>TEXT_MATCH and PHRASE_MATCH against a brute-force oracle over the same generated rows.</summary>
public sealed partial class TextMatchTests
{
    private static readonly string[] Vocabulary = ["Apple", "banana", "cherry", "date", "elder", "fig", "grape"];
    private static readonly string[] Separators = [" ", ", ", ". ", " - ", "  "];

    private static readonly CollectionSchema Schema = new()
    {
        Name = "docs",
        Fields =
        [
            new FieldSchema { FieldId = 100, Name = "id", DataType = DataType.Int64, IsPrimaryKey = true },
            new FieldSchema
            {
                FieldId = 101, Name = "text", DataType = DataType.VarChar, Nullable = true,
                TypeParams = ImmutableSortedDictionary<string, string>.Empty.Add("enable_analyzer", "true").Add("enable_match", "true"),
            },
            new FieldSchema { FieldId = 102, Name = "plain", DataType = DataType.VarChar },
            new FieldSchema { FieldId = 103, Name = "vec", DataType = DataType.FloatVector },
        ],
    };

    private readonly List<string?> _texts;
    private readonly RowBatch _batch;

    public TextMatchTests()
    {
        var random = new Random(1302);
        _texts = [.. Enumerable.Range(0, 600).Select(_ => random.NextDouble() < 0.05 ? null : Sentence(random))];
        _batch = new RowBatch(ImmutableDictionary<long, Column>.Empty
            .Add(100, new ScalarColumn<long>(DataType.Int64, [.. Enumerable.Range(0, _texts.Count).Select(i => (long)i)]))
            .Add(101, new StringColumn([.. _texts.Select(t => t ?? "")], [.. _texts.Select(t => t is not null)]))
            .Add(102, new StringColumn([.. _texts.Select(t => t ?? "")])));
    }

    private static string Sentence(Random random)
    {
        var words = Enumerable.Range(0, random.Next(0, 9)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]).ToList();
        return string.Concat(words.Select((w, i) => i == 0 ? w : Separators[random.Next(Separators.Length)] + w));
    }

    [GeneratedRegex("[^A-Za-z]+")]
    private static partial Regex NonLetters();

    /// <summary>The oracle's analyzer for this corpus: letter runs, lowercased.</summary>
    private static string[] Tokens(string text) => [.. NonLetters().Split(text).Where(t => t.Length > 0).Select(t => t.ToLowerInvariant())];

    /// <summary>Every way of placing the phrase's tokens at distinct text positions, checked for the slop.</summary>
    private static bool PhraseOracle(string text, string phrase, int slop)
    {
        var tokens = Tokens(text);
        var wanted = Tokens(phrase);
        if (wanted.Length == 0)
        {
            return false;
        }

        bool Place(int slot, int[] chosen)
        {
            if (slot == wanted.Length)
            {
                var shifts = chosen.Select((p, i) => p - i).ToArray();
                return shifts.Max() - shifts.Min() <= slop;
            }

            for (var p = 0; p < tokens.Length; p++)
            {
                if (tokens[p] == wanted[slot] && !chosen[..slot].Contains(p))
                {
                    chosen[slot] = p;
                    if (Place(slot + 1, chosen))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        return Place(0, new int[wanted.Length]);
    }

    /// <summary>
    /// Evaluates twice over the same column: the first read scans the rows, the second uses the column's token index
    /// (TokenIndexCache), and both must agree; so must the filter as a node rebuilds it from its plan.
    /// </summary>
    private List<long> Evaluate(string filter)
    {
        var expression = FilterExpression.Parse(filter, Schema);
        List<long> Matches(FilterExpression expression)
        {
            var bits = expression.Evaluate(_batch);
            return [.. Enumerable.Range(0, _texts.Count).Where(i => bits[i]).Select(i => (long)i)];
        }

        var scanned = Matches(expression);
        Assert.Equal(scanned, Matches(expression));
        Assert.Equal(scanned, Matches(TestData.ThroughPlan(expression, Schema)));
        return scanned;
    }

    private List<long> Oracle(Func<string, bool> matches) =>
        [.. Enumerable.Range(0, _texts.Count).Where(i => _texts[i] is { } text && matches(text)).Select(i => (long)i)];

    [Theory]
    [InlineData("apple")]
    [InlineData("APPLE fig")]
    [InlineData("banana, cherry. grape")]
    [InlineData("kiwi")]
    [InlineData("")]
    public void Text_match_equals_brute_force(string words)
    {
        var wanted = Tokens(words).ToHashSet();
        Assert.Equal(Oracle(text => Tokens(text).Any(wanted.Contains)), Evaluate($"TEXT_MATCH(text, '{words}')"));
    }

    [Theory]
    [InlineData("apple banana", 0)]
    [InlineData("apple banana", 1)]
    [InlineData("apple banana", 2)]
    [InlineData("banana apple cherry", 0)]
    [InlineData("banana apple cherry", 3)]
    [InlineData("fig fig", 0)]
    [InlineData("fig fig", 2)]
    [InlineData("grape", 0)]
    [InlineData("date elder fig grape", 4)]
    public void Phrase_match_equals_brute_force(string phrase, int slop)
    {
        var expected = Oracle(text => PhraseOracle(text, phrase, slop));
        Assert.Equal(expected, Evaluate($"PHRASE_MATCH(text, '{phrase}', {slop})"));
        if (slop == 0)
        {
            Assert.Equal(expected, Evaluate($"phrase_match(text, \"{phrase}\")"));
        }
    }

    [Fact]
    public void Match_functions_combine_with_other_conditions_and_skip_nulls()
    {
        var both = Oracle(text => Tokens(text).Contains("apple") && !Tokens(text).Contains("fig"));
        Assert.Equal(both, Evaluate("TEXT_MATCH(text, 'apple') and not TEXT_MATCH(text, 'fig')"));
        Assert.DoesNotContain(Evaluate("not TEXT_MATCH(text, 'apple')"), id => _texts[(int)id] is null);
    }

    [Theory]
    [InlineData("TEXT_MATCH(plain, 'apple')", "does not enable match")]
    [InlineData("TEXT_MATCH(id, 'apple')", "does not enable match")]
    [InlineData("TEXT_MATCH(missing, 'apple')", "must be a VarChar field")]
    [InlineData("TEXT_MATCH(text, 3)", "must be a string")]
    [InlineData("TEXT_MATCH(text)", "takes 2 arguments")]
    [InlineData("PHRASE_MATCH(text, 'a b', -1)", "non-negative integer")]
    [InlineData("PHRASE_MATCH(text, 'a b', 1.5)", "non-negative integer")]
    [InlineData("TEXT_MATCH(text, 'a') + 1 > 0", "is a condition")]
    public void Misused_match_functions_are_invalid(string filter, string problem)
    {
        var error = Assert.Throws<MilvusException>(() => FilterExpression.Parse(filter, Schema));
        Assert.Equal(ErrorCode.ParameterInvalid, error.Code);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void An_analyzer_this_engine_does_not_run_is_not_supported()
    {
        var schema = Schema with
        {
            Fields = Schema.Fields.SetItem(1, Schema.Fields[1] with { TypeParams = Schema.Fields[1].TypeParams.Add("analyzer_params", """{"tokenizer": "lindera"}""") }),
        };
        Assert.Equal(ErrorCode.OperationNotSupported, Assert.Throws<MilvusException>(() => FilterExpression.Parse("TEXT_MATCH(text, 'a')", schema)).Code);
    }
}
