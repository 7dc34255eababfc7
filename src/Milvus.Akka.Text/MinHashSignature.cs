using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Milvus.Akka.Common;

namespace Milvus.Akka.Text;

/// <summary>
/// A MinHash function (Milvus's <c>MinHash</c> function type): a text becomes the signature of its shingles, the
/// minimum over its shingles of each of <see cref="NumHashes"/> universal hashes <c>(a·x + b) mod (2^61 − 1)</c> of the
/// shingle's base hash (xxHash64 or SHA-1), written as that many little-endian 32-bit values into a BinaryVector of
/// dim <c>num_hashes × 32</c>. Two texts' signatures agree in a share of positions that estimates the Jaccard
/// similarity of their shingle sets (metric MHJACCARD). Shingles are <see cref="ShingleSize"/> consecutive words of the
/// input field's analyzer (<c>token_level</c> "word", the default) or characters ("char"); a text shorter than one
/// shingle is one shingle, and a text with none (null, empty, no tokens) has every value at its maximum. The hash
/// family comes from <c>seed</c>, so rows and query texts hash alike. The values are this server's: they are compared
/// with each other, never with Milvus's.
/// </summary>
public sealed class MinHashSignature
{
    public const string NumHashesKey = "num_hashes";
    public const string ShingleSizeKey = "shingle_size";
    public const string HashFunctionKey = "hash_function";
    public const string TokenLevelKey = "token_level";
    public const string SeedKey = "seed";

    /// <summary>Bits per signature value: a BinaryVector output holds <c>num_hashes × 32</c> bits.</summary>
    public const int BitsPerHash = 32;

    private const ulong MersennePrime = (1UL << 61) - 1;
    private const int DefaultShingleSize = 3;
    private const long DefaultSeed = 1234;

    private readonly Analyzer? _words;
    private readonly bool _sha1;
    private readonly ulong[] _a;
    private readonly ulong[] _b;

    private MinHashSignature(Analyzer? words, int numHashes, int shingleSize, bool sha1, long seed)
    {
        _words = words;
        NumHashes = numHashes;
        ShingleSize = shingleSize;
        _sha1 = sha1;
        (_a, _b) = HashFamily(numHashes, seed);
    }

    public int NumHashes { get; }

    public int ShingleSize { get; }

    /// <summary>Bytes of one signature (a row of the output BinaryVector).</summary>
    public int RowBytes => NumHashes * sizeof(uint);

    /// <summary>
    /// The function's parameters checked as Milvus checks them (the messages are Milvus's), with the input field's
    /// analyzer for word shingles. Without <c>num_hashes</c> the output's dim decides it.
    /// </summary>
    public static MinHashSignature Bind(FunctionSchema function, FieldSchema input, FieldSchema output)
    {
        var numHashes = 0;
        var shingleSize = DefaultShingleSize;
        var sha1 = false;
        var words = true;
        var seed = DefaultSeed;
        foreach (var (key, value) in function.Params)
        {
            switch (key.ToLowerInvariant())
            {
                case NumHashesKey:
                    numHashes = Positive(NumHashesKey, value);
                    break;
                case ShingleSizeKey:
                    shingleSize = Positive(ShingleSizeKey, value);
                    break;
                case HashFunctionKey:
                    sha1 = value.ToLowerInvariant() switch
                    {
                        "xxhash" or "xxhash64" => false,
                        "sha1" => true,
                        _ => throw Invalid($"unknown hash function: {value} (expected 'xxhash64' or 'sha1')"),
                    };
                    break;
                case TokenLevelKey:
                    words = value.ToLowerInvariant() switch
                    {
                        "word" => true,
                        "char" or "character" => false,
                        _ => throw Invalid($"unknown token_level: {value} (expected 'char' or 'word')"),
                    };
                    break;
                case SeedKey:
                    seed = long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : throw Invalid($"param seed:{value} is not a number");
                    break;
            }
        }

        if (numHashes > 0 && output.Dim != numHashes * BitsPerHash)
        {
            throw Invalid($"minhash function output field '{output.Name}' dim {output.Dim} does not match expected dim {numHashes * BitsPerHash} " +
                $"(numHashes {numHashes} * one minhash signature size of 32bit)");
        }

        if (output.Dim <= 0 || output.Dim % BitsPerHash != 0)
        {
            throw Invalid($"minhash function output field '{output.Name}' dim {output.Dim} is not multiple of 32 (one minhash signature size)");
        }

        return new MinHashSignature(words ? AnalyzerParams.ForField(input) : null, output.Dim / BitsPerHash, shingleSize, sha1, seed);
    }

    /// <summary>A function of <paramref name="schema"/> (checked when the schema was), bound to its input and output fields.</summary>
    public static MinHashSignature Of(CollectionSchema schema, FunctionSchema function) =>
        Bind(function, schema.FindField(function.InputFieldNames[0])!, schema.FindField(function.OutputFieldNames[0])!);

    /// <summary>The signatures of <paramref name="texts"/>, one row of <see cref="RowBytes"/> after another.</summary>
    public byte[] Sign(IReadOnlyList<string?> texts)
    {
        var rows = new byte[texts.Count * RowBytes];
        var words = new TokenHashes([]);
        var shingles = new List<ulong>();
        var minima = new ulong[NumHashes];
        for (var i = 0; i < texts.Count; i++)
        {
            Sign(texts[i], ref words, shingles, minima, rows.AsSpan(i * RowBytes, RowBytes));
        }

        return rows;
    }

    /// <summary>One text's signature into <paramref name="row"/>; <paramref name="words"/>, <paramref name="shingles"/> and <paramref name="minima"/> are scratch.</summary>
    private void Sign(string? text, ref TokenHashes words, List<ulong> shingles, ulong[] minima, Span<byte> row)
    {
        shingles.Clear();
        if (!string.IsNullOrEmpty(text))
        {
            if (_words is null)
            {
                AddShingles(MemoryMarshal.AsBytes(text.AsSpan()), sizeof(char), shingles);
            }
            else
            {
                words.Hashes.Clear();
                _words.Analyze(text, ref words);
                AddShingles(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(words.Hashes)), sizeof(ulong), shingles);
            }
        }

        minima.AsSpan().Fill(ulong.MaxValue);
        foreach (var shingle in shingles)
        {
            var x = shingle % MersennePrime;
            for (var h = 0; h < minima.Length; h++)
            {
                var value = (ulong)(((UInt128)_a[h] * x + _b[h]) % MersennePrime);
                if (value < minima[h])
                {
                    minima[h] = value;
                }
            }
        }

        for (var h = 0; h < minima.Length; h++)
        {
            // Below 2^61 a value's low 32 bits are kept; the maximum of a text without shingles stays the maximum.
            BinaryPrimitives.WriteUInt32LittleEndian(row[(h * sizeof(uint))..], (uint)minima[h]);
        }
    }

    /// <summary>The base hash of every window of <see cref="ShingleSize"/> units of <paramref name="unitBytes"/> bytes (the whole input when shorter).</summary>
    private void AddShingles(ReadOnlySpan<byte> units, int unitBytes, List<ulong> shingles)
    {
        var width = unitBytes * ShingleSize;
        if (units.IsEmpty)
        {
            return;
        }

        if (units.Length <= width)
        {
            shingles.Add(BaseHash(units));
            return;
        }

        for (var start = 0; start + width <= units.Length; start += unitBytes)
        {
            shingles.Add(BaseHash(units.Slice(start, width)));
        }
    }

    private ulong BaseHash(ReadOnlySpan<byte> bytes)
    {
        if (!_sha1)
        {
            return XxHash64.HashToUInt64(bytes);
        }

        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(bytes, digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }

    /// <summary>The (a, b) of each universal hash, drawn by SplitMix64 from the seed; a is never 0.</summary>
    private static (ulong[] A, ulong[] B) HashFamily(int count, long seed)
    {
        var state = (ulong)seed;
        var a = new ulong[count];
        var b = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            a[i] = Next(ref state) % (MersennePrime - 1) + 1;
            b[i] = Next(ref state) % MersennePrime;
        }

        return (a, b);

        static ulong Next(ref ulong s)
        {
            var z = s += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }

    private static int Positive(string key, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number > 0 && number <= int.MaxValue / BitsPerHash ? (int)number : throw Invalid($"param {key}:{number} must be positive")
            : throw Invalid($"param {key}:{value} is not a number");

    private static MilvusException Invalid(string message) => new(ErrorCode.CollectionIllegalSchema, message);

    /// <summary>Each word's xxHash64, in order: word shingles hash runs of these.</summary>
    private readonly struct TokenHashes(List<ulong> hashes) : ITokenSink
    {
        public List<ulong> Hashes => hashes;

        public bool Accept(scoped ReadOnlySpan<char> term, int start, int end, int position)
        {
            hashes.Add(XxHash64.HashToUInt64(MemoryMarshal.AsBytes(term)));
            return true;
        }
    }
}
