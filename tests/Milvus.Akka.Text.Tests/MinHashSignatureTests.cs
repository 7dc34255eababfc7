using System.Buffers.Binary;
using System.Collections.Immutable;
using Milvus.Akka.Common;

namespace Milvus.Akka.Text.Tests;

/// <summary>MinHash signatures: the share of agreeing values estimates the Jaccard similarity of the texts' shingle sets.</summary>
public sealed class MinHashSignatureTests
{
    private static readonly FieldSchema Text = new() { FieldId = 101, Name = "text", DataType = DataType.VarChar };

    private static FieldSchema Output(int dim) => new()
    {
        FieldId = 102, Name = "sig", DataType = DataType.BinaryVector,
        TypeParams = ImmutableSortedDictionary.CreateRange([KeyValuePair.Create(FieldSchema.DimKey, dim.ToString(System.Globalization.CultureInfo.InvariantCulture))]),
    };

    private static MinHashSignature Bind(int dim, params (string Key, string Value)[] parameters) => MinHashSignature.Bind(new FunctionSchema
    {
        Name = "minhash", Type = FunctionType.MinHash, InputFieldNames = ["text"], OutputFieldNames = ["sig"],
        Params = ImmutableSortedDictionary.CreateRange(parameters.Select(p => KeyValuePair.Create(p.Key, p.Value))),
    }, Text, Output(dim));

    private static uint[] Values(MinHashSignature signature, string? text)
    {
        var row = signature.Sign([text]);
        return [.. Enumerable.Range(0, signature.NumHashes).Select(i => BinaryPrimitives.ReadUInt32LittleEndian(row.AsSpan(i * 4)))];
    }

    private static double Agreement(uint[] a, uint[] b) => (double)a.Zip(b).Count(p => p.First == p.Second) / a.Length;

    /// <summary>The exact Jaccard similarity of two texts' sets of word shingles (lower-cased words, as the standard analyzer with lowercase gives).</summary>
    private static double WordShingleJaccard(string a, string b, int size)
    {
        static HashSet<string> Shingles(string text, int size)
        {
            var words = text.Split(' ');
            return [.. Enumerable.Range(0, words.Length - size + 1).Select(i => string.Join(' ', words.Skip(i).Take(size)))];
        }

        var (sa, sb) = (Shingles(a, size), Shingles(b, size));
        return (double)sa.Intersect(sb).Count() / sa.Union(sb).Count();
    }

    [Fact]
    public void The_share_of_agreeing_values_estimates_the_jaccard_similarity_of_word_shingles()
    {
        var random = new Random(7);
        var words = Enumerable.Range(0, 400).Select(i => $"w{i}").ToArray();
        var signature = Bind(512 * 32, ("shingle_size", "2"));
        foreach (var keep in new[] { 1.0, 0.8, 0.5, 0.2, 0.0 })
        {
            var a = string.Join(' ', Enumerable.Range(0, 200).Select(_ => words[random.Next(words.Length)]));
            var b = string.Join(' ', a.Split(' ').Select(w => random.NextDouble() < keep ? w : words[random.Next(words.Length)]));
            var exact = WordShingleJaccard(a, b, 2);
            var estimate = Agreement(Values(signature, a), Values(signature, b));
            // 512 hashes: the estimate's standard deviation is at most 0.5 / sqrt(512) ≈ 0.022.
            Assert.InRange(estimate, exact - 0.1, exact + 0.1);
        }
    }

    [Fact]
    public void Texts_with_the_same_shingles_agree_everywhere_and_a_text_without_any_is_all_maximum()
    {
        var signature = Bind(16 * 32, ("num_hashes", "16"), ("shingle_size", "3"), ("token_level", "word"));
        // The standard analyzer drops punctuation: the same words make the same shingles.
        Assert.Equal(Values(signature, "Completely unrelated text about cooking recipes."), Values(signature, "Completely unrelated text about cooking recipes!"));
        Assert.Equal(1.0, Agreement(Values(signature, "two words"), Values(signature, "two words")));
        Assert.All(Values(signature, null), v => Assert.Equal(uint.MaxValue, v));
        Assert.Equal(Values(signature, ""), Values(signature, "?!"));
        Assert.True(Agreement(Values(signature, "The quick brown fox jumps over the lazy dog"), Values(signature, "Machine learning is transforming artificial intelligence")) < 0.3);
    }

    [Fact]
    public void Character_shingles_seeds_and_hash_functions_each_make_their_own_signatures()
    {
        const string text = "The quick brown fox jumps over the lazy dog";
        var words = Values(Bind(64 * 32), text);
        var chars = Values(Bind(64 * 32, ("token_level", "char")), text);
        var seeded = Values(Bind(64 * 32, ("seed", "99")), text);
        var sha1 = Values(Bind(64 * 32, ("hash_function", "sha1")), text);
        Assert.True(Agreement(words, chars) < 0.2);
        Assert.True(Agreement(words, seeded) < 0.2);
        Assert.True(Agreement(words, sha1) < 0.2);
        Assert.Equal(words, Values(Bind(64 * 32), text));

        // A one-character edit keeps most character shingles.
        var charSignature = Bind(256 * 32, ("token_level", "char"));
        Assert.True(Agreement(Values(charSignature, text), Values(charSignature, text.Replace("lazy", "lacy", StringComparison.Ordinal))) > 0.7);
    }

    [Theory]
    [InlineData(512, "num_hashes", "8", "dim 512 does not match expected dim 256")]
    [InlineData(512, "num_hashes", "-1", "param num_hashes:-1 must be positive")]
    [InlineData(512, "shingle_size", "x", "param shingle_size:x is not a number")]
    [InlineData(512, "hash_function", "md5", "unknown hash function: md5")]
    [InlineData(512, "token_level", "sentence", "unknown token_level: sentence")]
    [InlineData(512, "seed", "1.5", "param seed:1.5 is not a number")]
    [InlineData(200, "shingle_size", "3", "dim 200 is not multiple of 32")]
    public void Parameters_are_checked_as_Milvus_checks_them(int dim, string key, string value, string message)
    {
        var e = Assert.Throws<MilvusException>(() => Bind(dim, (key, value)));
        Assert.Equal(ErrorCode.CollectionIllegalSchema, e.Code);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
