using System.Runtime.CompilerServices;
using System.Text;

namespace Milvus.Akka.Common;

/// <summary>
/// Stable hashing of primary keys onto shards and partition-key buckets. The function is part of the data
/// layout (a key's insert and its delete must meet in the same shard), so it must never change.
/// </summary>
public static class PrimaryKeyHash
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(long key)
    {
        // SplitMix64 finaliser: cheap and well mixed for sequential ids.
        var x = (ulong)key;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (uint)x ^ (uint)(x >> 32);
    }

    public static uint Hash(string key)
    {
        // FNV-1a over the UTF-8 bytes, without allocating for short keys.
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[key.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        var hash = 2166136261u;
        foreach (var b in buffer[..length])
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    public static int Bucket(long key, int buckets) => (int)(Hash(key) % (uint)buckets);

    public static int Bucket(string key, int buckets) => (int)(Hash(key) % (uint)buckets);
}
