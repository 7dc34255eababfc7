using Google.Protobuf;
using Milvus.Akka.Common;
using Milvus.Akka.Index.Scalar.Formats;

namespace Milvus.Akka.Index.Scalar;

/// <summary>
/// The stored form of a scalar index: the magic "MASI" and one <c>ScalarIndexEntry</c> (Formats/scalar_index.proto).
/// </summary>
public static class ScalarIndexFile
{
    /// <summary>The format version this code writes and the newest it reads.</summary>
    public const uint FormatVersion = 1;

    public static ReadOnlySpan<byte> Magic => "MASI"u8;

    /// <summary>Whether <paramref name="file"/> is a scalar index file (vector index files start with another magic).</summary>
    public static bool Is(ReadOnlySpan<byte> file) => file.StartsWith(Magic);

    public static void Write(ScalarIndex index, Stream destination)
    {
        var entry = new ScalarIndexEntry
        {
            FormatVersion = FormatVersion,
            RowCount = index.RowCount,
            JsonPath = index.JsonPath,
            Lossy = index.Lossy,
            Elements = index.Elements,
            KeyKind = index.KeyType == typeof(long) ? KeyKind.Int64 : index.KeyType == typeof(double) ? KeyKind.Double : KeyKind.String,
        };
        switch (index)
        {
            case TrieIndex trie:
                entry.Kind = IndexKind.Trie;
                var nodes = trie.Nodes;
                entry.TrieLabels.AddRange(nodes.Labels.Select(c => (uint)c));
                entry.TrieChildStart.AddRange(nodes.ChildStart);
                entry.TrieChildCount.AddRange(nodes.ChildCount);
                entry.TrieTermLow.AddRange(nodes.TermLow);
                entry.TrieTermHigh.AddRange(nodes.TermHigh);
                entry.TrieTerminal.AddRange(nodes.Terminal);
                AddPostings(entry, trie.Postings);
                break;
            case InvertedIndex<long> inverted:
                WriteInverted(entry, inverted, inverted.Terms.ToArray());
                break;
            case InvertedIndex<double> inverted:
                WriteInverted(entry, inverted, inverted.Terms.ToArray());
                break;
            case InvertedIndex<string> inverted:
                WriteInverted(entry, inverted, inverted.Terms.ToArray());
                break;
            case SortedIndex<long> sorted:
                WriteSorted(entry, sorted, sorted.Values.ToArray());
                break;
            case SortedIndex<double> sorted:
                WriteSorted(entry, sorted, sorted.Values.ToArray());
                break;
            case BitmapIndex<long> bitmap:
                WriteBitmap(entry, bitmap, bitmap.Keys.ToArray());
                break;
            case BitmapIndex<double> bitmap:
                WriteBitmap(entry, bitmap, bitmap.Keys.ToArray());
                break;
            case BitmapIndex<string> bitmap:
                WriteBitmap(entry, bitmap, bitmap.Keys.ToArray());
                break;
            default:
                throw new ArgumentException($"no stored form for {index.GetType().Name}", nameof(index));
        }

        destination.Write(Magic);
        entry.WriteTo(destination);
    }

    private static void WriteInverted<TKey>(ScalarIndexEntry entry, InvertedIndex<TKey> index, TKey[] terms)
    {
        entry.Kind = IndexKind.Inverted;
        AddKeys(entry, terms);
        AddPostings(entry, index.Postings);
    }

    private static void WriteSorted<TKey>(ScalarIndexEntry entry, SortedIndex<TKey> index, TKey[] values)
    {
        entry.Kind = IndexKind.StlSort;
        AddKeys(entry, values);
        entry.Rows.AddRange(index.Rows.ToArray());
    }

    private static void WriteBitmap<TKey>(ScalarIndexEntry entry, BitmapIndex<TKey> index, TKey[] keys)
    {
        entry.Kind = IndexKind.Bitmap;
        AddKeys(entry, keys);
        entry.BitmapWords.AddRange(index.Words.ToArray());
    }

    private static void AddKeys<TKey>(ScalarIndexEntry entry, TKey[] keys)
    {
        switch (keys)
        {
            case long[] longs:
                entry.Int64Keys.AddRange(longs);
                break;
            case double[] doubles:
                entry.DoubleKeys.AddRange(doubles);
                break;
            case string[] strings:
                entry.StringKeys.AddRange(strings);
                break;
        }
    }

    private static void AddPostings(ScalarIndexEntry entry, Postings postings)
    {
        entry.Offsets.AddRange(postings.Offsets);
        entry.Rows.AddRange(postings.Rows);
    }

    /// <summary>Reads an index file; a file of a newer format version, or a damaged one, is refused with a clear error.</summary>
    public static ScalarIndex Read(ReadOnlySpan<byte> file)
    {
        if (!Is(file))
        {
            throw Corrupt("the magic number is missing");
        }

        ScalarIndexEntry entry;
        try
        {
            entry = ScalarIndexEntry.Parser.ParseFrom(file[Magic.Length..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Corrupt(e.Message);
        }

        if (entry.FormatVersion is 0 or > FormatVersion)
        {
            throw new MilvusException(ErrorCode.IndexNotSupported,
                $"the scalar index file has format version {entry.FormatVersion}; this version of Milvus.Akka reads versions 1 to {FormatVersion}");
        }

        var scope = new IndexScope(entry.RowCount, entry.JsonPath, entry.Lossy, entry.Elements);
        var postings = new Postings([.. entry.Offsets], [.. entry.Rows]);
        return (entry.Kind, entry.KeyKind) switch
        {
            (IndexKind.Trie, KeyKind.String) => new TrieIndex(scope, new TrieNodes(
                [.. entry.TrieLabels.Select(c => (char)c)], [.. entry.TrieChildStart], [.. entry.TrieChildCount],
                [.. entry.TrieTermLow], [.. entry.TrieTermHigh], [.. entry.TrieTerminal]), postings),
            (IndexKind.Inverted, KeyKind.Int64) => new InvertedIndex<long>(scope, [.. entry.Int64Keys], postings),
            (IndexKind.Inverted, KeyKind.Double) => new InvertedIndex<double>(scope, [.. entry.DoubleKeys], postings),
            (IndexKind.Inverted, KeyKind.String) => new InvertedIndex<string>(scope, [.. entry.StringKeys], postings),
            (IndexKind.StlSort, KeyKind.Int64) => new SortedIndex<long>(scope, [.. entry.Int64Keys], [.. entry.Rows]),
            (IndexKind.StlSort, KeyKind.Double) => new SortedIndex<double>(scope, [.. entry.DoubleKeys], [.. entry.Rows]),
            (IndexKind.Bitmap, KeyKind.Int64) => new BitmapIndex<long>(scope, [.. entry.Int64Keys], [.. entry.BitmapWords]),
            (IndexKind.Bitmap, KeyKind.Double) => new BitmapIndex<double>(scope, [.. entry.DoubleKeys], [.. entry.BitmapWords]),
            (IndexKind.Bitmap, KeyKind.String) => new BitmapIndex<string>(scope, [.. entry.StringKeys], [.. entry.BitmapWords]),
            var (kind, keys) => throw Corrupt($"a {kind} index of {keys} keys is not a known layout"),
        };
    }

    private static MilvusException Corrupt(string problem) =>
        new(ErrorCode.ServiceInternal, $"not a readable Milvus.Akka scalar index file: {problem}");
}
