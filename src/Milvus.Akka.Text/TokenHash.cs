using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Milvus.Akka.Text;

/// <summary>
/// The 32-bit hash Milvus reports for a token (RunAnalyzer's <c>with_hash</c>, and the dimension a BM25 function
/// writes a token to): MurmurHash3 x86_32 with seed 0 over the token's UTF-8 bytes.
/// </summary>
public static class TokenHash
{
    public static uint Of(ReadOnlySpan<char> token)
    {
        Span<byte> stack = stackalloc byte[256];
        var length = Encoding.UTF8.GetByteCount(token);
        var bytes = length <= stack.Length ? stack[..length] : new byte[length];
        Encoding.UTF8.GetBytes(token, bytes);
        return Murmur3(bytes, 0);
    }

    public static uint Murmur3(ReadOnlySpan<byte> data, uint seed)
    {
        const uint c1 = 0xcc9e2d51, c2 = 0x1b873593;
        var hash = seed;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 4)..]);
            k = BitOperations.RotateLeft(k * c1, 15) * c2;
            hash = BitOperations.RotateLeft(hash ^ k, 13) * 5 + 0xe6546b64;
        }

        var tail = data[(blocks * 4)..];
        uint last = 0;
        switch (tail.Length)
        {
            case 3:
                last ^= (uint)tail[2] << 16;
                goto case 2;
            case 2:
                last ^= (uint)tail[1] << 8;
                goto case 1;
            case 1:
                last ^= tail[0];
                hash ^= BitOperations.RotateLeft(last * c1, 15) * c2;
                break;
        }

        hash ^= (uint)data.Length;
        hash ^= hash >> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35;
        return hash ^ (hash >> 16);
    }
}
