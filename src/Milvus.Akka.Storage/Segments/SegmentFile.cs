using Milvus.Akka.Common;

namespace Milvus.Akka.Storage.Segments;

/// <summary>One immutable object of a segment with the size and XxHash64 it was written with, checked on every read.</summary>
public sealed record SegmentFile(string Key, long Size, ulong XxHash64)
{
    /// <summary>Stores <paramref name="bytes"/> under <paramref name="key"/> and describes the stored object.</summary>
    public static async Task<SegmentFile> PutAsync(IObjectStore store, string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        var file = new SegmentFile(key, bytes.Length, System.IO.Hashing.XxHash64.HashToUInt64(bytes.Span));
        await store.PutAsync(key, bytes, cancellationToken).ConfigureAwait(false);
        return file;
    }

    /// <summary>Reads the object and proves it is the one that was written: a truncated, replaced or corrupted object fails.</summary>
    public async Task<byte[]> GetVerifiedAsync(IObjectStore store, CancellationToken cancellationToken)
    {
        var bytes = await store.GetAsync(Key, cancellationToken).ConfigureAwait(false);
        if (bytes.LongLength != Size)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed,
                $"segment file '{Key}' is truncated or was replaced: expected {Size} bytes, found {bytes.LongLength}");
        }

        var hash = System.IO.Hashing.XxHash64.HashToUInt64(bytes);
        if (hash != XxHash64)
        {
            throw new MilvusException(ErrorCode.SegmentLoadFailed,
                $"segment file '{Key}' is corrupt: its XxHash64 is {hash:x16}, expected {XxHash64:x16}");
        }

        return bytes;
    }
}
