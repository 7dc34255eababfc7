using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Segments;

/// <summary>
/// What a sealed segment knows about its primary keys without loading them: min/max and a bloom filter, so a
/// delete or an upsert is routed only to segments that may hold the key. Never answers "no" for a key it holds.
/// </summary>
public sealed class PrimaryKeyStats
{
    /// <summary>Milvus's default false-positive rate for segment bloom filters.</summary>
    public const double DefaultFalsePositiveRate = 0.001;

    private const uint Magic = 0x4B50414D; // "MAPK"
    private const byte FormatVersion = 1;
    private const int MaxHashCount = 30;

    private readonly ulong[] _bits;
    private readonly long _bitCount;

    private PrimaryKeyStats(DataType keyType, int rowCount, int hashCount, ulong[] bits, long minInt64, long maxInt64, string? minString, string? maxString)
    {
        KeyType = keyType;
        RowCount = rowCount;
        HashCount = hashCount;
        _bits = bits;
        _bitCount = (long)bits.Length * 64;
        MinInt64 = minInt64;
        MaxInt64 = maxInt64;
        MinString = minString;
        MaxString = maxString;
    }

    /// <summary>Int64 or VarChar.</summary>
    public DataType KeyType { get; }

    public int RowCount { get; }

    public int HashCount { get; }

    public long BitCount => _bitCount;

    /// <summary>The smallest and largest Int64 key (meaningless when <see cref="RowCount"/> is 0).</summary>
    public long MinInt64 { get; }

    public long MaxInt64 { get; }

    /// <summary>The smallest and largest VarChar key in ordinal order; null for Int64 keys or no rows.</summary>
    public string? MinString { get; }

    public string? MaxString { get; }

    /// <summary>Builds the stats of a primary-key column (ScalarColumn&lt;long&gt; or StringColumn).</summary>
    public static PrimaryKeyStats Build(Column primaryKeys, double falsePositiveRate = DefaultFalsePositiveRate)
    {
        if (falsePositiveRate is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate), "the false-positive rate must lie strictly between 0 and 1");
        }

        var count = primaryKeys.Count;
        // The optimal filter for n keys and rate p: m = -n ln p / (ln 2)^2 bits and k = (m / n) ln 2 hashes.
        var bitCount = Math.Max(64, (long)Math.Ceiling(-Math.Max(count, 1) * Math.Log(falsePositiveRate) / (Math.Log(2) * Math.Log(2))));
        var bits = new ulong[(bitCount + 63) / 64];
        var hashCount = Math.Clamp((int)Math.Round((double)bits.Length * 64 / Math.Max(count, 1) * Math.Log(2)), 1, MaxHashCount);
        switch (primaryKeys)
        {
            case ScalarColumn<long> { Type: DataType.Int64 } column:
            {
                var stats = new PrimaryKeyStats(DataType.Int64, count, hashCount, bits,
                    count == 0 ? 0 : column.Values.Min(), count == 0 ? 0 : column.Values.Max(), null, null);
                foreach (var key in column.Values)
                {
                    stats.Add(Hash(key));
                }

                return stats;
            }

            case StringColumn column:
            {
                string? min = null, max = null;
                foreach (var key in column.Values)
                {
                    min = min is null || string.CompareOrdinal(key, min) < 0 ? key : min;
                    max = max is null || string.CompareOrdinal(key, max) > 0 ? key : max;
                }

                var stats = new PrimaryKeyStats(DataType.VarChar, count, hashCount, bits, 0, 0, min, max);
                foreach (var key in column.Values)
                {
                    stats.Add(Hash(key));
                }

                return stats;
            }

            default:
                throw new MilvusException(ErrorCode.ParameterInvalid, $"primary keys must be Int64 or VarChar, not {primaryKeys.Type}");
        }
    }

    public bool MayContain(long key)
    {
        RequireKeyType(DataType.Int64);
        return RowCount > 0 && key >= MinInt64 && key <= MaxInt64 && Test(Hash(key));
    }

    public bool MayContain(string key)
    {
        RequireKeyType(DataType.VarChar);
        return RowCount > 0 && string.CompareOrdinal(key, MinString) >= 0 && string.CompareOrdinal(key, MaxString) <= 0 && Test(Hash(key));
    }

    /// <summary>
    /// Little-endian: magic "MAPK", version, key type, row count, hash count, word count, min, max
    /// (Int64, or UTF-8 strings prefixed by their byte length), then the filter's 64-bit words.
    /// </summary>
    public byte[] Serialize()
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((byte)KeyType);
            writer.Write(RowCount);
            writer.Write(HashCount);
            writer.Write(_bits.Length);
            if (KeyType == DataType.Int64)
            {
                writer.Write(MinInt64);
                writer.Write(MaxInt64);
            }
            else
            {
                WriteString(writer, MinString ?? "");
                WriteString(writer, MaxString ?? "");
            }

            foreach (var word in _bits)
            {
                writer.Write(word);
            }
        }

        return stream.ToArray();
    }

    public static PrimaryKeyStats Deserialize(byte[] bytes)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            if (reader.ReadUInt32() != Magic || reader.ReadByte() != FormatVersion)
            {
                throw new InvalidDataException("not a primary-key stats file of a known version");
            }

            var keyType = (DataType)reader.ReadByte();
            var rowCount = reader.ReadInt32();
            var hashCount = reader.ReadInt32();
            var wordCount = reader.ReadInt32();
            if (keyType is not (DataType.Int64 or DataType.VarChar) || rowCount < 0 || hashCount is < 1 or > MaxHashCount || wordCount < 1)
            {
                throw new InvalidDataException("the header is inconsistent");
            }

            long minInt64 = 0, maxInt64 = 0;
            string? minString = null, maxString = null;
            if (keyType == DataType.Int64)
            {
                minInt64 = reader.ReadInt64();
                maxInt64 = reader.ReadInt64();
            }
            else
            {
                minString = ReadString(reader);
                maxString = ReadString(reader);
            }

            var bits = new ulong[wordCount];
            for (var i = 0; i < bits.Length; i++)
            {
                bits[i] = reader.ReadUInt64();
            }

            if (reader.BaseStream.Position != bytes.Length)
            {
                throw new InvalidDataException("trailing bytes after the filter");
            }

            return new PrimaryKeyStats(keyType, rowCount, hashCount, bits, minInt64, maxInt64,
                rowCount == 0 ? null : minString, rowCount == 0 ? null : maxString);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the primary-key stats are truncated", e);
        }
    }

    private void RequireKeyType(DataType keyType)
    {
        if (KeyType != keyType)
        {
            throw new MilvusException(ErrorCode.ParameterInvalid, $"these stats hold {KeyType} primary keys; a {keyType} key cannot be looked up");
        }
    }

    private void Add(UInt128 hash)
    {
        var (h1, h2) = ((ulong)hash, (ulong)(hash >> 64) | 1);
        for (var i = 0; i < HashCount; i++)
        {
            var bit = (h1 + (ulong)i * h2) % (ulong)_bitCount;
            _bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    // Kirsch–Mitzenmacher: k probes from two independent 64-bit halves of one 128-bit hash.
    private bool Test(UInt128 hash)
    {
        var (h1, h2) = ((ulong)hash, (ulong)(hash >> 64) | 1);
        for (var i = 0; i < HashCount; i++)
        {
            var bit = (h1 + (ulong)i * h2) % (ulong)_bitCount;
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static UInt128 Hash(long key)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, key);
        return XxHash128.HashToUInt128(bytes);
    }

    private static UInt128 Hash(string key)
    {
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        return XxHash128.HashToUInt128(bytes[..Encoding.UTF8.GetBytes(key, bytes)]);
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static string ReadString(BinaryReader reader)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException("a key length is out of range");
        }

        return Encoding.UTF8.GetString(reader.ReadBytes(length));
    }
}
