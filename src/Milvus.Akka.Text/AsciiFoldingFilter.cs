using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Milvus.Akka.Text;

/// <summary>
/// Milvus's <c>asciifolding</c> (tantivy's, after Lucene's): replaces each character that has an ASCII equivalent with it
/// — accented letters by their base letter (é → e), compatibility forms by what they stand for (ﬁ → fi, Ｆ → F, 𝐁 → B,
/// ² → 2), and the Latin letters and punctuation Unicode does not decompose by Lucene's spelling (ß → ss, æ → ae,
/// ø → o, ł → l, đ → d, þ → th, “ → ", – → -). Other characters are kept as they are. The table is generated from
/// Unicode's compatibility decompositions (NFKD, marks removed; folds of at most <see cref="MaxGrowth"/> ASCII
/// characters) by <c>AsciiFolding/generate.py</c>, as the server runs without ICU's normalization.
/// </summary>
internal sealed class AsciiFoldingFilter : TokenFilter
{
    public static readonly AsciiFoldingFilter Instance = new();

    /// <summary>The most characters one character folds to (Lucene's longest folds, such as ⑽ → (10), are four).</summary>
    public const int MaxGrowth = 4;

    private const string TableResource = "Milvus.Akka.Text.asciifolding.tsv";

    private static readonly Lazy<FrozenDictionary<int, string>> Folds = new(Load);

    public override int Growth => MaxGrowth;

    public override bool Apply(Span<char> buffer, ref int length)
    {
        var ascii = buffer[..length].IndexOfAnyExceptInRange('\0', '\x7F');
        if (ascii < 0)
        {
            return true;
        }

        var folds = Folds.Value;
        var maxLength = length * MaxGrowth;
        // Long tokens fold into a pooled array: no allocation per token on the ingest path.
        var rented = maxLength <= 256 ? null : ArrayPool<char>.Shared.Rent(maxLength);
        try
        {
            Span<char> folded = rented ?? stackalloc char[maxLength];
            buffer[..ascii].CopyTo(folded);
            var written = ascii;
            foreach (var rune in ((ReadOnlySpan<char>)buffer[ascii..length]).EnumerateRunes())
            {
                if (rune.IsAscii)
                {
                    folded[written++] = (char)rune.Value;
                }
                else if (folds.TryGetValue(rune.Value, out var fold))
                {
                    fold.CopyTo(folded[written..]);
                    written += fold.Length;
                }
                else
                {
                    written += rune.EncodeToUtf16(folded[written..]);
                }
            }

            folded[..written].CopyTo(buffer);
            length = written;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The generated table (<c>AsciiFolding/generate.py</c>): a code point in hex, a tab, its ASCII spelling, per line.</summary>
    private static FrozenDictionary<int, string> Load()
    {
        using var reader = new StreamReader(EmbeddedResources.Open(TableResource));
        var folds = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0 && line[0] != '#')
            {
                var tab = line.IndexOf('\t');
                folds[int.Parse(line.AsSpan(0, tab), NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = line[(tab + 1)..];
            }
        }

        return folds.ToFrozenDictionary();
    }
}
